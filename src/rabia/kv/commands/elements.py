"""What the commands of every collection type share: HSCAN/SSCAN (and ZSCAN's) cursors
and options, and random draws (HRANDFIELD, SRANDMEMBER, SPOP) from the entry's seed.

A collection Redis keeps compact (listpack, intset) is scanned in one call that returns
everything with cursor 0, as Redis does. A larger one is scanned in the order of the
CRC-32 of its elements (ties by insertion order), cached until an element is added or
removed: the cursor is the CRC-32 of the next element plus one. Elements present for the
whole scan are returned exactly once, whatever is added or removed meanwhile; the order
is the same on every replica (CRC-32 is fixed, unlike Python's ``hash``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from itertools import islice
from random import Random
from typing import NamedTuple, TypeVar
from zlib import crc32

from rabia.kv import resp
from rabia.kv.glob import matcher
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, INT64_MAX, parse_int
from rabia.kv.values.packed import Table

T = TypeVar("T")

EMPTY_SCAN = b"*2\r\n$1\r\n0\r\n*0\r\n"
ERR_COUNT_POSITIVE = resp.error(b"value is out of range, must be positive")
ERR_COUNT_RANGE = resp.error(
    b"value is out of range, value must between %d and %d" % (-INT64_MAX, INT64_MAX)
)
ERR_OUT_OF_RANGE = resp.error(b"value is out of range")
ERR_TOO_MANY = resp.error(b"count exceeds what one reply may hold")

_CURSOR = re.compile(rb"([+-]?)([0-9]+)")


def any_longer(values: list[bytes], limit: int, start: int = 0) -> bool:
    """Whether a value of ``values[start:]`` is longer than ``limit`` (a plain loop: in
    compiled code a generator under ``any()`` costs more than the check itself)."""
    for i in range(start, len(values)):  # noqa: SIM110
        if len(values[i]) > limit:
            return True
    return False


def parse_cursor(text: bytes) -> int | None:
    """A SCAN cursor as Redis reads it (``strtoul``: a sign is allowed and a negative
    number wraps around; an empty text is 0), or None (``-ERR invalid cursor``)."""
    if not text:
        return 0
    found = _CURSOR.fullmatch(text)
    if found is None:
        return None
    digits = found.group(2).lstrip(b"0")
    if len(digits) > 20 or (n := int(digits or b"0")) >= 1 << 64:
        return None
    return (-n) % (1 << 64) if found.group(1) == b"-" else n


class ScanOptions(NamedTuple):
    batch: int
    match: Callable[[bytes], object] | None
    novalues: bool


def parse_scan_options(args: list[bytes], novalues: bool) -> ScanOptions | bytes:
    """``[MATCH pattern] [COUNT n]`` (and ``NOVALUES`` if ``novalues``) after the
    cursor (``args[3:]``), or the error reply."""
    count, match, no_values = 10, None, False
    i = 3
    while i < len(args):
        opt = args[i].upper()
        more = i + 1 < len(args)
        if opt == b"COUNT" and more:
            n = parse_int(args[i + 1])
            if n is None:
                return ERR_NOT_INT
            if n < 1:
                return ERR_SYNTAX
            count = n
            i += 2
        elif opt == b"MATCH" and more:
            pattern = args[i + 1]
            match = None if pattern == b"*" else matcher(pattern)
            i += 2
        elif opt == b"NOVALUES" and novalues:
            no_values = True
            i += 1
        else:
            return ERR_SYNTAX
    return ScanOptions(count, match, no_values)


def scan_table(table: Table, cursor: int, count: int) -> tuple[int, list[bytes]]:
    """The next batch of a large collection's elements from ``cursor``: about ``count``
    of them (plus those sharing the last one's CRC-32) and the cursor after them."""
    order = table.scan_order
    if order is None:
        order = table.scan_order = sorted(table, key=crc32)
    start = bisect_left(order, cursor - 1, key=crc32)
    end = min(start + count, len(order))
    if end < len(order):
        last = crc32(order[end - 1])
        while end < len(order) and crc32(order[end]) == last:
            end += 1
    following = crc32(order[end]) + 1 if end < len(order) else 0
    return following, order[start:end]


def scan_reply(cursor: int, elements: list[bytes]) -> bytes:
    """The ``[cursor, [elements...]]`` reply."""
    return resp.array([resp.bulk(b"%d" % cursor), resp.bulk_array(elements)])


def parse_count(text: bytes) -> int | bytes:
    """HRANDFIELD's and SRANDMEMBER's count (negative: repetitions allowed), or the
    error reply."""
    n = parse_int(text)
    if n is None:
        return ERR_NOT_INT
    return ERR_COUNT_RANGE if n < -INT64_MAX else n


def element_at(table: Table, index: int) -> bytes:
    """The element at ``index`` in a table's order."""
    return next(islice(iter(table), index, None))


def draw(rng: Random, elements: Sequence[T], count: int) -> list[T]:
    """``count`` draws: distinct elements (in draw order) if ``count`` > 0, else
    ``-count`` draws with repetition; all of them when ``count`` >= their number."""
    if count >= len(elements):
        return list(elements)
    if count > 0:
        return rng.sample(elements, count)
    return [elements[rng.randrange(len(elements))] for _ in range(-count)]
