"""Sorted sets at every node: writes at one node read back at the others, options and
errors, ranges, pops (the blocking ones where they pop at once), set algebra, ZSCAN
across nodes. Scores come back as strings on RESP2 (redis-py) and as doubles on RESP3
(its asyncio client, redis-cli --json): ``num`` and ``pairs`` accept either form."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis

from tests.e2e.redis_clients.steps import NODES, NOT_INT, SYNTAX, E, Step, arity, run_steps
from tests.e2e.redis_up import Conn, RabiaUp, SyncConn

WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_FLOAT = E("ERR value is not a valid float")
EITHER = "either BYSCORE or BYLEX"


def num(text: str) -> Callable[[Any], bool]:
    """A score: its text (RESP2) or a number equal to it (RESP3's double)."""

    def ok(got: Any) -> bool:
        if isinstance(got, str):
            return got == text
        return isinstance(got, int | float) and not isinstance(got, bool) and got == float(text)

    return ok


def pairs(*items: tuple[str, str]) -> Callable[[Any], bool]:
    """Members with scores: flat on RESP2 (WITHSCORES), [member, score] pairs otherwise."""
    flat = [x for pair in items for x in pair]

    def ok(got: Any) -> bool:
        if got == flat:
            return True
        return (
            isinstance(got, list)
            and len(got) == len(items)
            and all(
                isinstance(pair, list) and len(pair) == 2 and pair[0] == m and num(s)(pair[1])
                for pair, (m, s) in zip(got, items, strict=True)
            )
        )

    return ok


def everywhere(command: list[str], expected: object) -> list[Step]:
    """``command`` at every node, each answering ``expected``."""
    return [(at, command, expected) for at in range(NODES)]


def sorted_sets(p: str) -> list[Step]:
    z, w = p + "z", p + "w"
    return [
        (0, ["ZADD", z, 1, "a", 2, "b", "2.5", "c"], 3),
        *everywhere(
            ["ZRANGE", z, 0, -1, "WITHSCORES"], pairs(("a", "1"), ("b", "2"), ("c", "2.5"))
        ),
        (1, ["ZADD", z, "NX", "CH", 9, "a", 4, "d"], 1),
        (2, ["ZADD", z, "XX", "GT", "CH", 0, "a", 3, "b"], 1),
        (0, ["ZADD", z, "INCR", "0.5", "d"], num("4.5")),
        (1, ["ZINCRBY", z, "-1", "d"], num("3.5")),
        (
            2,
            ["ZADD", z, "NX", "XX", 1, "a"],
            E("ERR XX and NX options at the same time are not compatible"),
        ),
        (
            0,
            ["ZADD", z, "GT", "LT", 1, "a"],
            E("ERR GT, LT, and/or NX options at the same time are not compatible"),
        ),
        (
            1,
            ["ZADD", z, "INCR", 1, "a", 2, "b"],
            E("ERR INCR option supports a single increment-element pair"),
        ),
        (2, ["ZADD", z, "x", "a"], NOT_FLOAT),
        (0, ["ZADD", z, 1], arity("zadd")),
        (1, ["ZADD", p + "inf", "inf", "a"], 1),
        (2, ["ZINCRBY", p + "inf", "-inf", "a"], E("ERR resulting score is not a number (NaN)")),
        (0, ["ZREM", z, "a", "nope"], 1),
        *everywhere(["ZCARD", z], 3),
        *everywhere(["ZSCORE", z, "c"], num("2.5")),
        (1, ["ZMSCORE", z, "b", "nope", "d"], [num("3"), None, num("3.5")]),
        (2, ["ZRANK", z, "d"], 2),
        (0, ["ZREVRANK", z, "d"], 0),
        (1, ["ZRANK", z, "nope"], None),
        (2, ["ZRANDMEMBER", z, 10], ["c", "b", "d"]),  # all of them, in order
        (0, ["ZRANDMEMBER", z, -4], lambda v: len(v) == 4 and set(v) <= {"b", "c", "d"}),
        # ranges
        (2, ["ZCOUNT", z, "(2.5", "+inf"], 2),
        (0, ["ZRANGEBYSCORE", z, "-inf", "(3", "WITHSCORES"], pairs(("c", "2.5"))),
        (1, ["ZREVRANGEBYSCORE", z, "+inf", "-inf", "LIMIT", 0, 1], ["d"]),
        (2, ["ZRANGE", z, 3, "(2.5", "BYSCORE", "REV"], ["b"]),
        (0, ["ZREVRANGE", z, 0, 0], ["d"]),
        (
            1,
            ["ZRANGE", z, 0, 1, "LIMIT", 0, 1],
            E(f"ERR syntax error, LIMIT is only supported in combination with {EITHER}"),
        ),
        (2, ["ZRANGEBYSCORE", z, "x", 1], E("ERR min or max is not a float")),
        (0, ["ZRANGE", z, "a", 1], NOT_INT),
        (1, ["ZADD", w, 0, "alpha", 0, "beta", 0, "gamma", 0, "delta"], 4),
        (2, ["ZRANGEBYLEX", w, "[b", "+"], ["beta", "delta", "gamma"]),
        (0, ["ZREVRANGEBYLEX", w, "(g", "-", "LIMIT", 1, 2], ["beta", "alpha"]),
        (1, ["ZLEXCOUNT", w, "-", "(c"], 2),
        (2, ["ZRANGEBYLEX", w, "b", "+"], E("ERR min or max not valid string range item")),
        (0, ["ZREMRANGEBYLEX", w, "[gamma", "+"], 1),
        (1, ["ZREMRANGEBYRANK", w, 0, 0], 1),
        (2, ["ZREMRANGEBYSCORE", w, "-inf", "+inf"], 2),
        *everywhere(["EXISTS", w], 0),
        # set algebra and stores
        (0, ["ZADD", w, 1, "b", 10, "x"], 2),
        (1, ["ZUNIONSTORE", p + "u", 2, z, w, "WEIGHTS", 1, 2], 4),
        *everywhere(
            ["ZRANGE", p + "u", 0, -1, "WITHSCORES"],
            pairs(("c", "2.5"), ("d", "3.5"), ("b", "5"), ("x", "20")),
        ),
        (2, ["ZINTERSTORE", p + "i", 2, z, w, "AGGREGATE", "MAX"], 1),
        (0, ["ZSCORE", p + "i", "b"], num("3")),
        (1, ["ZDIFFSTORE", p + "d", 2, z, w], 2),
        (2, ["ZUNION", 2, z, w, "AGGREGATE", "MIN"], ["b", "c", "d", "x"]),
        (0, ["ZINTER", 2, z, w, "WITHSCORES"], pairs(("b", "4"))),
        (1, ["ZDIFF", 2, w, z], ["x"]),
        (2, ["ZINTERCARD", 2, z, w, "LIMIT", 5], 1),
        (
            0,
            ["ZUNIONSTORE", p + "u", 0, z],
            E("ERR at least 1 input key is needed for 'zunionstore' command"),
        ),
        (1, ["ZRANGESTORE", p + "r", z, 0, 1], 2),
        (2, ["ZRANGE", p + "r", 0, -1], ["c", "b"]),
        # pops; the blocking ones pop at once when they can
        (0, ["ZPOPMIN", z], ["c", num("2.5")]),
        (1, ["ZPOPMAX", z, 5], pairs(("d", "3.5"), ("b", "3"))),
        *everywhere(["EXISTS", z], 0),
        (2, ["ZADD", z, 1, "a", 2, "b", 3, "c"], 3),
        (0, ["BZPOPMIN", p + "none", z, 0], [z, "a", num("1")]),
        (1, ["BZPOPMAX", z, "0.5"], [z, "c", num("3")]),
        (2, ["ZMPOP", 1, z, "MIN", "COUNT", 5], [z, pairs(("b", "2"))]),
        (0, ["ZMPOP", 1, z, "MIN"], None),
        (1, ["ZADD", z, 7, "q"], 1),
        (2, ["BZMPOP", 1, 1, z, "MAX"], [z, pairs(("q", "7"))]),
        (0, ["BZPOPMIN", z, -1], E("ERR timeout is negative")),
        (1, ["ZPOPMIN", z, -1], E("ERR value is out of range, must be positive")),
        # types
        (2, ["SET", p + "s", "v"], "OK"),
        (0, ["ZADD", p + "s", 1, "a"], WRONGTYPE),
        (1, ["ZRANGE", p + "s", 0, -1], WRONGTYPE),
        (2, ["ZUNIONSTORE", p + "u", 1, p + "s"], WRONGTYPE),
        (0, ["TYPE", p + "u"], "zset"),
        (1, ["ZSCAN", p + "s", 0], WRONGTYPE),
        (2, ["ZCARD"], arity("zcard")),
        (0, ["ZRANGE", z, 0, 1, "BOGUS"], SYNTAX),
    ]


def test_sorted_sets_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, sorted_sets(f"z{first}:"), first)


def test_zscan_of_a_large_set_across_nodes(conns: list[Conn]) -> None:
    members = [f"m{i:03d}" for i in range(300)]
    run_steps(conns, [(0, ["ZADD", "big", *[x for m in members for x in (1, m)]], 300)], 0)
    seen: set[str] = set()
    cursor = "0"
    for rounds in range(200):
        reply = conns[rounds % NODES].call("ZSCAN", "big", cursor, "COUNT", 20)
        assert isinstance(reply, list) and len(reply) == 2, reply
        cursor, batch = reply
        seen.update(batch[0::2])
        if cursor == "0":
            break
    assert cursor == "0" and seen == set(members)


def test_resp3_forms_through_redis_py(cluster: RabiaUp) -> None:
    conns = [SyncConn(port, protocol=3) for port in cluster.ports]
    try:
        run_steps(
            conns,
            [
                (0, ["ZADD", "r3", 1, "a", "2.5", "b"], 2),
                (1, ["ZSCORE", "r3", "b"], 2.5),
                (2, ["ZINCRBY", "r3", 1, "a"], 2.0),
                (0, ["ZMSCORE", "r3", "a", "nope"], [2.0, None]),
                (1, ["ZRANGE", "r3", 0, -1, "WITHSCORES"], [["a", 2.0], ["b", 2.5]]),
                (2, ["ZRANGE", "r3", 0, -1], ["a", "b"]),
                (0, ["ZPOPMIN", "r3"], ["a", 2.0]),
                (1, ["ZPOPMAX", "r3", 1], [["b", 2.5]]),
            ],
            0,
        )
    finally:
        for conn in conns:
            conn.close()


def test_blocking_pops_wait_for_a_write_at_another_node(cluster: RabiaUp) -> None:
    waiting = [redis.Redis(port=cluster.ports[0], protocol=p) for p in (2, 3)]
    writer = redis.Redis(port=cluster.ports[1])
    for client in waiting:
        client.response_callbacks.clear()  # replies as sent
    try:
        with ThreadPoolExecutor(2) as pool:
            pops = [
                pool.submit(waiting[0].execute_command, "BZPOPMIN", "bq", "10"),
                pool.submit(waiting[1].execute_command, "BZMPOP", "10", "1", "bq", "MAX"),
            ]
            time.sleep(0.5)  # both calls are waiting, in this order
            assert not any(pop.done() for pop in pops)
            assert writer.zadd("bq", {"a": 1, "b": 2.5}) == 2
            first, second = (pop.result(timeout=10) for pop in pops)
        assert first == [b"bq", b"a", b"1"]
        assert second == [b"bq", [[b"b", 2.5]]]
        assert writer.exists("bq") == 0
        started = time.monotonic()
        assert waiting[0].execute_command("BZPOPMAX", "bq", "0.3") is None
        assert time.monotonic() - started >= 0.25
    finally:
        for client in (*waiting, writer):
            client.close()
