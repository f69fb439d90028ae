"""Elections of the KV machine (ADR 0008): one holder at a time, by log time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from rabia.kv import KVMachine, encode_command
from tests.kv.conftest import Driver
from tests.kv.replies import exec_, grant, p, parse
from tests.kv.test_events import recorded

MS = 1000

ERR_ELECTION_KEY = (
    b"-ERR keys starting with '__election__:' are written only by ELECT.* and LEASE.*\r\n"
)


def test_commands_are_case_insensitive(r: Driver) -> None:
    lease = grant(r, 100)
    assert p(r, "lease.ttl", str(lease)) == 100
    assert p(r, "Elect.Campaign", "e", "me", str(lease)) == [1, r.m.revision]
    assert p(r, "elect.leader", "e") == [b"me", lease, r.m.revision - 1]


def test_campaign_resign_leader(r: Driver) -> None:
    a, b = grant(r, 1000), grant(r, 1000)
    assert p(r, "ELECT.LEADER", "e") is None
    assert r("ELECT.LEADER", "e") == b"*-1\r\n"
    assert p(r, "ELECT.CAMPAIGN", "e", "alice", str(a)) == [1, 5]  # the term: its revision
    term = 5
    assert p(r, "ELECT.CAMPAIGN", "e", "alice", str(a)) == [1, term]  # idempotent
    assert p(r, "ELECT.CAMPAIGN", "e", "other-value", str(a)) == [1, term]  # the lease is
    assert p(r, "GET", "__election__:e") == b"alice"  # the identity; value unchanged
    assert p(r, "ELECT.CAMPAIGN", "e", "bob", str(b)) == [0, b"alice", term]
    assert p(r, "ELECT.LEADER", "e") == [b"alice", a, term]
    assert p(r, "WATCHREV", "__election__:e") == [term]
    assert p(r, "ELECT.RESIGN", "e", str(b)) == 0
    assert p(r, "ELECT.RESIGN", "other", str(a)) == 0
    assert p(r, "ELECT.RESIGN", "e", str(a)) == 1
    assert p(r, "ELECT.RESIGN", "e", str(a)) == 0
    assert p(r, "ELECT.LEADER", "e") is None
    assert p(r, "EXISTS", "__election__:e") == 0
    assert p(r, "LEASE.TTL", str(a)) == 1000  # resigning keeps the lease
    won = p(r, "ELECT.CAMPAIGN", "e", "bob", str(b))
    assert won == [1, r.m.revision]
    assert p(r, "ELECT.LEADER", "e") == [b"bob", b, r.m.revision - 1]


def test_campaign_events_and_resign_event() -> None:
    r, rec = recorded()
    lease = grant(r, 1000)
    p(r, "ELECT.CAMPAIGN", "e", "me", str(lease))
    p(r, "ELECT.CAMPAIGN", "e", "me", str(lease))
    p(r, "ELECT.RESIGN", "e", str(lease))
    assert rec.events == [(2, b"set", b"__election__:e"), (4, b"del", b"__election__:e")]


def test_holder_replaced_after_its_lease_expires(r: Driver) -> None:
    a = grant(r, 300)
    b = grant(r, 300)
    first = p(r, "ELECT.CAMPAIGN", "e", "alice", str(a))
    assert first == [1, 3]
    for _ in range(5):  # bob keeps trying while alice keeps her lease alive
        r.now += 100 * MS
        assert p(r, "LEASE.KEEPALIVE", str(a)) == 300
        assert p(r, "LEASE.KEEPALIVE", str(b)) == 300
        assert p(r, "ELECT.CAMPAIGN", "e", "bob", str(b)) == [0, b"alice", 3]
    r.now += 200 * MS  # alice stops: her lease dies 300 ms after her last keepalive
    assert p(r, "LEASE.KEEPALIVE", str(b)) == 300
    assert p(r, "ELECT.CAMPAIGN", "e", "bob", str(b)) == [0, b"alice", 3]
    r.now += 100 * MS
    won = p(r, "ELECT.CAMPAIGN", "e", "bob", str(b))
    assert won == [1, r.m.revision] and r.m.revision > 3
    assert r("LEASE.KEEPALIVE", str(a)).startswith(b"-NOLEASE")
    assert r("ELECT.CAMPAIGN", "e", "alice", str(a)).startswith(b"-NOLEASE")


def test_campaign_respects_limits() -> None:
    r = Driver(KVMachine(max_key_size=20, max_value_size=4, max_keys=1))
    lease = grant(r, 1000)
    assert r("ELECT.CAMPAIGN", "e", "12345", str(lease)) == (
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    )
    assert r("ELECT.CAMPAIGN", "x" * 10, "me", str(lease)) == (
        b"-ERR key exceeds maximum allowed size\r\n"
    )
    r("SET", "k", "v")
    assert r("ELECT.CAMPAIGN", "e", "me", str(lease)) == b"-ERR max number of keys reached\r\n"
    assert p(r, "ELECT.LEADER", "e") is None
    r("DEL", "k")
    assert p(r, "ELECT.CAMPAIGN", "e", "me", str(lease))[0] == 1


def test_snapshot_restore_keeps_leases_and_holders() -> None:
    r = Driver()
    a, b = grant(r, 500), grant(r, 900)
    p(r, "ELECT.CAMPAIGN", "e", "alice", str(a))
    p(r, "ELECT.CAMPAIGN", "f", "bob", str(b))
    r.now += 100 * MS
    p(r, "LEASE.KEEPALIVE", str(a))
    snap = r.m.snapshot()
    c = Driver(KVMachine())
    c.m.restore(snap)
    c.now = r.now
    assert c.m.snapshot() == snap
    for d in (r, c):
        assert p(d, "ELECT.LEADER", "e") == [b"alice", a, 3]
        d.now += 500 * MS
        assert p(d, "ELECT.LEADER", "e") is None
        assert p(d, "ELECT.LEADER", "f") == [b"bob", b, 4]
        d.now += 300 * MS
        assert p(d, "KEYS", "*") == []
    assert r.m.snapshot() == c.m.snapshot()


CANDIDATES = 3


ACTION = st.sampled_from(["grant", "keepalive", "campaign", "resign", "revoke", "leader"])


STEP = st.tuples(
    st.integers(0, CANDIDATES - 1),
    ACTION,
    st.sampled_from([0, 0, 1, 10 * MS, 10 * MS, 30 * MS, 99 * MS, 100 * MS, 250 * MS]),
)


@dataclass
class Candidate:
    name: bytes
    lease: int | None = None
    ttl: int = 0
    won: bool = False
    """Its campaign won and it has not resigned or seen its lease fail since."""
    until: int = 0
    """Log time until which it may act as leader while ``won`` (ADR 0008's client rule:
    ttl after the last grant or successful keepalive was sent)."""


@pytest.mark.parametrize(
    "cmd",
    [
        ["SET", "__election__:e", "mallory"],
        ["SET", "__election__:new", "x"],
        ["GETDEL", "__election__:e"],
        ["MSET", "a", "1", "__election__:e", "x"],
        ["APPEND", "__election__:e", "x"],
        ["INCR", "__election__:e"],
        ["DECRBY", "__election__:e", "1"],
        ["DEL", "a", "__election__:e"],
        ["EXPIRE", "__election__:e", "1"],
        ["PEXPIRE", "__election__:e", "1"],
        ["PERSIST", "__election__:e"],
    ],
)
def test_ordinary_writes_to_election_keys_are_refused(cmd: list[str]) -> None:
    r, rec = recorded()
    lease = grant(r, 1000)
    p(r, "ELECT.CAMPAIGN", "e", "alice", str(lease))
    r("SET", "a", "0")
    del rec.events[:]
    snap = r.m.snapshot()
    assert r(*cmd) == ERR_ELECTION_KEY
    assert rec.events == []
    twin = KVMachine()
    twin.restore(snap)
    twin.apply_at(encode_command([b"GET", b"a"]), r.now)
    assert twin.snapshot() == r.m.snapshot()
    # reads are ordinary
    assert p(r, "MGET", "__election__:e", "a") == [b"alice", b"0"]
    assert p(r, "PTTL", "__election__:e") == -1
    assert p(r, "EXISTS", "__election__:e") == 1
    # inside EXEC, the refusal is that command's reply
    assert exec_(r, cmd, ["SET", "a", "1"]) == b"*2\r\n%s+OK\r\n" % ERR_ELECTION_KEY


# -- properties ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(STEP, min_size=20, max_size=80),
    ttls=st.lists(st.sampled_from([100, 250, 1000]), min_size=CANDIDATES),
)
def test_never_two_holders(steps: list[tuple[int, str, int]], ttls: list[int]) -> None:
    r = Driver()
    cands = [Candidate(b"c%d" % i, ttl=ttls[i]) for i in range(CANDIDATES)]

    def leader() -> tuple[bytes, int, int] | None:
        got = p(r, "ELECT.LEADER", "e")
        if got is None:
            return None
        assert isinstance(got, list)
        value, lease, term = got
        assert isinstance(value, bytes) and isinstance(lease, int) and isinstance(term, int)
        return value, lease, term

    last_term = 0
    for who, action, dt in steps:
        r.now += dt
        c = cands[who]
        if c.lease is None and action in ("keepalive", "campaign"):
            action = "grant"  # what a client does first
        lease = str(c.lease if c.lease is not None else 424242)
        if action == "grant":
            if c.lease is None:
                c.lease = grant(r, c.ttl)
                c.won, c.until = False, r.now + c.ttl * MS
        elif action == "keepalive":
            # keepalive and leader in one entry: both at the same revision
            raw = exec_(r, ["LEASE.KEEPALIVE", lease], ["ELECT.LEADER", "e"])
            assert raw.startswith(b"*2\r\n")
            body = raw[4:]
            if body.startswith(b"-NOLEASE"):
                c.lease, c.won = None, False
            else:
                assert body.startswith(b":%d\r\n" % c.ttl)
                c.until = r.now + c.ttl * MS
                if c.won:
                    held = parse(body[body.index(b"\r\n") + 2 :])
                    # a holder that did not resign is the holder while its keepalive works
                    assert isinstance(held, list) and held[0] == c.name, (c, held)
                    event("a holder's keepalive checked")
        elif action == "campaign":
            raw = r("ELECT.CAMPAIGN", "e", c.name, lease)
            if raw.startswith(b"-NOLEASE"):
                c.lease, c.won = None, False
            else:
                got = parse(raw)
                assert isinstance(got, list)
                if got[0] == 1:
                    term = got[1]
                    assert isinstance(term, int)
                    if not c.won:
                        assert term > last_term  # a new holder has a larger term
                        event("a new holder" if last_term else "a first holder")
                        last_term = term
                        c.won = True
                    else:
                        assert term == last_term
                else:
                    assert not c.won
        elif action == "resign":
            held = leader()
            holds = held is not None and held[1] == c.lease
            assert holds or not (c.won and c.until > r.now)
            assert p(r, "ELECT.RESIGN", "e", lease) == (1 if holds else 0)
            c.won = False
        elif action == "revoke":
            p(r, "LEASE.REVOKE", lease)
            c.lease, c.won = None, False
        else:
            leader()
        # the holder (if any) is the one candidate that won and still holds a live lease
        current = leader()
        winners = [x for x in cands if x.won and x.lease is not None]
        if current is None:
            for x in winners:  # lost by expiry: it is no longer entitled to act
                assert x.until <= r.now
                event("a holder lost its lease")
                x.won = False
        else:
            still = [x for x in winners if x.lease == current[1]]
            assert len(still) == 1 and still[0].name == current[0]
            assert current[2] == last_term
            for x in winners:
                if x is not still[0]:
                    event("a holder replaced after its lease expired")
                    assert x.until <= r.now
                    x.won = False
        believers = [x for x in cands if x.won and x.until > r.now]
        assert len(believers) <= 1
