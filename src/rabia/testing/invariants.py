"""Online safety checks of a Rabia cluster (protocol notes, section 6).

A :class:`SafetyMonitor` watches what every replica *says* (each message in a Ready),
what it *observes* (``Decided`` / ``CoinFlipped`` events), what it *applies* (hash
chain and replies per slot) and what clients are told. Each hook checks its
invariants at once, so the first violation names the step that broke them:

* agreement: one value (batch id or NULL) per slot, in events and in DECISIONs;
  a batch id is decided in at most one slot; one decision per slot per incarnation;
* prefix consistency: the applied hash chains (and state digests) agree per slot;
* weak validity: a decided batch was proposed in its slot by >= MAJ replicas;
* binary stage: (a) the non-? votes of a (slot, phase) agree; (b) the vote-decisions
  of a (slot, phase) agree; (c, d) after a decision of v by votes in phase p, every
  STATE of a later phase has bit v; the candidate ids of a slot agree and match a
  decided batch;
* coin: every replica flips the same coin for a (slot, phase);
* no equivocation: a replica never sends two different messages for one
  (slot, kind, phase), across restarts too;
* exactly-once: a (client_id, seq) is applied at most once per replica incarnation,
  and every replica computes the same result for it;
* no lost acknowledgement (:meth:`SafetyMonitor.check_acked_applied`);
* membership (ADR 0006): every replica adopts the same configuration per epoch (start
  slot and members) and has the same configuration for every slot it decides; no
  PROPOSAL/STATE/VOTE of slot s is sent by a non-member of slot s's configuration; weak
  validity counts against the majority of the slot's configuration.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence

from rabia.core.apply import Reply
from rabia.core.membership import Configuration
from rabia.core.messages import (
    VOTE_QUESTION,
    BatchId,
    Decision,
    Message,
    Proposal,
    State,
    Vote,
)
from rabia.core.ready import CoinFlipped, ConfigChanged, Decided, Event

_NULL = ("null",)
"""Stands for a NULL decision in the per-slot value table (None means "unknown")."""

_KIND_PROPOSAL = 0
_KIND_STATE = 1
_KIND_VOTE = 2
_KIND_NAMES = ("PROPOSAL", "STATE", "VOTE")

ClientOp = tuple[int, int]
"""(client_id, seq)."""


def _fmt(value: object) -> str:
    return "NULL" if value is _NULL or value is None else repr(value)


class SafetyMonitor:
    """Checks safety invariants online; violations accumulate in :attr:`violations`."""

    def __init__(self, members: Sequence[int], *, max_violations: int = 20) -> None:
        self.members = tuple(members)
        n = len(self.members)
        self.majority = n // 2 + 1
        self.max_violations = max_violations
        self.violations: list[str] = []
        # slot -> decided value (batch id, or _NULL)
        self.values: dict[int, object] = {}
        self._batch_slot: dict[BatchId, int] = {}
        self._decided_once: set[tuple[int, int, int]] = set()
        # equivocation: (sender, slot, kind, phase) -> message
        self._spoken: dict[tuple[int, int, int, int], Proposal | State | Vote] = {}
        self._proposers: dict[int, dict[BatchId, set[int]]] = {}
        self._votes: dict[tuple[int, int], int] = {}
        self._vote_decisions: dict[tuple[int, int], int] = {}
        self._state_bits: dict[int, dict[int, int]] = {}  # slot -> phase -> bitmask
        self._locks: dict[int, tuple[int, int]] = {}  # slot -> (phase, bit), lowest phase
        self._cands: dict[int, BatchId] = {}
        self._coins: dict[tuple[int, int], int] = {}
        self._chains: dict[int, bytes] = {}
        self._digests: dict[int, bytes] = {}
        self._results: dict[ClientOp, bytes] = {}
        self._applied_ops: dict[tuple[int, int], set[ClientOp]] = {}
        self.acked: dict[ClientOp, bytes] = {}
        self.installs = 0
        """Snapshots installed (from a peer or on restart)."""
        self.decided_phase: dict[int, int] = {}
        """slot -> lowest phase in which some replica decided it by votes."""
        self._configs: list[Configuration] = [Configuration(0, 0, tuple(sorted(self.members)))]
        """Every configuration adopted by some replica, by start slot (epoch = index)."""
        self._starts = [0]

    # ------------------------------------------------------------ membership
    @property
    def latest_config(self) -> Configuration:
        """The most recent configuration some replica adopted."""
        return self._configs[-1]

    def config_at(self, slot: int) -> Configuration:
        """The configuration of ``slot`` as far as the replicas have adopted changes."""
        return self._configs[bisect_right(self._starts, slot) - 1]

    def config_changed(self, node: int, event: ConfigChanged) -> None:
        """A replica adopted (or learned) a configuration."""
        config = Configuration(event.slot + 1, event.epoch, event.members)
        if event.epoch < len(self._configs):
            before = self._configs[event.epoch]
            if (before.start, before.members) != (config.start, config.members):
                self.violation(
                    f"configuration: epoch {event.epoch} is {before.members} from slot "
                    f"{before.start} elsewhere, but node {node} has {config.members} from "
                    f"slot {config.start}"
                )
        elif event.epoch == len(self._configs) and config.start > self._starts[-1]:
            self._configs.append(config)
            self._starts.append(config.start)
        else:
            self.violation(f"configuration: node {node} adopted {event} out of order")

    def slot_config(self, node: int, slot: int, config: Configuration) -> None:
        """A replica decided ``slot`` under ``config``: all must agree on it."""
        expected = self.config_at(slot)
        if (config.epoch, config.members) != (expected.epoch, expected.members):
            self.violation(
                f"configuration: node {node} decided slot {slot} under epoch {config.epoch} "
                f"{config.members}, others under epoch {expected.epoch} {expected.members}"
            )

    # ------------------------------------------------------------------ helpers
    @property
    def ok(self) -> bool:
        """No violation so far."""
        return not self.violations

    def violation(self, text: str) -> None:
        """Record a violation (kept up to ``max_violations``)."""
        if len(self.violations) < self.max_violations:
            self.violations.append(text)

    def is_null(self, slot: int) -> bool:
        """True when ``slot`` was decided NULL."""
        return self.values.get(slot) is _NULL

    def applied_ops(self, node: int, life: int) -> set[ClientOp]:
        """The (client_id, seq) freshly applied by one incarnation of ``node``."""
        return self._applied_ops.setdefault((node, life), set())

    # ----------------------------------------------------------------- messages
    def sent(self, node: int, message: Message) -> None:
        """A replica sent ``message`` (once per Ready entry, whatever its destination)."""
        kind = type(message)
        if kind is Proposal or kind is State or kind is Vote:
            self._slot_message(node, message)  # type: ignore[arg-type]
        elif kind is Decision:
            assert isinstance(message, Decision)
            value = message.value
            batch = message.batch
            if batch is not None and batch.id != value:
                self.violation(f"node {node} sent a DECISION whose payload is not its value")
            self._agree(message.slot, _NULL if value is None else value, node, "DECISION")

    def _slot_message(self, node: int, message: Proposal | State | Vote) -> None:
        slot = message.slot
        if message.sender != node:
            self.violation(f"node {node} sent a message signed by {message.sender}: {message!r}")
        if node not in self.config_at(slot).members:
            self.violation(
                f"membership: node {node} spoke in slot {slot} but is not a member of its "
                f"configuration {self.config_at(slot).members}: {message!r}"
            )
        if isinstance(message, Proposal):
            key = (node, slot, _KIND_PROPOSAL, 0)
        elif isinstance(message, State):
            key = (node, slot, _KIND_STATE, message.phase)
        else:
            key = (node, slot, _KIND_VOTE, message.phase)
        before = self._spoken.get(key)
        if before is not None:
            if before != message:
                self.violation(
                    f"equivocation: node {node} sent two {_KIND_NAMES[key[2]]}s in slot {slot} "
                    f"phase {key[3]}: {before!r} then {message!r}"
                )
            return
        self._spoken[key] = message
        if isinstance(message, Proposal):
            bid = message.batch.id
            self._proposers.setdefault(slot, {}).setdefault(bid, set()).add(node)
        elif isinstance(message, State):
            self._on_state(node, message)
        else:
            self._on_vote(node, message)

    def _on_state(self, node: int, state: State) -> None:
        slot, phase, bit = state.slot, state.phase, state.bit
        if bit not in (0, 1):
            self.violation(f"node {node} sent STATE with bit {bit}: {state!r}")
            return
        if bit == 1 and state.cand is not None:
            self._cand(slot, state.cand, node)
        bits = self._state_bits.setdefault(slot, {})
        bits[phase] = bits.get(phase, 0) | (1 << bit)
        lock = self._locks.get(slot)
        if lock is not None and phase > lock[0] and bit != lock[1]:
            self.violation(
                f"lock: slot {slot} was decided {lock[1]} by votes in phase {lock[0]}, "
                f"but node {node} sent STATE bit {bit} in phase {phase}"
            )

    def _on_vote(self, node: int, vote: Vote) -> None:
        slot, phase, v = vote.slot, vote.phase, vote.vote
        if v not in (0, 1, VOTE_QUESTION):
            self.violation(f"node {node} sent VOTE with value {v}: {vote!r}")
            return
        if vote.cand is not None and v != 0:
            self._cand(slot, vote.cand, node)
        if v == VOTE_QUESTION:
            return
        before = self._votes.setdefault((slot, phase), v)
        if before != v:
            self.violation(
                f"vote split: slot {slot} phase {phase} has non-? votes {before} and {v} "
                f"(node {node})"
            )

    def _cand(self, slot: int, cand: BatchId, node: int) -> None:
        before = self._cands.setdefault(slot, cand)
        if before != cand:
            self.violation(
                f"candidate: slot {slot} carries candidates {before} and {cand} (node {node})"
            )

    # ------------------------------------------------------------------- events
    def events(self, node: int, life: int, events: Iterable[Event]) -> None:
        """Events of one Ready of ``node`` in incarnation ``life``."""
        for event in events:
            if type(event) is Decided:
                self.decided(node, life, event)
            elif type(event) is CoinFlipped:
                self.coin(node, event)

    def decided(self, node: int, life: int, event: Decided) -> None:
        """A replica decided a slot."""
        slot, bid = event.slot, event.batch_id
        once = (node, life, slot)
        if once in self._decided_once:
            self.violation(f"integrity: node {node} decided slot {slot} twice")
        self._decided_once.add(once)
        value: object = _NULL if bid is None else bid
        self._agree(slot, value, node, f"decision via {event.via}")
        if bid is not None:
            seen = self._batch_slot.setdefault(bid, slot)
            if seen != slot:
                self.violation(f"integrity: batch {bid} decided in slots {seen} and {slot}")
            proposers = self._proposers.get(slot, {}).get(bid, ())
            majority = self.config_at(slot).majority
            if len(proposers) < majority:
                self.violation(
                    f"weak validity: slot {slot} decided {bid} at node {node}, proposed by "
                    f"only {sorted(proposers)} (MAJ={majority})"
                )
            cand = self._cands.get(slot)
            if cand is not None and cand != bid:
                self.violation(f"candidate: slot {slot} decided {bid} but candidate was {cand}")
        if event.via == "votes":
            self._vote_decision(node, slot, event.phase, 0 if bid is None else 1)

    def _vote_decision(self, node: int, slot: int, phase: int, bit: int) -> None:
        before = self._vote_decisions.setdefault((slot, phase), bit)
        if before != bit:
            self.violation(
                f"binary decisions: slot {slot} phase {phase} decided {before} and {bit} "
                f"(node {node})"
            )
        if phase < self.decided_phase.get(slot, phase + 1):
            self.decided_phase[slot] = phase
        lock = self._locks.get(slot)
        if lock is None or phase < lock[0]:
            self._locks[slot] = (phase, bit)
        for later, mask in self._state_bits.get(slot, {}).items():
            if later > phase and mask & (1 << (1 - bit)):
                self.violation(
                    f"lock: node {node} decided {bit} by votes in slot {slot} phase {phase}, "
                    f"but some STATE of phase {later} has bit {1 - bit}"
                )

    def _agree(self, slot: int, value: object, node: int, how: str) -> None:
        before = self.values.setdefault(slot, value)
        if before != value:
            self.violation(
                f"agreement: slot {slot} decided {_fmt(before)} elsewhere but node {node} "
                f"has {_fmt(value)} ({how})"
            )

    def coin(self, node: int, event: CoinFlipped) -> None:
        """A replica flipped the common coin."""
        key = (event.slot, event.phase)
        before = self._coins.setdefault(key, event.bit)
        if before != event.bit:
            self.violation(
                f"coin: slot {event.slot} phase {event.phase} flipped {before} and {event.bit} "
                f"(node {node})"
            )

    # -------------------------------------------------------------------- apply
    def applied(self, node: int, slot: int, chain: bytes, digest: bytes | None = None) -> None:
        """A replica applied ``slot``; ``chain`` is its log hash chain after it."""
        before = self._chains.setdefault(slot, chain)
        if before != chain:
            self.violation(f"prefix: node {node} applied a different log up to slot {slot}")
        if digest is not None:
            seen = self._digests.setdefault(slot, digest)
            if seen != digest:
                self.violation(f"state: node {node} has a different state after slot {slot}")

    def installed(
        self,
        node: int,
        life: int,
        slot: int,
        chain: bytes,
        digest: bytes,
        ops: Collection[ClientOp],
    ) -> None:
        """A replica installed a snapshot of the state after slot ``slot - 1``.

        Its chain and digest must match what others applied up to that slot, and the ops
        the snapshot contains become the incarnation's applied set (so a later fresh apply
        of one of them is caught, and an acknowledged op it holds counts as applied).
        """
        self.installs += 1
        if slot > 0:
            self.applied(node, slot - 1, chain, digest)
        self._applied_ops[(node, life)] = set(ops)

    def reply(self, node: int, life: int, reply: Reply) -> None:
        """One command outcome of an applied batch."""
        op = (reply.client_id, reply.seq)
        if reply.expired:
            return
        if not reply.duplicate:
            ops = self.applied_ops(node, life)
            if op in ops:
                self.violation(
                    f"exactly-once: node {node} applied client {op[0]} seq {op[1]} twice "
                    f"(again in slot {reply.slot})"
                )
            ops.add(op)
        before = self._results.setdefault(op, reply.result)
        if before != reply.result:
            self.violation(
                f"result: client {op[0]} seq {op[1]} gave {before!r} and {reply.result!r} "
                f"(node {node})"
            )

    # ------------------------------------------------------------------ clients
    def ack(self, client_id: int, seq: int, result: bytes, *, lasting: bool = True) -> None:
        """A client accepted ``result`` for (client_id, seq), applied through the log.

        ``lasting``: the op leaves a trace in the state (not a read), so every live
        replica must hold it at the end (``check_acked_applied``)."""
        op = (client_id, seq)
        if lasting:
            self.acked[op] = result
        before = self._results.get(op)
        if before is None:
            self.violation(f"ack: client {client_id} seq {seq} acknowledged but never applied")
        elif before != result:
            self.violation(
                f"ack: client {client_id} seq {seq} told {result!r} but applied as {before!r}"
            )

    def check_acked_applied(self, node: int, applied: Collection[ClientOp]) -> None:
        """After heal: every acknowledged op must be in a live replica's applied set."""
        missing = [op for op in self.acked if op not in applied]
        if missing:
            self.violation(
                f"lost ack: node {node} never applied {len(missing)} acknowledged op(s), "
                f"e.g. client {missing[0][0]} seq {missing[0][1]}"
            )
