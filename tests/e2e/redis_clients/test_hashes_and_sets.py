"""Hashes and sets at every node through redis-py (RESP2), its asyncio client and
redis-cli (RESP3): a write at one node read back at the others, errors, WRONGTYPE,
SCAN to completion, the random commands."""

from __future__ import annotations

from typing import Any

from tests.e2e.redis_clients.steps import NODES, NOT_INT, SYNTAX, E, Step, arity, run_steps
from tests.e2e.redis_up import Conn

WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def members(*expected: str) -> Any:
    """Any order, as an array (RESP2, redis-cli) or a set (RESP3)."""
    return lambda got: isinstance(got, list | set) and sorted(map(_text, got)) == sorted(expected)


def hash_of(**expected: str) -> Any:
    """HGETALL: a flat array (RESP2) or a map (RESP3)."""

    def check(got: Any) -> bool:
        if isinstance(got, list):
            got = dict(zip(got[0::2], got[1::2], strict=True))
        return isinstance(got, dict) and {_text(k): _text(v) for k, v in got.items()} == expected

    return check


def hash_steps(p: str) -> list[Step]:
    h = p + "h"
    return [
        (0, ["HSET", h, "a", "1", "b", "2"], 2),
        *[(at, ["HGETALL", h], hash_of(a="1", b="2")) for at in range(NODES)],
        (1, ["HMSET", h, "c", "3"], "OK"),
        (2, ["HSETNX", h, "a", "9"], 0),
        (0, ["HSETNX", h, "d", "4"], 1),
        (1, ["HGET", h, "a"], "1"),
        (2, ["HMGET", h, "a", "none", "d"], ["1", None, "4"]),
        (0, ["HLEN", h], 4),
        (1, ["HSTRLEN", h, "a"], 1),
        (2, ["HEXISTS", h, "b"], 1),
        (0, ["HKEYS", h], members("a", "b", "c", "d")),
        (1, ["HVALS", h], members("1", "2", "3", "4")),
        (2, ["HINCRBY", h, "a", 10], 11),
        (0, ["HINCRBYFLOAT", h, "f", "10.5"], "10.5"),
        (1, ["HINCRBYFLOAT", h, "f", "0.1"], "10.6"),
        (2, ["HINCRBY", h, "f", 1], E("ERR hash value is not an integer")),
        (0, ["HINCRBYFLOAT", h, "b", "x"], E("ERR value is not a valid float")),
        (1, ["HINCRBY", h, "a", "x"], NOT_INT),
        (2, ["HDEL", h, "b", "none"], 1),
        (0, ["HRANDFIELD", h], lambda v: v in ("a", "c", "d", "f")),
        (1, ["HRANDFIELD", h, -3], lambda v: len(v) == 3),
        (2, ["HRANDFIELD", h, 2, "WITHVALUES"], lambda v: len(v) in (2, 4)),
        (0, ["HRANDFIELD", h, 1, "BAD"], SYNTAX),
        (1, ["HSCAN", h, 0], lambda v: _text(v[0]) == "0" and len(v[1]) == 8),
        (2, ["HSCAN", h, 0, "NOVALUES"], lambda v: sorted(map(_text, v[1])) == list("acdf")),
        (0, ["HSCAN", h, "x"], E("ERR invalid cursor")),
        (1, ["HSET", h, "a"], arity("hset")),
        (2, ["HGET", h], arity("hget")),
        (0, ["APPEND", p + "str", "x"], 1),
        (1, ["HGET", p + "str", "a"], WRONGTYPE),
        (2, ["HDEL", h, "a", "c", "d", "f"], 4),
        *[(at, ["EXISTS", h], 0) for at in range(NODES)],
    ]


def set_steps(p: str) -> list[Step]:
    s, t = p + "s", p + "t"
    return [
        (0, ["SADD", s, "a", "b", "c", "a"], 3),
        *[(at, ["SMEMBERS", s], members("a", "b", "c")) for at in range(NODES)],
        (1, ["SREM", s, "c", "none"], 1),
        (2, ["SISMEMBER", s, "a"], 1),
        (0, ["SMISMEMBER", s, "a", "c"], [1, 0]),
        (1, ["SCARD", s], 2),
        (2, ["SADD", t, "b", "x"], 2),
        (0, ["SINTER", s, t], members("b")),
        (1, ["SUNION", s, t], members("a", "b", "x")),
        (2, ["SDIFF", s, t], members("a")),
        (0, ["SINTERSTORE", p + "i", s, t], 1),
        (1, ["SUNIONSTORE", p + "u", s, t], 3),
        (2, ["SDIFFSTORE", p + "d", s, t], 1),
        (0, ["SINTERCARD", 2, s, t], 1),
        (1, ["SINTERCARD", 2, s, p + "u", "LIMIT", 1], 1),
        (2, ["SINTERCARD", 0, s], E("ERR numkeys should be greater than 0")),
        (0, ["SMOVE", s, t, "a"], 1),
        (1, ["SMEMBERS", t], members("a", "b", "x")),
        (2, ["SRANDMEMBER", t], lambda v: v in ("a", "b", "x")),
        (0, ["SRANDMEMBER", t, -5], lambda v: len(v) == 5),
        (1, ["SRANDMEMBER", t, 2], lambda v: len(set(v)) == 2),
        (2, ["SPOP", t], lambda v: v in ("a", "b", "x")),
        (0, ["SCARD", t], 2),
        (1, ["SPOP", t, 5], lambda v: len(v) == 2),
        (2, ["EXISTS", t], 0),
        (0, ["SPOP", s, -1], E("ERR value is out of range, must be positive")),
        (1, ["SSCAN", s, 0, "MATCH", "*"], lambda v: sorted(map(_text, v[1])) == ["b"]),
        (2, ["SADD", s], arity("sadd")),
        (0, ["SADD", p + "str", "x"], WRONGTYPE),
    ]


def test_hashes_and_sets_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        p = f"hs{first}:"
        run_steps(conns, hash_steps(p), first)
        run_steps(conns, set_steps(p), first)


def test_hscan_and_sscan_to_completion_across_nodes(conns: list[Conn]) -> None:
    fields = [f"f{i:03d}" for i in range(150)]
    run_steps(conns, [(0, ["HSET", "bh", *[x for f in fields for x in (f, f)]], 150)], 0)
    run_steps(conns, [(1, ["SADD", "bs", *fields], 150)], 0)
    for key, command, width in (("bh", "HSCAN", 2), ("bs", "SSCAN", 1)):
        seen: list[str] = []
        cursor = "0"
        for rounds in range(200):
            reply = conns[rounds % NODES].call(command, key, cursor, "COUNT", 10)
            cursor = _text(reply[0])
            seen += [_text(x) for x in reply[1][::width]]
            if cursor == "0":
                break
        assert rounds > 3 and sorted(set(seen)) == fields
