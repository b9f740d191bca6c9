def count_changes(xs: list[int]) -> int:
    """Adjacent positions whose values differ."""
    c = 0
    for i in range(len(xs) - 1):
        if xs[i] != xs[i + 1]:
            c += 1
    return c
