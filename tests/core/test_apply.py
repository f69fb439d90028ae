"""In-order, exactly-once apply (``rabia.core.apply``)."""

from __future__ import annotations

import random

from rabia.core import Applier, Batch, Command, Committed
from rabia.core.apply import ORIGINATED, SessionTable


def _batch(seq: int, *cmds: tuple[int, int, bytes, int]) -> Batch:
    return Batch.of((0, 0, seq), seq, tuple(Command(c, s, op, ack) for c, s, op, ack in cmds))


def test_applier_applies_once_and_replays_cached_replies() -> None:
    applied: list[bytes] = []

    def apply(op: bytes) -> bytes:
        applied.append(op)
        return op.upper()

    applier = Applier(apply)
    first = applier.apply(Committed(0, _batch(0, (1, 0, b"a", 0), (1, 1, b"b", 0))))
    assert [(r.result, r.duplicate) for r in first] == [(b"A", False), (b"B", False)]
    assert applier.apply(Committed(1, None)) == []
    again = applier.apply(Committed(2, _batch(1, (1, 1, b"b", 0), (2, 0, b"c", 0))))
    assert [(r.result, r.duplicate) for r in again] == [(b"B", True), (b"C", False)]
    assert applied == [b"a", b"b", b"c"]
    # The client acknowledged seqs below 2: replies for 0 and 1 are dropped; a very late
    # retry is reported as expired, never applied again.
    late = applier.apply(Committed(3, _batch(2, (1, 2, b"d", 2), (1, 0, b"a", 2))))
    assert [(r.duplicate, r.expired) for r in late] == [(False, False), (True, True)]
    assert applied == [b"a", b"b", b"c", b"d"]
    assert applier.sessions.lookup(1, 1) is None and applier.sessions.lookup(1, 2) == b"D"


def test_applier_without_exactly_once_applies_every_copy() -> None:
    """The deliberately broken ``no-dedup`` build: a retried command applies again."""
    applied: list[bytes] = []
    applier = Applier(lambda op: applied.append(op) or op, exactly_once=False)
    applier.apply(Committed(0, _batch(0, (1, 0, b"a", 0))))
    again = applier.apply(Committed(1, _batch(1, (1, 0, b"a", 0))))
    assert [r.duplicate for r in again] == [False]
    assert applied == [b"a", b"a"]
    assert applier.sessions.lookup(1, 0) is None


def test_applier_rejects_gaps_and_chains_the_log() -> None:
    a, b = Applier(lambda op: op), Applier(lambda op: op)
    a.apply(Committed(0, _batch(0, (1, 0, b"x", 0))))
    b.apply(Committed(0, None))
    assert a.chain != b.chain
    try:
        a.apply(Committed(5, None))
    except ValueError:
        pass
    else:
        raise AssertionError("a gap in the log must be refused")


def test_sessions_expire_by_log_time() -> None:
    applier = Applier(lambda op: op, session_ttl=100)
    applier.apply(Committed(0, Batch.of((0, 0, 0), 10, (Command(1, 0, b"x"),))))
    applier.apply(Committed(1, Batch.of((0, 0, 1), 500, (Command(2, 0, b"y"),))))
    assert applier.sessions.lookup(1, 0) is None
    assert applier.sessions.lookup(2, 0) == b"y"


def test_snapshot_restores_position_chain_and_sessions() -> None:
    a = Applier(lambda op: op.upper(), session_ttl=1000)
    a.apply(Committed(0, _batch(3, (1, 0, b"x", 0), (2, 5, b"y", 0))))
    b = Applier(lambda op: op.upper(), session_ttl=1000)
    b.restore(a.snapshot())
    assert b.snapshot() == a.snapshot()
    assert (b.applied_slot, b.chain, b.log_time) == (a.applied_slot, a.chain, a.log_time)
    retry = b.apply(Committed(1, _batch(4, (2, 5, b"y", 0))))
    assert [(r.result, r.duplicate) for r in retry] == [(b"Y", True)]
    try:
        b.restore(b"\xc1")
    except ValueError:
        pass
    else:
        raise AssertionError("malformed bytes must be refused")


def test_a_batch_applies_as_its_commands_one_by_one() -> None:
    # The batch loop looks each client's session up once per run of its commands; the
    # outcome is that of lookup / is_stale / touch / record per command, in order.
    rng = random.Random(7)
    table, reference = SessionTable(), SessionTable()
    for slot in range(300):
        commands = [
            Command(c, rng.randrange(12), b"%d" % rng.randrange(100), rng.randrange(6))
            for c in rng.choices((1, 2, 3), k=rng.randrange(1, 8))
        ]
        got = table.apply_batch(commands, slot, (0, 0, slot), slot, bytes.upper, None)
        expected = []
        for cmd in commands:
            cached = reference.lookup(cmd.client_id, cmd.seq)
            if cached is not None:
                reference.touch(cmd.client_id, cmd.acked_below, slot)
                expected.append((cached, True, False))
            elif reference.is_stale(cmd.client_id, cmd.seq):
                expected.append((b"", True, True))
            else:
                reference.record(cmd.client_id, cmd.seq, cmd.acked_below, cmd.op.upper(), slot)
                expected.append((cmd.op.upper(), False, False))
        assert [(r.result, r.duplicate, r.expired) for r in got] == expected
        assert table.export() == reference.export()


def test_own_batches_apply_from_their_commands_without_decoding_again() -> None:
    applied: list[bytes] = []
    applier = Applier(lambda op: applied.append(op) or op)
    own = Batch.of((0, 0, 1), 5, [Command(7, 0, b"x"), Command(7, 1, b"y")])
    # What the originator handed over is what runs: the payload is not decoded again (a
    # stand-in list makes the difference visible; the node passes the encoded commands).
    applier.originated(own.id, [Command(7, 0, b"own x"), Command(7, 1, b"own y")])
    applier.apply(Committed(0, own))
    assert applied == [b"own x", b"own y"]
    applier.apply(Committed(1, Batch.of((1, 0, 1), 6, [Command(8, 0, b"z")])))  # not ours
    assert applied[-1] == b"z"
    for n in range(ORIGINATED + 5):  # bounded: the oldest are forgotten, then decoded
        applier.originated((0, 0, 100 + n), [])
    assert len(applier._originated) == ORIGINATED


def test_without_replies_wanted_the_batch_applies_and_is_remembered_alike() -> None:
    applied: list[bytes] = []
    quiet, loud = Applier(lambda op: applied.append(op) or op), Applier(lambda op: op)
    batch = _batch(0, (1, 0, b"a", 0), (1, 1, b"b", 0))
    assert quiet.apply(Committed(0, batch), replies_wanted=False) == []
    assert [r.result for r in loud.apply(Committed(0, batch))] == [b"a", b"b"]
    assert applied == [b"a", b"b"] and quiet.snapshot() == loud.snapshot()
    again = _batch(1, (1, 1, b"b", 0))  # a retry: answered from the table, not applied
    assert quiet.apply(Committed(1, again), replies_wanted=False) == []
    assert applied == [b"a", b"b"] and quiet.sessions.lookup(1, 1) == b"b"


def test_replies_applied_out_of_seq_order_are_dropped_once_acknowledged() -> None:
    """A client's seqs can reach the log out of order (a retry overtaken by later
    commands): each reply is kept until the client acknowledges its seq, then dropped,
    whatever order they applied in."""
    rng = random.Random(7)
    seqs = list(range(40))
    rng.shuffle(seqs)
    table = SessionTable()
    for seq in seqs:
        table.record(1, seq, 0, b"%d" % seq, now=1)
    assert all(table.lookup(1, seq) == b"%d" % seq for seq in seqs)
    for acked in (5, 17, 17, 33, 40):
        table.touch(1, acked, now=2)
        kept = [seq for seq in range(40) if table.lookup(1, seq) is not None]
        assert kept == list(range(acked, 40))
        assert all(table.is_stale(1, seq) for seq in range(acked))
