def run_count(xs: list[int]) -> int:
    """Number of maximal runs of equal adjacent values."""
    if len(xs) == 0:
        return 0
    runs = 1
    for i in range(1, len(xs)):
        if xs[i] != xs[i - 1]:
            runs += 1
    return runs
