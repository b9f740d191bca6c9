"""Elementary sorting algorithms and order statistics that return new lists."""


def bubble_sort(xs: list[int]) -> list[int]:
    """Return a new list with the elements of xs in ascending order, by bubble sort."""
    a: list[int] = []
    for x in xs:
        a.append(x)
    n = len(a)
    for i in range(n):
        swapped = False
        for j in range(n - 1 - i):
            if a[j] > a[j + 1]:
                t = a[j]
                a[j] = a[j + 1]
                a[j + 1] = t
                swapped = True
        if not swapped:
            break
    return a


def selection_sort(xs: list[float]) -> list[float]:
    """Return a new list with the elements of xs in ascending order, by selection sort."""
    a: list[float] = []
    for x in xs:
        a.append(x)
    n = len(a)
    for i in range(n):
        smallest = i
        for j in range(i + 1, n):
            if a[j] < a[smallest]:
                smallest = j
        t = a[i]
        a[i] = a[smallest]
        a[smallest] = t
    return a


def insertion_sort_desc(xs: list[int]) -> list[int]:
    """Return a new list with the elements of xs in descending order, by insertion sort."""
    a = [0] * len(xs)
    for i in range(len(xs)):
        a[i] = xs[i]
    for i in range(1, len(a)):
        key = a[i]
        j = i - 1
        while j >= 0:
            if a[j] >= key:
                break
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    return a


def count_inversions(xs: list[int]) -> int:
    """Count the index pairs i < j with xs[i] > xs[j]."""
    count = 0
    n = len(xs)
    for i in range(n):
        for j in range(i + 1, n):
            if xs[i] > xs[j]:
                count += 1
    return count


def is_sorted(xs: list[int]) -> bool:
    """Return True when xs is in non-decreasing order."""
    for i in range(1, len(xs)):
        if xs[i - 1] > xs[i]:
            return False
    return True


def merge_sorted(xs: list[int], ys: list[int]) -> list[int]:
    """Sort copies of xs and ys by insertion sort and return their ascending merge."""
    a: list[int] = []
    for x in xs:
        a.append(x)
    for i in range(1, len(a)):
        key = a[i]
        j = i - 1
        while j >= 0:
            if a[j] <= key:
                break
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    b: list[int] = []
    for y in ys:
        b.append(y)
    for i in range(1, len(b)):
        key = b[i]
        j = i - 1
        while j >= 0:
            if b[j] <= key:
                break
            b[j + 1] = b[j]
            j -= 1
        b[j + 1] = key
    out: list[int] = []
    p = 0
    q = 0
    while p < len(a) and q < len(b):
        if a[p] <= b[q]:
            out.append(a[p])
            p += 1
        else:
            out.append(b[q])
            q += 1
    while p < len(a):
        out.append(a[p])
        p += 1
    while q < len(b):
        out.append(b[q])
        q += 1
    return out


def median(xs: list[float]) -> float:
    """Return the median of xs (mean of the two middle values for even length), 0.0 if empty."""
    n = len(xs)
    if n == 0:
        return 0.0
    a: list[float] = []
    for x in xs:
        a.append(x)
    for i in range(n):
        for j in range(n - 1 - i):
            if a[j] > a[j + 1]:
                t = a[j]
                a[j] = a[j + 1]
                a[j + 1] = t
    if n % 2 == 1:
        return a[n // 2]
    return (a[n // 2 - 1] + a[n // 2]) / 2.0


def sort_chars(s: str) -> str:
    """Return the characters of s in ascending code-point order, by insertion into a string."""
    out = ""
    for c in s:
        i = 0
        while i < len(out):
            if c < out[i]:
                break
            i += 1
        out = out[0:i] + c + out[i:len(out)]
    return out
