def binom(n: int, k: int) -> int:
    """C(n, k) as a running product then division."""
    if k < 0 or k > n:
        return 0
    r = 1
    for i in range(1, k + 1):
        r = r * (n - k + i) // i
    return r
