def row_max_sum(m: list[list[int]]) -> int:
    """Sum over the rows of each row's largest element (empty rows count 0)."""
    total = 0
    for row in m:
        if len(row) > 0:
            best = row[0]
            for x in row:
                if x > best:
                    best = x
            total += best
    return total
