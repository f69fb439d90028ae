"""Every command the RESP server supports, at every node of one `rabia up` cluster, through
redis-py, redis-py's asyncio client and redis-cli.

One cluster serves the whole module (started with small key/value/keyspace limits, so the
limit errors are reachable); each test starts from an empty keyspace. A write at one node
is read back at the others: reads go through the log, so they see every write acknowledged
before them.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import ResponseError, WatchError

from tests.e2e.redis_up import (
    KINDS,
    Conn,
    Err,
    RabiaUp,
    close_conns,
    matches,
    open_conns,
    require_redis_cli,
    run_cli,
)
from tests.support import poll_until

NODES = 3
MAX_KEY, MAX_VALUE, MAX_KEYS = 64, 1024, 200


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RabiaUp]:
    limits = ["--max-key-size", str(MAX_KEY), "--max-value-size", str(MAX_VALUE)]
    up = RabiaUp(tmp_path_factory.mktemp("up"), NODES, [*limits, "--max-keys", str(MAX_KEYS)])
    up.start()
    try:
        yield up
    finally:
        up.assert_clean_stop()


@pytest.fixture(autouse=True)
def empty(cluster: RabiaUp) -> None:
    """Each test starts from an empty keyspace (and checks that FLUSHDB reached all)."""
    clients = [redis.Redis(port=p, protocol=2) for p in cluster.ports]
    try:
        assert clients[0].flushdb()
        assert [c.dbsize() for c in clients] == [0] * NODES
    finally:
        for c in clients:
            c.close()


@pytest.fixture(params=KINDS)
def conns(request: pytest.FixtureRequest, cluster: RabiaUp) -> Iterator[list[Conn]]:
    """One connection per node, of each client kind in turn."""
    opened = open_conns(request.param, cluster.ports, require_redis_cli)
    try:
        yield opened
    finally:
        close_conns(opened)


def E(text: str) -> Err:
    return Err(text)


def between(lo: int, hi: int) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, int) and lo <= v <= hi


def arity(name: str) -> Err:
    return E(f"ERR wrong number of arguments for '{name}' command")


NOT_INT = E("ERR value is not an integer or out of range")
SYNTAX = E("ERR syntax error")
UNKNOWN = "ERR unknown command"

Step = tuple[int, list[Any], Any]
"""(node, as an offset from the run's first node; command; expected reply)."""


def run_steps(conns: list[Conn], steps: list[Step], first: int) -> None:
    for at, args, expected in steps:
        node = (first + at) % len(conns)
        got = conns[node].call(*args)
        assert matches(expected, got), (
            f"{conns[node].kind} at node {node}: {args} -> {got!r}, expected {expected!r}"
        )


def read_everywhere(key: str, value: Any) -> list[Step]:
    """GET ``key`` at every node (reads through the log see the preceding write)."""
    return [(at, ["GET", key], value) for at in range(NODES)]


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


def hello_proto(reply: Any) -> int:
    fields = reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))
    assert fields["server"] == "rabia", fields
    return int(fields["proto"])


def test_connection_commands_at_every_node(conns: list[Conn]) -> None:
    proto = 2 if conns[0].kind == "redis-py" else 3
    for node, conn in enumerate(conns):
        run_steps(
            [conn],
            [
                (0, ["PING"], "PONG"),
                (0, ["PING", "hi"], "hi"),
                (0, ["ECHO", "hello world"], "hello world"),
                (0, ["ECHO"], arity("echo")),
                (0, ["SELECT", 0], "OK"),
                (0, ["SELECT", 1], E("ERR DB index is out of range")),
                (0, ["SELECT"], arity("select")),
                (0, ["CLIENT", "SETNAME", f"tester{node}"], "OK"),
                (0, ["CLIENT", "GETNAME"], f"tester{node}"),
                (0, ["CLIENT", "ID"], between(1, 1 << 62)),
                (0, ["CLIENT", "BOGUS"], E("ERR unknown subcommand for 'client'")),
                (0, ["INFO"], lambda v, node=node: "# Consensus" in v and f"node_id:{node}" in v),
                (0, ["COMMAND"], []),
                (0, ["AUTH", "pw"], E("ERR AUTH called without any password configured")),
                (0, ["AUTH"], arity("auth")),
                (0, ["HELLO", 4], E("NOPROTO unsupported protocol version")),
                (0, ["HELLO", 3], lambda v: hello_proto(v) == 3),
                (0, ["HELLO", 2], lambda v: hello_proto(v) == 2),
                (0, ["HELLO", proto, "SETNAME", "again"], lambda v: hello_proto(v) == proto),
                (0, ["CLIENT", "GETNAME"], "again"),
                (0, ["HELLO", proto, "BOGUS"], SYNTAX),
                (0, ["SET", "conn", str(node)], "OK"),
                (0, ["GET", "conn"], str(node)),  # data commands still work on RESP2/3
            ],
            0,
        )


def test_transactions_at_every_node(conns: list[Conn]) -> None:
    queued = "QUEUED"
    for first in range(NODES):
        p = f"t{first}:"
        run_steps(
            conns,
            [
                # a transaction is applied as one log entry, read back everywhere
                (0, ["MULTI"], "OK"),
                (0, ["SET", p + "a", 1], queued),
                (0, ["INCR", p + "a"], queued),
                (0, ["GET", p + "a"], queued),
                (0, ["EXEC"], ["OK", 2, "2"]),
                *read_everywhere(p + "a", "2"),
                # a runtime error inside EXEC fails only its command
                (1, ["MULTI"], "OK"),
                (1, ["SET", p + "s", "text"], queued),
                (1, ["INCR", p + "s"], queued),
                (1, ["GET", p + "s"], queued),
                (1, ["EXEC"], ["OK", NOT_INT, "text"]),
                # WATCH, then a write at another node: EXEC answers nil, applies nothing
                (0, ["WATCH", p + "w", p + "other"], "OK"),
                (1, ["SET", p + "w", "theirs"], "OK"),
                (0, ["MULTI"], "OK"),
                (0, ["SET", p + "w", "mine"], queued),
                (0, ["SET", p + "after", "x"], queued),
                (0, ["EXEC"], None),
                *read_everywhere(p + "w", "theirs"),
                (2, ["EXISTS", p + "after"], 0),
                # WATCH without a conflicting write: applied
                (0, ["WATCH", p + "w"], "OK"),
                (0, ["MULTI"], "OK"),
                (0, ["SET", p + "w", "mine"], queued),
                (0, ["EXEC"], ["OK"]),
                *read_everywhere(p + "w", "mine"),
                # UNWATCH forgets the watched keys
                (2, ["WATCH", p + "w"], "OK"),
                (1, ["SET", p + "w", "theirs2"], "OK"),
                (2, ["UNWATCH"], "OK"),
                (2, ["MULTI"], "OK"),
                (2, ["SET", p + "w", "mine2"], queued),
                (2, ["EXEC"], ["OK"]),
                *read_everywhere(p + "w", "mine2"),
                # a command refused at queue time discards the whole transaction
                (1, ["MULTI"], "OK"),
                (1, ["SET", p + "b", 1], queued),
                (1, ["GET"], arity("get")),
                (1, ["NOSUCH"], E(f"{UNKNOWN} 'NOSUCH', with args beginning with: ")),
                (1, ["EXEC"], E("EXECABORT Transaction discarded because of previous errors.")),
                (0, ["EXISTS", p + "b"], 0),
                (2, ["EXISTS", p + "b"], 0),
                # DISCARD; MULTI, WATCH misuse
                (2, ["MULTI"], "OK"),
                (2, ["SET", p + "c", 1], queued),
                (2, ["MULTI"], E("ERR MULTI calls can not be nested")),
                (2, ["WATCH", p + "c"], E("ERR WATCH inside MULTI is not allowed")),
                (2, ["DISCARD"], "OK"),
                (0, ["EXISTS", p + "c"], 0),
                (2, ["DISCARD"], E("ERR DISCARD without MULTI")),
                (2, ["EXEC"], E("ERR EXEC without MULTI")),
                (2, ["WATCH"], arity("watch")),
            ],
            first,
        )


def test_limits_refuse_and_store_nothing(conns: list[Conn]) -> None:
    long_key, ok_key = "k" * (MAX_KEY + 1), "k" * MAX_KEY
    big, ok_value = "v" * (MAX_VALUE + 1), "v" * MAX_VALUE
    key_error = E("ERR key exceeds maximum allowed size")
    value_error = E("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    full = E("ERR max number of keys reached")
    for first in range(NODES):
        run_steps(
            conns,
            [
                (0, ["SET", long_key, "v"], key_error),
                (1, ["INCR", long_key], key_error),
                (2, ["APPEND", long_key, "v"], key_error),
                (0, ["MSET", "a", "1", long_key, "2"], key_error),
                (1, ["SET", long_key, "v", "GET"], key_error),
                (2, ["EXISTS", long_key, "a"], 0),
                (0, ["SET", ok_key, "v"], "OK"),
                (1, ["EXISTS", ok_key], 1),
                (2, ["SET", "big", big], value_error),
                (0, ["MSET", "a", "1", "big", big], value_error),
                (1, ["EXISTS", "big", "a"], 0),
                (2, ["SET", "big", ok_value], "OK"),
                (0, ["APPEND", "big", "v"], value_error),
                (1, ["STRLEN", "big"], MAX_VALUE),
                (2, ["SET", "big", big, "XX"], value_error),
                (0, ["GET", "big"], ok_value),
                (1, ["FLUSHDB"], "OK"),
            ],
            first,
        )
        pairs = [x for i in range(MAX_KEYS) for x in (f"f{i}", str(i))]
        run_steps(
            conns,
            [
                (0, ["MSET", *pairs], "OK"),
                (1, ["DBSIZE"], MAX_KEYS),
                (2, ["SET", "one-more", "v"], full),
                (0, ["INCR", "one-more"], full),
                (1, ["APPEND", "one-more", "v"], full),
                (2, ["MSET", "f0", "new", "one-more", "v"], full),
                (0, ["EXISTS", "one-more"], 0),
                (1, ["GET", "f0"], "0"),
                (2, ["SET", "f0", "overwritten"], "OK"),  # not a new key
                (0, ["DEL", "f1"], 1),
                (1, ["SET", "one-more", "v"], "OK"),
                (2, ["DBSIZE"], MAX_KEYS),
                (0, ["FLUSHDB"], "OK"),
            ],
            first,
        )


def test_quit_closes_the_connection(cluster: RabiaUp) -> None:
    sync = redis.Redis(port=cluster.ports[1], protocol=2, single_connection_client=True)
    try:
        assert sync.execute_command("QUIT") in (b"OK", True)
    finally:
        sync.close()
    # (an interactive redis-cli exits on QUIT without sending it; a one-shot one sends it)
    assert run_cli(require_redis_cli(), cluster.ports[2], "QUIT") == "OK\n"
    with socket.create_connection(("127.0.0.1", cluster.ports[0]), timeout=10) as raw:
        raw.sendall(b"QUIT\r\nSET after quit\r\n")
        received = b""
        while chunk := raw.recv(100):  # until the server closes
            received += chunk
    assert received == b"+OK\r\n"
    assert redis.Redis(port=cluster.ports[2]).exists("after") == 0


# -------------------------------------------------------------- redis-py, idiomatically
def test_redis_py_sync_api(cluster: RabiaUp) -> None:
    clients = [redis.Redis(port=p, decode_responses=True) for p in cluster.ports]
    a, b, c = clients
    try:
        assert a.set("k", "v", nx=True, ex=100) and b.get("k") == "v"
        assert b.set("k", "w", xx=True, get=True, keepttl=True) == "v"
        assert 98 <= c.ttl("k") <= 100
        assert c.set("k", "x", keepttl=True) and 98 <= a.ttl("k") <= 100
        assert a.expire("k", 500, gt=True) and not b.expire("k", 600, nx=True)
        assert c.persist("k") and a.ttl("k") == -1
        assert b.mset({"m1": "1", "m2": "2"}) and c.mget("m1", "m2", "no") == ["1", "2", None]
        assert a.incrby("n", 5) == 5 and b.decrby("n", 2) == 3 and c.get("n") == "3"
        assert a.append("m1", "x") == 2 and b.strlen("m1") == 2 and c.getdel("m1") == "1x"
        assert sorted(a.scan_iter(match="m*", count=1)) == ["m2"]
        assert sorted(b.keys("*")) == ["k", "m2", "n"] and c.dbsize() == 3
        assert a.ping() and b.echo("e") == "e" and c.exists("k", "nope") == 1
        assert a.client_setname("me") and a.client_getname() == "me" and a.client_id() > 0
        info = b.info()
        assert info["node_id"] == 1 and "applied_slot" in info
        with pytest.raises(ResponseError, match="not an integer"):
            c.incr("k")
        pipe = a.pipeline(transaction=False)
        for i in range(100):
            pipe.set(f"p{i}", i).get(f"p{i}")
        replies = pipe.execute()
        assert replies[1::2] == [str(i) for i in range(100)]
        with b.pipeline(transaction=True) as tx:
            tx.watch("n")
            c.incr("n")  # a write at another node between WATCH and EXEC
            tx.multi()
            tx.set("n", 100)
            with pytest.raises(WatchError):
                tx.execute()
        assert a.get("n") == "4"
        assert b.transaction(lambda t: t.multi() or t.incr("n"), "n") == [5]
        assert c.flushdb() and a.dbsize() == 0
    finally:
        for client in clients:
            client.close()


def test_redis_py_asyncio_api(cluster: RabiaUp) -> None:
    async def main() -> None:
        clients = [aioredis.Redis(port=p) for p in cluster.ports]
        try:
            # concurrent increments at every node: none lost
            await asyncio.gather(*(c.incr("hits") for c in clients for _ in range(50)))
            assert [await c.get("hits") for c in clients] == [b"150"] * NODES
            async with clients[0].pipeline(transaction=True) as tx:
                tx.set("a", 1).incr("a").get("a")
                assert await tx.execute() == [True, 2, b"2"]
            assert await clients[2].get("a") == b"2"
            await clients[1].mset({f"s{i}": i for i in range(30)})
            found = [k async for k in clients[2].scan_iter(match="s*", count=4)]
            assert sorted(found) == sorted(f"s{i}".encode() for i in range(30))
            # a TTL expires through the log's clock, at every node
            assert await clients[0].set("short", "v", px=150)

            async def gone() -> list[int]:
                return [await c.exists("short") for c in clients]

            await poll_until(gone, lambda r: r == [0] * NODES, timeout=10, what="expiry")
            with pytest.raises(ResponseError, match="wrong number of arguments"):
                await clients[1].execute_command("GET")
        finally:
            for c in clients:
                await c.aclose()

    asyncio.run(main())


# -------------------------------------------------------------- redis-cli, as people use it
def test_redis_cli_commands_and_stdin(cluster: RabiaUp) -> None:
    cli = require_redis_cli()
    ports = cluster.ports
    for i, port in enumerate(ports):  # one-shot commands: write at i, read at the others
        assert run_cli(cli, port, "SET", f"cli{i}", f"value {i}") == "OK\n"
        for other in ports:
            assert run_cli(cli, other, "GET", f"cli{i}") == f"value {i}\n"
    assert run_cli(cli, ports[0], "GET", "nope") == "\n"
    assert run_cli(cli, ports[1], "INCR", "cli0").startswith("ERR value is not an integer")
    done = run_cli(cli, ports[2], "--json", "MGET", "cli0", "cli1", "nope")
    assert done == '["value 0","value 1",null]\n'
    assert "# Consensus" in run_cli(cli, ports[0], "INFO")
    script = b'SET batch 10\nINCRBY batch 5\nGET batch\nSET "two words" "a \\"quoted\\" value"\n'
    assert run_cli(cli, ports[1], stdin=script) == "OK\n15\n15\nOK\n"
    assert run_cli(cli, ports[2], "GET", "two words") == 'a "quoted" value\n'


def test_redis_cli_pipe_mass_insert(cluster: RabiaUp) -> None:
    cli = require_redis_cli()
    n = MAX_KEYS - 1
    resp = b"".join(
        b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v)
        for k, v in ((b"mass:%d" % i, b"%d" % i) for i in range(n))
    )
    out = run_cli(cli, cluster.ports[0], "--pipe", stdin=resp)
    assert f"errors: 0, replies: {n}" in out, out
    inline = b"".join(b"INCRBY mass:%d 1000\r\n" % i for i in range(n)) + b"INCR mass:text\r\n"
    out = run_cli(cli, cluster.ports[1], "--pipe", stdin=inline)
    assert f"errors: 0, replies: {n + 1}" in out, out
    client = redis.Redis(port=cluster.ports[2])
    try:
        values = client.mget([f"mass:{i}" for i in range(n)])
        assert values == [b"%d" % (1000 + i) for i in range(n)]
        assert client.dbsize() == n + 1
    finally:
        client.close()


def test_every_supported_command_is_covered() -> None:
    """Every command of the table: this module names each of them."""
    from rabia.kv.commands.table import COMMANDS

    source = Path(__file__).read_text()
    missing = [
        name.decode().upper()
        for name in COMMANDS
        if name != b"watchrev" and f'"{name.decode().upper()}"' not in source
    ]
    assert missing == []


def test_leases_and_elections_at_every_node(conns: list[Conn]) -> None:
    for node, conn in enumerate(conns):
        lease = conn.call("LEASE.GRANT", 60_000)
        assert isinstance(lease, int) and lease > 0
        assert between(59_000, 60_000)(conns[(node + 1) % NODES].call("LEASE.TTL", lease))
        assert conn.call("LEASE.KEEPALIVE", lease) == 60_000
        won = conn.call("ELECT.CAMPAIGN", "job", f"cand{node}", lease)
        assert won[0] == 1 and won[1] > 0
        for other in conns:  # every node names the same holder and term
            assert matches([f"cand{node}", lease, won[1]], other.call("ELECT.LEADER", "job"))
        rival = conns[(node + 1) % NODES].call("LEASE.GRANT", 60_000)
        lost = conns[(node + 1) % NODES].call("ELECT.CAMPAIGN", "job", "rival", rival)
        assert matches([0, f"cand{node}", won[1]], lost)
        assert matches(
            E("ERR keys starting with '__election__:' are written only by ELECT.* and LEASE.*"),
            conn.call("SET", "__election__:job", "forged"),
        )
        assert conn.call("ELECT.RESIGN", "job", lease) == 1
        assert conn.call("ELECT.LEADER", "job") is None
        assert conn.call("LEASE.REVOKE", lease) == 1
        assert conn.call("LEASE.REVOKE", rival) == 1
        assert conn.call("LEASE.TTL", lease) == -2
        assert matches(
            E(f"NOLEASE lease {lease} not found or expired"), conn.call("LEASE.KEEPALIVE", lease)
        )
        assert matches(arity("lease.grant"), conn.call("LEASE.GRANT"))
        assert matches(NOT_INT, conn.call("ELECT.CAMPAIGN", "job", "x", "nope"))


def _raw(port: int, request: bytes, until: bytes) -> bytes:
    """Send raw bytes, read until ``until`` appears (bounded)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        deadline = time.monotonic() + 10
        while until not in data and time.monotonic() < deadline:
            data += sock.recv(65536)
        return data


PUBSUB_COMMANDS = ("SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE")
"""Sent by redis-py's PubSub methods below."""
RAW_COMMANDS = ("RABIA.WATCH", "RABIA.UNWATCH", "RESET")
"""Sent inline on a raw socket below."""


def test_pubsub_watch_and_reset_at_every_node(cluster: RabiaUp) -> None:
    writer = redis.Redis(port=cluster.ports[0], protocol=2)
    try:
        for node, port in enumerate(cluster.ports):
            client = redis.Redis(port=port, protocol=2)
            sub = client.pubsub()
            sub.subscribe(f"__keyspace@0__:ps{node}")
            sub.psubscribe("__keyevent@0__:*")
            assert sub.get_message(timeout=5)["type"] == "subscribe"
            assert sub.get_message(timeout=5)["type"] == "psubscribe"
            writer.set(f"ps{node}", "v")
            got = []
            deadline = time.monotonic() + 10
            while len(got) < 2 and time.monotonic() < deadline:
                message = sub.get_message(timeout=1)
                if message is not None:
                    got.append((message["type"], message["channel"], message["data"]))
            assert ("message", f"__keyspace@0__:ps{node}".encode(), b"set") in got
            assert ("pmessage", b"__keyevent@0__:set", f"ps{node}".encode()) in got
            sub.unsubscribe()
            sub.punsubscribe()
            sub.close()
            client.close()
            # RABIA.WATCH from revision 1 replays this node's history of the key; RESET
            # leaves watch mode; RABIA.UNWATCH answers with the watches left.
            data = _raw(
                port,
                f"RABIA.WATCH ps{node} 1\r\nRABIA.UNWATCH ps{node}\r\nRESET\r\nPING\r\n".encode(),
                b"+PONG",
            )
            assert b"$5\r\nwatch\r\n" in data and f"$3\r\nset\r\n$3\r\nps{node}".encode() in data
            assert b"$7\r\nunwatch\r\n" in data and b"+RESET\r\n+PONG\r\n" in data
    finally:
        writer.close()
