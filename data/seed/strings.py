"""String processing by character comparison, without str methods or character codes."""


def reverse_string(s: str) -> str:
    """Return the characters of s in reverse order."""
    out = ""
    for i in range(len(s) - 1, -1, -1):
        out = out + s[i]
    return out


def count_vowels(s: str) -> int:
    """Count the ASCII vowels in s, upper or lower case."""
    count = 0
    for c in s:
        if c == "a" or c == "e" or c == "i" or c == "o" or c == "u":
            count += 1
        elif c == "A" or c == "E" or c == "I" or c == "O" or c == "U":
            count += 1
    return count


def is_palindrome(s: str) -> bool:
    """Return True when s reads the same forwards and backwards."""
    n = len(s)
    for i in range(n // 2):
        if s[i] != s[n - 1 - i]:
            return False
    return True


def caesar_shift(s: str, k: int) -> str:
    """Return s with each ASCII letter shifted k places through its alphabet, others kept."""
    lower = "abcdefghijklmnopqrstuvwxyz"
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    shift = k % 26
    out = ""
    for c in s:
        done = False
        for i in range(26):
            if c == lower[i]:
                out = out + lower[(i + shift) % 26]
                done = True
                break
            if c == upper[i]:
                out = out + upper[(i + shift) % 26]
                done = True
                break
        if not done:
            out = out + c
    return out


def rle_length(s: str) -> int:
    """Return the length of the run-length encoding of s written as character then count."""
    n = len(s)
    if n == 0:
        return 0
    total = 0
    run = 1
    for i in range(1, n + 1):
        if i < n:
            if s[i] == s[i - 1]:
                run += 1
                continue
        digits = 0
        r = run
        while r > 0:
            digits += 1
            r //= 10
        total += 1 + digits
        run = 1
    return total


def longest_run(s: str) -> int:
    """Return the length of the longest block of one repeated character in s."""
    if len(s) == 0:
        return 0
    best = 1
    run = 1
    for i in range(1, len(s)):
        if s[i] == s[i - 1]:
            run += 1
        else:
            run = 1
        if run > best:
            best = run
    return best


def is_anagram(a: str, b: str) -> bool:
    """Return True when b is a rearrangement of the characters of a."""
    if len(a) != len(b):
        return False
    for c in a:
        count_a = 0
        for x in a:
            if x == c:
                count_a += 1
        count_b = 0
        for y in b:
            if y == c:
                count_b += 1
        if count_a != count_b:
            return False
    return True


def to_upper_ascii(s: str) -> str:
    """Return s with lower-case ASCII letters replaced by their upper-case forms."""
    lower = "abcdefghijklmnopqrstuvwxyz"
    upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    for c in s:
        mapped = c
        if "a" <= c <= "z":
            for i in range(26):
                if lower[i] == c:
                    mapped = upper[i]
                    break
        out = out + mapped
    return out


def char_classes(s: str) -> tuple[int, int, int]:
    """Return the numbers of ASCII letters, decimal digits and spaces in s."""
    letters = 0
    digits = 0
    spaces = 0
    for c in s:
        if "a" <= c <= "z" or "A" <= c <= "Z":
            letters += 1
        elif "0" <= c <= "9":
            digits += 1
        elif c == " ":
            spaces += 1
    return letters, digits, spaces


def parse_leading_int(s: str) -> int:
    """Return the integer spelled by an optional '-' and the digits at the start of s."""
    digits = "0123456789"
    value = 0
    negative = False
    start = 0
    if len(s) > 0:
        if s[0] == "-":
            negative = True
            start = 1
    for i in range(start, len(s)):
        found = -1
        for d in range(10):
            if s[i] == digits[d]:
                found = d
                break
        if found < 0:
            break
        value = value * 10 + found
    return -value if negative else value


def longest_word(words: list[str]) -> str:
    """Return the first longest string in words, or the empty string when there is none."""
    best = ""
    for w in words:
        if len(w) > len(best):
            best = w
    return best
