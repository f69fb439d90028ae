"""Transactions on the machine: WATCHREV and the EXEC log entry."""

from __future__ import annotations

import re

from rabia.kv import encode_command, encode_exec
from tests.kv.conftest import Driver


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
