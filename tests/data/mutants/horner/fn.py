def horner(coeffs: list[int], x: int) -> int:
    """Polynomial with coefficients from the highest degree down, evaluated at x."""
    acc = 0
    for c in coeffs:
        acc = acc * x + c
    return acc
