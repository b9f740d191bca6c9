"""Functions the replay cassette translates with the `direct` strategy (copied from data/seed)."""


def digit_sum(n: int) -> int:
    """Return the sum of the decimal digits of the absolute value of n."""
    m = abs(n)
    total = 0
    while m > 0:
        total += m % 10
        m //= 10
    return total


def count_vowels(s: str) -> int:
    """Count the ASCII vowels in s, upper or lower case."""
    count = 0
    for c in s:
        if c == "a" or c == "e" or c == "i" or c == "o" or c == "u":
            count += 1
        elif c == "A" or c == "E" or c == "I" or c == "O" or c == "U":
            count += 1
    return count


def dot_product(xs: list[int], ys: list[int]) -> int:
    """Return the dot product of xs and ys over their common prefix."""
    n = min(len(xs), len(ys))
    total = 0
    for i in range(n):
        total += xs[i] * ys[i]
    return total


def is_sorted(xs: list[int]) -> bool:
    """Return True when xs is in non-decreasing order."""
    for i in range(1, len(xs)):
        if xs[i - 1] > xs[i]:
            return False
    return True
