"""Data-parallel kernels written as NumPy-style loops: maps, stencils, reductions, histograms, matrix products."""


def saxpy(a: float, xs: list[float], ys: list[float]) -> list[float]:
    """Return a * xs[i] + ys[i] over the common length of xs and ys."""
    n = min(len(xs), len(ys))
    out = [0.0] * n
    for i in range(n):
        out[i] = a * xs[i] + ys[i]
    return out


def vector_add(xs: list[int], ys: list[int]) -> list[int]:
    """Return the element-wise sum of xs and ys over their common length."""
    n = min(len(xs), len(ys))
    out = [0] * n
    for i in range(n):
        out[i] = xs[i] + ys[i]
    return out


def elementwise_product(xs: list[float], ys: list[float]) -> list[float]:
    """Return the element-wise product of xs and ys over their common length."""
    n = min(len(xs), len(ys))
    out = [0.0] * n
    for i in range(n):
        out[i] = xs[i] * ys[i]
    return out


def square_all(xs: list[int]) -> list[int]:
    """Return the square of every element of xs."""
    out: list[int] = []
    for x in xs:
        out.append(x * x)
    return out


def abs_values(xs: list[float]) -> list[float]:
    """Return the absolute value of every element of xs."""
    out: list[float] = []
    for x in xs:
        out.append(abs(x))
    return out


def relu(xs: list[float]) -> list[float]:
    """Return max(x, 0) for every element, keeping 0.0 for non-positive values."""
    out: list[float] = []
    for x in xs:
        if x > 0.0:
            out.append(x)
        else:
            out.append(0.0)
    return out


def threshold_flags(xs: list[int], t: int) -> list[bool]:
    """Return, for every element, whether it is at least t."""
    out: list[bool] = []
    for x in xs:
        out.append(x >= t)
    return out


def scale_and_shift(xs: list[float], scale: float, shift: float) -> list[float]:
    """Return scale * x + shift for every element of xs."""
    out: list[float] = []
    for x in xs:
        out.append(scale * x + shift)
    return out


def clamp_ints(xs: list[int], lo: int, hi: int) -> list[int]:
    """Clamp every element into [min(lo, hi), max(lo, hi)]."""
    a = min(lo, hi)
    b = max(lo, hi)
    out: list[int] = []
    for x in xs:
        out.append(min(max(x, a), b))
    return out


def sign_map(xs: list[int]) -> list[int]:
    """Return -1, 0 or 1 for negative, zero and positive elements."""
    out: list[int] = []
    for x in xs:
        if x < 0:
            out.append(-1)
        elif x == 0:
            out.append(0)
        else:
            out.append(1)
    return out


def polynomial_map(xs: list[float], a: float, b: float, c: float) -> list[float]:
    """Evaluate a * x * x + b * x + c at every element of xs."""
    out: list[float] = []
    for x in xs:
        out.append(a * x * x + b * x + c)
    return out


def collatz_steps_each(xs: list[int]) -> list[int]:
    """Return the Collatz step count of abs(x) + 1 for every element, capped at 300 steps."""
    out: list[int] = []
    for x in xs:
        v = abs(x) + 1
        steps = 0
        while v != 1 and steps < 300:
            if v % 2 == 0:
                v = v // 2
            else:
                v = 3 * v + 1
            steps += 1
        out.append(steps)
    return out


def forward_difference(xs: list[int]) -> list[int]:
    """Return xs[i] - xs[i - 1] for i >= 1, with 0 in the first position."""
    out = [0] * len(xs)
    for i in range(1, len(xs)):
        out[i] = xs[i] - xs[i - 1]
    return out


def blur3(xs: list[float]) -> list[float]:
    """Average each interior element with its two neighbours; the ends stay 0.0."""
    out = [0.0] * len(xs)
    for i in range(1, len(xs) - 1):
        out[i] = (xs[i - 1] + xs[i] + xs[i + 1]) / 3.0
    return out


def laplacian_1d(xs: list[int]) -> list[int]:
    """Return the discrete second difference at each interior point; the ends stay 0."""
    out = [0] * len(xs)
    for i in range(1, len(xs) - 1):
        out[i] = xs[i - 1] - 2 * xs[i] + xs[i + 1]
    return out


def sum_ints(xs: list[int]) -> int:
    """Return the sum of xs."""
    total = 0
    for x in xs:
        total += x
    return total


def sum_of_squares(xs: list[int]) -> int:
    """Return the sum of the squares of xs."""
    total = 0
    for x in xs:
        total += x * x
    return total


def count_negatives(xs: list[int]) -> int:
    """Return how many elements of xs are negative."""
    count = 0
    for x in xs:
        if x < 0:
            count += 1
    return count


def count_in_range(xs: list[int], lo: int, hi: int) -> int:
    """Return how many elements lie in the closed interval [lo, hi]."""
    count = 0
    for x in xs:
        if lo <= x and x <= hi:
            count += 1
    return count


def count_matches(xs: list[int], ys: list[int]) -> int:
    """Return how many positions of the common length hold equal elements."""
    n = min(len(xs), len(ys))
    count = 0
    for i in range(n):
        if xs[i] == ys[i]:
            count += 1
    return count


def max_value(xs: list[int]) -> int:
    """Return the largest element, or -1000000000 for an empty list."""
    best = -1000000000
    for x in xs:
        if x > best:
            best = x
    return best


def min_value(xs: list[int]) -> int:
    """Return the smallest element, or 1000000000 for an empty list."""
    best = 1000000000
    for x in xs:
        best = min(best, x)
    return best


def any_negative(xs: list[int]) -> bool:
    """Return whether some element is negative."""
    found = False
    for x in xs:
        if x < 0:
            found = True
    return found


def all_even(xs: list[int]) -> bool:
    """Return whether every element is even."""
    ok = True
    for x in xs:
        if x % 2 != 0:
            ok = False
    return ok


def float_sum(xs: list[float]) -> float:
    """Return the sum of xs."""
    total = 0.0
    for x in xs:
        total += x
    return total


def l1_norm(xs: list[float]) -> float:
    """Return the sum of the absolute values of xs."""
    total = 0.0
    for x in xs:
        total += abs(x)
    return total


def weighted_sum(xs: list[float], ws: list[float]) -> float:
    """Return the sum of xs[i] * ws[i] over the common length."""
    n = min(len(xs), len(ws))
    total = 0.0
    for i in range(n):
        total += xs[i] * ws[i]
    return total


def digit_histogram(xs: list[int]) -> list[int]:
    """Count the last decimal digit of abs(x) of every element into ten bins."""
    bins = [0] * 10
    for x in xs:
        bins[abs(x) % 10] += 1
    return bins


def sign_histogram(xs: list[int]) -> list[int]:
    """Count negative, zero and positive elements into three bins, in that order."""
    bins = [0] * 3
    for x in xs:
        b = 1
        if x < 0:
            b = 0
        if x > 0:
            b = 2
        bins[b] += 1
    return bins


def row_max(m: list[list[int]]) -> list[int]:
    """Return the largest entry of each row (-1000000000 for an empty row)."""
    out = [0] * len(m)
    for i in range(len(m)):
        best = -1000000000
        for j in range(len(m[i])):
            if m[i][j] > best:
                best = m[i][j]
        out[i] = best
    return out


def column_sums(m: list[list[int]]) -> list[int]:
    """Return the sum of each column of the rectangular matrix m."""
    cols = len(m[0]) if len(m) > 0 else 0
    out = [0] * cols
    for j in range(cols):
        total = 0
        for i in range(len(m)):
            total += m[i][j]
        out[j] = total
    return out


def matvec(m: list[list[float]], v: list[float]) -> list[float]:
    """Return the product of m and v, each row truncated to the length of v."""
    out = [0.0] * len(m)
    for i in range(len(m)):
        total = 0.0
        for j in range(min(len(m[i]), len(v))):
            total += m[i][j] * v[j]
        out[i] = total
    return out


def matrix_scale(m: list[list[int]], k: int) -> list[list[int]]:
    """Return m with every entry multiplied by k."""
    rows = len(m)
    cols = len(m[0]) if len(m) > 0 else 0
    out = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            out[i][j] = m[i][j] * k
    return out


def matrix_difference(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """Return a - b over their common top-left block."""
    rows = min(len(a), len(b))
    cols = min(len(a[0]), len(b[0])) if len(a) > 0 and len(b) > 0 else 0
    out = [[0.0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            out[i][j] = a[i][j] - b[i][j]
    return out


def transpose_grid(m: list[list[int]]) -> list[list[int]]:
    """Return the transpose of the rectangular matrix m."""
    rows = len(m)
    cols = len(m[0]) if len(m) > 0 else 0
    out = [[0] * rows for _ in range(cols)]
    for i in range(cols):
        for j in range(rows):
            out[i][j] = m[j][i]
    return out


def outer_product(xs: list[int], ys: list[int]) -> list[list[int]]:
    """Return the matrix of xs[i] * ys[j]."""
    out = [[0] * len(ys) for _ in range(len(xs))]
    for i in range(len(xs)):
        for j in range(len(ys)):
            out[i][j] = xs[i] * ys[j]
    return out


def matmul_grid(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """Return a times b, the inner dimension cut to the shorter of a's rows and b's height."""
    n = len(a)
    p = len(b[0]) if len(b) > 0 else 0
    k = min(len(a[0]) if len(a) > 0 else 0, len(b))
    out = [[0] * p for _ in range(n)]
    for i in range(n):
        for j in range(p):
            total = 0
            for t in range(k):
                total += a[i][t] * b[t][j]
            out[i][j] = total
    return out
