"""Nemesis partition shapes without processes (``rabia.testing.nemesis.faults``)."""

from __future__ import annotations

import asyncio
import random
from itertools import product

from rabia.testing.nemesis.faults import FaultLog, IsolateOne, MajorityMinority, OneWay, Ring


class FakeCluster:
    """Records which directed links are cut."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.links = {(i, j): None for i, j in product(range(n), repeat=2) if i != j}
        self.cuts: set[tuple[int, int]] = set()

    def cut(self, src: int, dst: int) -> None:
        self.cuts.add((src, dst))

    def isolate(self, groups: list[set[int]]) -> None:
        side = {i: k for k, group in enumerate(groups) for i in group}
        self.cuts |= {(i, j) for i, j in self.links if side[i] != side[j]}

    def heal_links(self) -> None:
        self.cuts.clear()


def reach(cluster: FakeCluster, i: int) -> set[int]:
    """Who ``i`` can send to, itself included."""
    return {i} | {j for (a, j) in cluster.links if a == i and (a, j) not in cluster.cuts}


def strike(kind: type, n: int, seed: int) -> FakeCluster:
    cluster = FakeCluster(n)
    nemesis = kind(cluster, random.Random(seed), FaultLog(lambda: 0.0))
    asyncio.run(nemesis.strike())
    return cluster


def test_ring_gives_every_node_a_majority_and_no_node_everyone() -> None:
    for n in (3, 4, 5, 7):
        for seed in range(5):
            cluster = strike(Ring, n, seed)
            sizes = [len(reach(cluster, i)) for i in range(n)]
            assert all(size > n // 2 for size in sizes), (n, sizes)
            majorities = {frozenset(reach(cluster, i)) for i in range(n)}
            assert len(majorities) > 1, (n, majorities)
            assert all((j, i) in cluster.cuts for i, j in cluster.cuts)  # symmetric


def test_splits_leave_a_single_majority() -> None:
    for kind, n, seed in product((IsolateOne, MajorityMinority), (3, 5), range(5)):
        cluster = strike(kind, n, seed)
        majority = [i for i in range(n) if len(reach(cluster, i)) > n // 2]
        assert majority and all(reach(cluster, i) == set(majority) for i in majority)


def test_one_way_partitions_silence_one_direction_of_one_node() -> None:
    for seed in range(6):
        cluster = strike(OneWay, 3, seed)
        (node,) = {i for pair in cluster.cuts for i in pair if all(i in p for p in cluster.cuts)}
        outgoing = {(node, j) for j in range(3) if j != node}
        incoming = {(j, node) for j in range(3) if j != node}
        assert cluster.cuts in (outgoing, incoming)
