"""Functions the replay cassette translates with the `draft` strategy (copied from data/seed)."""


def trace(m: list[list[int]]) -> int:
    """Return the sum of the diagonal m[i][i] for i below min(rows, cols)."""
    if len(m) == 0:
        return 0
    n = min(len(m), len(m[0]))
    total = 0
    for i in range(n):
        total += m[i][i]
    return total
