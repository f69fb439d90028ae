"""XREAD and XREADGROUP: serving, blocking (the waiter's interface), RESP3."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.context import MachineContext
from rabia.kv.commands.spec import Handler
from rabia.kv.commands.stream_read import pairs_to_map
from rabia.kv.commands.stream_read import xread as xread_handler
from rabia.kv.commands.stream_read import xreadgroup as xreadgroup_handler
from tests.kv.conftest import Driver
from tests.kv.replies import exec_, p


def context(r: Driver) -> MachineContext:
    return r.m._context


def _in_a_blocking_call(handler: Handler) -> Handler:
    """The handler run as the framework runs it (RABIA.BCALL, or serving a waiter):
    allowed to block."""

    def run(ctx: MachineContext, args: list[bytes]) -> bytes:
        ctx.blocking_call = True
        try:
            return handler(ctx, args)
        finally:
            ctx.blocking_call = False

    return run  # type: ignore[return-value]


xread = _in_a_blocking_call(xread_handler)
xreadgroup = _in_a_blocking_call(xreadgroup_handler)


def _waits_for(ctx: MachineContext) -> tuple[list[bytes], int]:
    assert ctx.block_request is not None
    return ctx.block_request.keys, ctx.block_request.timeout_us


def test_xread_serves_entries_after_each_id(r: Driver) -> None:
    for ms in (1, 2, 3):
        r("XADD", "a", str(ms), "f", str(ms))
    r("XADD", "b", "5", "g", "x")
    assert p(r, "XREAD", "COUNT", "2", "STREAMS", "a", "b", "1", "0") == [
        [b"a", [[b"2-0", [b"f", b"2"]], [b"3-0", [b"f", b"3"]]]],
        [b"b", [[b"5-0", [b"g", b"x"]]]],
    ]
    assert p(r, "XREAD", "STREAMS", "a", "b", "$", "$") is None
    assert p(r, "XREAD", "STREAMS", "missing", "0") is None


def test_block_with_nothing_to_serve_waits_and_rewrites_dollar(r: Driver) -> None:
    r("XADD", "a", "7-1", "f", "v")
    ctx = context(r)
    args = [b"XREAD", b"BLOCK", b"1500", b"STREAMS", b"a", b"none", b"a", b"$", b"$", b"7-1"]
    revision = ctx.keyspace.revision
    assert xread(ctx, args) == resp.BLOCK
    assert _waits_for(ctx) == ([b"a", b"none"], 1_500_000)
    # the run again (by the framework, once a key is ready) waits for what comes after
    assert args[-3:] == [b"7-1", b"0-0", b"7-1"]
    assert ctx.keyspace.revision == revision  # nothing changed
    r("XADD", "a", "8", "f", "w")
    served = [b"a", [[b"8-0", [b"f", b"w"]]]]
    assert p(r, *args) == [served, served]
    r("XADD", "none", "1", "f", "x")
    assert p(r, *args) == [served, [b"none", [[b"1-0", [b"f", b"x"]]]], served]


def test_block_zero_is_forever_and_inside_exec_nothing_blocks(r: Driver) -> None:
    ctx = context(r)
    assert xread(ctx, [b"XREAD", b"BLOCK", b"0", b"STREAMS", b"s", b"$"]) == resp.BLOCK
    assert _waits_for(ctx) == ([b"s"], 0)
    assert exec_(r, ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]) == b"*1\r\n*-1\r\n"
    assert r("XREAD", "BLOCK", "-1", "STREAMS", "s", "$") == b"-ERR timeout is negative\r\n"
    assert r("XREAD", "BLOCK", "1.5", "STREAMS", "s", "$") == (
        b"-ERR timeout is not an integer or out of range\r\n"
    )


def test_xreadgroup_blocks_on_new_entries_only(r: Driver) -> None:
    r("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    ctx = context(r)
    args = [b"XREADGROUP", b"GROUP", b"g", b"c", b"BLOCK", b"10", b"STREAMS", b"s", b">"]
    assert xreadgroup(ctx, list(args)) == resp.BLOCK
    assert _waits_for(ctx) == ([b"s"], 10_000)
    assert p(r, "XINFO", "CONSUMERS", "s", "g") == []  # blocking created nobody
    r("XADD", "s", "1", "f", "v")
    assert p(r, *args) == [[b"s", [[b"1-0", [b"f", b"v"]]]]]
    assert xreadgroup(ctx, list(args)) == resp.BLOCK  # all delivered: waits again
    history = [b"XREADGROUP", b"GROUP", b"g", b"c", b"BLOCK", b"10", b"STREAMS", b"s", b"0"]
    assert p(r, *history) == [[b"s", [[b"1-0", [b"f", b"v"]]]]]  # history never blocks


def test_history_counts_deliveries_at_the_log_time(r: Driver) -> None:
    r("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM")
    r("XADD", "s", "1", "f", "a")
    r("XADD", "s", "2", "f", "b")
    r("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    r("XDEL", "s", "1")
    r.now += 2_500_000
    assert p(r, "XPENDING", "s", "g", "-", "+", "9") == [
        [b"1-0", b"c", 2500, 1],
        [b"2-0", b"c", 2500, 1],
    ]
    assert p(r, "XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "0") == [
        [b"s", [[b"1-0", None], [b"2-0", [b"f", b"b"]]]]  # a deleted entry: no fields
    ]
    r.now += 1000
    assert p(r, "XPENDING", "s", "g", "-", "+", "9") == [
        [b"1-0", b"c", 2501, 1],  # not delivered again: it is gone
        [b"2-0", b"c", 1, 2],
    ]


def test_noack_delivers_without_pending_entries(r: Driver) -> None:
    r("XGROUP", "CREATE", "s", "g", "0", "MKSTREAM")
    r("XADD", "s", "1", "f", "a")
    assert p(r, "XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS", "s", ">") == [
        [b"s", [[b"1-0", [b"f", b"a"]]]]
    ]
    assert p(r, "XPENDING", "s", "g") == [0, None, None, None]
    groups = p(r, "XINFO", "GROUPS", "s")
    assert isinstance(groups, list) and isinstance(groups[0], list)
    assert groups[0][6:] == [b"last-delivered-id", b"1-0", b"entries-read", 1, b"lag", 0]


def test_resp3_form_is_a_map_of_streams() -> None:
    reply = b"*2\r\n*2\r\n$1\r\na\r\n*0\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*-1\r\n"
    assert pairs_to_map(reply) == (
        b"%2\r\n$1\r\na\r\n*0\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*-1\r\n"
    )
    assert pairs_to_map(resp.NULL_ARRAY) == resp.NULL_ARRAY
    assert pairs_to_map(b"-ERR x\r\n") == b"-ERR x\r\n"
