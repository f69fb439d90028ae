"""Fault schedules for the simulator, drawn from one seeded generator.

In ``swarm`` mode (after "swarm testing": each run enables a random *subset* of
fault kinds, so rare interactions are not drowned out by everything at once) the
generator draws which faults are on and how hard they hit:

* message loss 0-30 %, duplication 0-10 %, delay jitter up to 3 ms on a 0.1-0.5 ms
  base (reordering follows from independent delays), rare 20 ms latency spikes;
* partitions (isolate, split, ring, one-way; see :mod:`rabia.testing.network`)
  starting and ending at random times;
* laggards: a node whose every link is slower by 2-40 ms for 100-800 ms, so that it
  trails the others while still taking part (where stale reads show, ADR 0017);
* crash-restart (the node restarts from its durable records after 5-500 ms),
  crash-stop (at most f nodes, never restarted), pauses of 5-300 ms;
* the split killer: crash-stop the holder of a phase-1 state 1 as soon as another
  replica announces state 0 in that slot (see ``FaultPlan.split_killer``);
* a durability mode: ``always`` (recovery ``replay``), ``batch`` or ``off``
  (recovery ``abstain``), and the abstain reservation chunk.

The schedule is a plan: the simulator skips a crash that would break the fault
budget when it comes due (see ``docs/simulator.md``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rabia.testing.network import PARTITION_KINDS, Network
from rabia.testing.storage import SyncMode

FaultAction = tuple[Any, ...]
"""("crash", node, restart_after_us, power_loss, copies) | ("stop", node, copies) |
("pause", node, for_us) | ("partition", kind, for_us) | ("lag", node, extra_us, for_us).

``copies`` > 0 arms a crash *mid-broadcast*: the node crashes right after sending that
many more copies of REQ/PROPOSAL/STATE/VOTE messages, so a broadcast reaches only some
peers (the scenarios of protocol notes C2-C4). ``power_loss``: the crash loses the
store's unsynced tail and, in ``batch``/``off``, the node restarts abstaining; otherwise it
is a process crash: the operating system keeps every record and the node restarts intact
(ADR 0010)."""


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Everything the fault generator drew for one run."""

    mode: str
    durability: SyncMode = "always"
    flush_interval_us: int = 10_000
    reserve_chunk: int = 64
    fault_us: int = 0
    """Length of the fault phase; the cluster heals at this time."""
    loss: float = 0.0
    duplicate: float = 0.0
    base_delay_us: int = 200
    jitter_us: int = 100
    tail: float = 0.0
    tail_us: int = 0
    events: tuple[tuple[int, FaultAction], ...] = ()
    enabled: tuple[str, ...] = ()
    split_killer: bool = False
    """Protocol-aware nemesis (like Jepsen's leader killer): when a replica broadcasts a
    phase-1 STATE of 0 in a slot where another replica holds state 1, crash-stop that
    state-1 holder (at most f per run). It strikes the lone witness of a majority
    proposal, the moment the pitfalls C2 and C3 of the protocol notes need."""

    def network(self, members: Sequence[int], rng: random.Random) -> Network:
        """The network this plan asks for, drawing from ``rng``."""
        return Network(
            members,
            rng,
            loss=self.loss,
            duplicate=self.duplicate,
            base_delay_us=self.base_delay_us,
            jitter_us=self.jitter_us,
            tail=self.tail,
            tail_us=self.tail_us,
        )

    def describe(self) -> str:
        """A short human-readable summary."""
        if self.mode == "none":
            return f"no faults, delay {self.base_delay_us}+{self.jitter_us}us"
        kinds: dict[str, int] = {}
        for _, action in self.events:
            kinds[action[0]] = kinds.get(action[0], 0) + 1
        counts = " ".join(f"{k}x{v}" for k, v in sorted(kinds.items()))
        return (
            f"{self.durability} durability, faults {self.fault_us // 1000}ms: "
            f"loss {self.loss:.0%} dup {self.duplicate:.0%} "
            f"delay {self.base_delay_us}+{self.jitter_us}us {counts}".rstrip()
        )


def plan_faults(
    rng: random.Random,
    members: Sequence[int],
    mode: str,
    durability: SyncMode | None = None,
) -> FaultPlan:
    """Draw a fault plan for ``members``: ``"swarm"`` (random faults) or ``"none"``.

    ``durability`` forces that storage mode in a swarm plan and enables crash-restarts
    in it (every other draw is unchanged); ``None`` lets the seed draw the mode.
    """
    if mode == "none":
        return FaultPlan(
            mode="none",
            base_delay_us=rng.randint(100, 300),
            jitter_us=rng.randint(0, 200),
        )
    if mode != "swarm":
        raise ValueError(f"unknown fault mode {mode!r}")
    n = len(members)
    f = (n - 1) // 2
    drawn: SyncMode = rng.choice(("always", "always", "batch", "off"))
    flush_interval_us = rng.choice((1_000, 5_000, 20_000))
    reserve_chunk = rng.choice((1, 4, 16, 64))
    fault_us = rng.randint(1_000_000, 2_000_000)
    features = (
        "loss",
        "duplicate",
        "jitter",
        "tail",
        "partition",
        "crash",
        "stop",
        "pause",
        "split_killer",
    )
    enabled = tuple(
        name for name in features if rng.random() < 0.5 or (durability and name == "crash")
    )
    loss = rng.uniform(0.0, 0.3) if "loss" in enabled else 0.0
    duplicate = rng.uniform(0.0, 0.1) if "duplicate" in enabled else 0.0
    base_delay_us = rng.randint(100, 500)
    jitter_us = rng.randint(0, 3_000) if "jitter" in enabled else rng.randint(0, 100)
    tail = 0.01 if "tail" in enabled else 0.0
    tail_us = 20_000 if tail else 0
    events: list[tuple[int, FaultAction]] = []

    def at() -> int:
        return rng.randrange(fault_us)

    if "partition" in enabled:
        for _ in range(rng.randint(1, 4)):
            kind = rng.choice(PARTITION_KINDS)
            events.append((at(), ("partition", kind, rng.randint(20_000, 500_000))))

    def copies() -> int:
        return rng.randint(1, max(1, 3 * (n - 1))) if rng.random() < 0.5 else 0

    if "crash" in enabled:
        for _ in range(rng.randint(1, 4)):
            node = rng.choice(members)
            events.append((at(), ("crash", node, rng.randint(5_000, 500_000), copies())))
    if "stop" in enabled and f > 0:
        for _ in range(rng.randint(1, f)):
            events.append((at(), ("stop", rng.choice(members), copies())))
    if "pause" in enabled:
        for _ in range(rng.randint(1, 4)):
            events.append((at(), ("pause", rng.choice(members), rng.randint(5_000, 300_000))))
    events.sort(key=lambda e: e[0])
    # Drawn last, so that every draw above stays what it was before crashes had kinds.
    events = [(t, (*a[:3], rng.random() < 0.5, a[3]) if a[0] == "crash" else a) for t, a in events]
    # Drawn after that, for the same reason (laggards came with the read barrier).
    if rng.random() < 0.5:
        enabled = (*enabled, "lag")
        for i in range(rng.randint(1, 3)):
            start = 0 if i == 0 else at()  # the first lag meets the load from the start
            extra = rng.randint(2_000, 40_000)
            events.append(
                (start, ("lag", rng.choice(members), extra, rng.randint(200_000, fault_us)))
            )
        events.sort(key=lambda e: e[0])
    return FaultPlan(
        mode="swarm",
        durability=durability or drawn,
        flush_interval_us=flush_interval_us,
        reserve_chunk=reserve_chunk,
        fault_us=fault_us,
        loss=loss,
        duplicate=duplicate,
        base_delay_us=base_delay_us,
        jitter_us=jitter_us,
        tail=tail,
        tail_us=tail_us,
        events=tuple(events),
        enabled=enabled,
        split_killer="split_killer" in enabled and f > 0,
    )
