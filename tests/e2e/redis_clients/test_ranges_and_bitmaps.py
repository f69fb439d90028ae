"""The string commands beyond GET/SET and the bitmap commands at every node: SETNX,
SETEX, PSETEX, GETSET, GETEX, MSETNX, INCRBYFLOAT, GETRANGE, SUBSTR, SETRANGE, LCS,
SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.redis_clients.steps import (
    MAX_VALUE,
    NODES,
    NOT_INT,
    SYNTAX,
    E,
    Step,
    arity,
    between,
    read_everywhere,
    run_steps,
)
from tests.e2e.redis_up import Conn

TOO_BIG = E("ERR string exceeds maximum allowed size (proto-max-bulk-len)")


def lcs_idx(reply: Any) -> bool:
    """LCS ... IDX: a map in RESP3, a flat array in RESP2."""
    fields = reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))
    return fields["len"] == 6 and fields["matches"] == [[[4, 7], [5, 8]], [[2, 3], [0, 1]]]


def strings(p: str) -> list[Step]:
    now = int(time.time())
    return [
        (0, ["SETNX", p + "a", "1"], 1),
        (1, ["SETNX", p + "a", "2"], 0),
        (2, ["GETSET", p + "a", "3"], "1"),
        *read_everywhere(p + "a", "3"),
        (0, ["SETEX", p + "e", 100, "v"], "OK"),
        (1, ["TTL", p + "e"], between(98, 100)),
        (2, ["PSETEX", p + "e", 50_000, "w"], "OK"),
        (0, ["PTTL", p + "e"], between(47_000, 50_000)),
        (1, ["SETEX", p + "e", 0, "v"], E("ERR invalid expire time in 'setex' command")),
        (2, ["GETEX", p + "e", "PERSIST"], "w"),
        (0, ["TTL", p + "e"], -1),
        (1, ["GETEX", p + "e", "EXAT", now + 100], "w"),
        (2, ["EXPIRETIME", p + "e"], now + 100),
        (0, ["GETEX", p + "e", "NX"], SYNTAX),
        (1, ["MSETNX", p + "m1", "1", p + "m2", "2"], 1),
        (2, ["MSETNX", p + "m2", "x", p + "m3", "3"], 0),
        (0, ["MGET", p + "m1", p + "m2", p + "m3"], ["1", "2", None]),
        (1, ["INCRBYFLOAT", p + "f", "10.5"], "10.5"),
        (2, ["INCRBYFLOAT", p + "f", "0.1"], "10.6"),
        (0, ["INCRBYFLOAT", p + "f", "5.0e3"], "5010.60000000000000009"),  # as Redis
        (1, ["INCRBYFLOAT", p + "a", "x"], E("ERR value is not a valid float")),
        (2, ["SET", p + "s", "This is a string"], "OK"),
        (0, ["GETRANGE", p + "s", 0, 3], "This"),
        (1, ["GETRANGE", p + "s", -3, -1], "ing"),
        (2, ["SUBSTR", p + "s", 10, 100], "string"),
        (0, ["GETRANGE", p + "s", "x", 1], NOT_INT),
        (1, ["SETRANGE", p + "s", 10, "thread"], 16),
        *read_everywhere(p + "s", "This is a thread"),
        (2, ["SETRANGE", p + "s", -1, "x"], E("ERR offset is out of range")),
        (0, ["SETRANGE", p + "s", MAX_VALUE, "x"], TOO_BIG),
        (1, ["MSET", p + "l1", "ohmytext", p + "l2", "mynewtext"], "OK"),
        (2, ["LCS", p + "l1", p + "l2"], "mytext"),
        (0, ["LCS", p + "l1", p + "l2", "LEN"], 6),
        (1, ["LCS", p + "l1", p + "l2", "IDX"], lcs_idx),
        (2, ["LCS", p + "l1", p + "l2", "LEN", "IDX"], lambda v: "please just use IDX" in v.text),
        (0, ["SETNX", p + "a"], arity("setnx")),
        (1, ["GETRANGE", p + "s", 0], arity("getrange")),
    ]


def bitmaps(p: str) -> list[Step]:
    return [
        (0, ["SETBIT", p + "b", 7, 1], 0),
        (1, ["SETBIT", p + "b", 7, 0], 1),
        (2, ["SETBIT", p + "b", 17, 1], 0),
        (0, ["GETBIT", p + "b", 17], 1),
        (1, ["GETBIT", p + "b", 100], 0),
        (2, ["STRLEN", p + "b"], 3),
        (
            0,
            ["SETBIT", p + "b", MAX_VALUE * 8, 1],
            E("ERR bit offset is not an integer or out of range"),
        ),
        (1, ["SETBIT", p + "b", 1, 2], E("ERR bit is not an integer or out of range")),
        (2, ["SET", p + "k", "foobar"], "OK"),
        (0, ["BITCOUNT", p + "k"], 26),
        (1, ["BITCOUNT", p + "k", 1, 1], 6),
        (2, ["BITCOUNT", p + "k", 5, 30, "BIT"], 17),
        (0, ["BITCOUNT", p + "k", 0], SYNTAX),
        (1, ["BITPOS", p + "k", 1], 1),
        (2, ["BITPOS", p + "k", 0, 1, -1], 8),
        (0, ["BITPOS", p + "k", 2], E("ERR The bit argument must be 1 or 0.")),
        (1, ["SET", p + "k2", "abcdef"], "OK"),
        (2, ["BITOP", "AND", p + "d", p + "k", p + "k2"], 6),
        (0, ["GET", p + "d"], "`bc`ab"),
        (
            1,
            ["BITOP", "NOT", p + "d", p + "k", p + "k2"],
            E("ERR BITOP NOT must be called with a single source key."),
        ),
        (2, ["BITFIELD", p + "f", "SET", "i8", 0, 100, "GET", "u4", 0], [0, 6]),
        (0, ["BITFIELD", p + "f", "INCRBY", "i8", 0, 28], [-128]),
        (1, ["BITFIELD", p + "f", "OVERFLOW", "FAIL", "INCRBY", "i8", 0, -1], [None]),
        (2, ["BITFIELD", p + "f", "OVERFLOW", "SAT", "INCRBY", "u8", "#1", 300], [255]),
        (0, ["BITFIELD_RO", p + "f", "GET", "u16", 0], [0x80FF]),
        (
            1,
            ["BITFIELD_RO", p + "f", "SET", "u8", 0, 1],
            E("ERR BITFIELD_RO only supports the GET subcommand"),
        ),
        (2, ["BITFIELD", p + "f", "GET", "u64", 0], lambda v: "Invalid bitfield type" in v.text),
        (0, ["GETBIT", p + "b"], arity("getbit")),
    ]


def test_string_commands_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, strings(f"s{first}:"), first)


def test_bitmap_commands_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, bitmaps(f"b{first}:"), first)
