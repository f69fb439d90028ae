"""In-process transport: a ``MemoryNetwork`` hub connecting ``MemoryTransport`` nodes.

Messages are delivered with ``loop.call_soon`` (never inside ``send``), in send order
per link. Links can be cut and restored; a message on a cut link is dropped, both when
it is sent and when it would have arrived (as a broken TCP connection loses what was in
flight).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from rabia.codec import decode_message, encode_message
from rabia.core.messages import Message
from rabia.transport.base import Deliver, PeerEvent, PeerStatus, Transport


class MemoryNetwork:
    """The hub: which transports exist and which links between them are cut.

    With ``encode=True`` every message goes through the wire codec, as on TCP.
    """

    def __init__(self, *, encode: bool = False) -> None:
        self.encode = encode
        self._nodes: dict[int, MemoryTransport] = {}
        self._cuts: set[frozenset[int]] = set()
        self._isolated: set[int] = set()

    def link_up(self, a: int, b: int) -> bool:
        """True when ``a`` and ``b`` are both running and their link is not cut."""
        if a in self._isolated or b in self._isolated or frozenset((a, b)) in self._cuts:
            return False
        node_a = self._nodes.get(a)
        node_b = self._nodes.get(b)
        return node_a is not None and node_b is not None and node_a.running and node_b.running

    def cut(self, a: int, b: int) -> None:
        """Cut the link between ``a`` and ``b`` (both directions)."""
        self._change(lambda: self._cuts.add(frozenset((a, b))))

    def restore(self, a: int, b: int) -> None:
        """Undo ``cut(a, b)`` (an ``isolate`` stays in force)."""
        self._change(lambda: self._cuts.discard(frozenset((a, b))))

    def isolate(self, node: int) -> None:
        """Cut every link of ``node``."""
        self._change(lambda: self._isolated.add(node))

    def heal(self) -> None:
        """Undo every cut and isolation."""

        def clear() -> None:
            self._cuts.clear()
            self._isolated.clear()

        self._change(clear)

    # ------------------------------------------------------------------ for MemoryTransport
    def join(self, node: MemoryTransport) -> None:
        """Put a started ``node`` on the network (its ``start`` calls this)."""
        if node.node_id in self._nodes and self._nodes[node.node_id].running:
            raise ValueError(f"node {node.node_id} is already on this network")
        self._change(lambda: self._nodes.__setitem__(node.node_id, node))

    def leave(self, node: MemoryTransport) -> None:
        """Take ``node`` off the network (its ``close`` calls this)."""
        if self._nodes.get(node.node_id) is node:
            self._change(lambda: self._nodes.pop(node.node_id))

    def _change(self, mutate: Callable[[], object]) -> None:
        before = {n: node.connected() for n, node in self._nodes.items()}
        mutate()
        for n, node in list(self._nodes.items()):
            node.report_links(before.get(n, frozenset()), node.connected())

    def route(self, src: int, dest: int, message: Message) -> bool:
        """Carry ``message`` from ``src`` to ``dest`` (delivered soon, unless the link is
        cut by then); False when it cannot leave (link cut, ``dest`` absent)."""
        target = self._nodes.get(dest)
        if target is None or not self.link_up(src, dest):
            return False
        payload: Message | bytes = encode_message(message) if self.encode else message
        loop = target.loop
        assert loop is not None
        loop.call_soon(self._arrive, src, target, payload)
        return True

    def _arrive(self, src: int, target: MemoryTransport, payload: Message | bytes) -> None:
        if self._nodes.get(target.node_id) is not target or not self.link_up(src, target.node_id):
            target.stats_for(src)["dropped_in_flight"] += 1
            return
        message = decode_message(payload) if isinstance(payload, bytes) else payload
        target.receive(message)


class MemoryTransport(Transport):
    """One node's end of a ``MemoryNetwork``; ``members`` may include ``node_id``."""

    def __init__(self, network: MemoryNetwork, node_id: int, members: Iterable[int]) -> None:
        self.network = network
        self.node_id = node_id
        self._peers = frozenset(m for m in members if m != node_id)
        self._deliver: Deliver | None = None
        self._peer_status: PeerStatus | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stats = {p: {"sent": 0, "dropped": 0, "dropped_in_flight": 0} for p in self._peers}
        self.running = False

    async def start(self, deliver: Deliver, peer_status: PeerStatus | None = None) -> None:
        """Join the network."""
        if self.running:
            raise RuntimeError("transport already started")
        self._loop = asyncio.get_running_loop()
        self._deliver = deliver
        self._peer_status = peer_status
        self.running = True
        self.network.join(self)

    def send(self, dest: int, message: Message) -> None:
        """Deliver ``message`` to ``dest`` soon, unless the link is cut."""
        if dest not in self._peers:
            raise ValueError(f"{dest} is not a peer of node {self.node_id}")
        stats = self._stats[dest]
        if self.running and self.network.route(self.node_id, dest, message):
            stats["sent"] += 1
        else:
            stats["dropped"] += 1

    def broadcast(self, message: Message) -> None:
        """``send`` to every other member."""
        for peer in self._peers:
            self.send(peer, message)

    def add_peer(self, peer_id: int, address: tuple[str, int]) -> None:
        """Start talking to a new member (the address is unused in memory)."""
        if peer_id == self.node_id or peer_id in self._peers:
            return
        before = self.connected()
        self._peers = self._peers | {peer_id}
        self.stats_for(peer_id)
        self.report_links(before, self.connected())

    def remove_peer(self, peer_id: int) -> None:
        """Stop talking to a former member."""
        before = self.connected()
        self._peers = self._peers - {peer_id}
        self.report_links(before, self.connected())

    def connected(self) -> frozenset[int]:
        """Peers whose link is up."""
        if not self.running:
            return frozenset()
        up = self.network.link_up
        return frozenset(p for p in self._peers if up(self.node_id, p))

    @property
    def peers(self) -> frozenset[int]:
        """Every other member."""
        return self._peers

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop the node runs on (None before ``start``)."""
        return self._loop

    @property
    def stats(self) -> dict[int, dict[str, int]]:
        """Per peer: messages ``sent``, ``dropped`` on send, ``dropped_in_flight`` here."""
        return {p: dict(s) for p, s in self._stats.items()}

    def stats_for(self, peer: int) -> dict[str, int]:
        """The live counters of one peer."""
        return self._stats.setdefault(peer, {"sent": 0, "dropped": 0, "dropped_in_flight": 0})

    async def close(self) -> None:
        """Leave the network; idempotent."""
        if not self.running:
            return
        before = self.connected()
        self.network.leave(self)
        self.running = False
        self.report_links(before, frozenset())

    # ------------------------------------------------------------------ for MemoryNetwork
    def receive(self, message: Message) -> None:
        """Hand an arrived message to the node (the network calls this)."""
        if self._deliver is not None and self.running:
            self._deliver(message)

    def report_links(self, before: frozenset[int], after: frozenset[int]) -> None:
        """Tell the node which peers' links went up or down (from ``before`` to ``after``)."""
        callback = self._peer_status
        if callback is None or self._loop is None or before == after:
            return
        for peer in sorted(after - before):
            self._loop.call_soon(callback, peer, PeerEvent.UP)
        for peer in sorted(before - after):
            self._loop.call_soon(callback, peer, PeerEvent.DOWN)
