"""Nemeses: each injects one kind of fault, holds it, undoes it, rests, and again.

Every choice (victims, durations, delays) comes from the run's seeded ``random.Random``;
every action is logged with the history's clock, so a failing history can be read next
to the faults that shaped it. ``NemesisCluster.heal`` undoes whatever is left at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from rabia.testing.nemesis.cluster import NemesisCluster


class FaultLog:
    """What the nemesis did and when (seconds on the history's clock)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.events: list[dict[str, Any]] = []

    def add(self, nemesis: str, action: str, **detail: Any) -> None:
        """Record one action."""
        self.events.append({"time": self._clock(), "nemesis": nemesis, "action": action, **detail})

    def write(self, path: Path) -> None:
        """One JSON object per line."""
        with path.open("w") as out:
            for event in self.events:
                out.write(json.dumps(event) + "\n")


async def hold(stop: asyncio.Event, seconds: float) -> None:
    """Wait ``seconds``, or less if ``stop`` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class Nemesis(ABC):
    """strike -> hold the fault -> undo -> rest, until ``stop``."""

    name: ClassVar[str]
    fault_seconds = (0.5, 3.0)
    rest_seconds = (0.5, 2.0)

    def __init__(self, cluster: NemesisCluster, rng: random.Random, log: FaultLog) -> None:
        self.cluster = cluster
        self.rng = rng
        self.log = log

    async def run(self, stop: asyncio.Event) -> None:
        """Inject faults until ``stop`` is set; the last one is undone before returning."""
        while not stop.is_set():
            await self.cycle(stop)
            await hold(stop, self.rng.uniform(*self.rest_seconds))

    async def cycle(self, stop: asyncio.Event) -> None:
        """One fault: strike, hold it, undo it."""
        await self.strike()
        await self.during(stop, self.rng.uniform(*self.fault_seconds))
        await self.undo()

    @abstractmethod
    async def strike(self) -> None:
        """Inject the fault."""

    async def during(self, stop: asyncio.Event, seconds: float) -> None:
        """Keep the fault for ``seconds`` (some nemeses act meanwhile)."""
        await hold(stop, seconds)

    @abstractmethod
    async def undo(self) -> None:
        """Remove the fault."""

    def minority(self) -> list[int]:
        """A random non-empty minority of the nodes."""
        n = self.cluster.n
        return sorted(self.rng.sample(range(n), self.rng.randint(1, (n - 1) // 2)))


class Kill(Nemesis):
    """``kill -9`` a random minority, then restart it from its data directory."""

    name = "kill"

    async def strike(self) -> None:
        self.victims = self.minority()
        for i in self.victims:
            self.cluster.kill(i)
        self.log.add(self.name, "kill", nodes=self.victims)

    async def undo(self) -> None:
        await asyncio.gather(*(self.cluster.start_node(i) for i in self.victims))
        self.log.add(self.name, "restarted", nodes=self.victims)


class Pause(Nemesis):
    """SIGSTOP a random minority, then SIGCONT."""

    name = "pause"

    async def strike(self) -> None:
        self.victims = self.minority()
        for i in self.victims:
            self.cluster.pause(i)
        self.log.add(self.name, "SIGSTOP", nodes=self.victims)

    async def undo(self) -> None:
        for i in self.victims:
            self.cluster.resume(i)
        self.log.add(self.name, "SIGCONT", nodes=self.victims)


class Partition(Nemesis):
    """Cut links; ``groups`` chooses which."""

    fault_seconds = (1.0, 4.0)

    @abstractmethod
    def groups(self) -> list[set[int]]:
        """Groups of nodes that keep talking among themselves."""

    async def strike(self) -> None:
        self.cluster.isolate(groups := self.groups())
        self.log.add(self.name, "partition", groups=[sorted(g) for g in groups])

    async def undo(self) -> None:
        self.cluster.heal_links()
        self.log.add(self.name, "heal")


class IsolateOne(Partition):
    """One node cut off from every other."""

    name = "partition-one"

    def groups(self) -> list[set[int]]:
        lone = self.rng.randrange(self.cluster.n)
        return [{lone}, set(range(self.cluster.n)) - {lone}]


class MajorityMinority(Partition):
    """A random minority against the majority."""

    name = "partition-split"

    def groups(self) -> list[set[int]]:
        minority = set(self.minority())
        return [minority, set(range(self.cluster.n)) - minority]


class OneWay(Nemesis):
    """An asymmetric partition: one node hears nobody (deaf) or is heard by nobody
    (mute), while its links in the other direction work."""

    name = "partition-oneway"
    fault_seconds = (1.0, 4.0)

    async def strike(self) -> None:
        node = self.rng.randrange(self.cluster.n)
        deaf = self.rng.random() < 0.5
        for other in range(self.cluster.n):
            if other != node:
                self.cluster.cut(*((other, node) if deaf else (node, other)))
        self.log.add(self.name, "deaf" if deaf else "mute", node=node)

    async def undo(self) -> None:
        self.cluster.heal_links()
        self.log.add(self.name, "heal")


class Ring(Nemesis):
    """Overlapping majorities: every node reaches a majority, no two the same one.

    n >= 4: the nodes on a random ring, each talking to its nearest neighbours only.
    n = 3: a bridge (two nodes cut from each other, both talking to the third).
    """

    name = "partition-ring"
    fault_seconds = (1.0, 4.0)

    async def strike(self) -> None:
        n = self.cluster.n
        order = list(range(n))
        self.rng.shuffle(order)
        cut: list[tuple[int, int]] = []
        if n == 3:
            cut = [(order[0], order[1]), (order[1], order[0])]
        elif n >= 4:
            radius = -(-(n // 2) // 2)  # ceil((majority - 1) / 2): sees a majority
            for a in range(n):
                for b in range(n):
                    distance = min((a - b) % n, (b - a) % n)
                    if a != b and distance > radius:
                        cut.append((order[a], order[b]))
        for src, dst in cut:
            self.cluster.cut(src, dst)
        self.log.add(self.name, "partition", ring=order, cut=cut)

    async def undo(self) -> None:
        self.cluster.heal_links()
        self.log.add(self.name, "heal")


class Delay(Nemesis):
    """Hold the bytes of random directed links for tens of milliseconds."""

    name = "delay"
    fault_seconds = (1.0, 4.0)

    async def strike(self) -> None:
        delays = {}
        for link_id, link in self.cluster.links.items():
            if self.rng.random() < 0.5:
                delay, jitter = self.rng.uniform(0.005, 0.08), self.rng.uniform(0, 0.03)
                link.rng = random.Random(self.rng.random())
                link.set_delay(delay, jitter)
                delays[f"{link_id[0]}->{link_id[1]}"] = [round(delay, 4), round(jitter, 4)]
        self.log.add(self.name, "delay", links=delays)

    async def undo(self) -> None:
        for link in self.cluster.links.values():
            link.set_delay(0)
        self.log.add(self.name, "no delay")


class Reset(Nemesis):
    """Message loss, stream style: links reset at random (each drops what was in flight)."""

    name = "reset"
    fault_seconds = (1.0, 4.0)

    async def strike(self) -> None:
        self.probability = self.rng.uniform(0.05, 0.3)
        self.log.add(self.name, "resets on", probability=round(self.probability, 3))

    async def during(self, stop: asyncio.Event, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while not stop.is_set() and loop.time() < until:
            reset = [
                f"{i}->{j}"
                for (i, j), link in self.cluster.links.items()
                if self.rng.random() < self.probability and link.connections
            ]
            for name in reset:
                i, j = (int(x) for x in name.split("->"))
                self.cluster.links[(i, j)].reset()
            if reset:
                self.log.add(self.name, "reset", links=reset)
            await hold(stop, self.rng.uniform(0.1, 0.3))

    async def undo(self) -> None:
        self.log.add(self.name, "resets off")


class ClockJump(Nemesis):
    """Jump the proposal clocks of random nodes by milliseconds to an hour, either way."""

    name = "clock"

    async def strike(self) -> None:
        offsets = {}
        for i in range(self.cluster.n):
            if self.rng.random() < 0.5:
                scale = self.rng.choice((0.05, 2.0, 120.0, 3600.0))
                offsets[i] = round(self.rng.choice((-1, 1)) * self.rng.uniform(0, scale) * 1000, 3)
                self.cluster.set_clock(i, offsets[i])
        self.log.add(self.name, "clock offsets (ms)", offsets=offsets)

    async def undo(self) -> None:
        for i in range(self.cluster.n):
            self.cluster.set_clock(i, 0)
        self.log.add(self.name, "clocks reset")


class Mix(Nemesis):
    """Each cycle a different nemesis, drawn at random."""

    name = "mix"

    def __init__(self, cluster: NemesisCluster, rng: random.Random, log: FaultLog) -> None:
        super().__init__(cluster, rng, log)
        self.pool = [kind(cluster, rng, log) for kind in SINGLE]

    async def cycle(self, stop: asyncio.Event) -> None:
        await self.rng.choice(self.pool).cycle(stop)

    async def strike(self) -> None:  # pragma: no cover - cycle() delegates
        raise NotImplementedError

    async def undo(self) -> None:  # pragma: no cover
        raise NotImplementedError


class KillDelay(Nemesis):
    """Delayed links and a killed minority at once: whatever a node had already sent
    takes long to be decided, so its clients' retries overlap their originals."""

    name = "kill+delay"
    fault_seconds = (0.5, 2.0)

    def __init__(self, cluster: NemesisCluster, rng: random.Random, log: FaultLog) -> None:
        super().__init__(cluster, rng, log)
        self.parts = (Delay(cluster, rng, log), Kill(cluster, rng, log))

    async def strike(self) -> None:
        for part in self.parts:
            await part.strike()

    async def undo(self) -> None:
        for part in reversed(self.parts):
            await part.undo()


SINGLE: tuple[type[Nemesis], ...] = (
    Kill,
    Pause,
    IsolateOne,
    MajorityMinority,
    OneWay,
    Ring,
    Delay,
    Reset,
    ClockJump,
    KillDelay,
)
_ALL: tuple[type[Nemesis], ...] = (*SINGLE, Mix)
NEMESES: dict[str, type[Nemesis]] = {kind.name: kind for kind in _ALL}
"""Every nemesis by name (``rotate`` draws one per run)."""
