"""The machine: dispatch (unknown commands, arity), snapshots, determinism, log time."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.kv import KVMachine, check_command, encode_command
from tests.kv.conftest import SEC, Driver

NAMES = st.sampled_from([b"k0", b"k1", b"k2", b"n"])
SMALL = st.sampled_from([b"1", b"-3", b"abc", b"", b"10"])
SCRIPTS = st.sampled_from(
    [
        b"return redis.call('incr', KEYS[1])",
        b"redis.call('set', KEYS[1], math.random(100)) return redis.call('get', KEYS[1])",
        b"redis.call('set', KEYS[1], 'x') error('stop')",
        b"return redis.call('lpush', KEYS[1], tostring({}))",
    ]
)
COMMAND = st.one_of(
    st.tuples(st.just(b"SET"), NAMES, SMALL).map(list),
    st.tuples(st.just(b"SET"), NAMES, SMALL, st.just(b"PX"), st.sampled_from([b"1", b"5"])).map(
        list
    ),
    st.tuples(st.sampled_from([b"GET", b"INCR", b"DECR", b"GETDEL", b"TTL", b"PTTL"]), NAMES).map(
        list
    ),
    st.tuples(st.sampled_from([b"INCRBY", b"APPEND", b"PEXPIRE"]), NAMES, SMALL).map(list),
    st.tuples(st.just(b"PERSIST"), NAMES).map(list),
    st.lists(NAMES, min_size=1, max_size=3).map(lambda ks: [b"DEL", *ks]),
    st.lists(NAMES, min_size=1, max_size=3).map(lambda ks: [b"WATCHREV", *ks]),
    st.just([b"KEYS", b"*"]),
    st.just([b"SCAN", b"0", b"COUNT", b"2"]),
    st.just([b"DBSIZE"]),
    st.tuples(st.just(b"EVAL"), SCRIPTS, st.just(b"1"), NAMES).map(list),
    st.just([b"SCRIPT", b"LOAD", b"return redis.call('get', KEYS[1])"]),
    st.tuples(st.just(b"EVALSHA"), st.just(b"4e6d8fc8bb01276962cce5371fa795a7763657ae"), NAMES).map(
        lambda t: [t[0], t[1], b"1", t[2]]
    ),
    st.just([b"SCRIPT", b"FLUSH"]),
)
STEP = st.tuples(COMMAND, st.integers(0, 3000))


def _run(m: KVMachine, steps: list[tuple[list[bytes], int]], now: int) -> tuple[list[bytes], int]:
    out = []
    for cmd, dt in steps:
        now += dt
        out.append(m.apply_at(encode_command(cmd), now))
    return out, now


@settings(max_examples=80, deadline=None)
@given(before=st.lists(STEP, max_size=30), after=st.lists(STEP, max_size=30))
def test_snapshot_restore_and_determinism(
    before: list[tuple[list[bytes], int]], after: list[tuple[list[bytes], int]]
) -> None:
    a, b = KVMachine(), KVMachine()
    out_a, now = _run(a, before, SEC)
    out_b, _ = _run(b, before, SEC)
    assert out_a == out_b
    snap = a.snapshot()
    assert snap == b.snapshot()
    c = KVMachine()
    c.restore(snap)
    assert c.snapshot() == snap
    assert _run(a, after, now) == _run(c, after, now)
    assert a.snapshot() == c.snapshot()


def test_restore_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        KVMachine().restore(b"\xc1")


def test_apply_without_time_uses_last_log_time() -> None:
    m = KVMachine()
    m.apply_at(encode_command([b"SET", b"k", b"v", b"PX", b"5"]), 1000)
    assert m.apply(encode_command([b"PTTL", b"k"])) == b":5\r\n"
    m.apply_at(encode_command([b"GET", b"k"]), 500)  # log time never goes back
    assert m.apply(encode_command([b"PTTL", b"k"])) == b":5\r\n"


def test_arity_and_unknown(r: Driver) -> None:
    assert r("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert r("GeT", "a", "b") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert r("SET", "k") == b"-ERR wrong number of arguments for 'set' command\r\n"
    assert r("MSET", "a", "1", "b") == b"-ERR wrong number of arguments for 'mset' command\r\n"
    assert r("DBSIZE", "x") == b"-ERR wrong number of arguments for 'dbsize' command\r\n"
    assert r("foo") == b"-ERR unknown command 'foo', with args beginning with: \r\n"
    assert r("Foo", "a", "b\r\nc") == (
        b"-ERR unknown command 'Foo', with args beginning with: 'a' 'b  c' \r\n"
    )
    long = r("foo", "x" * 200, "y")
    assert (
        long == b"-ERR unknown command 'foo', with args beginning with: '" + b"x" * 128 + b"' \r\n"
    )
    m = KVMachine()
    assert m.apply_at(b"\xc1", 0) == b"-ERR malformed command\r\n"
    assert m.apply_at(encode_command([]), 0) == b"-ERR empty command\r\n"
    assert check_command([b"get", b"k"]) is None
    assert check_command([b"get"]) == b"-ERR wrong number of arguments for 'get' command\r\n"
