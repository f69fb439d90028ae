"""The seeded network (``rabia.testing.network``): delays, loss, duplication and partition
shapes."""

from __future__ import annotations

import random

import pytest

from rabia.testing import PARTITION_KINDS, Network, partition_links
from rabia.testing.network import ring_reach


def hears(links: frozenset[tuple[int, int]], members: range) -> dict[int, set[int]]:
    """Who each node receives from (itself included) when ``links`` are blocked."""
    return {d: {s for s in members if s == d or (s, d) not in links} for d in members}


def test_delays_are_seeded_and_bounded() -> None:
    a = Network(range(3), random.Random(5), base_delay_us=100, jitter_us=50)
    b = Network(range(3), random.Random(5), base_delay_us=100, jitter_us=50)
    da = [a.delays(0, 1) for _ in range(200)]
    assert da == [b.delays(0, 1) for _ in range(200)]
    flat = [d for ds in da for d in ds]
    assert len(flat) == 200
    assert all(100 <= d < 150 for d in flat)
    assert len(set(flat)) > 10  # jitter reorders


def test_loss_and_duplication_rates() -> None:
    net = Network(range(3), random.Random(1), loss=0.25, duplicate=0.1)
    counts = [len(net.delays(0, 2)) for _ in range(10_000)]
    assert 0.22 < counts.count(0) / 10_000 < 0.28
    assert 0.05 < counts.count(2) / 10_000 < 0.10


def test_block_is_reference_counted_and_heal_clears() -> None:
    net = Network(range(3), random.Random(1), loss=0.5)
    net.block([(0, 1)])
    net.block([(0, 1), (1, 0)])
    assert net.delays(0, 1) == []
    net.unblock([(0, 1), (1, 0)])
    assert net.is_blocked(0, 1) and not net.is_blocked(1, 0)
    net.unblock([(0, 1)])
    assert not net.blocked_links
    net.block([(2, 0)])
    net.heal()
    assert not net.blocked_links and net.loss == 0.0
    assert all(len(net.delays(2, 0)) == 1 for _ in range(100))
    net.unblock([(2, 0)])  # a partition ending after heal is harmless
    assert not net.blocked_links


def test_isolate_and_split() -> None:
    members = range(5)
    links = partition_links("isolate", members, random.Random(3))
    view = hears(links, members)
    alone = [m for m in members if view[m] == {m}]
    assert len(alone) == 1
    links = partition_links("split", members, random.Random(4))
    groups = {frozenset(v) for v in hears(links, members).values()}
    assert len(groups) == 2
    assert sorted(len(g) for g in groups)[0] <= 2  # a minority of at most f
    assert all((a, b) in links for a in groups.pop() for b in groups.pop())


@pytest.mark.parametrize("n", [5, 7, 9])
def test_ring_gives_every_node_its_own_majority(n: int) -> None:
    members = range(n)
    view = hears(partition_links("ring", members, random.Random(n)), members)
    majority = n // 2 + 1
    assert all(majority <= len(v) < n for v in view.values())
    assert len({frozenset(v) for v in view.values()}) == n  # overlapping, all different
    assert all(len(v) == 2 * ring_reach(n) + 1 for v in view.values())
    assert all((a in view[b]) == (b in view[a]) for a in members for b in members)


def test_ring_of_three_is_a_path() -> None:
    links = partition_links("ring", range(3), random.Random(0))
    assert len(links) == 2  # one pair cannot talk, both still hear the third node
    (a, b), (c, d) = sorted(links)
    assert (a, b) == (d, c)


def test_oneway_is_asymmetric() -> None:
    for seed in range(20):
        links = partition_links("oneway", range(3), random.Random(seed))
        assert len(links) == 2
        assert not any((b, a) in links for a, b in links)
        sources = {a for a, _ in links}
        targets = {b for _, b in links}
        assert len(sources) == 1 or len(targets) == 1  # one node is mute or deaf


def test_every_kind_is_known() -> None:
    for kind in PARTITION_KINDS:
        assert partition_links(kind, range(3), random.Random(0))
    with pytest.raises(ValueError):
        partition_links("bogus", range(3), random.Random(0))  # type: ignore[arg-type]


def test_a_lag_slows_every_link_of_its_node_until_it_ends() -> None:
    net = Network(range(3), random.Random(1), base_delay_us=100)
    net.lag(2, 5_000)
    net.lag(2, 9_000)
    assert net.delays(0, 1) == [100]
    assert net.delays(0, 2) == [9_100] == net.delays(2, 1), "the largest lag applies"
    net.unlag(2, 9_000)
    assert net.delays(1, 2) == [5_100]
    net.lag(0, 1_000)
    assert net.delays(0, 2) == [6_100], "both ends lag"
    net.heal()
    assert net.delays(0, 2) == [100]
