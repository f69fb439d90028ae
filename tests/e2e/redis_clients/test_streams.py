"""Streams at every node: XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM, XSETID, XREAD
(BLOCK with data already there), consumer groups (XGROUP, XREADGROUP, XACK, XPENDING,
XCLAIM, XAUTOCLAIM) and XINFO, written at one node and read at the others; RESP2 and
RESP3 (maps) clients alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from tests.e2e.redis_clients.steps import NODES, E, Step, arity, run_steps
from tests.e2e.redis_up import Conn, RabiaUp


def as_map(value: Any) -> Any:
    """A RESP2 flat array of field, value, ... as the dict a RESP3 client gets."""
    if isinstance(value, list) and len(value) % 2 == 0:
        return dict(zip(value[0::2], value[1::2], strict=True))
    return value


def fields(expected: dict[str, Any]) -> Callable[[Any], bool]:
    """A map reply (RESP3) or its flat array (RESP2) holding at least ``expected``."""

    def check(got: Any) -> bool:
        got = as_map(got)
        return isinstance(got, dict) and all(got.get(k) == v for k, v in expected.items())

    return check


def maps(*expected: dict[str, Any]) -> Callable[[Any], bool]:
    """An array of maps (XINFO GROUPS / CONSUMERS)."""
    return lambda got: (
        isinstance(got, list)
        and len(got) == len(expected)
        and all(fields(e)(g) for e, g in zip(expected, got, strict=True))
    )


def streams(expected: dict[str, Any]) -> Callable[[Any], bool]:
    """XREAD's reply: [[stream, entries], ...] (RESP2) or {stream: entries} (RESP3)."""

    def check(got: Any) -> bool:
        if isinstance(got, list):
            got = {pair[0]: pair[1] for pair in got}
        return bool(got == expected)

    return check


def stream_steps(p: str) -> list[Step]:
    s, t = p + "s", p + "t"
    one, two, three = ["1-0", ["f", "a"]], ["2-0", ["f", "b", "g", "c"]], ["3-0", ["f", "d"]]
    return [
        (0, ["XADD", s, "1", "f", "a"], "1-0"),
        (1, ["XADD", s, "2-0", "f", "b", "g", "c"], "2-0"),
        (2, ["XADD", s, "3-*", "f", "d"], "3-0"),
        (
            0,
            ["XADD", s, "3", "f", "x"],
            E("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
        ),
        (1, ["XADD", s, "f"], arity("xadd")),
        (2, ["XADD", p + "none", "NOMKSTREAM", "*", "f", "v"], None),
        (0, ["XADD", t, "*", "f", "v"], lambda v: isinstance(v, str) and v.endswith("-0")),
        (1, ["TYPE", s], "stream"),
        *[(n, ["XLEN", s], 3) for n in range(NODES)],
        *[(n, ["XRANGE", s, "-", "+"], [one, two, three]) for n in range(NODES)],
        (2, ["XREVRANGE", s, "+", "(1", "COUNT", "1"], [three]),
        (0, ["XRANGE", s, "2", "+"], [two, three]),
        (
            1,
            ["XRANGE", s, "nope", "+"],
            E("ERR Invalid stream ID specified as stream command argument"),
        ),
        (2, ["XREAD", "COUNT", "1", "STREAMS", s, "1"], streams({s: [two]})),
        (0, ["XREAD", "BLOCK", "1000", "STREAMS", s, "2"], streams({s: [three]})),
        (1, ["XREAD", "STREAMS", s, "$"], None),
        # consumer groups, across nodes
        (2, ["XGROUP", "CREATE", s, "g", "0"], "OK"),
        (0, ["XGROUP", "CREATE", s, "g", "$"], E("BUSYGROUP Consumer Group name already exists")),
        (1, ["XGROUP", "CREATE", p + "new", "g", "$", "MKSTREAM"], "OK"),
        (2, ["XGROUP", "CREATECONSUMER", s, "g", "bob"], 1),
        (
            0,
            ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "2", "STREAMS", s, ">"],
            streams({s: [one, two]}),
        ),
        (
            1,
            ["XREADGROUP", "GROUP", "g", "bob", "BLOCK", "100", "STREAMS", s, ">"],
            streams({s: [three]}),
        ),
        (2, ["XREADGROUP", "GROUP", "g", "alice", "STREAMS", s, "0"], streams({s: [one, two]})),
        (0, ["XPENDING", s, "g"], [3, "1-0", "3-0", [["alice", "2"], ["bob", "1"]]]),
        (1, ["XACK", s, "g", "1", "9"], 1),
        (
            2,
            ["XPENDING", s, "g", "-", "+", "10", "alice"],
            lambda v: [[e[0], e[1], e[3]] for e in v] == [["2-0", "alice", 2]],
        ),
        (0, ["XCLAIM", s, "g", "carol", "0", "2", "JUSTID"], ["2-0"]),
        (1, ["XAUTOCLAIM", s, "g", "dave", "0", "0", "COUNT", "1"], ["3-0", [two], []]),
        (2, ["XAUTOCLAIM", s, "g", "dave", "0", "3", "JUSTID"], ["0-0", ["3-0"], []]),
        (
            0,
            ["XINFO", "GROUPS", s],
            maps({"name": "g", "consumers": 4, "pending": 2, "last-delivered-id": "3-0", "lag": 0}),
        ),
        (
            1,
            ["XINFO", "CONSUMERS", s, "g"],
            lambda v: (
                [
                    fields({"name": n})(c)
                    for c, n in zip(v, ["alice", "bob", "carol", "dave"], strict=True)
                ]
                == [True] * 4
            ),
        ),
        (
            2,
            ["XINFO", "STREAM", s],
            fields({"length": 3, "groups": 1, "entries-added": 3, "last-entry": three}),
        ),
        (0, ["XINFO", "STREAM", s, "FULL", "COUNT", "1"], fields({"entries": [one]})),
        (1, ["XGROUP", "SETID", s, "g", "0"], "OK"),
        (2, ["XGROUP", "DELCONSUMER", s, "g", "dave"], 2),
        (0, ["XGROUP", "DESTROY", s, "g"], 1),
        (1, ["XGROUP", "NOSUCH", s], E("ERR unknown subcommand 'NOSUCH'. Try XGROUP HELP.")),
        (2, ["XINFO", "GROUPS", p + "none"], E("ERR no such key")),
        # deletion, trimming, the last ID
        (0, ["XDEL", s, "2", "9"], 1),
        (1, ["XTRIM", s, "MAXLEN", "1"], 1),
        *[(n, ["XRANGE", s, "-", "+"], [three]) for n in range(NODES)],
        (2, ["XSETID", s, "5-0"], "OK"),
        (
            0,
            ["XADD", s, "4", "f", "v"],
            E("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
        ),
        (1, ["XADD", s, "MINID", "6", "6", "f", "v"], "6-0"),
        (2, ["XRANGE", s, "-", "+"], [["6-0", ["f", "v"]]]),
    ]


def test_streams_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, stream_steps(f"x{first}:"), first)


def test_redis_py_stream_api(cluster: RabiaUp) -> None:
    a, b, c = (redis.Redis(port=p, decode_responses=True) for p in cluster.ports)
    resp3 = redis.Redis(port=cluster.ports[1], decode_responses=True, protocol=3)
    try:
        ids = [a.xadd("jobs", {"n": str(i)}, maxlen=100, approximate=True) for i in range(5)]
        assert b.xlen("jobs") == 5 and [i for i, _ in c.xrange("jobs")] == ids
        assert b.xgroup_create("jobs", "workers", id="0") and c.xinfo_stream("jobs")["groups"] == 1
        got = c.xreadgroup("workers", "w1", {"jobs": ">"}, count=2)
        assert [i for i, _ in got[0][1]] == ids[:2]
        assert a.xack("jobs", "workers", ids[0]) == 1
        assert b.xpending("jobs", "workers")["pending"] == 1
        claimed = c.xclaim("jobs", "workers", "w2", 0, [ids[1]], justid=True)
        assert claimed == [ids[1]]
        cursor, entries, deleted = a.xautoclaim("jobs", "workers", "w3", 0, count=10)
        assert cursor == "0-0" and [i for i, _ in entries] == [ids[1]] and deleted == []
        assert [g["name"] for g in b.xinfo_groups("jobs")] == ["workers"]
        assert {x["name"] for x in c.xinfo_consumers("jobs", "workers")} == {"w1", "w2", "w3"}
        assert resp3.xread({"jobs": ids[3]}) == {"jobs": [[(ids[4], {"n": "4"})]]}  # a map
        assert resp3.xinfo_stream("jobs")["length"] == 5  # a RESP3 map
        assert a.xtrim("jobs", maxlen=2) == 0  # "~" (redis-py's default): whole nodes only
        assert a.xtrim("jobs", maxlen=2, approximate=False) == 3 and b.xdel("jobs", ids[4]) == 1
        assert c.xrevrange("jobs") == [(ids[3], {"n": "3"})]
    finally:
        for client in (a, b, c, resp3):
            client.close()
