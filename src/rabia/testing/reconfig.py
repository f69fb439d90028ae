"""Membership changes under load in the simulator (ADR 0006).

In some swarm runs the cluster gets spare node ids (``n`` .. ``n + SPARES - 1``) that
start as joiners, and the plan draws a few reconfiguration events during the fault
window. Each event submits one change at a random live member: add a spare not yet
added, or remove a member (a crash-stopped one first), never leaving fewer than
``MIN_MEMBERS`` members and never leaving more impaired members than the new
configuration tolerates. One change at a time: a new one waits until the previous
one took effect (or is given up as lost with its proxy's queue).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rabia.core.membership import Configuration

SPARES = 2
"""Spare ids created in a run that draws reconfigurations."""
MIN_MEMBERS = 3
"""No change leaves fewer members than this."""
RETRY_US = 50_000
"""A change waiting behind another one is tried again this much later."""
LOST_US = 400_000
"""A change not in effect after this long counts as lost (its proxy crashed)."""


def draw_reconfigs(rng: random.Random, fault_us: int) -> tuple[int, ...]:
    """Times of the reconfiguration events of one swarm run (none in half of the runs)."""
    if fault_us == 0 or rng.random() < 0.5:
        return ()
    return tuple(sorted(rng.randrange(fault_us) for _ in range(rng.randint(1, 4))))


@dataclass(slots=True)
class Pending:
    """A submitted change not known to be in effect yet."""

    at: int
    add: int | None
    remove: int | None
    epoch: int
    """The latest epoch when it was submitted: in effect once a later epoch names it."""

    def in_effect(self, latest: Configuration) -> bool:
        """True once ``latest`` holds the change (or can no longer take it)."""
        if self.add is not None:
            return self.add in latest.members
        return self.remove not in latest.members

    def applied(self, members: set[int]) -> set[int]:
        """``members`` after this change."""
        out = set(members)
        if self.add is not None:
            out.add(self.add)
        if self.remove is not None:
            out.discard(self.remove)
        return out


@dataclass(slots=True)
class Reconfigurer:
    """Chooses and tracks the simulator's membership changes (see the module docstring)."""

    rng: random.Random
    spares: tuple[int, ...]
    pending: Pending | None = None
    given_up: list[Pending] = field(default_factory=list)
    """Changes given up as lost that may still take effect."""
    added: set[int] = field(default_factory=set)
    submitted: int = 0
    script: list[tuple[int | None, int | None]] | None = None
    """The changes to make, in order, instead of drawn ones (a nemesis's; None: draw)."""

    def outstanding(self, latest: Configuration) -> list[Pending]:
        """Changes submitted and not in effect in ``latest`` (given up ones included)."""
        self.given_up = [p for p in self.given_up if not p.in_effect(latest)]
        pending = self.pending
        if pending is not None and not pending.in_effect(latest):
            return [*self.given_up, pending]
        return list(self.given_up)

    def possible(
        self, latest: Configuration, extra: Pending | None = None
    ) -> list[tuple[int, ...]]:
        """Every member set that ``latest`` and the outstanding changes (and ``extra``)
        could make, whichever of them take effect."""
        changes = self.outstanding(latest) + ([] if extra is None else [extra])
        sets = set()
        for k in range(len(changes) + 1):
            for combo in itertools.combinations(changes, k):
                members = set(latest.members)
                for change in combo:
                    members = change.applied(members)
                sets.add(tuple(sorted(members)))
        return sorted(sets)

    def choose(
        self,
        now: int,
        latest: Configuration,
        impaired: Sequence[int],
        stopped: Sequence[int],
        viable: Callable[[list[tuple[int, ...]]], bool] = lambda _: True,
    ) -> tuple[int | None, int | None] | None:
        """(add, remove) for a new change, or None when none may be submitted now.

        ``viable(member_sets)``: the crash budget holds in each of them (every member set
        the change could make together with the outstanding ones)."""
        pending = self.pending
        if pending is not None:
            if latest.epoch > pending.epoch:
                self.pending = None
            elif now - pending.at > LOST_US:
                self.given_up.append(pending)
                self.pending = None
            else:
                return None
        members = latest.members
        options = (
            self._drawn(members, impaired, stopped)
            if self.script is None
            else self._scripted(members)
        )
        options = [
            (add, remove)
            for add, remove in options
            if viable(self.possible(latest, Pending(now, add, remove, latest.epoch)))
        ]
        if not options:
            return None
        choice = self.rng.choice(options)
        if self.script:
            self.script.pop(0)
        if choice[0] is not None:
            self.added.add(choice[0])
        self.pending = Pending(now, choice[0], choice[1], latest.epoch)
        self.submitted += 1
        return choice

    def _drawn(
        self, members: tuple[int, ...], impaired: Sequence[int], stopped: Sequence[int]
    ) -> list[tuple[int | None, int | None]]:
        """Add a spare, or remove a member (a crash-stopped one first) when that leaves
        the impaired members within what the new configuration tolerates."""
        free = [s for s in self.spares if s not in self.added and s not in members]
        options: list[tuple[int | None, int | None]] = []
        if free:
            options.append((self.rng.choice(free), None))
        if len(members) > MIN_MEMBERS:
            gone = [m for m in members if m in stopped]
            target = gone[0] if gone else self.rng.choice(members)
            rest = len(members) - 1
            still = sum(1 for m in impaired if m in members and m != target)
            if still <= (rest - 1) // 2:
                options.append((None, target))
        return options

    def _scripted(self, members: tuple[int, ...]) -> list[tuple[int | None, int | None]]:
        """The script's next change, while it is one ``members`` can take."""
        if not self.script:
            return []
        add, remove = self.script[0]
        if add is not None and (add in members or add in self.added):
            return []
        if remove is not None and (remove not in members or len(members) <= MIN_MEMBERS):
            return []
        return [(add, remove)]
