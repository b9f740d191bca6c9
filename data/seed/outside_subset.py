"""Functions that deliberately fall outside the lowering subset or the IR, to test rejections."""

import math
import random
from typing import Optional

SCALE = 7


def word_frequencies(text: str) -> dict[str, int]:
    """Count how often each space-separated word occurs in text."""
    counts: dict[str, int] = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def unique_count(xs: list[int]) -> int:
    """Return the number of distinct values in xs by building a set."""
    return len(set(xs))


def positive_squares(xs: list[int]) -> list[int]:
    """Return the squares of the positive elements of xs with a filtered comprehension."""
    return [x * x for x in xs if x > 0]


def sorted_descending(xs: list[int]) -> list[int]:
    """Return the elements of xs from largest to smallest using sorted() and reversed()."""
    return list(reversed(sorted(xs)))


def weighted_index_sum(xs: list[int], ys: list[int]) -> int:
    """Return the sum of i * x * y over the positions i of the zipped lists xs and ys."""
    total = 0
    for i, (x, y) in enumerate(zip(xs, ys)):
        total += i * x * y
    return total


def shout(text: str) -> str:
    """Return the upper-cased words of text joined by single dashes, using str methods."""
    return "-".join(text.upper().split())


def rot13(text: str) -> str:
    """Rotate the ASCII letters of text by 13 places using ord and chr."""
    out = ""
    for c in text:
        if "a" <= c <= "z":
            out += chr((ord(c) - ord("a") + 13) % 26 + ord("a"))
        elif "A" <= c <= "Z":
            out += chr((ord(c) - ord("A") + 13) % 26 + ord("A"))
        else:
            out += c
    return out


def sum_of_squares_gen(xs: list[int]) -> int:
    """Return the sum of the squares of xs through a generator expression."""
    return sum(x * x for x in xs)


def apply_twice(x: int) -> int:
    """Apply a lambda that adds three and then doubles, twice, to x."""
    step = lambda v: (v + 3) * 2
    return step(step(x))


def hypotenuse(a: float, b: float) -> float:
    """Return the hypotenuse of a right triangle with legs a and b via math.sqrt."""
    return math.sqrt(a * a + b * b)


def double_unannotated(x) -> int:
    """Return twice x, although the parameter carries no annotation."""
    return 2 * x


def total_count(counts: dict[str, int]) -> int:
    """Return the sum of the values of the counts mapping."""
    total = 0
    for key in counts:
        total += counts[key]
    return total


def index_or_none(xs: list[int], target: int) -> Optional[int]:
    """Return the first index of target in xs, or None when it is absent."""
    for i in range(len(xs)):
        if xs[i] == target:
            return i
    return None


def scaled_by_global(x: int) -> int:
    """Return x multiplied by the module-level constant SCALE."""
    return x * SCALE


def abs_sum_nested(xs: list[int]) -> int:
    """Return the sum of the absolute values of xs through a nested helper function."""

    def magnitude(v: int) -> int:
        return v if v >= 0 else -v

    total = 0
    for x in xs:
        total += magnitude(x)
    return total


def noisy_add(x: int) -> int:
    """Return x plus a random bit, so repeated calls may disagree (non-deterministic)."""
    return x + random.randint(0, 1)


def loud_square(x: int) -> int:
    """Return x squared after printing x, an I/O side effect."""
    print(x)
    return x * x


def always_fails(x: int) -> int:
    """Raise ValueError for every input, so no test case can be recorded."""
    raise ValueError("always_fails rejects " + str(x))


def runaway_counter(n: int) -> int:
    """Count upwards from n while it stays positive, which never ends for positive n."""
    while n > 0:
        n = n + 1
    return n
