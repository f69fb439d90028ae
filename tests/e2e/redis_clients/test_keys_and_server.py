"""Key and server commands at every node: RENAME, RENAMENX, COPY, UNLINK, TOUCH,
EXPIREAT, PEXPIREAT, EXPIRETIME, PEXPIRETIME, RANDOMKEY, OBJECT, SORT, SORT_RO, FLUSHALL,
SWAPDB, TIME, WAIT, CONFIG; INFO as redis-py parses it; CLIENT LIST, INFO and KILL
across the connections of one node."""

from __future__ import annotations

import time
from typing import Any

import pytest
import redis

from tests.e2e.redis_clients.steps import NODES, NOT_INT, SYNTAX, E, Step, arity, between, run_steps
from tests.e2e.redis_up import Conn, RabiaUp, no_retry

WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")


def pairs(reply: Any) -> dict[str, Any]:
    """A map reply (RESP3) or a flat array of pairs (RESP2) as a dict."""
    return reply if isinstance(reply, dict) else dict(zip(reply[::2], reply[1::2], strict=True))


def keys_steps(p: str) -> list[Step]:
    now = int(time.time())
    return [
        (0, ["SET", p + "a", "1", "EX", 100], "OK"),
        (1, ["RENAME", p + "a", p + "b"], "OK"),
        (2, ["TTL", p + "b"], between(98, 100)),
        (0, ["EXISTS", p + "a"], 0),
        (1, ["RENAME", p + "a", p + "c"], E("ERR no such key")),
        (2, ["SET", p + "c", "3"], "OK"),
        (0, ["RENAMENX", p + "b", p + "c"], 0),
        (1, ["COPY", p + "b", p + "c"], 0),
        (2, ["COPY", p + "b", p + "c", "REPLACE"], 1),
        (0, ["GET", p + "c"], "1"),
        (1, ["COPY", p + "b", p + "d", "DB", 1], E("ERR DB index is out of range")),
        (2, ["TOUCH", p + "b", p + "c", p + "none"], 2),
        (0, ["UNLINK", p + "b", p + "none"], 1),
        (1, ["EXPIREAT", p + "c", now + 200], 1),
        (2, ["EXPIRETIME", p + "c"], now + 200),
        (0, ["PEXPIREAT", p + "c", (now + 300) * 1000, "GT"], 1),
        (1, ["PEXPIRETIME", p + "c"], (now + 300) * 1000),
        (2, ["PEXPIREAT", p + "c", 9223372036854775807], 1),
        (0, ["PEXPIRETIME", p + "c"], 9223372036854775807),
        (1, ["EXPIRE", p + "none", 9223372036854], 0),
        (2, ["EXPIREAT", p + "c", "x"], NOT_INT),
        (0, ["EXPIRETIME", p + "none"], -2),
        (1, ["OBJECT", "ENCODING", p + "c"], "int"),
        (2, ["OBJECT", "REFCOUNT", p + "c"], 2147483647),
        (0, ["OBJECT", "FREQ", p + "c"], lambda v: "LFU" in v.text),
        (1, ["OBJECT", "NOPE", p + "c"], E("ERR unknown subcommand 'NOPE'. Try OBJECT HELP.")),
        (
            2,
            ["OBJECT", "ENCODING"],
            E("ERR wrong number of arguments for 'object|encoding' command"),
        ),
        (0, ["SORT", p + "none"], []),
        (1, ["SORT", p + "c"], WRONGTYPE),
        (2, ["SORT_RO", p + "c", "STORE", p + "d"], SYNTAX),
        (0, ["SORT", p + "none", "STORE", p + "c"], 0),
        (1, ["EXISTS", p + "c"], 0),
        (2, ["MSET", p + "x", "1", p + "y", "2"], "OK"),
        (0, ["RANDOMKEY"], lambda v: v in (p + "x", p + "y")),
        (1, ["SWAPDB", 0, 0], "OK"),
        (2, ["SWAPDB", 0, 1], E("ERR DB index is out of range")),
        (0, ["TIME"], lambda v: abs(int(v[0]) - time.time()) < 60 and 0 <= int(v[1]) < 10**6),
        (1, ["FLUSHALL"], "OK"),
        *[(at, ["RANDOMKEY"], None) for at in range(NODES)],
        (2, ["RENAME", p + "x"], arity("rename")),
    ]


def server_steps() -> list[Step]:
    return [
        (0, ["WAIT", 1, 0], NODES - 1),
        (1, ["WAIT", 1, -1], E("ERR timeout is negative")),
        (
            2,
            ["CONFIG", "GET", "maxmemory-policy"],
            lambda v: pairs(v) == {"maxmemory-policy": "noeviction"},
        ),
        (
            0,
            ["CONFIG", "GET", "save", "appendonly"],
            lambda v: pairs(v) == {"save": "", "appendonly": "no"},
        ),
        (1, ["CONFIG", "SET", "notify-keyspace-events", "KEA"], "OK"),
        (2, ["CONFIG", "SET", "maxmemory", "1gb"], lambda v: "CONFIG SET failed" in v.text),
        (0, ["CONFIG", "NOPE"], E("ERR unknown subcommand 'NOPE'. Try CONFIG HELP.")),
        (1, ["INFO", "keyspace"], lambda v: v.startswith("# Keyspace")),
    ]


def test_key_commands_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, keys_steps(f"k{first}:"), first)


def test_server_commands_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        run_steps(conns, server_steps(), first)


def test_info_as_redis_py_reads_it(cluster: RabiaUp) -> None:
    client = redis.Redis(port=cluster.ports[1], decode_responses=True)
    try:
        client.set("i1", "v", ex=100)
        client.set("i2", "v")
        info = client.info()
        assert info["redis_version"] == "7.0.15" and info["role"] == "master"
        assert info["db0"] == {"keys": 2, "expires": 1, "avg_ttl": 0}
        assert info["node_id"] == 1 and info["connected_clients"] >= 1
        assert client.info("server")["tcp_port"] == cluster.ports[1]
        assert client.config_get("maxmemory") == {"maxmemory": "0"}
        seconds, _ = client.time()
        assert abs(seconds - time.time()) < 60
        assert client.wait(1, 100) == NODES - 1
    finally:
        client.close()


def test_client_list_and_kill_across_connections(cluster: RabiaUp) -> None:
    port = cluster.ports[0]
    admin = redis.Redis(port=port, decode_responses=True, single_connection_client=True)
    victim = redis.Redis(port=port, single_connection_client=True, retry=no_retry())
    elsewhere = redis.Redis(port=cluster.ports[2], single_connection_client=True)
    try:
        victim.client_setname("victim")
        victim.ping()
        elsewhere.client_setname("elsewhere")
        listed = {c["name"]: c for c in admin.client_list()}
        assert "victim" in listed and "elsewhere" not in listed  # each node its own
        entry = listed["victim"]
        assert entry["cmd"] == "ping" and entry["db"] == "0" and ":" in entry["addr"]
        assert entry["laddr"].endswith(f":{port}")
        assert admin.client_kill_filter(_id=int(entry["id"])) == 1
        with pytest.raises(redis.ConnectionError):
            victim.execute_command("PING")
        names = [c["name"] for c in admin.client_list()]
        assert "victim" not in names
        assert admin.client_kill_filter(_id=int(entry["id"])) == 0
        me = admin.client_info()  # CLIENT INFO (redis-cli prints it unquoted: not there)
        assert me["cmd"] == "client|info" and me["name"] == ""
        assert admin.client_kill_filter(_id=int(me["id"])) == 0  # SKIPME yes
    finally:
        for client in (admin, victim, elsewhere):
            client.close()
