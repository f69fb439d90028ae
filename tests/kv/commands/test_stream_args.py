"""Stream IDs parsed as Redis parses them, and entries encoded as Redis replies them."""

from __future__ import annotations

import pytest

from rabia.kv.commands.stream_args import (
    ERR_END_ID,
    ERR_INVALID_ID,
    ERR_START_ID,
    entry,
    parse_bound,
    parse_id,
)
from rabia.kv.values.stream import MASK, MAX_ID

ID = tuple[int, bool]


def sid(ms: int, seq: int = 0) -> int:
    return ms << 64 | seq


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (b"5", (sid(5), True)),
        (b"5-3", (sid(5, 3), True)),
        (b"05-0", (sid(5), True)),  # strtoull: leading zeros
        (b" 5-+3", (sid(5, 3), True)),  # blanks and a sign, as strtoull reads them
        (b"5--0", (sid(5), True)),  # "-0" is zero
        (b"5--1", None),  # a negative integer is refused
        (b"5--01", (sid(5, MASK), True)),  # but strtoull negates "-01": 2**64 - 1
        (b"5-3\x00junk", (sid(5, 3), True)),  # C strings end at NUL
        (b"18446744073709551615-18446744073709551615", (MAX_ID, True)),
        (b"18446744073709551616", None),
        (b"", None),
        (b"-", None),  # strict
        (b"5-", None),
        (b"5-*", None),  # only XADD takes it
        (b"x" * 128, None),
    ],
)
def test_parse_id(text: bytes, parsed: ID | None) -> None:
    assert parse_id(text) == parsed


def test_special_ids() -> None:
    assert parse_id(b"-", strict=False) == (0, True)
    assert parse_id(b"+", strict=False) == (MAX_ID, True)
    assert parse_id(b"7", missing_seq=MASK) == (sid(7, MASK), True)
    assert parse_id(b"7-*", auto_seq=True) == (sid(7), False)


def test_range_bounds() -> None:
    assert parse_bound(b"(5", 0) == sid(5, 1)
    assert parse_bound(b"(5", MASK) == sid(5, MASK - 1)  # before 5-<max>
    assert parse_bound(b"5", MASK) == sid(5, MASK)
    assert parse_bound(b"(-", 0) == ERR_INVALID_ID  # "(" makes the ID strict
    assert parse_bound(b"(", 0) == ERR_INVALID_ID
    assert parse_bound(b"(0-0", MASK) == ERR_END_ID
    assert parse_bound(b"(18446744073709551615-18446744073709551615", 0) == ERR_START_ID


def test_entries_encode_as_redis_replies_them() -> None:
    assert entry(sid(1, 2), [b"f", b"v"]) == b"*2\r\n$3\r\n1-2\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    assert entry(sid(1, 2), None) == b"*2\r\n$3\r\n1-2\r\n*-1\r\n"
