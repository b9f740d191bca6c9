def diag_sum(m: list[list[int]]) -> int:
    """Sum of the main diagonal of a (possibly non-square) matrix."""
    if len(m) == 0:
        return 0
    n = min(len(m), len(m[0]))
    total = 0
    for i in range(n):
        total += m[i][i]
    return total
