"""A protocol-aware nemesis: a reader two configuration changes behind (ADR 0017).

A read barrier that does not restart on a configuration change (the planted bug
``barrier_no_restart``) is unsafe only for a reader that trails by two changes and is
answered by a member the second change removed: one-member changes keep every quorum
of a configuration intersecting every quorum of the next one. Random faults reach that
window too rarely, so in some runs with membership changes this nemesis builds it:

1. **cut**: a group of f members, the reader among them, is cut off from every other
   node, while the run's changes are scripted: add a spare, then remove a member
   outside the group (the *removed* one); clients go to the other nodes;
2. **hold**: once the removal is in effect, the removed member is cut off from the rest
   too (it learns no later slot); every barrier read goes to the reader and every
   write to the other side, which decides it, until the first read at the reader has
   waited ``wait_us`` (less than a client's time-out) or ``hold_us`` passed;
3. **read**: the links between the group and the removed member come back. The reader
   asks its stale configuration, whose quorum is the group plus the removed member:
   a barrier that does not restart answers without the writes of step 2.

Healing (the end of the fault phase) removes every cut, as for any partition, and ends
the nemesis wherever it is.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from rabia.core.membership import Configuration
from rabia.testing.network import Link, Network

POLL_US = 5_000
"""How often the nemesis looks for the removal to be in effect."""
START_US = 30_000
"""The nemesis starts in the first 30 ms, while back-to-back clients still run."""


@dataclass(frozen=True, slots=True)
class BehindPlan:
    """What the nemesis drew for one run."""

    reader: int
    group: tuple[int, ...]
    """The f members cut off first, the reader among them."""
    removed: int
    """The member (outside the group) that the second change removes."""
    spare: int
    """The spare that the first change adds."""
    start_us: int
    hold_us: int
    """The longest the nemesis holds the cluster split once the removal is in effect."""
    wait_us: int
    """It ends the hold sooner, once the first read at the reader has waited this long
    (less than a client's time-out, so the reads at the reader are still waited for)."""

    @property
    def script(self) -> tuple[tuple[int | None, int | None], ...]:
        """The run's membership changes, (add, remove), in order."""
        return ((self.spare, None), (None, self.removed))


def draw_behind(
    rng: random.Random, members: Sequence[int], spares: Sequence[int], fault_us: int
) -> BehindPlan | None:
    """The nemesis's plan for a run with spares (membership changes), in half of them."""
    f = (len(members) - 1) // 2
    if not spares or f == 0 or rng.random() < 0.5:
        return None
    group = tuple(sorted(rng.sample(list(members), f)))
    return BehindPlan(
        reader=rng.choice(group),
        group=group,
        removed=rng.choice([m for m in members if m not in group]),
        spare=spares[0],
        start_us=rng.randrange(min(START_US, fault_us) or 1),
        hold_us=rng.randint(100_000, 300_000),
        wait_us=rng.randint(20_000, 140_000),
    )


class BehindNemesis:
    """Plays a ``BehindPlan`` (see the module docstring).

    ``strike(now, latest)`` runs the next step and returns when it wants to run again
    (None: done); ``steer`` names the replica a client's request goes to (None: the
    client's own choice).
    """

    def __init__(
        self, plan: BehindPlan, members: Sequence[int], nodes: Sequence[int], network: Network
    ) -> None:
        self.plan = plan
        self._members = (*members, plan.spare)
        self._nodes = tuple(nodes)
        self._network = network
        self.phase = "waiting"
        self._blocked: frozenset[Link] = frozenset()
        self._hold_ends = 0
        self._first_read: int | None = None
        """When the first barrier read went to the reader during the hold."""

    def steer(self, client_id: int, read: bool, now: int) -> int | None:
        """While the nemesis cuts the cluster: a node of the deciding side, except for a
        barrier read while it holds (the reader); else None."""
        if self.phase not in ("cut", "hold"):
            return None
        if read and self.phase == "hold":
            if self._first_read is None:
                self._first_read = now
            return self.plan.reader
        others = self._others
        return others[client_id % len(others)] if others else None

    @property
    def _others(self) -> list[int]:
        """The members outside the group after the script (the deciding side)."""
        plan = self.plan
        return [m for m in self._members if m not in plan.group and m != plan.removed]

    def strike(self, now: int, latest: Configuration) -> int | None:
        """The next step; returns the time of the one after (None: no more)."""
        plan = self.plan
        nodes = self._nodes
        rest = [m for m in nodes if m not in plan.group and m != plan.removed]
        if self.phase == "waiting":
            self.phase = "cut"
            self._cut(_apart(plan.group, nodes))
            return now + POLL_US
        if self.phase == "cut":
            if plan.removed in latest.members or plan.spare not in latest.members:
                return now + POLL_US
            self.phase = "hold"
            self._hold_ends = now + plan.hold_us
            self._cut(_apart(plan.group, nodes) | _apart((plan.removed,), rest))
            return now + POLL_US
        if self.phase == "hold":
            first = self._first_read
            if now < self._hold_ends and (first is None or now < first + plan.wait_us):
                return now + POLL_US
            self.phase = "read"
            self._cut(_apart(plan.group, rest) | _apart((plan.removed,), rest))
        return None

    def heal(self) -> None:
        """The fault phase is over (the network healed every cut): steer no more."""
        self.phase = "healed"
        self._blocked = frozenset()

    def _cut(self, links: frozenset[Link]) -> None:
        """Block exactly ``links`` (those of the previous step are lifted)."""
        self._network.unblock(self._blocked)
        self._network.block(links)
        self._blocked = links


def _apart(group: Sequence[int], nodes: Sequence[int]) -> frozenset[Link]:
    """Both directions of every link between ``group`` and the other ``nodes``."""
    return frozenset(
        link for a in group for b in nodes if b not in group for link in ((a, b), (b, a))
    )
