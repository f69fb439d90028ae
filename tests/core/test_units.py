"""Unit and property tests of the core's building blocks."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from rabia.core import Applier, Batch, Command, Committed, common_coin
from rabia.core.queue import DecidedIds, PendingQueue

ids = st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 40))


@given(st.lists(ids, max_size=200), st.lists(ids, max_size=50))
def test_decided_ids_behave_like_a_set(added: list[tuple[int, int, int]], probes: list) -> None:  # type: ignore[type-arg]
    decided = DecidedIds()
    model = set()
    for batch_id in added:
        decided.add(batch_id)
        model.add(batch_id)
    for batch_id in probes + added:
        assert (batch_id in decided) == (batch_id in model)


@given(st.lists(st.tuples(st.integers(0, 50), ids), max_size=60, unique_by=lambda t: t[1]))
def test_queue_pops_in_key_then_id_order_and_skips_decided(entries: list) -> None:  # type: ignore[type-arg]
    decided = DecidedIds()
    queue = PendingQueue(decided)
    for key, batch_id in entries:
        assert queue.push(Batch.of(batch_id, key, ()))
        assert not queue.push(Batch.of(batch_id, key, ()))  # already queued
    skip = {batch_id for i, (_, batch_id) in enumerate(entries) if i % 3 == 0}
    for batch_id in skip:
        decided.add(batch_id)
    popped = []
    while (batch := queue.pop()) is not None:
        popped.append(batch.priority)
    expected = sorted((k, b) for k, b in entries if b not in skip)
    assert popped == expected
    assert len(queue) == 0


def test_coin_is_the_same_in_another_process_whatever_the_hash_seed() -> None:
    here = [common_coin(7, 1, slot, phase) for slot in range(20) for phase in range(1, 4)]
    code = (
        "from rabia.core import common_coin;"
        "print([common_coin(7, 1, s, p) for s in range(20) for p in range(1, 4)])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == str(here)
    assert 0 < sum(here) < len(here)  # both faces occur


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
