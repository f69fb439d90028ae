from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.kv import KVMachine, encode_command, encode_exec
from tests.kv.conftest import SEC, Driver


def _revs(r: Driver, *keys: str) -> list[tuple[bytes, int]]:
    reply = r("WATCHREV", *keys)
    revs = [int(x) for x in re.findall(rb":(-?\d+)\r\n", reply)]
    return [(k.encode(), rev) for k, rev in zip(keys, revs, strict=True)]


def _exec(r: Driver, watched: list[tuple[bytes, int]], *cmds: list[str]) -> bytes:
    entry = encode_exec(watched, [[a.encode() for a in c] for c in cmds])
    return r.m.apply_at(entry, r.now)


def test_watchrev_tracks_modifications(r: Driver) -> None:
    r("SET", "a", "1")
    (before,) = _revs(r, "a")
    r("GET", "a")
    assert _revs(r, "a") == [before]
    for cmd in (["SET", "a", "1"], ["INCR", "a"], ["EXPIRE", "a", "100"], ["PERSIST", "a"]):
        r(*cmd)
        (now,) = _revs(r, "a")
        assert now[1] > before[1], cmd
        before = now
    assert r("WATCHREV") == b"-ERR wrong number of arguments for 'watchrev' command\r\n"


def test_exec_applies_and_conflicts(r: Driver) -> None:
    r("SET", "a", "1")
    watched = _revs(r, "a", "absent")
    assert _exec(r, watched, ["INCR", "a"], ["GET", "a"], ["SET", "b", "x"]) == (
        b"*3\r\n:2\r\n$1\r\n2\r\n+OK\r\n"
    )
    watched = _revs(r, "a")
    r("SET", "a", "9")
    assert _exec(r, watched, ["SET", "a", "0"], ["SET", "c", "1"]) == b"*-1\r\n"
    assert r("MGET", "a", "c") == b"*2\r\n$1\r\n9\r\n$-1\r\n"
    # an absent watched key that is created and deleted again is a conflict
    watched = _revs(r, "ghost")
    r("SET", "ghost", "1")
    r("DEL", "ghost")
    assert _exec(r, watched, ["SET", "c", "1"]) == b"*-1\r\n"
    # expiry of a watched key is a conflict too
    r("SET", "e", "1", "PX", "10")
    watched = _revs(r, "e")
    r.now += 10_000
    assert _exec(r, watched, ["SET", "c", "1"]) == b"*-1\r\n"
    assert _exec(r, [], ["SET", "c", "1"]) == b"*1\r\n+OK\r\n"
    assert _exec(r, []) == b"*0\r\n"


def test_exec_rejects_without_change(r: Driver) -> None:
    abort = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    assert _exec(r, [], ["SET", "a", "1"], ["GET"]) == abort
    assert _exec(r, [], ["SET", "a", "1"], ["NOPE"]) == abort
    assert _exec(r, [], ["SET", "a", "1"], ["EXEC"]) == b"-ERR EXEC is not allowed inside EXEC\r\n"
    assert r.m.apply_at(encode_command([b"EXEC", b"\xc1"]), r.now) == b"-ERR malformed command\r\n"
    assert r("DBSIZE") == b":0\r\n"
    # runtime errors are per command, as in Redis
    r("SET", "s", "x")
    assert _exec(r, [], ["INCR", "s"], ["SET", "a", "1"]) == (
        b"*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
    )


def test_mset_is_atomic_under_limits() -> None:
    r = Driver(KVMachine(max_keys=2))
    r("SET", "a", "0")
    assert r("MSET", "a", "1", "b", "2", "c", "3") == b"-ERR max number of keys reached\r\n"
    assert r("MGET", "a", "b") == b"*2\r\n$1\r\n0\r\n$-1\r\n"


KEYS = st.binary(min_size=0, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    stable=st.sets(KEYS, max_size=60),
    churn=st.lists(KEYS, max_size=40),
    count=st.integers(1, 15),
    shared=st.booleans(),
)
def test_scan_returns_every_stable_key(
    stable: set[bytes], churn: list[bytes], count: int, shared: bool
) -> None:
    prefix = b"samepref" if shared else b""
    stable = {prefix + k for k in stable}
    churn = [prefix + k for k in churn if prefix + k not in stable]
    r = Driver()
    for k in stable:
        r("SET", k, "v")
    seen: set[bytes] = set()
    cursor = b"0"
    steps = 0
    while True:
        reply = r("SCAN", cursor, "COUNT", str(count))
        m = re.match(rb"\*2\r\n\$\d+\r\n(\d+)\r\n\*(\d+)\r\n", reply)
        assert m is not None
        rest = reply[m.end() :]
        for _ in range(int(m.group(2))):
            n, _, rest = rest.partition(b"\r\n")
            size = int(n[1:])
            seen.add(rest[:size])
            rest = rest[size + 2 :]
        cursor = m.group(1)
        if steps < len(churn):  # mutate other keys between calls
            k = churn[steps]
            r("DEL" if steps % 2 else "SET", k, *([] if steps % 2 else ["v"]))
        steps += 1
        if cursor == b"0":
            break
        assert steps < 1000
    assert stable <= seen


NAMES = st.sampled_from([b"k0", b"k1", b"k2", b"n"])
SMALL = st.sampled_from([b"1", b"-3", b"abc", b"", b"10"])
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
