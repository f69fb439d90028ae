"""LCS by bit-parallel rows: the same walk as Redis's table, checked against it."""

from __future__ import annotations

import random

from rabia.kv.lcs import MAX_CELLS, MAX_LENGTH, Match, check_size, lcs, length


def reference(a: bytes, b: bytes) -> tuple[int, bytes, list[Match]]:
    """Redis's algorithm: the full table, then the walk back from its corner."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if a[i - 1] == b[j - 1]:
                table[i][j] = table[i - 1][j - 1] + 1
            else:
                table[i][j] = max(table[i - 1][j], table[i][j - 1])
    idx = table[n][m]
    text = bytearray(idx)
    runs: list[Match] = []
    start = a_end = b_start = b_end = -1
    i, j = n, m
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            text[idx - 1] = a[i - 1]
            if start < 0:
                start, a_end, b_start, b_end = i - 1, i - 1, j - 1, j - 1
            elif start == i and b_start == j:
                start, b_start = start - 1, b_start - 1
            else:
                emit = True
            emit = emit or start == 0 or b_start == 0
            idx, i, j = idx - 1, i - 1, j - 1
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
            emit = start >= 0
        if emit:
            runs.append(Match(start, a_end, b_start, b_end))
            start = -1
    return table[n][m], bytes(text), runs


def test_the_same_walk_as_redis() -> None:
    rng = random.Random(7)
    for _ in range(3000):
        alphabet = rng.choice([b"ab", b"abc", b"abcdefgh"])
        a = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 18)))
        b = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 18)))
        expected = reference(a, b)
        found = lcs(a, b)
        assert (found.length, found.text, found.matches) == expected, (a, b)
        assert length(a, b) == expected[0]
        assert lcs(a, b, want_text=False).matches == expected[2]


def test_redis_documentation_example() -> None:
    found = lcs(b"ohmytext", b"mynewtext")
    assert (found.length, found.text) == (6, b"mytext")
    assert found.matches == [Match(4, 7, 5, 8), Match(2, 3, 0, 1)]
    assert found.matches[0].length == 4


def test_bounds() -> None:
    assert check_size(b"x" * 4000, b"y" * 4000)
    assert not check_size(b"x" * 5000, b"y" * 5000)  # too many cells
    assert not check_size(b"x", b"y" * MAX_LENGTH)  # too long a walk
    assert MAX_CELLS >= 4096 * 4096
