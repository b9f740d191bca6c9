def digit_sum(n: int) -> int:
    """Sum of the decimal digits of |n|."""
    if n < 0:
        n = -n
    s = 0
    while n > 0:
        s += n % 10
        n //= 10
    return s
