"""The outcome of one simulator run, and the command that replays it."""

from __future__ import annotations

from dataclasses import dataclass, field

from rabia.core.config import UnsafeSwitches


@dataclass(frozen=True, slots=True)
class SimResult:
    """The outcome of one seeded run."""

    seed: int
    nodes: int
    ops: int
    faults: str
    violations: list[str]
    slots: int
    """Slots decided (the live replicas' common ``next_slot``)."""
    fast_path: int
    """Slots first decided by votes in phase 1."""
    null_slots: int
    phases_mean: float
    """Mean over decided slots of the phase that first decided each (1 = fast path)."""
    phases_max: int
    phases_total: int
    """Sum of those phases (to aggregate means over runs)."""
    phase_slots: int
    """Slots counted in ``phases_mean``."""
    virtual_us: int
    trace_hash: str
    """sha256 over every delivered message and decision: equal runs, equal hash."""
    replay_command: str
    acked: int = 0
    delivered: int = 0
    plan: str = ""
    """A one-line description of the drawn faults."""
    fault_counts: dict[str, int] = field(default_factory=dict)
    """Faults that struck (a planned crash over the budget counts as ``skipped``)."""
    compact_every: int = 0
    """Slots between two snapshots of each node (0: no compaction in this run)."""
    installs: int = 0
    """Snapshots installed (sent by a peer, or the latest one on restart)."""
    transfers: int = 0
    """Of those, snapshots sent by a peer to a lagging replica."""
    reconfigs: int = 0
    """Membership changes submitted in this run."""
    epochs: int = 0
    """Membership changes that took effect (the final configuration's epoch)."""
    durability: str = "always"
    """The storage mode every node of the run used (what a crash keeps)."""
    lost_records: int = 0
    """Unsynced records that crashes threw away (always 0 under ``always``)."""
    operations: dict[str, int] = field(default_factory=dict)
    """Client operations completed, by kind (append, log-read, barrier-read); every one
    went through the linearizability check."""
    cpu_seconds: float = field(default=0.0, compare=False)
    """CPU time the run took (not part of the replayable outcome)."""

    @property
    def ok(self) -> bool:
        """True when the run broke no invariant."""
        return not self.violations


UNSAFE_NAMES: tuple[str, ...] = tuple(UnsafeSwitches.__dataclass_fields__)
"""Names of the test-only bug switches, as ``--unsafe`` accepts them."""


def replay_command(
    seed: int,
    nodes: int,
    ops: int,
    faults: str,
    unsafe: UnsafeSwitches | None = None,
    durability: str | None = None,
) -> str:
    """The CLI command that replays one run."""
    cmd = f"rabia sim --nodes {nodes} --seed {seed} --ops {ops} --faults {faults}"
    if durability is not None:
        cmd += f" --durability {durability}"
    if unsafe is not None:
        for name in UNSAFE_NAMES:
            if getattr(unsafe, name):
                cmd += f" --unsafe {name}"
    return cmd
