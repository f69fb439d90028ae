"""LMOVE, RPOPLPUSH, LMPOP and the blocking list commands, at the handler level: served at
once when data is there; otherwise ``ctx.block`` with the right keys and timeout and
nothing changed; nil inside EXEC; correct when run again later (ADR 0014)."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine, encode_exec, resp
from rabia.kv.blocking import ACK_NEEDED, BLOCKED, SERVED, read_blocked
from rabia.kv.commands import list_moves, lists
from rabia.kv.commands.context import MachineContext
from rabia.kv.commands.spec import Handler, Limits
from rabia.kv.commands.table import COMMANDS
from tests.kv.blockfakes import Applier
from tests.kv.conftest import SEC, Driver
from tests.kv.replies import p

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


class Spy:
    """The machine's context in a blocking call, recording what the handlers ask to wait
    for (its ``block_request``)."""

    def __init__(self) -> None:
        self.context = MachineContext(COMMANDS, Limits(64 * 1024, 1 << 20, 1000, 1000))
        self.context.blocking_call = True
        self.keyspace = self.context.keyspace
        self.blocks: list[tuple[list[bytes], int, bytes]] = []
        self.keyspace.begin(1, 1000 * SEC)

    def __call__(self, handler: Handler, *args: bytes) -> bytes:
        context = self.context
        context.revision += 1
        self.keyspace.begin(context.revision, self.keyspace.now)
        reply = handler(context, list(args))
        request, context.block_request = context.block_request, None
        if request is not None:
            self.blocks.append((request.keys, request.timeout_us, request.nil))
        return reply

    def state(self) -> object:
        return self.keyspace.state(0)


def test_lmove_and_rpoplpush(r: Driver) -> None:
    r("RPUSH", "src", "a", "b", "c")
    assert p(r, "LMOVE", "src", "dst", "LEFT", "RIGHT") == b"a"
    assert p(r, "LMOVE", "src", "dst", "right", "left") == b"c"
    assert p(r, "RPOPLPUSH", "src", "dst") == b"b"
    assert p(r, "EXISTS", "src") == 0
    assert p(r, "LRANGE", "dst", "0", "-1") == [b"b", b"c", b"a"]
    assert p(r, "LMOVE", "dst", "dst", "LEFT", "RIGHT") == b"b"  # a rotation
    assert p(r, "LRANGE", "dst", "0", "-1") == [b"c", b"a", b"b"]
    assert r("LMOVE", "none", "dst", "LEFT", "LEFT") == b"$-1\r\n"
    assert r("LMOVE", "dst", "x", "UP", "LEFT") == b"-ERR syntax error\r\n"
    r("SET", "s", "v")
    assert r("LMOVE", "dst", "s", "LEFT", "LEFT") == WRONGTYPE
    assert r("RPOPLPUSH", "s", "dst") == WRONGTYPE
    assert p(r, "LLEN", "dst") == 3


def test_lmove_events_in_redis_order() -> None:
    spy = Spy()
    spy(lists.rpush, b"RPUSH", b"src", b"a")
    spy.keyspace.events.clear()
    spy(list_moves.lmove, b"LMOVE", b"src", b"dst", b"RIGHT", b"LEFT")
    assert spy.keyspace.events == [(b"lpush", b"dst"), (b"rpop", b"src"), (b"del", b"src")]


def test_lmpop(r: Driver) -> None:
    r("RPUSH", "b", "1", "2", "3")
    assert p(r, "LMPOP", "2", "a", "b", "LEFT") == [b"b", [b"1"]]
    assert p(r, "LMPOP", "2", "a", "b", "RIGHT", "COUNT", "5") == [b"b", [b"3", b"2"]]
    assert r("LMPOP", "2", "a", "b", "LEFT") == b"*-1\r\n"
    r("SET", "s", "v")
    r("RPUSH", "l", "x")
    assert r("LMPOP", "2", "s", "l", "LEFT") == WRONGTYPE  # met before any list
    assert p(r, "LMPOP", "2", "l", "s", "LEFT") == [b"l", [b"x"]]  # never reached
    for args, error in [
        (["0", "a", "LEFT"], b"numkeys should be greater than 0"),
        (["x", "a", "LEFT"], b"numkeys should be greater than 0"),
        (["3", "a", "LEFT"], b"syntax error"),
        (["1", "a", "UP"], b"syntax error"),
        (["1", "a", "LEFT", "COUNT"], b"syntax error"),
        (["1", "a", "LEFT", "COUNT", "1", "COUNT", "1"], b"syntax error"),
        (["1", "a", "LEFT", "COUNT", "0"], b"count should be greater than 0"),
    ]:
        assert r("LMPOP", *args) == b"-ERR %s\r\n" % error, args


@pytest.mark.parametrize(
    ("handler", "args", "reply"),
    [
        (list_moves.blpop, [b"BLPOP", b"e", b"l", b"0"], b"*2\r\n$1\r\nl\r\n$1\r\na\r\n"),
        (list_moves.brpop, [b"BRPOP", b"e", b"l", b"1"], b"*2\r\n$1\r\nl\r\n$1\r\nc\r\n"),
        (
            list_moves.blmpop,
            [b"BLMPOP", b"0", b"2", b"e", b"l", b"RIGHT", b"COUNT", b"2"],
            b"*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n",
        ),
        (list_moves.blmove, [b"BLMOVE", b"l", b"d", b"LEFT", b"LEFT", b"0"], b"$1\r\na\r\n"),
        (list_moves.brpoplpush, [b"BRPOPLPUSH", b"l", b"d", b"0"], b"$1\r\nc\r\n"),
    ],
)
def test_blocking_commands_serve_at_once(handler: Handler, args: list[bytes], reply: bytes) -> None:
    spy = Spy()
    spy(lists.rpush, b"RPUSH", b"l", b"a", b"b", b"c")
    assert spy(handler, *args) == reply
    assert spy.blocks == []


@pytest.mark.parametrize(
    ("handler", "args", "keys", "timeout", "nil"),
    [
        (list_moves.blpop, [b"BLPOP", b"e", b"f", b"1.5"], [b"e", b"f"], 1_500_000, b"*-1\r\n"),
        (list_moves.brpop, [b"BRPOP", b"e", b"0"], [b"e"], 0, b"*-1\r\n"),
        (
            list_moves.blmpop,
            [b"BLMPOP", b"0.001", b"2", b"e", b"f", b"LEFT"],
            [b"e", b"f"],
            1000,
            b"*-1\r\n",
        ),
        (
            list_moves.blmove,
            [b"BLMOVE", b"e", b"l", b"LEFT", b"RIGHT", b"2"],
            [b"e"],
            2 * SEC,
            b"$-1\r\n",
        ),
        (list_moves.brpoplpush, [b"BRPOPLPUSH", b"e", b"l", b"0x10"], [b"e"], 16 * SEC, b"$-1\r\n"),
    ],
)
def test_blocking_commands_block_changing_nothing(
    handler: Handler, args: list[bytes], keys: list[bytes], timeout: int, nil: bytes
) -> None:
    spy = Spy()
    spy(lists.rpush, b"RPUSH", b"l", b"a")
    spy.keyspace.events.clear()
    before = spy.state()
    assert spy(handler, *args) == resp.BLOCK
    assert spy.blocks == [(keys, timeout, nil)]
    assert spy.state() == before and spy.keyspace.events == []


def test_a_blocked_command_run_again_serves_what_arrived() -> None:
    spy = Spy()
    spy.keyspace.blocked.update([b"e", b"d"])
    blmove = [b"BLMOVE", b"e", b"d", b"RIGHT", b"LEFT", b"0"]
    assert spy(list_moves.blmove, *blmove) == resp.BLOCK
    spy(lists.rpush, b"RPUSH", b"e", b"x", b"y")
    assert list(spy.keyspace.ready) == [b"e"]
    spy.keyspace.ready.clear()
    assert spy(list_moves.blmove, *blmove) == b"$1\r\ny\r\n"
    assert list(spy.keyspace.ready) == [b"d", b"e"]  # the destination's waiters (chaining)
    assert spy(list_moves.blpop, b"BLPOP", b"d", b"0") == b"*2\r\n$1\r\nd\r\n$1\r\ny\r\n"
    assert spy(list_moves.blpop, b"BLPOP", b"d", b"0") == resp.BLOCK  # taken meanwhile


def test_blocking_commands_answer_nil_inside_exec(r: Driver) -> None:
    entry = encode_exec(
        [],
        [
            [b"BLPOP", b"e", b"0"],
            [b"BRPOP", b"e", b"0"],
            [b"BLMPOP", b"0", b"1", b"e", b"LEFT"],
            [b"BLMOVE", b"e", b"d", b"LEFT", b"LEFT", b"0"],
            [b"BRPOPLPUSH", b"e", b"d", b"0"],
            [b"RPUSH", b"e", b"a", b"b"],
            [b"BLPOP", b"e", b"0"],
        ],
    )
    reply = r.m.apply_at(entry, r.now)
    nils = b"*-1\r\n" * 3 + b"$-1\r\n" * 2
    assert reply == b"*7\r\n" + nils + b":2\r\n*2\r\n$1\r\ne\r\n$1\r\na\r\n"
    assert p(r, "LRANGE", "e", "0", "-1") == [b"b"] and p(r, "EXISTS", "d") == 0


def test_blocking_argument_errors(r: Driver) -> None:
    r("SET", "s", "v")
    negative = b"-ERR timeout is negative\r\n"
    not_float = b"-ERR timeout is not a float or out of range\r\n"
    assert r("BLPOP", "e", "-1") == negative
    assert r("BLPOP", "e", "abc") == not_float
    assert r("BRPOP", "e", "inf") == negative
    assert r("BLPOP", "e", "s", "0") == WRONGTYPE
    assert r("BLMOVE", "e", "d", "UP", "LEFT", "x") == b"-ERR syntax error\r\n"  # sides first
    assert r("BLMOVE", "e", "d", "LEFT", "LEFT", "x") == not_float
    assert r("BLMOVE", "s", "d", "LEFT", "LEFT", "0") == WRONGTYPE
    assert r("BRPOPLPUSH", "s", "d", "-5") == negative
    assert r("BLMPOP", "x", "0", "e", "LEFT") == b"-ERR numkeys should be greater than 0\r\n"
    assert r("BLMPOP", "x", "1", "e", "LEFT") == not_float  # numkeys and side first
    r("RPUSH", "l", "a")
    assert r("BLMOVE", "l", "s", "LEFT", "LEFT", "0") == WRONGTYPE
    assert p(r, "LLEN", "l") == 1


# -- through the blocking framework (RABIA.BCALL, ADR 0014) ------------------------------


def _served_log(apply: Applier) -> list[tuple[bytes, bytes]]:
    log: list[tuple[bytes, bytes]] = []

    class Sink:
        def served(self, wid: bytes, marker: bytes) -> None:
            log.append((wid, marker))

    apply.kv.served_sink = Sink()
    return log


def test_a_waiting_pop_is_served_by_a_push_and_acknowledged() -> None:
    apply = Applier(KVMachine())
    served = _served_log(apply)
    marker = apply(b"RABIA.BCALL", b"1.7.0", b"BRPOP", b"q", b"2.5")
    assert read_blocked(marker) == (2_500_000, b"*-1\r\n")
    apply(b"LPUSH", b"q", b"a", b"b")
    popped = b"*2\r\n$1\r\nq\r\n$1\r\na\r\n"
    assert served == [(b"1.7.0", ACK_NEEDED + popped)]
    assert apply(b"LRANGE", b"q", b"0", b"-1") == b"*1\r\n$1\r\nb\r\n"
    assert apply(b"RABIA.BACK", b"1.7.0") == popped


def test_a_served_move_serves_the_destination_waiter_in_the_same_write() -> None:
    apply = Applier(KVMachine())
    served = _served_log(apply)
    marker = apply(b"RABIA.BCALL", b"1.7.0", b"BLMOVE", b"src", b"dst", b"LEFT", b"RIGHT", b"0")
    assert read_blocked(marker) == (0, b"$-1\r\n")
    assert apply(b"RABIA.BCALL", b"2.7.0", b"BLPOP", b"dst", b"0").startswith(BLOCKED)
    apply(b"RPUSH", b"src", b"x")
    assert served == [
        (b"1.7.0", SERVED + b"$1\r\nx\r\n"),
        (b"2.7.0", ACK_NEEDED + b"*2\r\n$3\r\ndst\r\n$1\r\nx\r\n"),
    ]
    assert apply(b"DBSIZE") == b":0\r\n"


def test_a_returned_multi_pop_goes_back_where_it_was() -> None:
    apply = Applier(KVMachine())
    apply(b"RPUSH", b"q", b"1", b"2", b"3", b"4")
    marker = apply(b"RABIA.BCALL", b"1.7.0", b"BLMPOP", b"0", b"1", b"q", b"RIGHT", b"COUNT", b"2")
    assert marker == ACK_NEEDED + b"*2\r\n$1\r\nq\r\n*2\r\n$1\r\n4\r\n$1\r\n3\r\n"
    apply(b"RABIA.BRETURN", b"1.7.0")
    assert (
        apply(b"LRANGE", b"q", b"0", b"-1") == b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"
    )
