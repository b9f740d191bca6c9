def isqrt(n: int) -> int:
    """Largest r with r * r <= n (0 for n <= 0), by bisection."""
    if n <= 0:
        return 0
    lo = 0
    hi = 3037000499
    if n < hi:
        hi = n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid * mid <= n:
            lo = mid
        else:
            hi = mid - 1
    return lo
