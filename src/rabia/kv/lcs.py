"""The longest common subsequence of two strings, as Redis's LCS finds it.

Redis fills the classic O(n*m) table and walks back from its corner, which fixes *which*
common subsequence (and which matching ranges) it reports. This computes the same walk
with bit-parallel rows (Allison-Dix / Hyyro): row ``i`` of the table is one integer
whose bit ``j`` is set when ``LCS(i, j+1) == LCS(i, j)``, computed from row ``i-1``
with a few big-integer operations; the carries of that addition are the vertical steps
``LCS(i, j) - LCS(i-1, j)``. Rows are kept as bytes so that the walk reads any cell's
neighbours in O(1). Time O(n*m/64) plus O(n+m) steps; memory n*m/4 bits.

Every replica runs this for each LCS in the log, so ``check_size`` bounds the work.
"""

from __future__ import annotations

from typing import NamedTuple

MAX_CELLS = 1 << 24
"""The largest ``(len(a) + 1) * (len(b) + 1)`` table LCS computes (16M cells)."""
MAX_LENGTH = 1 << 17
"""The largest ``len(a) + len(b)`` (the walk back takes up to that many steps)."""


class Match(NamedTuple):
    """A run of consecutive matching bytes: ``a[a_start:a_end+1] ==
    b[b_start:b_end+1]``."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int

    @property
    def length(self) -> int:
        return self.a_end - self.a_start + 1


class Result(NamedTuple):
    length: int
    text: bytes
    """The common subsequence itself (empty when not asked for)."""
    matches: list[Match]
    """The runs, from the end of the strings backwards, as Redis lists them."""


def check_size(a: bytes, b: bytes) -> bool:
    """Whether LCS of ``a`` and ``b`` is within the bounds this machine computes."""
    return (len(a) + 1) * (len(b) + 1) <= MAX_CELLS and len(a) + len(b) <= MAX_LENGTH


def _masks(b: bytes) -> dict[int, int]:
    masks: dict[int, int] = {}
    for j, byte in enumerate(b):
        masks[byte] = masks.get(byte, 0) | (1 << j)
    return masks


def length(a: bytes, b: bytes) -> int:
    """The length of the longest common subsequence (rows over the shorter string)."""
    if len(a) < len(b):
        a, b = b, a
    full = (1 << len(b)) - 1
    masks = _masks(b)
    row = full
    for byte in a:
        match = row & masks.get(byte, 0)
        row = ((row + match) | (row - match)) & full
    return len(b) - row.bit_count()


def lcs(a: bytes, b: bytes, want_text: bool = True) -> Result:
    """The walk Redis makes: the subsequence (if ``want_text``) and the matching runs."""
    n, m = len(a), len(b)
    full = (1 << m) - 1
    size = m // 8 + 1
    masks = _masks(b)
    rows: list[bytes] = [b""]  # rows[i]: row i; carries[i]: steps from row i-1 to i
    carries: list[bytes] = [b""]
    row = full
    for byte in a:
        match = row & masks.get(byte, 0)
        total = row + match
        carries.append((total ^ row ^ match).to_bytes(size + 1, "little"))
        row = (total | (row - match)) & full
        rows.append(row.to_bytes(size, "little"))
    total = current = m - row.bit_count()  # current: LCS(i, j) where the walk is
    text = bytearray(total if want_text else 0)
    matches: list[Match] = []
    a_start = a_end = b_start = b_end = -1  # a_start < 0: no run open
    i, j = n, m
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            if want_text:
                text[current - 1] = a[i - 1]
            if a_start < 0:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            emit = emit or a_start == 0 or b_start == 0
            current -= 1
            i -= 1
            j -= 1
        else:
            # Redis goes up when LCS(i-1, j) > LCS(i, j-1), i.e. when row i grows at
            # column j (its bit j-1 is clear) and column j does not grow from row i-1
            # to row i (no carry into bit j).
            grows = not (rows[i][(j - 1) >> 3] >> ((j - 1) & 7)) & 1
            up = (carries[i][j >> 3] >> (j & 7)) & 1
            if grows and not up:
                i -= 1  # LCS(i-1, j) == current
            else:
                j -= 1
                current -= grows
            emit = a_start >= 0
        if emit:
            matches.append(Match(a_start, a_end, b_start, b_end))
            a_start = -1
    return Result(total, bytes(text), matches)
