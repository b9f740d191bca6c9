"""Functions outside the lowering subset that the replay cassette takes through `via-ir`
(copied from data/seed/outside_subset.py: a generator expression with `sum`, a filtered
comprehension, `enumerate` over `zip`)."""


def sum_of_squares_gen(xs: list[int]) -> int:
    """Return the sum of the squares of xs through a generator expression."""
    return sum(x * x for x in xs)


def positive_squares(xs: list[int]) -> list[int]:
    """Return the squares of the positive elements of xs with a filtered comprehension."""
    return [x * x for x in xs if x > 0]


def weighted_index_sum(xs: list[int], ys: list[int]) -> int:
    """Return the sum of i * x * y over the positions i of the zipped lists xs and ys."""
    total = 0
    for i, (x, y) in enumerate(zip(xs, ys)):
        total += i * x * y
    return total
