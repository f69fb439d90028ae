"""Unit tests of the SafetyMonitor (``rabia.testing.invariants``): it must flag each kind
of synthetic bad input."""

from __future__ import annotations

from rabia.core.apply import Reply
from rabia.core.messages import VOTE_QUESTION, Batch, BatchId, Decision, Proposal, State, Vote
from rabia.core.ready import CoinFlipped, ConfigChanged, Decided
from rabia.testing import SafetyMonitor

A: BatchId = (0, 0, 0)
B: BatchId = (1, 0, 0)


def batch(bid: BatchId) -> Batch:
    return Batch.of(bid, 1, ())


def monitor(n: int = 3) -> SafetyMonitor:
    return SafetyMonitor(tuple(range(n)))


def propose(m: SafetyMonitor, slot: int, bid: BatchId, *senders: int) -> None:
    for s in senders:
        m.sent(s, Proposal(slot, s, batch(bid)))


def only(m: SafetyMonitor, needle: str) -> None:
    assert m.violations, "expected a violation"
    assert needle in m.violations[0], m.violations


def test_clean_slot_has_no_violation() -> None:
    m = monitor()
    propose(m, 0, A, 0, 1, 2)
    for s in range(3):
        m.sent(s, State(0, s, 1, 1, A))
    for s in range(3):
        m.sent(s, Vote(0, s, 1, 1, A))
        m.sent(s, Vote(0, s, 1, 1, A))  # a re-send of the same message is fine
    for s in range(3):
        m.decided(s, 0, Decided(0, A, 1, "votes"))
        m.sent(s, Decision(0, s, A, None))
    m.coin(0, CoinFlipped(0, 1, 1))
    m.coin(1, CoinFlipped(0, 1, 1))
    assert m.ok, m.violations
    assert m.decided_phase == {0: 1}


def test_conflicting_decisions() -> None:
    m = monitor()
    propose(m, 0, A, 0, 1)
    m.decided(0, 0, Decided(0, A, 1, "votes"))
    m.decided(1, 0, Decided(0, None, 2, "decision"))
    only(m, "agreement: slot 0")


def test_conflicting_decision_message() -> None:
    m = monitor()
    m.decided(0, 0, Decided(0, None, 1, "votes"))
    m.sent(2, Decision(0, 2, B, batch(B)))
    only(m, "agreement")


def test_equivocating_sender() -> None:
    m = monitor()
    m.sent(1, Proposal(4, 1, batch(A)))
    m.sent(1, Proposal(4, 1, batch(B)))
    only(m, "equivocation: node 1 sent two PROPOSALs in slot 4")


def test_equivocating_state_across_restart() -> None:
    m = monitor()
    m.sent(2, State(3, 2, 2, 0))
    m.sent(2, State(3, 2, 2, 1, A))
    only(m, "equivocation: node 2 sent two STATEs in slot 3 phase 2")


def test_non_question_vote_split() -> None:
    m = monitor()
    m.sent(0, Vote(0, 0, 1, 1, A))
    m.sent(1, Vote(0, 1, 1, VOTE_QUESTION, A))
    assert m.ok
    m.sent(2, Vote(0, 2, 1, 0))
    only(m, "vote split: slot 0 phase 1")


def test_weak_validity() -> None:
    m = monitor(5)
    propose(m, 0, A, 0, 1)  # MAJ is 3
    m.decided(0, 0, Decided(0, A, 1, "votes"))
    only(m, "weak validity: slot 0")


def test_lock_state_after_decision() -> None:
    m = monitor()
    m.decided(0, 0, Decided(7, None, 1, "votes"))
    m.sent(1, State(7, 1, 1, 1, A))  # same phase: allowed
    assert m.ok
    m.sent(1, State(7, 1, 2, 1, A))
    only(m, "lock: slot 7 was decided 0 by votes in phase 1")


def test_lock_decision_after_state() -> None:
    m = monitor()
    propose(m, 7, A, 0, 1, 2)
    m.sent(2, State(7, 2, 3, 0))
    m.decided(0, 0, Decided(7, A, 2, "votes"))
    only(m, "lock: node 0 decided 1 by votes in slot 7 phase 2")


def test_binary_decisions_in_one_phase() -> None:
    m = monitor()
    propose(m, 0, A, 0, 1, 2)
    m.decided(0, 0, Decided(0, A, 1, "votes"))
    m.decided(1, 0, Decided(0, None, 1, "votes"))
    assert any("binary decisions" in v for v in m.violations), m.violations


def test_candidates_disagree() -> None:
    m = monitor()
    m.sent(0, State(0, 0, 1, 1, A))
    m.sent(1, Vote(0, 1, 1, VOTE_QUESTION, B))
    only(m, "candidate: slot 0")


def test_coin_mismatch() -> None:
    m = monitor()
    m.coin(0, CoinFlipped(3, 2, 0))
    m.coin(1, CoinFlipped(3, 2, 1))
    only(m, "coin: slot 3 phase 2")


def test_decided_twice_and_batch_in_two_slots() -> None:
    m = monitor()
    propose(m, 0, A, 0, 1)
    propose(m, 1, A, 0, 1)
    m.decided(0, 0, Decided(0, A, 1, "votes"))
    m.decided(0, 0, Decided(0, A, 1, "votes"))
    m.decided(0, 0, Decided(1, A, 1, "votes"))
    assert "integrity: node 0 decided slot 0 twice" in m.violations[0]
    assert "integrity: batch (0, 0, 0) decided in slots 0 and 1" in m.violations[1]
    # A restarted replica (new incarnation) may decide the slot again, consistently.
    m2 = monitor()
    propose(m2, 0, A, 0, 1)
    m2.decided(0, 0, Decided(0, A, 1, "votes"))
    m2.decided(0, 1, Decided(0, A, 0, "decision"))
    assert m2.ok, m2.violations


def test_applied_prefix_and_state() -> None:
    m = monitor()
    m.applied(0, 0, b"x" * 32, b"s")
    m.applied(1, 0, b"x" * 32, b"s")
    assert m.ok
    m.applied(2, 0, b"y" * 32, b"s")
    only(m, "prefix: node 2")
    m2 = monitor()
    m2.applied(0, 0, b"x" * 32, b"s")
    m2.applied(1, 0, b"x" * 32, b"t")
    only(m2, "state: node 1")


def reply(slot: int, seq: int, result: bytes, duplicate: bool = False) -> Reply:
    return Reply(slot, A, 7, seq, result, duplicate)


def test_exactly_once_per_incarnation() -> None:
    m = monitor()
    m.reply(0, 0, reply(0, 1, b"1"))
    m.reply(0, 0, reply(1, 1, b"1", duplicate=True))  # a retry answered from the cache
    m.reply(0, 1, reply(0, 1, b"1"))  # restarted: re-applies from scratch
    assert m.ok, m.violations
    m.reply(0, 1, reply(3, 1, b"1"))
    only(m, "exactly-once: node 0 applied client 7 seq 1 twice")


def test_divergent_results_and_bad_ack() -> None:
    m = monitor()
    m.reply(0, 0, reply(0, 1, b"1"))
    m.reply(1, 0, reply(0, 1, b"2"))
    only(m, "result: client 7 seq 1")
    m2 = monitor()
    m2.ack(7, 5, b"1")
    only(m2, "ack: client 7 seq 5 acknowledged but never applied")
    m3 = monitor()
    m3.reply(0, 0, reply(0, 1, b"1"))
    m3.ack(7, 1, b"9")
    only(m3, "told b'9'")


def test_lost_ack() -> None:
    m = monitor()
    m.reply(0, 0, reply(0, 1, b"1"))
    m.ack(7, 1, b"1")
    m.check_acked_applied(0, m.applied_ops(0, 0))
    assert m.ok
    m.check_acked_applied(1, m.applied_ops(1, 0))
    only(m, "lost ack: node 1")


def test_violations_are_capped() -> None:
    m = SafetyMonitor((0, 1, 2), max_violations=2)
    for i in range(5):
        m.coin(0, CoinFlipped(i, 1, 0))
        m.coin(1, CoinFlipped(i, 1, 1))
    assert len(m.violations) == 2


def test_monitor_catches_a_non_member_speaking() -> None:
    monitor = SafetyMonitor((0, 1, 2))
    monitor.config_changed(0, ConfigChanged(4, 1, (0, 1), ()))
    batch = Batch((2, 0, 0), 1, b"")
    monitor.sent(2, Proposal(4, 2, batch))
    assert monitor.ok
    monitor.sent(2, Proposal(5, 2, batch))
    assert monitor.violations[0].startswith("membership:")


def test_monitor_catches_disagreeing_configurations() -> None:
    monitor = SafetyMonitor((0, 1, 2))
    monitor.config_changed(0, ConfigChanged(4, 1, (0, 1), ()))
    monitor.config_changed(1, ConfigChanged(4, 1, (0, 1, 2, 3), ()))
    assert monitor.violations[0].startswith("configuration:")
    monitor = SafetyMonitor((0, 1, 2))
    monitor.config_changed(0, ConfigChanged(4, 1, (0, 1), ()))
    monitor.slot_config(1, 6, monitor.config_at(2))
    assert monitor.violations[0].startswith("configuration:")
