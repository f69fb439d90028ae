"""Striking a run's planned faults on the simulated cluster (``faults.py`` draws the plan).

The ``FaultInjector`` crashes, restarts, pauses and resumes nodes, partitions the
network, submits the run's membership changes, crash-stops the holder of a split
phase-1 state (the split killer), plays the two-changes-behind nemesis
(``rabia.testing.behind``), and heals everything when the fault phase ends. A
crash that would leave too few members speaking, in the latest configuration or in the
one a change in flight will make, is skipped: the crash budget (``docs/simulator.md``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from rabia.core.membership import Configuration
from rabia.core.messages import State
from rabia.testing.behind import BehindNemesis
from rabia.testing.faults import FaultAction, FaultPlan
from rabia.testing.invariants import SafetyMonitor
from rabia.testing.network import Network, partition_links
from rabia.testing.node import DOWN, PAUSED, STOPPED, UP, SimNode
from rabia.testing.reconfig import RETRY_US, Reconfigurer


class Guard(Protocol):
    """Runs ``fn(*args)`` on ``node`` and turns an exception into a violation."""

    def __call__(self, node: SimNode, what: str, fn: Callable[..., None], *args: Any) -> None: ...


class FaultInjector:
    """Strikes the faults of one run (see the module docstring).

    The cluster hands it the nodes, network, monitor and reconfigurer, and three hooks:
    ``schedule(at, action)`` queues a fault for later, ``guard`` runs a node operation,
    ``resume(node)`` lets a paused node take the inputs held for it.
    """

    def __init__(
        self,
        plan: FaultPlan,
        members: tuple[int, ...],
        nodes: Sequence[SimNode],
        network: Network,
        monitor: SafetyMonitor,
        reconfigurer: Reconfigurer,
        rng: random.Random,
        *,
        reconfigures: bool,
        behind: BehindNemesis | None = None,
        schedule: Callable[[int, FaultAction], None],
        guard: Guard,
        resume: Callable[[SimNode], None],
    ) -> None:
        self._plan = plan
        self._members = members
        self._nodes = nodes
        self._network = network
        self._monitor = monitor
        self._reconfigurer = reconfigurer
        self._rng = rng
        self._reconfigures = reconfigures
        self._behind = behind
        self._schedule = schedule
        self._guard = guard
        self._resume = resume
        self.healed = plan.fault_us == 0
        """True once the fault phase is over (or the run has none)."""
        self.lost_records = 0
        """Unsynced records that crashes threw away."""
        self._struck: dict[str, int] = {}
        self._state_ones: dict[int, list[int]] = {}
        """slot -> replicas that broadcast a phase-1 STATE of 1 (for the split killer)."""

    @property
    def counts(self) -> dict[str, int]:
        """Faults that struck so far, by kind, sorted."""
        return dict(sorted(self._struck.items()))

    def strike(self, action: FaultAction, now: int) -> None:
        """A planned (or follow-up) fault comes due at ``now``."""
        kind = action[0]
        if kind == "heal":
            self._heal(now)
            return
        if self.healed:
            return
        if kind == "reconfigure":
            self._reconfigure(now)
            return
        if kind == "behind" and self._behind is not None:
            if self._behind.phase == "waiting":
                self._count("behind")
            elif self._reconfigurer.script:
                self._reconfigure(now, retry=False)  # the script's next change, when due
            later = self._behind.strike(now, self._latest())
            if later is not None:
                self._schedule(later, ("behind",))
            return
        if kind in ("crash", "stop"):
            node = self._nodes[action[1]]
            if not action[-1]:
                self.crash(node, action, now)
            elif node.status in (UP, PAUSED) and not node.armed:
                node.armed, node.armed_action = action[-1], action
        elif kind == "restart":
            node = self._nodes[action[1]]
            if node.status == DOWN and node.life == action[2]:
                self._restart(node, now)
        elif kind == "pause":
            node = self._nodes[action[1]]
            if node.status == UP:
                self._count("pause")
                node.status = PAUSED
                self._schedule(now + action[2], ("resume", node.node_id))
        elif kind == "resume":
            self._resume(self._nodes[action[1]])
        elif kind == "partition":
            links = partition_links(action[1], self._members, self._rng)
            self._count("partition")
            self._network.block(links)
            self._schedule(now + action[2], ("unpartition", links))
        elif kind == "unpartition":
            self._network.unblock(action[1])
        elif kind == "lag":
            self._count("lag")
            self._network.lag(action[1], action[2])
            self._schedule(now + action[3], ("unlag", action[1], action[2]))
        elif kind == "unlag":
            self._network.unlag(action[1], action[2])

    def crash(self, node: SimNode, action: FaultAction, now: int) -> None:
        """Crash ``node`` as ``action`` says, unless that would break the budget."""
        stop = action[0] == "stop"
        if not self.may_crash(node, action):
            self._count("skipped")
            return
        self._count(("stop" if stop else "crash") + (" mid-broadcast" if action[-1] else ""))
        power = not stop and action[3]
        if power and self._plan.durability != "always":
            self._count("power loss")
        self.lost_records += node.crash(stop, power=power)
        if not stop:
            self._schedule(now + action[2], ("restart", node.node_id, node.life))

    def armed_crash_fires(self, node: SimNode) -> bool:
        """``node`` sent the last copy its armed crash waited for: True when the crash may
        strike now (the caller unwinds the node), else it is counted as skipped."""
        if self.may_crash(node, node.armed_action):
            return True
        self._count("skipped")
        return False

    def may_crash(self, node: SimNode, action: FaultAction) -> bool:
        """True when crashing ``node`` as ``action`` says keeps the run within its budget."""
        if node.status not in (UP, PAUSED):
            return False
        stop = action[0] == "stop"
        lossless = self._plan.durability == "always" or (not stop and not action[3])
        configs = self._budget_configs()
        if stop and any(
            sum(1 for m in config if self._nodes[m].status == STOPPED) >= (len(config) - 1) // 2
            for config in configs
        ):
            return False
        if lossless and not self._reconfigures:
            return True  # the node restarts with every record and resumes where it stopped
        return all(self._impaired(config) + 1 <= (len(config) - 1) // 2 for config in configs)

    def split_state(self, src: int, state: State, now: int) -> None:
        """``src`` broadcast a phase-1 STATE: crash-stop a holder of state 1 in that slot
        once another replica announces state 0 (the split killer)."""
        holders = self._state_ones.setdefault(state.slot, [])
        if state.bit == 1:
            holders.append(src)
            return
        if self.healed:
            return
        for holder in holders:
            node = self._nodes[holder]
            if holder != src and node.replica.next_slot == state.slot and node.status == UP:
                self.crash(node, ("stop", holder, 0), now)
                return

    def _count(self, what: str) -> None:
        self._struck[what] = self._struck.get(what, 0) + 1

    def _latest(self) -> Configuration:
        """The most recent configuration some replica has adopted."""
        return self._monitor.latest_config

    def _impaired(self, members: Sequence[int] | None = None) -> int:
        return len(self._impaired_ids(members))

    def _impaired_ids(self, members: Sequence[int] | None = None) -> list[int]:
        """Members (of the latest configuration by default) that cannot speak now (or soon)."""
        out = []
        for m in self._latest().members if members is None else members:
            n = self._nodes[m]
            if n.status in (DOWN, STOPPED) or n.recovering or not n.replica.is_member:
                out.append(m)
        return out

    def _budget_configs(self) -> list[tuple[int, ...]]:
        """Member sets the crash budget must hold in: the latest one and every one the
        outstanding membership changes could make (which may tolerate fewer impaired
        members, or hold a joiner that is not caught up yet)."""
        return self._reconfigurer.possible(self._latest())

    def _viable(self, configs: list[tuple[int, ...]]) -> bool:
        """The members impaired now leave each of ``configs`` able to decide."""
        return all(self._impaired(config) <= (len(config) - 1) // 2 for config in configs)

    def _reconfigure(self, now: int, retry: bool = True) -> None:
        latest = self._latest()
        stopped = [m for m in latest.members if self._nodes[m].status == STOPPED]
        cut = () if self._behind is None else self._behind.plan.group
        live = [m for m in latest.members if self._nodes[m].status == UP and m not in cut]
        choice = self._reconfigurer.choose(now, latest, self._impaired_ids(), stopped, self._viable)
        if choice is None:
            if retry and self._reconfigurer.pending is not None:
                self._schedule(now + RETRY_US, ("reconfigure",))
            return
        add, remove = choice
        node = self._nodes[self._rng.choice(live)] if live else None
        if node is None:
            return
        self._count("reconfigure")
        self._guard(
            node,
            "on reconfigure",
            node.reconfigure,
            now,
            () if add is None else ((add, f"sim:{add}"),),
            () if remove is None else (remove,),
        )

    def _restart(self, node: SimNode, now: int) -> None:
        self._count("restart")
        self._guard(node, "restarting", node.restart, now)

    def _heal(self, now: int) -> None:
        self.healed = True
        self._network.heal()
        if self._behind is not None:
            self._behind.heal()
        for node in self._nodes:
            node.armed = 0
            if node.status == DOWN:
                self._restart(node, now)
            elif node.status == PAUSED:
                self._resume(node)
