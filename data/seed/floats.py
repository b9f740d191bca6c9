"""Floating-point statistics, polynomial evaluation and simple numerical methods."""


def mean(xs: list[float]) -> float:
    """Return the arithmetic mean of xs, or 0.0 for an empty list."""
    if len(xs) == 0:
        return 0.0
    return sum(xs) / len(xs)


def variance(xs: list[float]) -> float:
    """Return the population variance of xs by the two-pass method, or 0.0 if empty."""
    n = len(xs)
    if n == 0:
        return 0.0
    total = 0.0
    for x in xs:
        total += x
    mu = total / n
    acc = 0.0
    for x in xs:
        acc += (x - mu) * (x - mu)
    return acc / n


def horner(coeffs: list[float], x: float) -> float:
    """Evaluate the polynomial with coefficients coeffs (highest degree first) at x."""
    result = 0.0
    for c in coeffs:
        result = result * x + c
    return result


def newton_sqrt(v: float) -> float:
    """Approximate the square root of |v| with 40 Newton iterations."""
    x = abs(v)
    if x == 0.0:
        return 0.0
    g = x if x > 1.0 else 1.0
    for i in range(40):
        g = 0.5 * (g + x / g)
    return g


def trapezoid_area(ys: list[float], dx: float) -> float:
    """Integrate samples ys spaced dx apart with the trapezoid rule."""
    area = 0.0
    for i in range(1, len(ys)):
        area += (ys[i - 1] + ys[i]) * dx / 2.0
    return area


def celsius_to_fahrenheit(c: float) -> float:
    """Convert a temperature from degrees Celsius to degrees Fahrenheit."""
    return c * 9.0 / 5.0 + 32.0


def lerp(a: float, b: float, t: float) -> float:
    """Linearly interpolate from a to b by the fraction t."""
    return a + (b - a) * t


def exp_series(x: float) -> float:
    """Approximate e to the power x, with x clamped to [-10, 10], by 60 Taylor terms."""
    y = min(max(x, -10.0), 10.0)
    term = 1.0
    total = 1.0
    for k in range(1, 60):
        term = term * y / float(k)
        total += term
    return total


def wrap_degrees(angle: float) -> float:
    """Wrap an angle in degrees into the half-open interval [0, 360)."""
    return angle % 360.0


def mean_and_spread(xs: list[float]) -> tuple[float, float]:
    """Return the mean of xs and the distance between its largest and smallest values."""
    if len(xs) == 0:
        return 0.0, 0.0
    return sum(xs) / len(xs), max(xs) - min(xs)


def round_half_away(x: float, places: int) -> float:
    """Round x to |places| mod 4 decimals, halves away from zero, via int truncation."""
    p = abs(places) % 4
    scale = 1.0
    for i in range(p):
        scale = scale * 10.0
    scaled = abs(x) * scale + 0.5
    whole = float(int(scaled)) / scale
    return -whole if x < 0.0 else whole
