"""Streams against redis-server: every reply, the keyspace events and the final state.

The two sides have different clocks (rabia: the log time; Redis: its own), so what
depends on time is normalized before comparing, and the generated times are chosen so
that no comparison depends on a few milliseconds (``normalize``):

* IDs made by ``*`` (milliseconds of the current time, 13 digits): ``T``. Explicit IDs
  are small, so an ID made from the clock is above all of them on both sides, and every
  command that compares IDs decides the same way.
* Idle times (XPENDING's fourth field, XINFO CONSUMERS' ``idle``) and absolute delivery
  and seen times (XINFO STREAM FULL, 13 digits): ``0``. Minimum idle times are 0 or
  5,000 s, and XCLAIM's IDLE/TIME 0, 1 or 100,000 s, far from any measured idle time.
* ``BLOCK 1`` with nothing to serve: Redis waits 1 ms and answers the null array; rabia
  answers "blocked" (``resp.BLOCK``), which a client sees as the null array at timeout.
* XGROUP HELP and XINFO HELP: our own wording (not generated).
"""

from __future__ import annotations

import random
import re
import socket
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rabia.kv import resp
from rabia.kv.commands.table import COMMANDS
from tests.differential.check import order_free
from tests.differential.oracle import (
    Command,
    Differential,
    RedisOracle,
    array_items,
    differences,
    encode_request,
    reply_end,
)
from tests.differential.strategies import command, integers, keys, sequences, values


def often(common: list[bytes], rare: list[bytes]) -> st.SearchStrategy[bytes]:
    """Mostly one of ``common``, sometimes one of ``rare`` (edge cases, errors)."""
    return st.one_of(st.sampled_from(common), st.sampled_from(common), st.sampled_from(rare))


skeys = st.sampled_from([b"k1", b"k1", b"k2", b"k2", b"k3", b"s"])
"""Stream keys: few, so that commands meet; ``s`` always holds a string (WRONGTYPE)."""
small_ids = st.sampled_from([b"1", b"1-1", b"2", b"3", b"5", b"0", b"9"])
ids = often(
    [b"1", b"1-0", b"1-1", b"2", b"2-5", b"3-0", b"5", b"7-1", b"10"],
    [
        b"0-1",
        b"0-0",
        b"-",
        b"+",
        b"abc",
        b"1-x",
        b"-1",
        b"18446744073709551615-18446744073709551615",
    ],
)
add_ids = often(
    [b"1", b"2", b"3", b"4-*", b"5", b"6-0", b"7-1", b"9", b"*"], [b"0-*", b"x-*", b"0-0"]
)
bounds = often(
    [b"-", b"+", b"-", b"+", b"2", b"3-0", b"(1", b"(2-5"], [b"(0-0", b"(+", b"(", b"abc"]
)
fields = st.sampled_from([b"f", b"f", b"g", b"1", b""])
groups = st.sampled_from([b"g1", b"g1", b"g2"])
consumers = st.sampled_from([b"c1", b"c2"])
counts = often([b"1", b"2", b"3", b"10"], [b"0", b"-1", b"x"])
min_idle = often([b"0", b"5000000"], [b"-3", b"x"])


@st.composite
def trims(draw: st.DrawFn) -> list[bytes]:
    """MAXLEN/MINID [~|=] n [LIMIT l], sometimes wrong."""
    kind = draw(st.sampled_from([b"MAXLEN", b"MINID", b"maxlen", b"LIMIT"]))
    out = [kind, *draw(st.sampled_from([[], [b"~"], [b"="]]))]
    out.append(draw(small_ids if kind.upper() == b"MINID" else counts))
    if draw(st.booleans()):
        out += [b"LIMIT", draw(counts)]
    return out


@st.composite
def xadds(draw: st.DrawFn) -> list[bytes]:
    args = [b"XADD", draw(skeys)]
    if draw(st.integers(0, 5)) == 0:
        args.append(b"NOMKSTREAM")
    if draw(st.integers(0, 3)) == 0:
        args += draw(trims())
    args.append(draw(add_ids))
    pairs = draw(st.integers(0, 3))
    for _ in range(pairs):
        args += [draw(fields), draw(values)]
    if draw(st.integers(0, 8)) == 0:
        args.append(draw(fields))  # an odd count: arity error
    return args


@st.composite
def xreads(draw: st.DrawFn, grouped: bool) -> list[bytes]:
    args = [b"XREADGROUP", b"GROUP", draw(groups), draw(consumers)] if grouped else [b"XREAD"]
    if draw(st.booleans()):
        args += [b"COUNT", draw(counts)]
    if draw(st.integers(0, 4)) == 0:
        args += [b"BLOCK", draw(st.sampled_from([b"1", b"-1", b"x"]))]
    if grouped and draw(st.integers(0, 3)) == 0:
        args.append(b"NOACK")
    streams = draw(st.lists(skeys, min_size=1, max_size=2))
    special = [b">", b">", b"0", b"1-1"] if grouped else [b"$", b"0", b"1", b">"]
    marks = [draw(st.one_of(st.sampled_from(special), small_ids)) for _ in streams]
    if draw(st.integers(0, 10)) == 0:
        marks.pop()  # unbalanced
    return [*args, b"STREAMS", *streams, *marks]


entry_commands = st.one_of(
    xadds(),
    xadds(),
    xadds(),
    command(b"XLEN", keys),
    command(b"XRANGE", skeys, bounds, bounds),
    command(b"XREVRANGE", skeys, bounds, bounds, st.just(b"COUNT"), counts),
    command(b"XRANGE", skeys, bounds, bounds, st.sampled_from([b"COUNT", b"LIMIT"]), counts),
    st.tuples(skeys, st.lists(ids, min_size=1, max_size=3)).map(lambda d: [b"XDEL", d[0], *d[1]]),
    st.tuples(skeys, trims()).map(lambda d: [b"XTRIM", d[0], *d[1]]),
    command(b"XSETID", skeys, ids),
    command(b"XSETID", skeys, ids, st.just(b"ENTRIESADDED"), integers),
    command(b"XSETID", skeys, ids, st.just(b"MAXDELETEDID"), ids),
    xreads(grouped=False),
    command(b"XINFO", st.just(b"STREAM"), keys),
    command(b"XINFO", st.just(b"STREAM"), skeys, st.just(b"FULL")),
    command(b"XINFO", st.just(b"STREAM"), skeys, st.just(b"FULL"), st.just(b"COUNT"), counts),
)
xclaims = st.tuples(
    skeys, groups, consumers, min_idle, st.lists(ids, min_size=1, max_size=3)
).flatmap(
    lambda d: st.lists(
        st.sampled_from(
            [
                *([b"FORCE"], [b"JUSTID"], [b"IDLE", b"100000000"], [b"IDLE", b"0"]),
                *([b"TIME", b"1"], [b"RETRYCOUNT", b"3"], [b"LASTID", b"5"], [b"BOGUS"]),
                [b"IDLE"],
            ]
        ),
        max_size=2,
    ).map(lambda opts: [b"XCLAIM", *d[:4], *d[4], *[o for opt in opts for o in opt]])
)
"""XCLAIM with IDs and options, some wrong."""

group_commands = st.one_of(
    command(
        b"XGROUP", st.just(b"CREATE"), skeys, groups, st.sampled_from([b"$", b"0", b"1", b"-"])
    ),
    command(b"XGROUP", st.just(b"CREATE"), skeys, groups, st.just(b"0"), st.just(b"MKSTREAM")),
    command(b"XGROUP", st.just(b"CREATE"), skeys, groups, ids, st.just(b"ENTRIESREAD"), integers),
    command(b"XGROUP", st.just(b"SETID"), skeys, groups, st.sampled_from([b"$", b"0", b"+", b"2"])),
    command(b"XGROUP", st.just(b"DESTROY"), skeys, groups),
    command(
        b"XGROUP", st.sampled_from([b"CREATECONSUMER", b"DELCONSUMER"]), skeys, groups, consumers
    ),
    command(b"XGROUP", st.sampled_from([b"create", b"destroy", b"nosuch", b"setid"]), keys),
    xreads(grouped=True),
    xreads(grouped=True),
    st.tuples(skeys, groups, st.lists(ids, min_size=1, max_size=3)).map(
        lambda d: [b"XACK", d[0], d[1], *d[2]]
    ),
    command(b"XPENDING", skeys, groups),
    command(b"XPENDING", skeys, groups, bounds, bounds, counts),
    command(b"XPENDING", skeys, groups, bounds, bounds, counts, consumers),
    command(b"XPENDING", skeys, groups, st.just(b"IDLE"), min_idle, bounds, bounds, counts),
    xclaims,
    xclaims,
    xclaims,
    command(b"XAUTOCLAIM", skeys, groups, consumers, min_idle, bounds),
    command(b"XAUTOCLAIM", skeys, groups, consumers, min_idle, bounds, st.just(b"COUNT"), counts),
    command(b"XAUTOCLAIM", skeys, groups, consumers, min_idle, bounds, st.just(b"JUSTID")),
    command(b"XINFO", st.just(b"GROUPS"), keys),
    command(b"XINFO", st.just(b"CONSUMERS"), skeys, groups),
    command(b"XINFO", st.sampled_from([b"STREAM", b"GROUPS", b"nosuch"])),
)
other_commands = st.one_of(
    command(b"SET", st.just(b"s"), values),
    command(b"DEL", st.sampled_from([b"k1", b"k2", b"k3"])),
    command(b"TYPE", keys),
    command(b"XADD", keys),
    command(b"XREAD", st.sampled_from([b"STREAMS", b"COUNT", b"GROUP", b"NOACK"]), keys, ids),
)

_CLOCK_ID = re.compile(rb"\$\d+\r\n\d{13,}-\d+\r\n")
_CLOCK_TIME = re.compile(rb":\d{13,}\r\n")
_IDLE = re.compile(rb"(\$4\r\nidle\r\n):\d+\r\n")
_PENDING = re.compile(rb"(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n")


def normalize(command: Command, reply: bytes) -> bytes:
    """What depends on the clock, removed (see the module's docstring)."""
    if reply == resp.BLOCK:
        return resp.NULL_ARRAY
    reply = _CLOCK_TIME.sub(b":0\r\n", _CLOCK_ID.sub(b"$1\r\nT\r\n", reply))
    name = command[0].upper()
    if name == b"XPENDING":
        return _PENDING.sub(rb"\1:0\r\n", reply)
    if name == b"XINFO":
        return _IDLE.sub(rb"\1:0\r\n", reply)
    return reply


def _clockless(value: object) -> object:
    """A key's state as ``read_state`` gives it, with ``*`` IDs normalized."""
    if isinstance(value, tuple) and isinstance(value[1], bytes):
        return (value[0], _CLOCK_ID.sub(b"$1\r\nT\r\n", value[1]), *value[2:])
    return value


def same_streams(diff: Differential, commands: list[list[bytes]]) -> None:
    """Like ``check.same_behaviour``, with the final states normalized too (``*`` IDs)."""
    diff.fresh()
    commands = [[b"SET", b"s", b"string"], *commands]
    pairs = [
        (c, normalize(c, order_free(c, ours)), normalize(c, order_free(c, theirs)))
        for c, ours, theirs in diff.run(commands)
    ]
    problems = list(differences(pairs))
    assert problems == [], "\n".join(problems)
    ours, theirs = (
        {key: _clockless(value) for key, value in state.items()} for state in diff.states()
    )
    assert ours == theirs, f"final states differ:\nrabia {ours}\nredis {theirs}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(st.one_of(entry_commands, entry_commands, other_commands), max_size=30))
def test_stream_entries_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_streams(diff, commands)


GROUPS_SETUP = [
    line.split()
    for line in [
        b"XADD k1 1 f a",
        b"XADD k1 2 f b",
        b"XADD k1 3 g c",
        b"XGROUP CREATE k1 g1 0",
        b"XADD k2 1 f x",
        b"XGROUP CREATE k2 g1 $",
        b"XREADGROUP GROUP g1 c1 COUNT 1 STREAMS k1 >",
    ]
]
"""Streams with a group and a pending entry, so that generated commands find them."""


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(st.one_of(entry_commands, group_commands, group_commands), max_size=40))
def test_consumer_groups_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_streams(diff, GROUPS_SETUP + commands)


class RedisEvents:
    """A second connection to the oracle, subscribed to every keyevent notification."""

    def __init__(self, oracle: RedisOracle) -> None:
        self.oracle = oracle
        assert oracle.call([b"CONFIG", b"SET", b"notify-keyspace-events", b"EA"]) == resp.OK
        self.sock = socket.create_connection(("127.0.0.1", oracle.port), timeout=5)
        self.buffer = b""
        self.sock.sendall(encode_request([b"PSUBSCRIBE", b"__keyevent@0__:*"]))
        self._next()

    def _next(self) -> list[bytes]:
        while (end := reply_end(self.buffer)) is None:
            self.buffer += self.sock.recv(1 << 16)
        reply, self.buffer = self.buffer[:end], self.buffer[end:]
        return [item[item.index(b"\r\n") + 2 : -2] for item in array_items(reply)]

    def events(self) -> list[tuple[bytes, bytes]]:
        """The (event, key) pairs published since the last call."""
        self.oracle.call([b"PUBLISH", b"__keyevent@0__:end", b""])
        found = []
        while (message := self._next())[2] != b"__keyevent@0__:end":
            found.append((message[2].removeprefix(b"__keyevent@0__:"), message[3]))
        return found

    def close(self) -> None:
        self.sock.close()
        self.oracle.call([b"CONFIG", b"SET", b"notify-keyspace-events", b""])


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[bytes, bytes]] = []

    def publish(self, revision: int, events: list[tuple[bytes, bytes]]) -> None:
        self.events += events

    def reset(self, revision: int) -> None:
        raise AssertionError("no snapshot is installed here")


@pytest.fixture
def redis_events(oracle: RedisOracle) -> Iterator[RedisEvents]:
    events = RedisEvents(oracle)
    try:
        yield events
    finally:
        events.close()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequences(st.one_of(entry_commands, group_commands, other_commands), max_size=30))
def test_keyspace_events_match_redis(
    diff: Differential, redis_events: RedisEvents, commands: list[list[bytes]]
) -> None:
    """The same (event, key) notifications, in the same order (xadd, xtrim, xdel,
    xsetid, xgroup-*, del, set)."""
    diff.fresh()
    redis_events.events()
    recorder = Recorder()
    diff.machine.machine.event_sink = recorder
    diff.run([[b"SET", b"s", b"string"], *GROUPS_SETUP, *commands])
    assert recorder.events == redis_events.events()


def test_nodes_and_approximate_trimming_match_redis(diff: Differential) -> None:
    """Thousands of entries of varied sizes (some over a node's 4096 bytes), deletions
    and trims: ``~`` removes the same whole nodes as Redis, and XINFO STREAM counts the
    same nodes (radix-tree-keys, radix-tree-nodes)."""
    rnd = random.Random(7)
    commands: list[list[bytes]] = []
    ms = 0
    for step in range(2500):
        ms += rnd.choice([0, 1, 1, 5, 1000, 2**33])
        size = rnd.choice([1, 1, 2, 20, 300, 5000])
        pairs = [b"f", b"v" * size] if rnd.random() < 0.7 else [b"g%d" % step, b"%d" % step]
        commands.append([b"XADD", b"k", b"%d-*" % ms, *pairs])
        if step % 50 == 0:
            doomed = [b"%d-%d" % (ms - rnd.randrange(3000), rnd.randrange(2)) for _ in range(30)]
            commands.append([b"XDEL", b"k", *doomed])
        if step % 400 == 399:
            limit = [b"LIMIT", b"%d" % rnd.randrange(1, 400)] if rnd.random() < 0.5 else []
            commands.append([b"XTRIM", b"k", b"MAXLEN", b"~", b"%d" % rnd.randrange(2000), *limit])
            commands.append([b"XINFO", b"STREAM", b"k"])
        if step % 700 == 699:
            commands.append([b"XTRIM", b"k", b"MINID", b"~", b"%d" % (ms - 10**10)])
            commands.append([b"XADD", b"k", b"MAXLEN", b"~", b"900", b"%d-*" % ms, b"f", b"v"])
            commands.append([b"XINFO", b"STREAM", b"k"])
    same_streams(diff, commands)


def test_star_ids_after_the_clock_match_redis(diff: Differential) -> None:
    """``*`` after an ID from the future: the next sequence number, on both sides."""
    diff.fresh()
    commands = [
        [b"XADD", b"k", b"99999999999999-5", b"f", b"v"],
        [b"XADD", b"k", b"*", b"f", b"v"],
        [b"XADD", b"k", b"99999999999999-*", b"f", b"v"],
        [b"XADD", b"k", b"18446744073709551615-18446744073709551614", b"f", b"v"],
        [b"XADD", b"k", b"*", b"f", b"v"],
        [b"XADD", b"k", b"*", b"f", b"v"],
        [b"XRANGE", b"k", b"-", b"+"],
    ]
    problems = list(differences(diff.run(commands)))
    assert problems == [], "\n".join(problems)


def test_resp3_forms_match_redis(oracle: RedisOracle, diff: Differential) -> None:
    """RESP3 replies (maps for XREAD, XREADGROUP and XINFO), as a RESP3 client gets them
    from rabia's connection (``CommandSpec.resp3``, then nulls) and from redis-server."""
    diff.fresh()
    sock = socket.create_connection(("127.0.0.1", oracle.port), timeout=5)
    buffer = b""

    def resp3_call(args: list[bytes]) -> bytes:
        nonlocal buffer
        sock.sendall(encode_request(args))
        while (end := reply_end(buffer)) is None:
            buffer += sock.recv(1 << 16)
        reply, buffer = buffer[:end], buffer[end:]
        return reply

    try:
        resp3_call([b"HELLO", b"3"])
        for line in [
            *(b"XADD s 1 f v", b"XADD s 2 g w", b"XGROUP CREATE s g 0", b"XDEL s 1"),
            *(b"XREADGROUP GROUP g c STREAMS s 0 >", b"XREAD STREAMS s 0", b"XREAD STREAMS s 9"),
            *(b"XADD s 3 f v", b"XREADGROUP GROUP g c STREAMS s 0", b"XINFO STREAM s"),
            *(b"XINFO GROUPS s", b"XINFO CONSUMERS s g", b"XINFO STREAM s FULL COUNT 1"),
        ]:
            args = line.split()
            ours = diff.machine.call(args)
            spec = COMMANDS[args[0].lower()]
            ours = resp.to_resp3(spec.resp3(ours) if spec.resp3 is not None else ours)
            assert normalize(args, ours) == normalize(args, resp3_call(args)), line
    finally:
        sock.close()
