"""The data commands at every node: strings, counters, TTLs, DEL/EXISTS, MSET/MGET, KEYS,
unknown commands and arity; DBSIZE, FLUSHDB and SCAN to completion."""

from __future__ import annotations

import time

from tests.e2e.redis_clients.steps import (
    NODES,
    NOT_INT,
    SYNTAX,
    UNKNOWN,
    E,
    Step,
    arity,
    between,
    read_everywhere,
    run_steps,
)
from tests.e2e.redis_up import Conn


def strings_and_keys(p: str) -> list[Step]:
    """The data commands, their options and their errors; keys prefixed with ``p``."""
    now = int(time.time())
    steps: list[Step] = [
        (0, ["DBSIZE"], 0),
        (0, ["SET", p + "s", "v1"], "OK"),
        *read_everywhere(p + "s", "v1"),
        (1, ["SET", p + "s", "v2", "NX"], None),
        (2, ["SET", p + "none", "x", "XX"], None),
        (0, ["EXISTS", p + "none"], 0),
        (1, ["SET", p + "s", "v2", "XX"], "OK"),
        (2, ["SET", p + "s", "v3", "GET"], "v2"),
        (0, ["SET", p + "s", "v4", "NX", "GET"], "v3"),
        *read_everywhere(p + "s", "v3"),
        # TTLs: EX, PX, EXAT, PXAT, KEEPTTL, a plain SET clearing the TTL
        (1, ["SET", p + "e", "v", "EX", 100], "OK"),
        (2, ["TTL", p + "e"], between(98, 100)),
        (0, ["PTTL", p + "e"], between(97_000, 100_000)),
        (1, ["SET", p + "e", "v2", "KEEPTTL"], "OK"),
        (2, ["TTL", p + "e"], between(98, 100)),
        (0, ["GET", p + "e"], "v2"),
        (1, ["SET", p + "e", "v3"], "OK"),
        (2, ["TTL", p + "e"], -1),
        (0, ["SET", p + "px", "v", "PX", 50_000], "OK"),
        (1, ["PTTL", p + "px"], between(47_000, 50_000)),
        (2, ["SET", p + "exat", "v", "EXAT", now + 100], "OK"),
        (0, ["TTL", p + "exat"], between(90, 101)),
        (1, ["SET", p + "pxat", "v", "PXAT", (now + 100) * 1000], "OK"),
        (2, ["PTTL", p + "pxat"], between(90_000, 101_000)),
        (0, ["SET", p + "past", "v", "PXAT", 1], "OK"),
        (1, ["EXISTS", p + "past"], 0),
        # SET's errors store nothing
        (2, ["SET", p + "bad", "v", "EX", 0], E("ERR invalid expire time in 'set' command")),
        (0, ["SET", p + "bad", "v", "EX", "ten"], NOT_INT),
        (1, ["SET", p + "bad", "v", "NX", "XX"], SYNTAX),
        (2, ["SET", p + "bad", "v", "KEEPTTL", "EX", 10], SYNTAX),
        (0, ["SET", p + "bad", "v", "EX"], SYNTAX),
        (1, ["SET", p + "bad"], arity("set")),
        (2, ["EXISTS", p + "bad"], 0),
        # DEL, EXISTS (duplicates count), GETDEL
        (0, ["SET", p + "d1", "1"], "OK"),
        (1, ["SET", p + "d2", "2"], "OK"),
        (2, ["EXISTS", p + "d1", p + "d1", p + "d2", p + "none"], 3),
        (0, ["DEL", p + "d1", p + "d2", p + "none"], 2),
        (1, ["EXISTS", p + "d1", p + "d2"], 0),
        (2, ["DEL"], arity("del")),
        (0, ["SET", p + "gd", "x"], "OK"),
        (1, ["GETDEL", p + "gd"], "x"),
        (2, ["GETDEL", p + "gd"], None),
        (0, ["EXISTS", p + "gd"], 0),
        # counters
        (1, ["INCR", p + "c"], 1),
        (2, ["INCR", p + "c"], 2),
        (0, ["DECR", p + "c"], 1),
        (1, ["INCRBY", p + "c", 10], 11),
        (2, ["DECRBY", p + "c", 5], 6),
        (0, ["INCRBY", p + "c", -7], -1),
        *read_everywhere(p + "c", "-1"),
        (1, ["INCR", p + "s"], NOT_INT),  # "v3"
        (2, ["INCRBY", p + "c", "x"], NOT_INT),
        (0, ["INCRBY", p + "c", "1.5"], NOT_INT),
        (1, ["INCRBY", p + "c", "99999999999999999999"], NOT_INT),
        (2, ["SET", p + "max", "9223372036854775807"], "OK"),
        (0, ["INCR", p + "max"], E("ERR increment or decrement would overflow")),
        (1, ["DECRBY", p + "c", "-9223372036854775808"], E("ERR decrement would overflow")),
        (2, ["INCR"], arity("incr")),
        (0, ["INCRBY", p + "c"], arity("incrby")),
        (1, ["GET", p + "c"], "-1"),
        (2, ["GET", p + "max"], "9223372036854775807"),
        (0, ["GET", p + "s"], "v3"),
        (1, ["SET", p + "ttlc", 5, "EX", 100], "OK"),
        (2, ["INCR", p + "ttlc"], 6),
        (0, ["TTL", p + "ttlc"], between(98, 100)),  # INCR keeps the TTL
        # APPEND, STRLEN
        (1, ["APPEND", p + "ap", "Hello"], 5),
        (2, ["APPEND", p + "ap", " World"], 11),
        (0, ["STRLEN", p + "ap"], 11),
        (1, ["STRLEN", p + "none"], 0),
        *read_everywhere(p + "ap", "Hello World"),
        # MSET, MGET
        (2, ["MSET", p + "m1", "1", p + "m2", "2"], "OK"),
        (0, ["MGET", p + "m1", p + "m2", p + "none"], ["1", "2", None]),
        (1, ["MSET", p + "m1"], arity("mset")),
        (2, ["MSET", p + "m1", "x", p + "m3"], arity("mset")),
        (0, ["MGET", p + "m1", p + "m3"], ["1", None]),
        (1, ["MGET"], arity("mget")),
        # EXPIRE, PEXPIRE and their NX/XX/GT/LT; TTL, PTTL, PERSIST
        (2, ["EXPIRE", p + "none", 100], 0),
        (0, ["SET", p + "x", "v"], "OK"),
        (1, ["EXPIRE", p + "x", 100, "GT"], 0),  # no TTL counts as infinite
        (2, ["EXPIRE", p + "x", 100, "XX"], 0),
        (0, ["EXPIRE", p + "x", 100, "NX"], 1),
        (1, ["TTL", p + "x"], between(98, 100)),
        (2, ["EXPIRE", p + "x", 200, "NX"], 0),
        (0, ["EXPIRE", p + "x", 200, "XX"], 1),
        (1, ["EXPIRE", p + "x", 100, "GT"], 0),
        (2, ["EXPIRE", p + "x", 300, "GT"], 1),
        (0, ["EXPIRE", p + "x", 400, "LT"], 0),
        (1, ["EXPIRE", p + "x", 50, "LT"], 1),
        (2, ["TTL", p + "x"], between(48, 50)),
        (0, ["PEXPIRE", p + "x", 60_000, "GT"], 1),
        (1, ["PTTL", p + "x"], between(57_000, 60_000)),
        (2, ["PEXPIRE", p + "x", 1000, "NX"], 0),
        (0, ["PEXPIRE", p + "x", 70_000, "XX"], 1),
        (1, ["PEXPIRE", p + "x", 80_000, "LT"], 0),
        (
            2,
            ["PEXPIRE", p + "x", 1000, "NX", "GT"],
            E("ERR NX and XX, GT or LT options at the same time are not compatible"),
        ),
        (
            0,
            ["PEXPIRE", p + "x", 1000, "GT", "LT"],
            E("ERR GT and LT options at the same time are not compatible"),
        ),
        (1, ["EXPIRE", p + "x", 10, "FOO"], E("ERR Unsupported option FOO")),
        (2, ["EXPIRE", p + "x", "ten"], NOT_INT),
        (0, ["PEXPIRE", p + "x", "1.5"], NOT_INT),
        (1, ["EXPIRE", p + "x"], arity("expire")),
        (2, ["PTTL", p + "x"], between(67_000, 70_000)),  # no error changed it
        (0, ["PERSIST", p + "x"], 1),
        (1, ["TTL", p + "x"], -1),
        (2, ["PTTL", p + "x"], -1),
        (0, ["PERSIST", p + "x"], 0),
        (1, ["PERSIST", p + "none"], 0),
        (2, ["TTL", p + "none"], -2),
        (0, ["PTTL", p + "none"], -2),
        (1, ["TTL"], arity("ttl")),
        (2, ["EXPIRE", p + "x", -1], 1),  # in the past: deleted
        (0, ["EXISTS", p + "x"], 0),
        # KEYS (glob patterns), unknown commands, arity
        (1, ["MSET", p + "k:one", "1", p + "k:two", "2", p + "k:three", "3"], "OK"),
        (2, ["KEYS", p + "k:*"], lambda v: sorted(v) == [p + "k:one", p + "k:three", p + "k:two"]),
        (0, ["KEYS", p + "k:t[wh]*"], lambda v: sorted(v) == [p + "k:three", p + "k:two"]),
        (1, ["KEYS", p + "k:?ne"], [p + "k:one"]),
        (2, ["KEYS", p + "nothing*"], []),
        (0, ["KEYS"], arity("keys")),
        (1, ["NOSUCH", "a", "b"], E(f"{UNKNOWN} 'NOSUCH', with args beginning with: 'a' 'b' ")),
        (2, ["GET"], arity("get")),
        (0, ["GET", p + "s", p + "s"], arity("get")),
        (1, ["DBSIZE", "x"], arity("dbsize")),
        (2, ["STRLEN"], arity("strlen")),
        (0, ["GETDEL"], arity("getdel")),
        (1, ["APPEND", p + "ap"], arity("append")),
        (2, ["PERSIST"], arity("persist")),
        (0, ["EXISTS"], arity("exists")),
        (1, ["DECR"], arity("decr")),
        (2, ["DECRBY", p + "c"], arity("decrby")),
        (0, ["PEXPIRE", p + "x"], arity("pexpire")),
        (1, ["PTTL"], arity("pttl")),
    ]
    return steps


def test_strings_and_keys_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):  # each command runs once at every node
        run_steps(conns, [(0, ["FLUSHDB"], "OK")], first)
        run_steps(conns, strings_and_keys(f"r{first}:"), first)


def test_dbsize_flushdb_and_scan_to_completion(conns: list[Conn]) -> None:
    for first in range(NODES):
        keys = {f"sc:{first}:{i:02d}" for i in range(40)}
        pairs = [x for k in sorted(keys) for x in (k, "v")]
        run_steps(conns, [(0, ["MSET", *pairs, "other", "1"], "OK")], first)
        run_steps(conns, [(at, ["DBSIZE"], 41) for at in range(NODES)], first)
        seen: list[str] = []
        cursor = "0"
        for rounds in range(100):
            node = (first + rounds) % NODES  # a scan may move between nodes
            reply = conns[node].call("SCAN", cursor, "MATCH", "sc:*", "COUNT", 7)
            assert isinstance(reply, list) and len(reply) == 2, reply
            cursor, batch = reply
            seen += batch
            if cursor == "0":
                break
        assert cursor == "0" and sorted(seen) == sorted(keys)  # every key once
        everything = conns[first].call("SCAN", 0, "COUNT", 1000)
        assert everything[0] == "0" and len(everything[1]) == 41, everything
        run_steps(
            conns,
            [
                (1, ["SCAN", 0, "COUNT", 1000, "TYPE", "hash"], ["0", []]),
                (2, ["SCAN", 0, "MATCH", "o*", "COUNT", 1000, "TYPE", "string"], ["0", ["other"]]),
                (0, ["SCAN", "x"], E("ERR invalid cursor")),
                (1, ["SCAN", 0, "COUNT", 0], SYNTAX),
                (2, ["SCAN", 0, "COUNT", "x"], NOT_INT),
                (0, ["SCAN", 0, "BAD", 1], SYNTAX),
                (1, ["SCAN"], arity("scan")),
                (2, ["FLUSHDB", "BAD"], SYNTAX),
                (0, ["FLUSHDB", "ASYNC", "SYNC"], SYNTAX),
                (1, ["DBSIZE"], 41),
                (2, ["FLUSHDB", "SYNC" if first else "ASYNC"], "OK"),
                *[(at, ["DBSIZE"], 0) for at in range(NODES)],
                (0, ["SCAN", 0], ["0", []]),
                (1, ["KEYS", "*"], []),
            ],
            first,
        )
