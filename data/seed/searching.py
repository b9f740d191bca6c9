"""Searching in short lists and strings: linear scans, binary search, nearest values."""


def linear_search(xs: list[int], target: int) -> int:
    """Return the first index of target in xs, or -1 when it is absent."""
    for i in range(len(xs)):
        if xs[i] == target:
            return i
    return -1


def binary_search_sorted(xs: list[int], target: int) -> int:
    """Sort a copy of xs by insertion and return target's index in it by bisection, or -1."""
    a: list[int] = []
    for x in xs:
        a.append(x)
    for i in range(1, len(a)):
        key = a[i]
        j = i - 1
        while j >= 0:
            if a[j] <= key:
                break
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    lo = 0
    hi = len(a) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if a[mid] == target:
            return mid
        if a[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1


def count_occurrences(xs: list[int], target: int) -> int:
    """Count how many elements of xs equal target modulo 10."""
    count = 0
    for x in xs:
        if x % 10 == target % 10:
            count += 1
    return count


def argmax(xs: list[float]) -> int:
    """Return the index of the first largest element of xs, or -1 when xs is empty."""
    if len(xs) == 0:
        return -1
    best = 0
    for i in range(1, len(xs)):
        if xs[i] > xs[best]:
            best = i
    return best


def first_negative_index(xs: list[int]) -> int:
    """Return the index of the first negative element of xs, or -1 when there is none."""
    i = 0
    while i < len(xs):
        if xs[i] < 0:
            return i
        i += 1
    return -1


def two_sum_exists(xs: list[int], target: int) -> bool:
    """Return True when the values at two distinct positions of xs sum to within 100 of target."""
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            if abs(xs[i] + xs[j] - target) <= 100:
                return True
    return False


def find_substring(s: str, t: str) -> int:
    """Return the first index where t occurs in s, or -1 when it does not occur."""
    m = len(t)
    for i in range(len(s) - m + 1):
        if s[i:i + m] == t:
            return i
    return -1
