def count_vowels(s: str) -> int:
    """Number of ASCII vowels (either case) in s."""
    n = 0
    for ch in s:
        if ch == "a" or ch == "e" or ch == "i" or ch == "o" or ch == "u":
            n += 1
        elif ch == "A" or ch == "E" or ch == "I" or ch == "O" or ch == "U":
            n += 1
    return n
