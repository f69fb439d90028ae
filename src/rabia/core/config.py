"""Static configuration of one replica: membership, quorum sizes, timers in ticks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Recovery = Literal["replay", "abstain"]
"""How a restarted replica keeps the rule "never two different messages per (slot, kind, phase)".

``replay``: every PROPOSAL/STATE/VOTE is persisted (and synced) before it is sent; after a
restart the replica reloads them, re-sends them and resumes the slot. Survives a crash of
the whole cluster mid-slot.

``abstain``: only a high-water mark of slots the replica may have spoken in is synced
(reserved ahead in chunks); after a restart it stays silent in every slot up to that mark and
only learns their decisions. Cheaper, but a slot in which every replica abstains cannot finish.
"""


@dataclass(frozen=True, slots=True)
class UnsafeSwitches:
    """Test-only switches that re-introduce known bugs, to prove the checks can fail.

    Never enable one outside a test: each breaks safety or liveness.
    """

    round1_fast_path: bool = False
    """Decide as soon as n-f phase-1 states agree (Pragmatica's unsafe shortcut, C6)."""
    local_coin: bool = False
    """Each replica flips its own coin instead of the common one."""
    no_candidate: bool = False
    """Send no candidate id; a decider of 1 must find a batch held by a majority of its
    exchange-stage proposals, as the paper's FindReturnValue does (C2)."""
    drop_late_proposals: bool = False
    """Go's proposal handling (C3): keep only the first n-f proposals, look the decided batch
    up as a majority among them, and answer FETCH only when they held a majority."""
    idle_never_joins: bool = False
    """A replica with an empty queue never joins a slot others started (C4)."""
    forget_sent: bool = False
    """A restarted replica forgets what it sent before the crash (breaks 5b)."""
    barrier_short_quorum: bool = False
    """A read barrier is released on Q - 1 answers instead of Q (ADR 0017)."""
    barrier_no_restart: bool = False
    """A read barrier is not restarted when the configuration changes (ADR 0017)."""
    barrier_late_join: bool = False
    """A read joins the barrier already sent instead of waiting for the next (ADR 0017)."""

    @property
    def any(self) -> bool:
        """True when some switch is on."""
        return any(
            (
                self.round1_fast_path,
                self.local_coin,
                self.no_candidate,
                self.drop_late_proposals,
                self.idle_never_joins,
                self.forget_sent,
                self.barrier_short_quorum,
                self.barrier_no_restart,
                self.barrier_late_join,
            )
        )


class QuorumSizes:
    """The thresholds of a member set (mixed into every class with a ``members`` tuple)."""

    __slots__ = ()
    members: tuple[int, ...]

    @property
    def n(self) -> int:
        """Number of members."""
        return len(self.members)

    @property
    def f(self) -> int:
        """Crash faults tolerated."""
        return (self.n - 1) // 2

    @property
    def quorum(self) -> int:
        """Q = n - f: messages awaited in every step."""
        return self.n - self.f

    @property
    def majority(self) -> int:
        """MAJ = floor(n/2) + 1."""
        return self.n // 2 + 1

    @property
    def f_plus_one(self) -> int:
        """F1 = f + 1: votes needed to decide."""
        return self.f + 1


@dataclass(frozen=True, slots=True)
class ReplicaConfig(QuorumSizes):
    """What a replica is started with: its id, the initial configuration, the coin seed,
    the recovery mode and its timers (later configurations come from the log)."""

    node_id: int
    members: tuple[int, ...]
    seed: int = 0
    """Seed of the common coin, shared by every member."""
    epoch: int = 0
    """Epoch of the initial configuration; a slot's coin uses the epoch of the configuration
    covering that slot."""
    recovery: Recovery = "replay"
    resend_ticks: int = 10
    """Ticks without progress in a slot before the replica re-sends its messages."""
    max_resend_ticks: int = 160
    """Cap of the exponential back-off of re-sends."""
    status_ticks: int = 50
    """Interval of the anti-entropy STATUS broadcast."""
    future_window: int = 4096
    """Messages for slots further ahead than this are dropped (they are re-sent later)."""
    catchup_chunk: int = 64
    """Decisions sent in reply to one STATUS from a lagging peer."""
    reserve_chunk: int = 64
    """Slots reserved by one high-water-mark record in ``abstain`` recovery."""
    snapshot_chunk: int = 1 << 20
    """Application-state bytes per ``Snapshot`` message; larger states are pulled in
    chunks of this size (ADR 0011)."""
    snapshot_abandon_ticks: int = 1000
    """A snapshot transfer without progress for this long is dropped (and restarted by
    the usual catch-up)."""
    unsafe: UnsafeSwitches = field(default_factory=UnsafeSwitches)
    join: bool = False
    """A joiner: ``members`` is the cluster's initial (epoch-``epoch``) member set, which does
    not include ``node_id``; the replica speaks in no slot until it learns (by decisions or
    a snapshot) a configuration that makes it a member, and only from its start slot on."""
    addresses: tuple[tuple[int, str], ...] = ()
    """(member id, address) of the initial members: opaque to the core, reported back in
    ``ConfigChanged`` events."""
    contacts: tuple[int, ...] = ()
    """Extra peers a replica asks for decisions and snapshots (a joiner's current members)."""

    def __post_init__(self) -> None:
        if len(set(self.members)) != len(self.members):
            raise ValueError("members must be distinct")
        if not self.members:
            raise ValueError("members must not be empty")
        if self.join:
            if self.node_id in self.members:
                raise ValueError(f"joiner {self.node_id} is already in {self.members}")
        elif self.node_id not in self.members:
            raise ValueError(f"node {self.node_id} is not a member of {self.members}")
        if any(m < 0 for m in self.members):
            raise ValueError("member ids must be non-negative")
        if self.resend_ticks < 1 or self.max_resend_ticks < self.resend_ticks:
            raise ValueError("need 1 <= resend_ticks <= max_resend_ticks")
        if self.snapshot_chunk < 1 or self.snapshot_abandon_ticks <= self.resend_ticks:
            raise ValueError("need snapshot_chunk >= 1 and snapshot_abandon_ticks > resend_ticks")
