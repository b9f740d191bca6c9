def ipow(b: int, e: int) -> int:
    """b ** e for e >= 0 by repeated squaring (0 for negative e)."""
    if e < 0:
        return 0
    r = 1
    while e > 0:
        if e % 2 == 1:
            r = r * b
        e = e // 2
        if e > 0:
            b = b * b
    return r
