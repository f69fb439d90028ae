"""Connection commands (PING, ECHO, SELECT, CLIENT, INFO, COMMAND, AUTH, HELLO), QUIT, and
pub/sub, RABIA.WATCH and RESET, at every node."""

from __future__ import annotations

import socket
import time
from typing import Any

import redis

from tests.e2e.redis_clients.steps import SYNTAX, E, arity, between, run_steps
from tests.e2e.redis_up import Conn, RabiaUp, require_redis_cli, run_cli

NO_PASSWORD = (
    "ERR AUTH <password> called without any password configured for the default user. "
    "Are you sure your configuration is correct?"
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
                (0, ["CLIENT", "BOGUS"], E("ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.")),
                (0, ["INFO"], lambda v, node=node: "# Consensus" in v and f"node_id:{node}" in v),
                (0, ["COMMAND"], []),
                (0, ["AUTH", "pw"], E(NO_PASSWORD)),
                (0, ["AUTH"], arity("auth")),
                (0, ["ACL", "WHOAMI"], "default"),
                (0, ["ACL", "CAT"], lambda v: "read" in v and "dangerous" in v),
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


def test_publish_reaches_subscribers_at_every_node(conns: list[Conn], cluster: RabiaUp) -> None:
    clients = [redis.Redis(port=port, protocol=2) for port in cluster.ports]
    subs = [client.pubsub() for client in clients[1:]]
    try:
        for sub in subs:
            sub.subscribe("news")
            sub.psubscribe("n*")
            assert sub.get_message(timeout=5)["type"] == "subscribe"
            assert sub.get_message(timeout=5)["type"] == "psubscribe"
        run_steps(
            conns,
            [
                (0, ["PUBLISH", "news", "hello"], 0),  # node 0's own subscribers: none
                (1, ["PUBLISH", "news", "again"], 2),  # node 1's: the channel, the pattern
                (1, ["PUBLISH", "other", "x"], 0),
                (0, ["PUBLISH", "news"], arity("publish")),
                (2, ["PUBSUB", "NUMSUB", "news", "none"], ["news", 1, "none", 0]),
                (2, ["PUBSUB", "CHANNELS"], ["news"]),
                (0, ["PUBSUB", "CHANNELS"], []),
                (1, ["PUBSUB", "NUMPAT"], 1),
                (1, ["PUBSUB", "NOPE"], E("ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.")),
            ],
            0,
        )
        for sub in subs:  # every message, in the order the log decided
            got: list[tuple[str, bytes]] = []
            deadline = time.monotonic() + 10
            while len(got) < 4 and time.monotonic() < deadline:
                message = sub.get_message(timeout=1)
                if message is not None:
                    got.append((message["type"], message["data"]))
            assert got == [
                ("message", b"hello"),
                ("pmessage", b"hello"),
                ("message", b"again"),
                ("pmessage", b"again"),
            ]
    finally:
        for sub in subs:
            sub.close()
        for client in clients:
            client.close()
