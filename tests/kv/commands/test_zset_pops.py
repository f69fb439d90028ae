"""ZPOPMIN/ZPOPMAX, ZMPOP, and the blocking pops' handler contract (ADR 0014): pop at once
when there is something to pop, else change nothing and ask to block on the keys."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.blocking import ACK_NEEDED, BLOCKED, read_blocked
from rabia.kv.commands.spec import BlockRequest
from tests.kv.conftest import Driver
from tests.kv.replies import exec_, p

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def block_request(r: Driver) -> BlockRequest | None:
    return r.m._context.block_request


def test_zpopmin_zpopmax(r: Driver) -> None:
    r("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert p(r, "ZPOPMIN", "z") == [b"a", b"1"]
    assert p(r, "ZPOPMAX", "z", "2") == [b"d", b"4", b"c", b"3"]
    assert p(r, "ZPOPMIN", "z", "0") == []
    assert p(r, "ZPOPMIN", "z", "10") == [b"b", b"2"]
    assert r("EXISTS", "z") == b":0\r\n"
    assert p(r, "ZPOPMIN", "z") == [] and p(r, "ZPOPMAX", "z", "3") == []
    positive = b"-ERR value is out of range, must be positive\r\n"
    assert r("ZPOPMIN", "z", "-1") == positive and r("ZPOPMIN", "z", "x") == positive
    assert r("ZPOPMIN", "z", "1", "2") == b"-ERR syntax error\r\n"


def test_zmpop(r: Driver) -> None:
    r("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert p(r, "ZMPOP", "2", "none", "z", "MAX", "COUNT", "2") == [
        b"z",
        [[b"c", b"3"], [b"b", b"2"]],
    ]
    assert p(r, "ZMPOP", "1", "z", "min") == [b"z", [[b"a", b"1"]]]
    assert r("ZMPOP", "1", "z", "MIN") == b"*-1\r\n"
    numkeys = b"-ERR numkeys should be greater than 0\r\n"
    assert r("ZMPOP", "0", "z", "MIN") == numkeys and r("ZMPOP", "x", "z", "MIN") == numkeys
    assert r("ZMPOP", "1", "z", "MIDDLE") == b"-ERR syntax error\r\n"
    assert r("ZMPOP", "3", "z", "MIN") == b"-ERR syntax error\r\n"
    assert r("ZMPOP", "1", "z", "MIN", "COUNT", "0") == b"-ERR count should be greater than 0\r\n"
    assert r("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1") == b"-ERR syntax error\r\n"


def test_a_blocking_pop_pops_at_once_when_it_can(r: Driver) -> None:
    r("ZADD", "z", "1", "a", "2", "b")
    assert p(r, "BZPOPMIN", "none", "z", "0") == [b"z", b"a", b"1"]
    assert p(r, "BZPOPMAX", "z", "1.5") == [b"z", b"b", b"2"]
    r("ZADD", "z", "1", "a", "2", "b")
    assert p(r, "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5") == [
        b"z",
        [[b"b", b"2"], [b"a", b"1"]],
    ]
    assert r("EXISTS", "z") == b":0\r\n"
    r("ZADD", "z", "-0", "a")
    reply = r("RABIA.BCALL", "1.7.0", "BZPOPMIN", "z", "0")  # a pop through the framework
    assert reply == ACK_NEEDED + b"*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n0\r\n"


def test_with_nothing_to_pop_it_blocks_on_its_keys_and_changes_nothing(r: Driver) -> None:
    for args, keys, timeout in [
        (["BZPOPMIN", "k1", "k2", "1.5"], [b"k1", b"k2"], 1_500_000),
        (["BZPOPMAX", "k3", "0"], [b"k3"], 0),
        (["BZMPOP", "2.5", "2", "a", "b", "MIN"], [b"a", b"b"], 2_500_000),
    ]:
        before = r.m.snapshot()
        reply = r("RABIA.BCALL", f"1.7.{len(args)}", *args)
        assert reply.startswith(BLOCKED) and read_blocked(reply) == (timeout, resp.NULL_ARRAY)
        assert block_request(r) == BlockRequest(keys, timeout, resp.NULL_ARRAY, None)
        assert r("DBSIZE") == b":0\r\n" and r.m.snapshot() != before  # a waiter, no key


def test_a_write_serves_the_waiter_and_a_return_puts_the_member_back(r: Driver) -> None:
    served: list[tuple[bytes, bytes]] = []

    class Sink:
        def served(self, wid: bytes, marker: bytes) -> None:
            served.append((wid, marker))

    r.m.served_sink = Sink()
    r("RABIA.BCALL", "1.7.0", "BZPOPMAX", "z", "0")
    r("RABIA.BCALL", "1.7.1", "BZMPOP", "0", "1", "z", "MIN", "COUNT", "2")
    r("ZADD", "z", "1", "a", "2.5", "b", "3", "c")
    assert served == [
        (b"1.7.0", ACK_NEEDED + b"*3\r\n$1\r\nz\r\n$1\r\nc\r\n$1\r\n3\r\n"),
        (
            b"1.7.1",
            ACK_NEEDED
            + resp.array(
                [
                    resp.bulk(b"z"),
                    b"*2\r\n"
                    + b"".join(resp.bulk_array(pair) for pair in ([b"a", b"1"], [b"b", b"2.5"])),
                ]
            ),
        ),
    ]
    assert r("EXISTS", "z") == b":0\r\n"
    assert r("RABIA.BRETURN", "1.7.0") == resp.OK
    assert r("RABIA.BRETURN", "1.7.1") == resp.OK
    assert p(r, "ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2.5", b"c", b"3"]


def test_outside_a_blocking_call_or_inside_exec_a_blocking_pop_answers_nil(r: Driver) -> None:
    assert r("BZPOPMIN", "none", "0") == resp.NULL_ARRAY
    reply = exec_(r, ["BZPOPMIN", "none", "0"], ["BZMPOP", "0", "1", "none", "MIN"], ["GET", "x"])
    assert reply.startswith(b"*3\r\n*-1\r\n*-1\r\n")
    r("ZADD", "z", "1", "a")
    assert exec_(r, ["BZPOPMAX", "z", "0"]) == b"*1\r\n*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"


def test_blocking_pops_errors(r: Driver) -> None:
    r("SET", "s", "v")
    r("ZADD", "z", "1", "a")
    assert r("BZPOPMIN", "z", "abc") == b"-ERR timeout is not a float or out of range\r\n"
    assert r("BZPOPMIN", "z", "-1") == b"-ERR timeout is negative\r\n"
    assert r("BZPOPMIN", "none", "s", "z", "0") == WRONGTYPE  # the first key that exists
    assert p(r, "BZPOPMIN", "none", "z", "s", "0") == [b"z", b"a", b"1"]
    assert r("BZMPOP", "x", "1", "z", "MIN") == b"-ERR timeout is not a float or out of range\r\n"
    assert r("BZMPOP", "x", "0", "z", "MIN") == b"-ERR numkeys should be greater than 0\r\n"
