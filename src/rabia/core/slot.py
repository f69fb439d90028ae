"""Weak-MVC for one slot: the exchange stage and the randomized binary stage.

A ``SlotInstance`` only stores what arrived and evaluates the protocol's rules; the
replica decides when to call it and carries its outputs to the world. Every rule is
evaluated once per step, when the step's quorum is first reached, and frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from rabia.core.config import ReplicaConfig
from rabia.core.membership import Configuration
from rabia.core.messages import (
    VOTE_QUESTION,
    Batch,
    BatchId,
    Proposal,
    SlotMessage,
    State,
    Vote,
)


class Stage(IntEnum):
    """Where this replica stands in the slot."""

    IDLE = 0
    """Not started: the replica has not spoken in this slot."""
    EXCHANGE = 1
    """Proposal sent, waiting for n-f proposals."""
    ROUND1 = 2
    """STATE of ``phase`` sent, waiting for n-f states."""
    ROUND2 = 3
    """VOTE of ``phase`` sent, waiting for n-f votes."""
    PAYLOAD = 4
    """Decided 1, waiting for the candidate's payload."""
    DONE = 5
    """Decided."""


Speak = Callable[[SlotMessage], None]
"""speak(message): send one of this replica's own messages of the slot."""
Coin = Callable[[int, int], int]
"""coin(slot, phase) -> bit."""


class SlotInstance:
    """The messages of one slot and this replica's progress through Weak-MVC."""

    __slots__ = (
        "_config",
        "_f1",
        "_majority",
        "_me",
        "_quorum",
        "cand",
        "decided_phase",
        "decided_via_votes",
        "decision",
        "decision_id",
        "exchanged",
        "fetch_sent",
        "mine",
        "payloads",
        "phase",
        "proposals",
        "sent",
        "slot",
        "stage",
        "states",
        "votes",
    )

    def __init__(self, config: ReplicaConfig, slot: int, members: Configuration) -> None:
        self._config = config
        self._me = config.node_id
        self._quorum = members.quorum
        self._majority = members.majority
        self._f1 = members.f_plus_one
        self.slot = slot
        self.stage = Stage.IDLE
        self.phase = 0
        self.mine: Batch | None = None
        self.proposals: dict[int, Batch] = {}
        self.payloads: dict[BatchId, Batch] = {}
        self.states: dict[int, dict[int, State]] = {}
        self.votes: dict[int, dict[int, Vote]] = {}
        self.cand: BatchId | None = None
        self.sent: list[SlotMessage] = []
        """This replica's own messages in the slot, in the order it sent them."""
        self.decision: Batch | None = None
        """The decided batch (None: NULL) once ``stage`` is ``DONE``."""
        self.decision_id: BatchId | None = None
        """The value of a decision learned from a peer, while its payload is missing."""
        self.exchanged: dict[int, Batch] | None = None
        """The frozen exchange-stage proposals (kept only under the unsafe lookup switches)."""
        self.decided_phase = 0
        """The phase whose votes decided the slot (when ``decided_via_votes``)."""
        self.decided_via_votes = False
        """True when this replica's own binary stage decided (not a peer's DECISION)."""
        self.fetch_sent = False
        """A FETCH for the candidate's payload went out (re-sent by the replica's timer)."""

    def rebind(self, members: Configuration) -> None:
        """Take the slot's configuration, learned after messages arrived (never once started):
        new quorum sizes, and the messages of non-members are forgotten."""
        self._quorum = members.quorum
        self._majority = members.majority
        self._f1 = members.f_plus_one
        keep = frozenset(members.members)
        self.proposals = {s: b for s, b in self.proposals.items() if s in keep}
        for bucket_s in self.states.values():
            for sender in [s for s in bucket_s if s not in keep]:
                del bucket_s[sender]
        for bucket_v in self.votes.values():
            for sender in [s for s in bucket_v if s not in keep]:
                del bucket_v[sender]

    # ----------------------------------------------------------------- receiving
    def add(self, message: SlotMessage) -> bool:
        """Store a message; False when it duplicates (or conflicts with) a stored one."""
        sender = message.sender
        if isinstance(message, Proposal):
            if sender in self.proposals:
                return False
            if self._config.unsafe.drop_late_proposals and len(self.proposals) >= self._quorum:
                return False
            batch = message.batch
            self.payloads.setdefault(batch.id, batch)
            self.proposals[sender] = batch
            return True
        if isinstance(message, State):
            bucket_s = self.states.setdefault(message.phase, {})
            if sender in bucket_s:
                return False
            bucket_s[sender] = message
            if message.bit == 1 and message.cand is not None:
                self._learn(message.cand)
            return True
        bucket_v = self.votes.setdefault(message.phase, {})
        if sender in bucket_v:
            return False
        bucket_v[sender] = message
        if message.cand is not None and message.vote != 0:
            self._learn(message.cand)
        return True

    def add_payload(self, batch: Batch) -> None:
        """Remember a batch payload learned outside the exchange (FETCH reply, DECISION)."""
        self.payloads.setdefault(batch.id, batch)

    def _learn(self, cand: BatchId) -> None:
        if self.cand is None and not self._config.unsafe.no_candidate:
            self.cand = cand

    # ------------------------------------------------------------------ progress
    def start(self, mine: Batch, speak: Speak, coin: Coin) -> None:
        """Propose ``mine`` and run as far as the stored messages allow."""
        self.mine = mine
        self.stage = Stage.EXCHANGE
        self._send(Proposal(self.slot, self._me, mine), speak)
        self.advance(speak, coin)

    def resume(self, sent: list[SlotMessage]) -> None:
        """Restore progress from this replica's own messages, persisted before a crash."""
        for message in sent:
            self.add(message)
            self.sent.append(message)
            if isinstance(message, Proposal):
                self.mine = message.batch
                self.stage = Stage.EXCHANGE
            elif isinstance(message, State):
                self.stage, self.phase = Stage.ROUND1, message.phase
            else:
                self.stage, self.phase = Stage.ROUND2, message.phase
            if not isinstance(message, Proposal) and message.cand is not None:
                self._learn(message.cand)

    def advance(self, speak: Speak, coin: Coin) -> None:
        """Evaluate every step whose quorum has been reached, in order."""
        quorum = self._quorum
        while True:
            stage = self.stage
            if stage == Stage.EXCHANGE:
                if len(self.proposals) < quorum:
                    return
                self._finish_exchange(speak)
            elif stage == Stage.ROUND1:
                states = self.states.get(self.phase)
                if states is None or len(states) < quorum:
                    return
                self._finish_round1(states, speak)
            elif stage == Stage.ROUND2:
                votes = self.votes.get(self.phase)
                if votes is None or len(votes) < quorum:
                    return
                self._finish_round2(votes, speak, coin)
            elif stage == Stage.PAYLOAD:
                self._find_payload()
                return
            else:
                return

    def _finish_exchange(self, speak: Speak) -> None:
        unsafe = self._config.unsafe
        if unsafe.no_candidate or unsafe.drop_late_proposals:
            self.exchanged = dict(self.proposals)
        cand = self.majority_proposal()
        self.phase = 1
        if cand is None:
            self._send_state(0, speak)
        else:
            self._learn(cand)
            self._send_state(1, speak)

    def _send_state(self, bit: int, speak: Speak) -> None:
        cand = self.cand if bit == 1 else None
        self._send(State(self.slot, self._me, self.phase, bit, cand), speak)
        self.stage = Stage.ROUND1

    def _finish_round1(self, states: dict[int, State], speak: Speak) -> None:
        ones = sum(1 for s in states.values() if s.bit == 1)
        zeros = len(states) - ones
        config = self._config
        if config.unsafe.round1_fast_path and self.phase == 1:
            for bit, count in ((1, ones), (0, zeros)):
                if count >= self._quorum:
                    self._decide_bit(bit)
                    return
        if ones >= self._majority:
            vote = 1
        elif zeros >= self._majority:
            vote = 0
        else:
            vote = VOTE_QUESTION
        cand = self.cand if vote != 0 else None
        self._send(Vote(self.slot, self._me, self.phase, vote, cand), speak)
        self.stage = Stage.ROUND2

    def _finish_round2(self, votes: dict[int, Vote], speak: Speak, coin: Coin) -> None:
        ones = zeros = 0
        for vote in votes.values():
            if vote.vote == 1:
                ones += 1
            elif vote.vote == 0:
                zeros += 1
        f1 = self._f1
        if ones >= f1:
            self._decide_bit(1)
            return
        if zeros >= f1:
            self._decide_bit(0)
            return
        if ones:
            bit = 1
        elif zeros:
            bit = 0
        else:
            bit = coin(self.slot, self.phase)
        self.phase += 1
        self._send_state(bit, speak)

    def _decide_bit(self, bit: int) -> None:
        self.decided_phase = self.phase
        self.decided_via_votes = True
        if bit == 0:
            self._set_decision(None)
            return
        self.stage = Stage.PAYLOAD
        self._find_payload()

    def _find_payload(self) -> None:
        """Resolve a decision of 1 to the candidate's batch, if its payload is here."""
        unsafe = self._config.unsafe
        if self.decision_id is not None:
            wanted: BatchId | None = self.decision_id
        elif unsafe.no_candidate or unsafe.drop_late_proposals:
            # The paper's / Go's FindReturnValue: a batch held by a majority of the
            # exchange-stage proposals, whatever candidate the votes named.
            wanted = self.majority_proposal(self.exchanged or {})
        else:
            wanted = self.cand
        if wanted is not None:
            batch = self.payloads.get(wanted)
            if batch is not None:
                self._set_decision(batch)

    def _set_decision(self, batch: Batch | None) -> None:
        self.decision = batch
        self.stage = Stage.DONE

    def learn_decision(self, batch_id: BatchId | None, batch: Batch | None) -> None:
        """Take a decision made elsewhere; the payload may still be missing."""
        if self.stage == Stage.DONE:
            return
        if batch is not None:
            self.add_payload(batch)
        if batch_id is None:
            self._set_decision(None)
            return
        self.cand = self.decision_id = batch_id
        self.stage = Stage.PAYLOAD
        self._find_payload()

    def _send(self, message: SlotMessage, speak: Speak) -> None:
        self.add(message)
        self.sent.append(message)
        speak(message)

    # ----------------------------------------------------------------- queries
    @property
    def started(self) -> bool:
        """True once this replica has spoken (or learned the decision)."""
        return self.stage != Stage.IDLE

    @property
    def awaiting_payload(self) -> bool:
        """True when the slot is decided 1 but the candidate's payload is missing."""
        return self.stage == Stage.PAYLOAD

    def majority_proposal(self, proposals: dict[int, Batch] | None = None) -> BatchId | None:
        """The batch id held by a majority of the stored (or the given) proposals, if any."""
        counts: dict[BatchId, int] = {}
        for batch in (self.proposals if proposals is None else proposals).values():
            counts[batch.id] = counts.get(batch.id, 0) + 1
        return next((b for b, c in counts.items() if c >= self._majority), None)
