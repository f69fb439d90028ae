"""PUBLISH, PUBSUB and subscriptions against redis-server: three connections on each side
(ours share one node: ``tests.kv.fakes.Client`` on one log), one of them RESP3, take turns
subscribing, publishing, writing keys (keyspace notifications) and running MULTI blocks
that mix writes and PUBLISH; after each step every connection's whole output (replies and
pushed messages, in order) must be redis-server's."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import sorted_items
from tests.differential.oracle import Command, RedisOracle, encode_request
from tests.differential.strategies import command, variadic
from tests.kv.fakes import Client, FakeLog

CHANNELS = [b"ch", b"ch2", b"__keyspace@0__:k", b"__keyevent@0__:set"]
PATTERNS = [b"c*", b"ch?", b"__key*@0__:*", b"*"]
PONGS = (b"+PONG\r\n", b"*2\r\n$4\r\npong\r\n$0\r\n\r\n")
"""PING's reply outside and inside RESP2 subscribe mode: the end of a step's output."""
PUSH_KINDS = (b"message", b"pmessage", b"subscribe", b"psubscribe")
PUSH_KINDS += (b"unsubscribe", b"punsubscribe")

channels = st.sampled_from(CHANNELS)
patterns = st.sampled_from(PATTERNS)
messages = st.sampled_from([b"m", b"", b"hello"])
writes = st.one_of(
    command(b"SET", st.just(b"k"), messages),
    command(b"DEL", st.just(b"k")),
    command(b"INCR", st.sampled_from([b"k", b"n"])),
)
counts = st.one_of(
    command(b"PUBSUB", st.just(b"NUMPAT")),
    variadic(b"PUBSUB", [st.just(b"NUMSUB")], channels, max_size=3),
    command(b"PUBSUB", st.sampled_from([b"NOPE", b"NUMPAT"]), channels),
)
pubsub = st.one_of(counts, variadic(b"PUBSUB", [st.just(b"CHANNELS")], patterns, max_size=2))
single = st.one_of(
    variadic(b"SUBSCRIBE", [], channels, min_size=1, max_size=2),
    variadic(b"PSUBSCRIBE", [], patterns, min_size=1, max_size=2),
    variadic(b"UNSUBSCRIBE", [], channels, max_size=2),
    variadic(b"PUNSUBSCRIBE", [], patterns, max_size=2),
    command(b"PUBLISH", channels, messages),
    command(b"PUBLISH", channels, messages),
    writes,
    pubsub,
    st.just([b"RESET"]),
).map(lambda c: [c])
block = st.lists(
    st.one_of(command(b"PUBLISH", channels, messages), writes, counts), min_size=1, max_size=4
).map(lambda queued: [[b"MULTI"], *queued, [b"EXEC"]])
steps = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 2), single).filter(
            lambda step: step != (2, [[b"RESET"]])  # our RESET keeps RESP3 (Redis: back to 2)
        ),
        # Not from the RESP3 connection: Redis writes the messages a transaction sends to
        # its own client inside EXEC's array, between its elements.
        st.tuples(st.integers(0, 1), block),
    ),
    max_size=12,
)


class Socket:
    """One raw connection to redis-server."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def step(self, commands: list[Command]) -> list[bytes]:
        """Send ``commands`` and a PING; every reply and message up to the PING's reply."""
        self.sock.sendall(b"".join(encode_request(c) for c in [*commands, [b"PING"]]))
        return read_until_pong(self.sock.recv, b"")


def reply_end(data: bytes, pos: int) -> int | None:
    """Where the RESP2/RESP3 reply at ``pos`` ends (None: ``data`` holds less)."""
    end = data.find(b"\r\n", pos)
    if end < 0:
        return None
    kind, size = data[pos : pos + 1], data[pos + 1 : end]
    if kind in (b"$", b"=") and int(size) >= 0:
        stop = end + 4 + int(size)
        return stop if len(data) >= stop else None
    if kind in (b"*", b"%", b"~", b">") and int(size) >= 0:
        position: int | None = end + 2
        for _ in range(int(size) * (2 if kind == b"%" else 1)):
            assert position is not None
            position = reply_end(data, position)
            if position is None:
                return None
        return position
    return end + 2


def read_until_pong(recv: Callable[[int], bytes] | None, data: bytes) -> list[bytes]:
    """The replies in ``data`` (more read with ``recv``, if given) up to and including a
    PONG."""
    out: list[bytes] = []
    start = 0
    while True:
        end = reply_end(data, start)
        if end is None:
            assert recv is not None, f"incomplete output: {data!r}"
            chunk = recv(1 << 16)
            assert chunk, "redis-server closed the connection"
            data += chunk
            continue
        out.append(data[start:end])
        start = end
        if out[-1] in PONGS:
            assert start == len(data), data
            return out


def ours(client: Client, commands: list[Command]) -> list[bytes]:
    data = client.raw(b"".join(encode_request(c) for c in [*commands, [b"PING"]]))
    return read_until_pong(None, data)


def canonical(replies: list[bytes], own: bool) -> list[bytes]:
    """What may differ on purpose made equal: RESP2 subscribe mode's refusal (our text
    names RABIA.WATCH), PUBSUB CHANNELS and runs of (p)unsubscribe confirmations (Redis
    lists those in hash order), and on the connection that sent the step (``own``) where
    the messages it caused fall among its replies (RESP3: Redis sends them before the
    reply of the command that caused them, we after it): pushes first, then replies."""
    out = [r.split(b"Can't execute")[0] if b"Can't execute '" in r else r for r in replies]
    if own:
        out = [r for r in out if r[:1] == b">"] + [r for r in out if r[:1] != b">"]
    out = [r if _push_kind(r) is not None or r[:1] != b"*" else sorted_items(r) for r in out]
    i = 0
    while i < len(out):
        kind = _push_kind(out[i])
        j = i + 1
        if kind in (b"unsubscribe", b"punsubscribe"):
            while j < len(out) and _push_kind(out[j]) == kind:
                j += 1
            names = sorted(_second(r) for r in out[i:j])
            out[i:j] = [_with_second(r, n) for r, n in zip(out[i:j], names, strict=True)]
        elif kind == b"pmessage":  # one message's patterns: Redis walks them in hash order
            tail = _after_second(out[i])
            while j < len(out) and _push_kind(out[j]) == kind and _after_second(out[j]) == tail:
                j += 1
            out[i:j] = sorted(out[i:j])
        i = j
    return out


def _push_kind(reply: bytes) -> bytes | None:
    if reply[:1] not in (b"*", b">"):
        return None
    for kind in PUSH_KINDS:
        if reply[4:].startswith(b"$%d\r\n%s\r\n" % (len(kind), kind)):
            return kind
    return None


def _second(reply: bytes) -> bytes:
    head = reply.split(b"\r\n", 4)
    return b"\r\n".join(head[3:4])


def _after_second(reply: bytes) -> bytes:
    return b"\r\n".join(reply.split(b"\r\n")[5:])


def _with_second(reply: bytes, name: bytes) -> bytes:
    parts = reply.split(b"\r\n")
    parts[4] = name
    parts[3] = b"$%d" % len(name)
    return b"\r\n".join(parts)


@pytest.fixture(scope="module")
def sockets(oracle: RedisOracle) -> Iterator[list[Socket]]:
    oracle.call([b"CONFIG", b"SET", b"notify-keyspace-events", b"KEA"])
    opened = [Socket(oracle.port) for _ in range(3)]
    try:
        yield opened
    finally:
        for s in opened:
            s.sock.close()
        oracle.call([b"CONFIG", b"SET", b"notify-keyspace-events", b""])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_publish_and_subscriptions_match_redis(
    oracle: RedisOracle, sockets: list[Socket], drawn: list[tuple[int, list[Command]]]
) -> None:
    oracle.reset()
    log = FakeLog()
    clients = [Client(log, client_id=i + 1) for i in range(3)]
    for s, client in zip(sockets, clients, strict=True):
        s.step([[b"RESET"], [b"HELLO", b"3"]] if s is sockets[2] else [[b"RESET"]])
        ours(client, [[b"HELLO", b"3"]] if client is clients[2] else [])
    for number, (who, commands) in enumerate(drawn):
        for i in [who, *(j for j in range(3) if j != who)]:
            mine = ours(clients[i], commands if i == who else [])
            redis = sockets[i].step(commands if i == who else [])
            own = i == who
            assert canonical(mine, own) == canonical(redis, own), (number, i, commands)
