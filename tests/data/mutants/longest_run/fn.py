def longest_run(s: str) -> int:
    """Length of the longest run of one repeated character."""
    best = 0
    cur = 0
    for i in range(len(s)):
        if i > 0 and s[i] == s[i - 1]:
            cur += 1
        else:
            cur = 1
        if cur > best:
            best = cur
    return best
