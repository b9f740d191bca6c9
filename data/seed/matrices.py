"""Kernels over small rectangular int and float matrices, checking shapes before use."""


def transpose(m: list[list[int]]) -> list[list[int]]:
    """Return the transpose of the rectangular matrix m."""
    rows = len(m)
    if rows == 0:
        empty: list[list[int]] = []
        return empty
    cols = len(m[0])
    out = [[0] * rows for _ in range(cols)]
    for i in range(rows):
        for j in range(cols):
            out[j][i] = m[i][j]
    return out


def matmul(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """Return the product a times b, or an empty matrix when the inner sizes differ."""
    empty: list[list[int]] = []
    if len(a) == 0 or len(b) == 0:
        return empty
    n = len(a)
    k = len(a[0])
    p = len(b[0])
    if k != len(b):
        return empty
    out = [[0] * p for _ in range(n)]
    for i in range(n):
        for j in range(p):
            total = 0
            for t in range(k):
                total += a[i][t] * b[t][j]
            out[i][j] = total
    return out


def trace(m: list[list[int]]) -> int:
    """Return the sum of the diagonal m[i][i] for i below min(rows, cols)."""
    if len(m) == 0:
        return 0
    n = min(len(m), len(m[0]))
    total = 0
    for i in range(n):
        total += m[i][i]
    return total


def row_sums(m: list[list[float]]) -> list[float]:
    """Return the sum of each row of m."""
    out: list[float] = []
    for i in range(len(m)):
        total = 0.0
        for j in range(len(m[i])):
            total += m[i][j]
        out.append(total)
    return out


def column_max(m: list[list[int]]) -> list[int]:
    """Return the maximum of each column of m, or an empty list when m has no rows."""
    out: list[int] = []
    if len(m) == 0:
        return out
    for j in range(len(m[0])):
        best = m[0][j]
        for i in range(1, len(m)):
            if m[i][j] > best:
                best = m[i][j]
        out.append(best)
    return out


def identity(n: int) -> list[list[int]]:
    """Return the identity matrix of size n clamped into [0, 10]."""
    k = min(max(n, 0), 10)
    out = [[0] * k for _ in range(k)]
    for i in range(k):
        out[i][i] = 1
    return out


def scale_matrix(m: list[list[float]], factor: float) -> list[list[float]]:
    """Return m with every entry multiplied by factor."""
    rows = len(m)
    cols = 0
    if rows > 0:
        cols = len(m[0])
    out = [[0.0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            out[i][j] = m[i][j] * factor
    return out


def matrix_add(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """Return the sum of a and b over their common top-left block."""
    rows = min(len(a), len(b))
    cols = 0
    if rows > 0:
        cols = min(len(a[0]), len(b[0]))
    out = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            out[i][j] = a[i][j] + b[i][j]
    return out


def frobenius_norm(m: list[list[float]]) -> float:
    """Return the square root of the sum of the squared entries of m."""
    total = 0.0
    for i in range(len(m)):
        for j in range(len(m[i])):
            total += m[i][j] * m[i][j]
    return total ** 0.5
