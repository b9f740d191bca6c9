"""Integer number theory and digit loops that stay inside int64 for inputs in [-1000, 1000]."""


def gcd(a: int, b: int) -> int:
    """Return the non-negative greatest common divisor of a and b by Euclid's algorithm."""
    x = abs(a)
    y = abs(b)
    while y != 0:
        t = x % y
        x = y
        y = t
    return x


def digit_sum(n: int) -> int:
    """Return the sum of the decimal digits of the absolute value of n."""
    m = abs(n)
    total = 0
    while m > 0:
        total += m % 10
        m //= 10
    return total


def count_primes_below(n: int) -> int:
    """Count the primes strictly less than n by trial division."""
    count = 0
    for k in range(2, n):
        is_prime = True
        d = 2
        while d * d <= k:
            if k % d == 0:
                is_prime = False
                break
            d += 1
        if is_prime:
            count += 1
    return count


def integer_sqrt(n: int) -> int:
    """Return the floor of the square root of n by bisection, or -1 when n is negative."""
    if n < 0:
        return -1
    lo = 0
    hi = n + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if mid * mid <= n:
            lo = mid
        else:
            hi = mid
    return lo


def power_mod(base: int, exponent: int, modulus: int) -> int:
    """Return base to the power |exponent| modulo |modulus| + 1 by square-and-multiply."""
    m = abs(modulus) + 1
    result = 1 % m
    b = base % m
    e = abs(exponent)
    while e > 0:
        if e % 2 == 1:
            result = result * b % m
        b = b * b % m
        e //= 2
    return result


def collatz_length(n: int) -> int:
    """Return the number of Collatz steps from n to 1, capped at 1000, and 0 when n <= 0."""
    if n <= 0:
        return 0
    steps = 0
    m = n
    while m != 1 and steps < 1000:
        if m % 2 == 0:
            m //= 2
        else:
            m = 3 * m + 1
        steps += 1
    return steps


def is_perfect(n: int) -> bool:
    """Return True when n is positive and equal to the sum of its proper divisors."""
    if n <= 1:
        return False
    total = 1
    d = 2
    while d * d <= n:
        if n % d == 0:
            total += d
            if d != n // d:
                total += n // d
        d += 1
    return total == n


def factorial_mod(n: int) -> int:
    """Return n factorial modulo 1_000_000_007, treating negative n as 0."""
    p = 1_000_000_007
    result = 1
    for k in range(2, n + 1):
        result = result * k % p
    return result


def fibonacci_capped(n: int) -> int:
    """Return the Fibonacci number of index n mod 90, computed iteratively."""
    k = n % 90
    a = 0
    b = 1
    for i in range(k):
        t = a + b
        a = b
        b = t
    return a


def quotient_and_remainder(a: int, b: int) -> tuple[int, int]:
    """Return the floor quotient and the remainder (sign of b) of a divided by b."""
    q = a // b
    r = a % b
    return q, r


def binomial_capped(n: int, k: int) -> int:
    """Return C(m, |k| mod (m + 1)) with m = |n| mod 60, read from one Pascal row."""
    m = abs(n) % 60
    r = abs(k) % (m + 1)
    row = [0] * (m + 1)
    row[0] = 1
    for i in range(1, m + 1):
        for j in range(i, 0, -1):
            row[j] = row[j] + row[j - 1]
    return row[r]
