"""MembershipFollower: decided configurations reach the transport; own changes resolve."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest

from rabia.core.ready import ConfigChanged
from rabia.errors import Rejected, Timeout
from rabia.runtime.config import NodeConfig
from rabia.runtime.membership import MembershipFollower
from rabia.transport.base import Transport

MEMBERS = {0: "127.0.0.1:7000", 1: "127.0.0.1:7001", 2: "127.0.0.1:7002"}


class PeerSet:
    def __init__(self, peers: set[int]) -> None:
        self.peers = peers
        self.added: list[tuple[int, tuple[str, int]]] = []
        self.removed: list[int] = []

    def add_peer(self, peer: int, address: tuple[str, int]) -> None:
        self.peers.add(peer)
        self.added.append((peer, address))

    def remove_peer(self, peer: int) -> None:
        self.peers.discard(peer)
        self.removed.append(peer)


def test_new_members_are_dialled_and_removed_ones_dropped() -> None:
    seen: list[frozenset[int]] = []
    follower = MembershipFollower(NodeConfig(0, MEMBERS), seen.append)
    transport = PeerSet({1, 2})
    change = ConfigChanged(9, 1, (0, 1, 3), ((3, "10.0.0.3:7003"),))
    follower.follow(change, cast(Transport, transport))
    assert transport.added == [(3, ("10.0.0.3", 7003))]
    assert transport.removed == [2]
    assert seen == [frozenset({0, 1, 3})]


def test_a_joiner_keeps_its_contacts() -> None:
    follower = MembershipFollower(NodeConfig(2, MEMBERS, join=True), lambda members: None)
    transport = PeerSet({0, 1})
    follower.follow(ConfigChanged(3, 1, (0, 2), ()), cast(Transport, transport))
    assert transport.removed == []  # 1 is one of the contacts it joined through


def test_own_changes_resolve_with_the_members_or_fail() -> None:
    async def main() -> None:
        follower = MembershipFollower(NodeConfig(0, MEMBERS), lambda members: None)
        valid = asyncio.create_task(follower.outcome((0, 1, 1), 5.0))
        invalid = asyncio.create_task(follower.outcome((0, 2, 1), 5.0))
        await asyncio.sleep(0)  # both are waiting now
        follower.decided((0, 1, 1), 7, [ConfigChanged(7, 1, (0, 1), ())])
        follower.decided((0, 2, 1), 8, [])  # decided as a no-op
        follower.decided((5, 5, 5), 9, [])  # not ours: ignored
        assert await valid == (0, 1)
        with pytest.raises(Rejected):
            await invalid
        with pytest.raises(Timeout, match="not decided within"):
            await follower.outcome((0, 3, 1), 0.01)

    asyncio.run(main())
