"""Membership changes at a node: waiting for its own changes to be decided, and
following every decided configuration (dial new members, drop removed ones)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from rabia.core.messages import BatchId
from rabia.core.ready import ConfigChanged
from rabia.errors import Rejected, Timeout
from rabia.runtime.addresses import parse_address
from rabia.runtime.config import NodeConfig
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

    async def outcome(self, batch_id: BatchId, timeout: float) -> tuple[int, ...]:
        """The members after the change proposed as ``batch_id`` is decided.

        Raises ``Rejected`` when the decided change was invalid (it then changed nothing),
        ``Timeout`` when it was not decided in time (it may still take effect).
        """
        future: asyncio.Future[tuple[int, ...] | None] = asyncio.get_running_loop().create_future()
        self._waiting[batch_id] = future
        try:
            members = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise Timeout(f"membership change not decided within {timeout}s") from None
        finally:
            self._waiting.pop(batch_id, None)
        if members is None:
            raise Rejected("invalid membership change (exactly one member may change)")
        return members

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
