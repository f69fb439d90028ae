"""Weak-MVC for one slot (``rabia.core.slot``): exchange, binary stage, output."""

from __future__ import annotations

from rabia.core.config import ReplicaConfig, UnsafeSwitches
from rabia.core.membership import Configuration
from rabia.core.messages import VOTE_QUESTION, Batch, Proposal, SlotMessage, State, Vote
from rabia.core.slot import SlotInstance, Stage

A = Batch.of((1, 0, 0), 1, ())
B = Batch.of((2, 0, 0), 2, ())
MINE = Batch.of((0, 0, 0), 0, ())
THREE = Configuration(0, 0, (0, 1, 2))
Q = VOTE_QUESTION


class Run:
    """Replica 0's instance of slot 4, with what it said and the coins it flipped."""

    def __init__(self, members: Configuration = THREE, **unsafe: bool) -> None:
        config = ReplicaConfig(0, members.members, unsafe=UnsafeSwitches(**unsafe))
        self.slot = SlotInstance(config, 4, members)
        self.said: list[SlotMessage] = []
        self.flips: list[tuple[int, int]] = []

    def coin(self, slot: int, phase: int) -> int:
        self.flips.append((slot, phase))
        return 1

    def start(self, batch: Batch = MINE) -> None:
        self.slot.start(batch, self.said.append, self.coin)

    def feed(self, *messages: SlotMessage) -> None:
        for message in messages:
            self.slot.add(message)
        self.slot.advance(self.said.append, self.coin)


def test_each_sender_counts_once_per_kind_and_phase() -> None:
    slot = Run().slot
    assert slot.add(Proposal(4, 1, A))
    assert not slot.add(Proposal(4, 1, B))
    assert slot.add(State(4, 1, 1, 0)) and not slot.add(State(4, 1, 1, 1, A.id))
    assert slot.add(State(4, 1, 2, 0))  # another phase
    assert slot.add(Vote(4, 1, 1, Q, A.id)) and not slot.add(Vote(4, 1, 1, 0))
    assert slot.payloads == {A.id: A} and slot.cand == A.id


def test_a_majority_proposal_gives_state_one_with_its_candidate() -> None:
    run = Run()
    run.start(A)
    run.feed(Proposal(4, 1, A))
    assert run.said == [Proposal(4, 0, A), State(4, 0, 1, 1, A.id)]
    assert run.slot.stage == Stage.ROUND1 and run.slot.phase == 1


def test_split_proposals_give_state_zero_and_a_null_decision() -> None:
    run = Run()
    run.start()
    run.feed(Proposal(4, 1, A), State(4, 1, 1, 0), Vote(4, 1, 1, 0))
    assert run.said == [Proposal(4, 0, MINE), State(4, 0, 1, 0), Vote(4, 0, 1, 0)]
    assert run.slot.stage == Stage.DONE and run.slot.decision is None
    assert run.slot.decided_via_votes and run.slot.decided_phase == 1


def test_mixed_states_vote_question_and_all_question_votes_flip_the_coin() -> None:
    run = Run()
    run.start()
    run.feed(Proposal(4, 1, A), State(4, 1, 1, 1, A.id))  # states 0 and 1: no majority
    assert run.said[-1] == Vote(4, 0, 1, Q, A.id)
    run.feed(Vote(4, 1, 1, Q, A.id))
    assert run.flips == [(4, 1)]
    assert run.said[-1] == State(4, 0, 2, 1, A.id) and run.slot.phase == 2


def test_one_non_question_vote_sets_the_next_state_without_a_coin() -> None:
    run = Run(Configuration(0, 0, (0, 1, 2, 3, 4)))  # Q = 3, F1 = 3
    run.start()
    run.feed(Proposal(4, 1, A), Proposal(4, 2, B), State(4, 1, 1, 0), State(4, 2, 1, 1, A.id))
    assert run.said[-1] == Vote(4, 0, 1, Q, A.id)
    run.feed(Vote(4, 1, 1, Q, A.id), Vote(4, 2, 1, 1, A.id))
    assert run.flips == [] and run.said[-1] == State(4, 0, 2, 1, A.id)


def test_deciding_one_waits_for_the_candidates_payload() -> None:
    run = Run()
    run.start()
    # Peers vote 1 for a candidate this replica never saw proposed.
    run.feed(Proposal(4, 1, B), State(4, 1, 1, 1, A.id))
    run.feed(Vote(4, 1, 1, 1, A.id), Vote(4, 2, 1, 1, A.id))
    assert run.slot.awaiting_payload and run.slot.decision is None
    assert run.slot.decided_via_votes and run.slot.cand == A.id
    run.slot.add_payload(A)
    run.feed()
    assert run.slot.stage == Stage.DONE and run.slot.decision == A


def test_a_learned_decision_ends_the_slot_once_its_payload_is_here() -> None:
    null = Run().slot
    null.learn_decision(None, None)
    assert null.stage == Stage.DONE and null.decision is None and not null.decided_via_votes
    run = Run()
    run.slot.learn_decision(A.id, None)
    assert run.slot.started and run.slot.awaiting_payload and run.slot.cand == A.id
    run.slot.learn_decision(A.id, A)
    assert run.slot.stage == Stage.DONE and run.slot.decision == A
    run.slot.learn_decision(None, None)  # decided: later news changes nothing
    assert run.slot.decision == A


def test_rebind_takes_the_new_quorum_and_forgets_non_members() -> None:
    run = Run(Configuration(0, 0, (0, 1, 2, 3, 4)))
    run.feed(Proposal(4, 3, A), State(4, 3, 1, 0), Vote(4, 4, 1, 0), Proposal(4, 1, A))
    run.slot.rebind(THREE)
    assert run.slot.proposals == {1: A} and run.slot.states == {1: {}}
    assert run.slot.votes == {1: {}}
    run.start(A)  # two of three now make the quorum
    assert run.said[-1] == State(4, 0, 1, 1, A.id)


def test_resume_restores_progress_from_own_messages() -> None:
    run = Run()
    run.slot.resume([Proposal(4, 0, MINE), State(4, 0, 1, 1, A.id), Vote(4, 0, 1, Q, A.id)])
    assert run.slot.mine == MINE and run.slot.cand == A.id
    assert (run.slot.stage, run.slot.phase) == (Stage.ROUND2, 1)
    assert len(run.slot.sent) == 3 and run.said == []
    run.feed(Vote(4, 1, 1, Q, A.id))  # and carries on where it stopped
    assert run.flips == [(4, 1)]


def test_unsafe_round1_fast_path_decides_on_agreeing_states() -> None:
    run = Run(round1_fast_path=True)
    run.start(A)
    run.feed(Proposal(4, 1, A), State(4, 1, 1, 1, A.id))
    assert run.slot.stage == Stage.DONE and run.slot.decision == A
    safe = Run()
    safe.start(A)
    safe.feed(Proposal(4, 1, A), State(4, 1, 1, 1, A.id))
    assert safe.slot.stage == Stage.ROUND2


def test_majority_proposal_needs_a_majority() -> None:
    slot = Run(Configuration(0, 0, (0, 1, 2, 3, 4))).slot
    slot.add(Proposal(4, 1, A))
    slot.add(Proposal(4, 2, A))
    slot.add(Proposal(4, 3, B))
    assert slot.majority_proposal() is None
    slot.add(Proposal(4, 4, A))
    assert slot.majority_proposal() == A.id
    assert slot.majority_proposal({1: B, 2: B, 3: B}) == B.id
