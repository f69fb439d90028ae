"""A seeded, lossy, reordering network between replicas, with partitions.

Every choice comes from the ``random.Random`` given to :class:`Network`, so a run
replays exactly. Messages are never delivered in FIFO order on purpose: each copy
draws its own delay, so reordering follows from jitter.

Partitions block *directed* links (``src -> dst``); a blocked link drops what is sent
on it, as a broken TCP connection loses what was in flight. Several partitions may
overlap: links are reference-counted, and healing one partition restores only the
links no other active partition blocks.

Partition shapes (see :func:`partition_links`):

``isolate``
    One node can neither send to nor receive from anyone.
``split``
    A minority group of 1..f nodes is cut off from the majority (both directions).
``ring``
    Overlapping majorities. Members are placed on a seeded random ring and each
    exchanges messages only with the members within ring distance ``d``, the smallest
    ``d`` with ``2d + 1 >= MAJ``. Each node then sees a majority (itself included),
    but no two nodes see the same one. For n=3 this would cut nothing, so the ring is
    opened into a path ``a - c - b``: ``a`` and ``b`` cannot talk to each other, and
    only ``c`` sees everyone.
``oneway``
    An asymmetric cut: one node becomes *mute* (its messages to everyone are dropped,
    it still hears everyone) or *deaf* (it still speaks, but hears no one).

A *laggard* (:meth:`Network.lag`) is a node whose every link, both ways, is slower by a
fixed extra delay: it takes part but trails the others.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Literal

Link = tuple[int, int]
"""A directed link (source, destination)."""

PartitionKind = Literal["isolate", "split", "ring", "oneway"]
PARTITION_KINDS: tuple[PartitionKind, ...] = ("isolate", "split", "ring", "oneway")


def _both_ways(group_a: Iterable[int], group_b: Iterable[int]) -> frozenset[Link]:
    b = tuple(group_b)
    links: set[Link] = set()
    for x in group_a:
        for y in b:
            if x != y:
                links.add((x, y))
                links.add((y, x))
    return frozenset(links)


def partition_links(
    kind: PartitionKind, members: Sequence[int], rng: random.Random
) -> frozenset[Link]:
    """The directed links a partition of ``kind`` blocks, drawn from ``rng``."""
    n = len(members)
    if n < 2:
        return frozenset()
    f = (n - 1) // 2
    if kind == "isolate":
        node = rng.choice(members)
        return _both_ways([node], members)
    if kind == "split":
        size = rng.randint(1, max(1, f))
        minority = rng.sample(list(members), size)
        majority = [m for m in members if m not in minority]
        return _both_ways(minority, majority)
    if kind == "ring":
        order = list(members)
        rng.shuffle(order)
        d = ring_reach(n)
        if 2 * d + 1 >= n:  # complete graph (n=3): open the ring into a path a - c - b
            return _both_ways([order[0]], [order[1]])
        links: set[Link] = set()
        for i, x in enumerate(order):
            for j, y in enumerate(order):
                dist = min((i - j) % n, (j - i) % n)
                if dist > d:
                    links.add((x, y))
        return frozenset(links)
    if kind == "oneway":
        node = rng.choice(members)
        others = [m for m in members if m != node]
        if rng.random() < 0.5:
            return frozenset((node, m) for m in others)  # mute
        return frozenset((m, node) for m in others)  # deaf
    raise ValueError(f"unknown partition kind {kind!r}")


def ring_reach(n: int) -> int:
    """Ring distance ``d`` of the ``ring`` partition: the smallest d with 2d + 1 >= MAJ."""
    return max(1, (n // 2 + 1) // 2)


class Network:
    """Seeded delivery schedule: loss, duplication, delay with jitter, blocked links.

    ``delays(src, dst)`` returns the delivery delays (µs) of one send: an empty list
    when the copy is lost or the link is blocked, two entries when it is duplicated.
    """

    __slots__ = (
        "_blocked",
        "_lag",
        "_rng",
        "base_delay_us",
        "duplicate",
        "jitter_us",
        "loss",
        "members",
        "tail",
        "tail_us",
    )

    def __init__(
        self,
        members: Sequence[int],
        rng: random.Random,
        *,
        loss: float = 0.0,
        duplicate: float = 0.0,
        base_delay_us: int = 200,
        jitter_us: int = 0,
        tail: float = 0.0,
        tail_us: int = 0,
    ) -> None:
        if not 0.0 <= loss <= 1.0 or not 0.0 <= duplicate <= 1.0:
            raise ValueError("loss and duplicate are probabilities")
        if base_delay_us < 1 or jitter_us < 0:
            raise ValueError("need base_delay_us >= 1 and jitter_us >= 0")
        self.members = tuple(members)
        self._rng = rng
        self.loss = loss
        self.duplicate = duplicate
        self.base_delay_us = base_delay_us
        self.jitter_us = jitter_us
        self.tail = tail
        """Probability that a copy is slowed by up to ``tail_us`` more (a latency spike)."""
        self.tail_us = tail_us
        self._blocked: dict[Link, int] = {}
        self._lag: dict[int, list[int]] = {}
        """node -> the extra delays (µs) of its active lags; the largest applies."""

    # ------------------------------------------------------------------ links
    def block(self, links: Iterable[Link]) -> None:
        """Start a partition: drop everything sent on ``links``."""
        for link in links:
            self._blocked[link] = self._blocked.get(link, 0) + 1

    def unblock(self, links: Iterable[Link]) -> None:
        """End a partition started with :meth:`block` on the same links."""
        for link in links:
            count = self._blocked.get(link, 0) - 1
            if count > 0:
                self._blocked[link] = count
            else:
                self._blocked.pop(link, None)

    def is_blocked(self, src: int, dst: int) -> bool:
        """True while some partition drops messages from ``src`` to ``dst``."""
        return (src, dst) in self._blocked

    @property
    def blocked_links(self) -> frozenset[Link]:
        """Every link currently blocked."""
        return frozenset(self._blocked)

    def lag(self, node: int, extra_us: int) -> None:
        """Start a lag: every copy to or from ``node`` takes ``extra_us`` longer."""
        self._lag.setdefault(node, []).append(extra_us)

    def unlag(self, node: int, extra_us: int) -> None:
        """End a lag started with :meth:`lag` with the same arguments."""
        lags = self._lag.get(node)
        if lags and extra_us in lags:
            lags.remove(extra_us)
            if not lags:
                del self._lag[node]

    def extra_delay(self, src: int, dst: int) -> int:
        """The extra delay (µs) that lags add to the link ``src -> dst``."""
        lag = self._lag
        return max(lag.get(src, (0,))) + max(lag.get(dst, (0,)))

    def heal(self) -> None:
        """Remove every partition and lag and stop losing or duplicating messages."""
        self._blocked.clear()
        self._lag.clear()
        self.loss = 0.0
        self.duplicate = 0.0

    # --------------------------------------------------------------- delivery
    def delay(self) -> int:
        """One delivery delay in µs (base + uniform jitter, rarely a tail spike)."""
        rng = self._rng
        d = self.base_delay_us
        if self.jitter_us:
            d += int(rng.random() * self.jitter_us)
        if self.tail and rng.random() < self.tail:
            d += int(rng.random() * self.tail_us)
        return d

    def delays(self, src: int, dst: int) -> list[int]:
        """Delivery delays of one message from ``src`` to ``dst`` (empty: lost)."""
        if self._blocked and (src, dst) in self._blocked:
            return []
        rng = self._rng
        if self.loss and rng.random() < self.loss:
            return []
        extra = self.extra_delay(src, dst) if self._lag else 0
        if self.duplicate and rng.random() < self.duplicate:
            return [extra + self.delay(), extra + self.delay()]
        return [extra + self.delay()]
