"""Whether a node's links reach a quorum of its configuration's members."""

from __future__ import annotations

import asyncio

from rabia.errors import Unavailable
from rabia.runtime.topology import TopologyFeed


class QuorumWatch:
    """Tracks the quorum size and whether enough links are up; reports transitions."""

    __slots__ = ("_topology", "_up", "size")

    def __init__(self, member_count: int, topology: TopologyFeed) -> None:
        self.size = member_count // 2 + 1
        """Members (this node included) a quorum needs."""
        self._topology = topology
        self._up = asyncio.Event()

    def members_changed(self, member_count: int) -> None:
        """A new configuration: a new quorum size."""
        self.size = member_count // 2 + 1

    def reaches(self, connected: int) -> bool:
        """Whether ``connected`` peers plus this node make a quorum."""
        return connected + 1 >= self.size

    def update(self, connected: int, running: bool) -> None:
        """Links changed: ``connected`` peers are up (reported only while ``running``)."""
        if self.reaches(connected):
            self._up.set()
        else:
            self._up.clear()
        if running:
            self._topology.quorum(self._up.is_set())

    async def wait(self, timeout: float) -> None:
        """Wait until a quorum is reachable; ``Unavailable`` after ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._up.wait(), timeout)
        except TimeoutError:
            raise Unavailable(f"no quorum reachable within {timeout}s") from None
