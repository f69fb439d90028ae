"""Leases of the KV machine (ADR 0008): all by log time, deterministic."""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from rabia.kv import KVMachine, encode_command, encode_exec
from tests.kv.conftest import SEC, Driver
from tests.kv.replies import exec_, grant, p, parse
from tests.kv.test_events import Recorder, recorded

MS = 1000


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
