"""Self-recursive functions with small bounds; calls to a user function are outside the subset."""


def factorial_recursive(n: int) -> int:
    """Return the factorial of n mod 20 by recursion."""
    k = n % 20
    if k <= 1:
        return 1
    return k * factorial_recursive(k - 1)


def fibonacci_recursive(n: int) -> int:
    """Return the Fibonacci number of index n mod 20 by naive double recursion."""
    k = n % 20
    if k < 2:
        return k
    return fibonacci_recursive(k - 1) + fibonacci_recursive(k - 2)


def gcd_recursive(a: int, b: int) -> int:
    """Return the non-negative greatest common divisor of a and b by recursive Euclid."""
    if b == 0:
        return abs(a)
    return gcd_recursive(b, a % b)


def digit_sum_recursive(n: int) -> int:
    """Return the sum of the decimal digits of |n| by recursion on n // 10."""
    if n < 0:
        return digit_sum_recursive(-n)
    if n < 10:
        return n
    return n % 10 + digit_sum_recursive(n // 10)


def ackermann_small(m: int, n: int) -> int:
    """Return Ackermann's A(m, n) for 0 <= m <= 2 and n >= 0 small enough for m, else -1."""
    if m < 0 or m > 2 or n < 0:
        return -1
    if (m == 1 and n > 500) or (m == 2 and n > 100):
        return -1
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann_small(m - 1, 1)
    return ackermann_small(m - 1, ackermann_small(m, n - 1))
