"""Membership changes at a node: waiting for its own changes to be decided, and
following every decided configuration (dial new members, drop removed ones)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from rabia.core.messages import BatchId
from rabia.core.ready import ConfigChanged
from rabia.runtime.config import NodeConfig, parse_address
from rabia.transport.base import Transport

log = logging.getLogger("rabia.node")


class MembershipFollower:
    """Applies decided configurations to the transport and resolves own changes."""

    __slots__ = ("_config", "_on_members", "_waiting")

    def __init__(self, config: NodeConfig, on_members: Callable[[frozenset[int]], None]):
        self._config = config
        self._on_members = on_members
        """Called with the new member set after each configuration change."""
        self._waiting: dict[BatchId, asyncio.Future[tuple[int, ...] | None]] = {}
        """Own changes waiting for their decision (None: decided as a no-op)."""

    def wait_for(self, batch_id: BatchId, future: asyncio.Future[tuple[int, ...] | None]) -> None:
        """Resolve ``future`` once the change proposed as ``batch_id`` is decided."""
        self._waiting[batch_id] = future

    def forget(self, batch_id: BatchId) -> None:
        """Stop waiting for ``batch_id`` (decided, or given up)."""
        self._waiting.pop(batch_id, None)

    def decided(self, batch_id: BatchId, slot: int, changes: Sequence[ConfigChanged]) -> None:
        """A membership batch was decided at ``slot``: its members, or None if invalid."""
        future = self._waiting.get(batch_id)
        if future is None or future.done():
            return
        took = next((c for c in changes if c.slot == slot), None)
        future.set_result(None if took is None else tuple(took.members))

    def follow(self, change: ConfigChanged, transport: Transport) -> None:
        """Dial new members, drop removed ones (but not a joiner's contacts)."""
        config = self._config
        me = config.node_id
        members = set(change.members)
        addresses = dict(change.addresses)
        for peer in sorted(members - {me} - transport.peers):
            address = addresses.get(peer) or config.members.get(peer)
            if address is not None:
                transport.add_peer(peer, parse_address(address))
        contacts = set(config.members) if config.join else set()
        for peer in sorted(transport.peers - members - contacts):
            transport.remove_peer(peer)
        self._on_members(frozenset(members))
        log.info(
            "node %d: members from slot %d are %s (epoch %d)%s",
            me,
            change.slot + 1,
            sorted(members),
            change.epoch,
            "" if me in members else "; this node is not a member",
        )
