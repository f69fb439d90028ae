"""Leases and elections of the KV machine (ADR 0008): all by log time, deterministic."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from rabia.kv import KVMachine, encode_command, encode_exec
from tests.kv.conftest import SEC, Driver
from tests.kv.test_events import Recorder, recorded

MS = 1000
ERR_ELECTION_KEY = (
    b"-ERR keys starting with '__election__:' are written only by ELECT.* and LEASE.*\r\n"
)
Reply = int | bytes | None | list["Reply"]


class RespError(Exception):
    pass


def parse(reply: bytes) -> Reply:
    """A RESP2 reply as Python values (errors raise ``RespError``)."""

    def one(pos: int) -> tuple[Reply, int]:
        end = reply.index(b"\r\n", pos)
        kind, body = reply[pos : pos + 1], reply[pos + 1 : end]
        if kind == b"+":
            return body, end + 2
        if kind == b"-":
            raise RespError(body.decode())
        if kind == b":":
            return int(body), end + 2
        if kind == b"$":
            n = int(body)
            if n < 0:
                return None, end + 2
            return reply[end + 2 : end + 2 + n], end + 4 + n
        assert kind == b"*"
        n = int(body)
        if n < 0:
            return None, end + 2
        items: list[Reply] = []
        pos = end + 2
        for _ in range(n):
            item, pos = one(pos)
            items.append(item)
        return items, pos

    value, pos = one(0)
    assert pos == len(reply)
    return value


def p(r: Driver, *args: str | bytes) -> Reply:
    return parse(r(*args))


def grant(r: Driver, ttl_ms: int) -> int:
    lease = p(r, "LEASE.GRANT", str(ttl_ms))
    assert isinstance(lease, int)
    return lease


def exec_(r: Driver, *cmds: list[str]) -> bytes:
    return r.m.apply_at(encode_exec([], [[a.encode() for a in c] for c in cmds]), r.now)


# -- leases ----------------------------------------------------------------------------


def test_grant_keepalive_and_expiry_by_log_time(r: Driver) -> None:
    r("SET", "x", "1")
    lease = grant(r, 1000)
    assert lease == r.m.revision == 2  # the id is the revision of the grant
    assert p(r, "LEASE.TTL", str(lease)) == 1000
    r.now += 400 * MS + 1
    assert p(r, "LEASE.TTL", str(lease)) == 600  # rounded up, like PTTL
    assert p(r, "LEASE.KEEPALIVE", str(lease)) == 1000
    assert p(r, "LEASE.TTL", str(lease)) == 1000
    r.now += 1000 * MS - 1
    assert p(r, "LEASE.TTL", str(lease)) == 1
    r.now += 1  # deadline == log time: dead, for the command that observes it
    assert r("LEASE.KEEPALIVE", str(lease)) == (
        b"-NOLEASE lease %d not found or expired\r\n" % lease
    )
    assert p(r, "LEASE.TTL", str(lease)) == -2
    assert p(r, "LEASE.REVOKE", str(lease)) == 0
    assert r("LEASE.KEEPALIVE", "12345") == b"-NOLEASE lease 12345 not found or expired\r\n"
    assert grant(r, 5) > lease  # ids are never reused


def test_commands_are_case_insensitive(r: Driver) -> None:
    lease = grant(r, 100)
    assert p(r, "lease.ttl", str(lease)) == 100
    assert p(r, "Elect.Campaign", "e", "me", str(lease)) == [1, r.m.revision]
    assert p(r, "elect.leader", "e") == [b"me", lease, r.m.revision - 1]


def test_expired_leases_go_in_deadline_then_id_order_before_the_command() -> None:
    r, rec = recorded()
    a, b, c = grant(r, 300), grant(r, 200), grant(r, 200)
    for name, lease in (("a", a), ("b", b), ("c", c)):
        assert p(r, "ELECT.CAMPAIGN", name, name, str(lease))[0] == 1
    del rec.events[:]
    r.now += 300 * MS
    assert p(r, "GET", "__election__:a") is None
    rev = r.m.revision
    assert rec.events == [
        (rev, b"expired", b"__election__:b"),
        (rev, b"expired", b"__election__:c"),
        (rev, b"expired", b"__election__:a"),
    ]
    assert len(r.m._context.leases) == 0


def test_revoke_deletes_attached_keys_with_del_events() -> None:
    r, rec = recorded()
    lease = grant(r, 10_000)
    other = grant(r, 10_000)
    for name in ("z", "y"):
        p(r, "ELECT.CAMPAIGN", name, "me", str(lease))
    p(r, "ELECT.CAMPAIGN", "w", "other", str(other))
    del rec.events[:]
    assert p(r, "LEASE.REVOKE", str(lease)) == 1
    assert rec.events == [
        (r.m.revision, b"del", b"__election__:y"),
        (r.m.revision, b"del", b"__election__:z"),
    ]
    assert p(r, "LEASE.REVOKE", str(lease)) == 0
    assert p(r, "KEYS", "*") == [b"__election__:w"]
    assert p(r, "ELECT.LEADER", "z") is None
    assert p(r, "ELECT.LEADER", "w") == [b"other", other, other + 3]


def test_lease_argument_validation_changes_nothing() -> None:
    r, rec = recorded()
    lease = grant(r, 1000)
    errors = {
        ("LEASE.GRANT",): b"-ERR wrong number of arguments for 'lease.grant' command\r\n",
        ("LEASE.GRANT", "1", "2"): b"-ERR wrong number of arguments for 'lease.grant' command\r\n",
        ("LEASE.GRANT", "x"): b"-ERR value is not an integer or out of range\r\n",
        ("LEASE.GRANT", "1.5"): b"-ERR value is not an integer or out of range\r\n",
        ("LEASE.GRANT", "0"): b"-ERR invalid lease TTL, must be 1 to 31536000000 ms\r\n",
        ("LEASE.GRANT", "-5"): b"-ERR invalid lease TTL, must be 1 to 31536000000 ms\r\n",
        ("LEASE.GRANT", "31536000001"): (
            b"-ERR invalid lease TTL, must be 1 to 31536000000 ms\r\n"
        ),
        ("LEASE.KEEPALIVE", "x"): b"-ERR value is not an integer or out of range\r\n",
        ("LEASE.KEEPALIVE",): b"-ERR wrong number of arguments for 'lease.keepalive' command\r\n",
        ("LEASE.REVOKE", "01"): b"-ERR value is not an integer or out of range\r\n",
        ("LEASE.TTL", "1", "2"): b"-ERR wrong number of arguments for 'lease.ttl' command\r\n",
        ("ELECT.CAMPAIGN", "e", "me"): (
            b"-ERR wrong number of arguments for 'elect.campaign' command\r\n"
        ),
        ("ELECT.CAMPAIGN", "e", "me", "x"): b"-ERR value is not an integer or out of range\r\n",
        ("ELECT.CAMPAIGN", "e", "me", "999"): b"-NOLEASE lease 999 not found or expired\r\n",
        ("ELECT.RESIGN", "e"): b"-ERR wrong number of arguments for 'elect.resign' command\r\n",
        ("ELECT.RESIGN", "e", "x"): b"-ERR value is not an integer or out of range\r\n",
        ("ELECT.LEADER",): b"-ERR wrong number of arguments for 'elect.leader' command\r\n",
    }
    twin = Driver()
    grant(twin, 1000)
    for args, error in errors.items():
        assert r(*args) == error, args
        twin("GET", "nothing")  # same revision, no change
    assert r.m.snapshot() == twin.m.snapshot()
    assert rec.events == []
    assert p(r, "LEASE.TTL", str(lease)) == 1000


def test_lease_limit() -> None:
    r = Driver(KVMachine(max_leases=2))
    a = grant(r, 100)
    grant(r, 100)
    assert r("LEASE.GRANT", "100") == b"-ERR max number of leases reached\r\n"
    p(r, "LEASE.REVOKE", str(a))
    grant(r, 100)


def test_grants_and_wins_in_one_exec_get_distinct_increasing_tokens(r: Driver) -> None:
    reply = parse(exec_(r, ["LEASE.GRANT", "100"], ["LEASE.GRANT", "100"]))
    assert reply == [1, 2]  # revision 1, then the next integer
    assert grant(r, 100) == 3  # revision 2 is taken: tokens only grow
    p(r, "ELECT.CAMPAIGN", "e", "a", "1")
    term = p(r, "ELECT.LEADER", "e")[2]
    reply = parse(exec_(r, ["ELECT.RESIGN", "e", "1"], ["ELECT.CAMPAIGN", "e", "b", "2"]))
    assert isinstance(reply, list) and reply[0] == 1
    new_term = reply[1][1]
    assert isinstance(new_term, int) and isinstance(term, int) and new_term > term


def test_flushdb_drops_leases_and_elections_but_never_reuses_ids(r: Driver) -> None:
    lease = grant(r, 1000)
    p(r, "ELECT.CAMPAIGN", "e", "me", str(lease))
    r("SET", "k", "v")
    assert r("FLUSHDB") == b"+OK\r\n"
    assert r("LEASE.KEEPALIVE", str(lease)).startswith(b"-NOLEASE")
    assert p(r, "ELECT.LEADER", "e") is None
    assert p(r, "DBSIZE") == 0
    assert grant(r, 1000) > lease


# -- elections -------------------------------------------------------------------------


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


# -- properties ------------------------------------------------------------------------

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


NAME = st.sampled_from([b"k0", b"k1", b"__election__:e"])
ELECTION = st.sampled_from([b"e", b"f"])
GRANTS = [[b"LEASE.GRANT", ttl] for ttl in (b"100", b"1000", b"0", b"x")]
REF = st.integers(0, 3)
"""A lease argument: the i-th most recent lease granted (modulo), or an unknown id."""
OP = st.one_of(
    st.tuples(st.just("cmd"), st.sampled_from([[b"SET", b"k0", b"v"], [b"GET", b"k1"]])),
    st.tuples(st.just("cmd"), st.tuples(st.just(b"SET"), NAME, st.just(b"x")).map(list)),
    st.tuples(
        st.just("cmd"),
        st.tuples(st.just(b"SET"), NAME, st.just(b"y"), st.just(b"PX"), st.just(b"50")).map(list),
    ),
    st.tuples(st.just("cmd"), st.just([b"FLUSHDB"])),
    st.tuples(st.just("cmd"), st.just([b"KEYS", b"*"])),
    st.tuples(st.just("cmd"), st.sampled_from(GRANTS)),
    st.tuples(st.just("cmd"), st.just(GRANTS[0])),
    st.tuples(st.sampled_from(["keepalive", "revoke", "ttl"]), REF),
    st.tuples(st.just("campaign"), st.tuples(ELECTION, st.sampled_from([b"a", b"b"]), REF)),
    st.tuples(st.just("resign"), st.tuples(ELECTION, REF)),
    st.tuples(st.just("cmd"), st.tuples(st.just(b"ELECT.LEADER"), ELECTION).map(list)),
    st.tuples(st.just("exec"), REF),
)
TIMED = st.tuples(OP, st.sampled_from([0, 0, 0, 5 * MS, 50 * MS, 100 * MS, 300 * MS, 10 * SEC]))


def _concrete(op: tuple[str, object], granted: list[int]) -> bytes:
    kind, arg = op

    def lease(i: object) -> bytes:
        assert isinstance(i, int)
        return b"%d" % (granted[-1 - i % len(granted)] if granted else 777)

    if kind == "cmd":
        assert isinstance(arg, list)
        return encode_command(arg)
    if kind in ("keepalive", "revoke", "ttl"):
        return encode_command([b"LEASE." + kind.upper().encode(), lease(arg)])
    if kind == "campaign":
        assert isinstance(arg, tuple)
        return encode_command([b"ELECT.CAMPAIGN", arg[0], arg[1], lease(arg[2])])
    if kind == "resign":
        assert isinstance(arg, tuple)
        return encode_command([b"ELECT.RESIGN", arg[0], lease(arg[1])])
    return encode_exec(
        [],
        [
            [b"LEASE.GRANT", b"1000"],
            [b"ELECT.RESIGN", b"e", lease(arg)],
            [b"ELECT.CAMPAIGN", b"e", b"x", lease(arg)],
        ],
    )


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(TIMED, min_size=10, max_size=50), cut=st.integers(0, 50))
def test_replicas_agree_and_restore_is_exact(
    steps: list[tuple[tuple[str, object], int]], cut: int
) -> None:
    a, b = KVMachine(), KVMachine()
    rec_a, rec_b = Recorder(), Recorder()
    a.event_sink, b.event_sink = rec_a, rec_b
    granted: list[int] = []
    now = SEC
    for i, (op, dt) in enumerate(steps):
        if i == cut % len(steps):
            if b._context.leases.owner:
                event("restored with an election holder")
            snap = b.snapshot()
            b = KVMachine()
            b.restore(snap)
            assert b.snapshot() == snap
            b.event_sink = rec_b
        now += dt
        entry = _concrete(op, granted)
        reply = a.apply_at(entry, now)
        assert b.apply_at(entry, now) == reply
        if op[0] == "exec":  # the first reply is LEASE.GRANT's
            granted.append(int(reply.split(b"\r\n")[1][1:]))
        elif reply.startswith(b":") and op[1] in GRANTS:
            granted.append(int(reply[1:-2]))
        assert a.snapshot() == b.snapshot()
    assert rec_a.events == rec_b.events
    if any(e == b"expired" and k.startswith(b"__election__:") for _, e, k in rec_a.events):
        event("a holder expired")
