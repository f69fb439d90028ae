"""The list commands at every node: pushes and pops, ranges, LSET/LINSERT/LREM/LTRIM/LPOS,
moves between lists, LMPOP, their errors and limits; the blocking ones on lists that hold
data (they are served at once), and inside MULTI (nil, never waiting)."""

from __future__ import annotations

from tests.e2e.redis_clients.steps import (
    MAX_VALUE,
    NODES,
    NOT_INT,
    SYNTAX,
    E,
    Step,
    arity,
    run_steps,
)
from tests.e2e.redis_up import Conn

WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")


def lists(p: str) -> list[Step]:
    """Keys prefixed with ``p``; each step at the node ``first + offset``."""
    q, d = p + "q", p + "d"
    return [
        (0, ["RPUSH", q, "a", "b", "c"], 3),
        (1, ["LPUSH", q, "y", "z"], 5),
        *[(at, ["LRANGE", q, 0, -1], ["z", "y", "a", "b", "c"]) for at in range(NODES)],
        (2, ["LPUSHX", q, "x"], 6),
        (0, ["RPUSHX", q, "d"], 7),
        (1, ["LPUSHX", p + "none", "x"], 0),
        (2, ["RPUSHX", p + "none", "x"], 0),
        (0, ["LLEN", q], 7),
        (1, ["LINDEX", q, -1], "d"),
        (2, ["LINDEX", q, 100], None),
        (0, ["LPOP", q], "x"),
        (1, ["RPOP", q, 2], ["d", "c"]),
        (2, ["LPOP", p + "none", 2], None),
        (0, ["LPOP", q, -1], E("ERR value is out of range, must be positive")),
        (1, ["LSET", q, 0, "Z"], "OK"),
        (2, ["LSET", q, 99, "Z"], E("ERR index out of range")),
        (0, ["LSET", p + "none", 0, "Z"], E("ERR no such key")),
        (1, ["LINSERT", q, "AFTER", "Z", "a"], 5),
        (2, ["LINSERT", q, "BEFORE", "nope", "a"], -1),
        (0, ["LINSERT", q, "MIDDLE", "Z", "a"], SYNTAX),
        (1, ["LRANGE", q, 0, -1], ["Z", "a", "y", "a", "b"]),
        (2, ["LPOS", q, "a"], 1),
        (0, ["LPOS", q, "a", "RANK", -1], 3),
        (1, ["LPOS", q, "a", "COUNT", 0], [1, 3]),
        (2, ["LPOS", q, "a", "RANK", 0], E("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")),  # noqa: E501
        (0, ["LREM", q, -1, "a"], 1),
        (1, ["LREM", q, "x", "a"], NOT_INT),
        (2, ["LTRIM", q, 1, -1], "OK"),
        *[(at, ["LRANGE", q, 0, -1], ["a", "y", "b"]) for at in range(NODES)],
        # moves and LMPOP
        (0, ["LMOVE", q, d, "LEFT", "RIGHT"], "a"),
        (1, ["RPOPLPUSH", q, d], "b"),
        (2, ["LMOVE", q, d, "UP", "LEFT"], SYNTAX),
        (0, ["LRANGE", d, 0, -1], ["b", "a"]),
        (1, ["LMPOP", 2, p + "none", d, "RIGHT", "COUNT", 5], [d, ["a", "b"]]),
        (2, ["EXISTS", d], 0),
        (0, ["LMPOP", 1, d, "LEFT"], None),
        (1, ["LMPOP", 0, d, "LEFT"], E("ERR numkeys should be greater than 0")),
        # the blocking commands, on lists that hold data: served at once
        (2, ["RPUSH", d, "1", "2", "3", "4", "5"], 5),
        (0, ["BLPOP", p + "none", d, 0], [d, "1"]),
        (1, ["BRPOP", d, "0.5"], [d, "5"]),
        (2, ["BLMOVE", d, q, "LEFT", "LEFT", 0], "2"),
        (0, ["BRPOPLPUSH", d, q, 0], "4"),
        (1, ["BLMPOP", 0, 1, d, "LEFT", "COUNT", 9], [d, ["3"]]),
        (2, ["BLPOP", d, -1], E("ERR timeout is negative")),
        (0, ["BLPOP", d, "x"], E("ERR timeout is not a float or out of range")),
        *[(at, ["LRANGE", q, 0, -1], ["4", "2", "y"]) for at in range(NODES)],
        # other types, limits, arity
        (1, ["SET", p + "s", "v"], "OK"),
        (2, ["LPUSH", p + "s", "a"], WRONGTYPE),
        (0, ["BLPOP", p + "s", 0], WRONGTYPE),
        (1, ["RPUSH", q, "v" * (MAX_VALUE + 1)], E("ERR string exceeds maximum allowed size (proto-max-bulk-len)")),  # noqa: E501
        (2, ["LLEN", q], 3),
        (0, ["LPUSH", q], arity("lpush")),
        (1, ["LPOP", q, 1, 2], arity("lpop")),
        (2, ["BLMOVE", q, d, "LEFT", "LEFT"], arity("blmove")),
    ]  # fmt: skip


def test_lists_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, [(0, ["FLUSHDB"], "OK")], first)
        run_steps(conns, lists(f"l{first}:"), first)


def test_blocking_commands_inside_multi_answer_nil(conns: list[Conn]) -> None:
    """No data and inside a transaction: nil at once, as Redis."""
    a = conns[0]
    assert a.call("MULTI") == "OK"
    for args in (["BLPOP", "e", 0], ["BLMOVE", "e", "d", "LEFT", "LEFT", 0], ["RPUSH", "e", "x"]):
        assert a.call(*args) == "QUEUED"
    reply = a.call("EXEC")
    assert reply in ([None, None, 1], [[], None, 1]), reply  # redis-cli prints *-1 as []
    assert conns[1].call("LRANGE", "e", 0, -1) == ["x"]
