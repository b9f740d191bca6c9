"""One-dimensional array kernels over short int, float and bool lists."""


def prefix_sums(xs: list[int]) -> list[int]:
    """Return the running totals of xs, where element i is the sum of xs[0..i]."""
    out: list[int] = []
    total = 0
    for x in xs:
        total += x
        out.append(total)
    return out


def dot_product(xs: list[int], ys: list[int]) -> int:
    """Return the dot product of xs and ys over their common prefix."""
    n = min(len(xs), len(ys))
    total = 0
    for i in range(n):
        total += xs[i] * ys[i]
    return total


def running_max(xs: list[int]) -> list[int]:
    """Return a list whose element i is the maximum of xs[0..i]."""
    out: list[int] = []
    if len(xs) == 0:
        return out
    best = xs[0]
    for x in xs:
        if x > best:
            best = x
        out.append(best)
    return out


def moving_average(xs: list[float], window: int) -> list[float]:
    """Return the means of every window of width 1 + |window| mod 3 sliding over xs."""
    w = 1 + abs(window) % 3
    out: list[float] = []
    for i in range(len(xs) - w + 1):
        total = 0.0
        for j in range(i, i + w):
            total += xs[j]
        out.append(total / w)
    return out


def count_above(xs: list[int], threshold: int) -> int:
    """Count the elements of xs strictly greater than threshold."""
    count = 0
    for x in xs:
        if x > threshold:
            count += 1
    return count


def reversed_copy(xs: list[int]) -> list[int]:
    """Return a new list holding the elements of xs in reverse order."""
    out: list[int] = []
    for i in range(len(xs) - 1, -1, -1):
        out.append(xs[i])
    return out


def rotate_left(xs: list[int], k: int) -> list[int]:
    """Return xs rotated left by k positions (k taken modulo the length)."""
    n = len(xs)
    out = [0] * n
    if n == 0:
        return out
    shift = k % n
    for i in range(n):
        out[i] = xs[(i + shift) % n]
    return out


def clip_values(xs: list[float], lo: float, hi: float) -> list[float]:
    """Return xs with every element clamped into the interval between lo and hi."""
    a = min(lo, hi)
    b = max(lo, hi)
    out: list[float] = []
    for x in xs:
        if x < a:
            out.append(a)
        elif x > b:
            out.append(b)
        else:
            out.append(x)
    return out


def histogram_bins(xs: list[int]) -> list[int]:
    """Count xs into four equal bins spanning [-1000, 1000], clamping outliers to the ends."""
    bins = [0] * 4
    for x in xs:
        idx = (x + 1000) // 500
        if idx < 0:
            idx = 0
        if idx > 3:
            idx = 3
        bins[idx] += 1
    return bins


def second_largest(xs: list[int]) -> int:
    """Return the largest value strictly below the maximum, the maximum if none, 0 if empty."""
    if len(xs) == 0:
        return 0
    top = max(xs)
    found = False
    second = top
    for x in xs:
        if x < top:
            if not found or x > second:
                second = x
                found = True
    return second


def dedupe_adjacent(xs: list[int]) -> list[int]:
    """Return xs with each run of equal adjacent elements collapsed to one element."""
    out: list[int] = []
    if len(xs) == 0:
        return out
    out.append(xs[0])
    for i in range(1, len(xs)):
        if xs[i] != xs[i - 1]:
            out.append(xs[i])
    return out


def mask_values(xs: list[int], keep: list[bool]) -> list[int]:
    """Return xs with entries whose matching keep flag is False (or missing) replaced by 0."""
    out = [0] * len(xs)
    n = min(len(xs), len(keep))
    for i in range(n):
        if keep[i]:
            out[i] = xs[i]
    return out
