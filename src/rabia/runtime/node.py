"""The asyncio ``Node``: drives one ``Replica`` over a transport and applies its log.

The loop is etcd's application loop: step every received message and tick; then, once
per loop iteration, drain ``ready()`` through the stages

    persist -> follow membership -> send -> apply -> answer reads -> snapshots -> advance

each its own small unit (``Storage.append``, ``MembershipFollower``, ``Sender``, ``ApplyStage``
with the ``RequestTracker``, ``ReadStage``, ``SnapshotKeeper``), then flush the transport.
Commands reach the replica through the adaptive ``Batcher``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from rabia.api import StateMachine
from rabia.core.apply import SessionTable
from rabia.core.messages import KIND_RECONFIGURE, Command, Message
from rabia.core.ready import (
    ConfigChanged,
    InstalledSnapshot,
    Ready,
    SnapshotRecord,
    SnapshotWanted,
)
from rabia.core.replica import Replica
from rabia.errors import Rejected, Unavailable
from rabia.runtime import figures
from rabia.runtime import unsafe as unsafe_builds
from rabia.runtime.applying import ApplyStage
from rabia.runtime.batching import Batcher
from rabia.runtime.clock import Clock, wall_clock
from rabia.runtime.config import NodeConfig
from rabia.runtime.membership import MembershipFollower
from rabia.runtime.pending import OnOutcome, outcome_future
from rabia.runtime.quorum import QuorumWatch
from rabia.runtime.reads import Query, ReadStage
from rabia.runtime.requests import RequestTracker
from rabia.runtime.sending import Sender
from rabia.runtime.setup import load_replica, open_storage, tcp_transport
from rabia.runtime.snapshots import SnapshotKeeper
from rabia.runtime.topology import TopologyFeed
from rabia.storage.base import Storage, StorageStats
from rabia.storage.lock import DataDirLock
from rabia.transport.base import PeerEvent, Transport

log = logging.getLogger("rabia.node")

PRUNE_EVERY = 1024
"""Slots between two prunings of persisted own messages."""


class Node:
    """One member of a rabia cluster, running in the current asyncio loop.

    ``await node.submit(command)`` returns the command's result once it is decided and
    applied here; the same command is applied at the same slot on every replica.
    """

    def __init__(
        self,
        config: NodeConfig,
        machine: StateMachine,
        *,
        transport: Transport | None = None,
        storage: Storage | None = None,
        session_id: int | None = None,
        clock: Clock = wall_clock,
    ) -> None:
        self.config = config
        self._clock = clock
        """Wall time (µs) stamped on proposals; the only clock on the way to the log."""
        self._transport = transport
        self._storage = storage
        self._lock: DataDirLock | None = None
        self._replica: Replica | None = None
        self._sender: Sender | None = None
        self._applying = ApplyStage(
            machine, exactly_once=unsafe_builds.NO_DEDUP not in config.unsafe
        )
        self._requests = RequestTracker(
            session_id if session_id is not None else secrets.randbits(62)
        )
        self._snapshots = SnapshotKeeper(config.snapshot_every, config.member_ids, config.node_id)
        self._membership = MembershipFollower(config, self._members_changed)
        self._batcher = Batcher(
            config.max_batch, max_bytes=config.max_batch_bytes, hold=config.batch_hold_ms / 1000
        )
        self._reads = ReadStage()
        self._on_applied: list[Callable[[int], None]] = []
        self._last_key = 0
        self._pruned_below = 0
        self._running = False
        self._drain_scheduled = False
        self._tick_handle: asyncio.TimerHandle | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._hold_handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.topology = TopologyFeed(config.node_id)
        """Peer up/down, quorum lost/restored and membership events this node observes."""
        self._quorum = QuorumWatch(len(config.members), self.topology)

    @property
    def machine(self) -> StateMachine:
        """The state machine this node applies the log to."""
        return self._applying.machine

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Start the replica, transport and ticks (once: to restart, make a new Node)."""
        if self._running:
            return
        if self._replica is not None:
            raise RuntimeError("a stopped Node cannot start again; create a new Node")
        self._loop = asyncio.get_running_loop()
        config = self.config
        storage = self._storage
        if storage is None:
            storage, self._lock = open_storage(config)
            self._storage = storage
        self._replica = load_replica(config, storage)
        if self._transport is None:
            self._transport = tcp_transport(config)
        self._sender = Sender(self._transport)
        await self._transport.start(self._deliver, self._peer_status)
        self._running = True
        self._update_quorum()
        self._schedule_tick()
        if storage.durability == "batch":
            self._schedule_flush()
        self._drain()
        log.info("node %d started, members %s", config.node_id, sorted(config.members))

    async def stop(self) -> None:
        """Stop ticking, close the transport, fail every waiting caller with Unavailable."""
        if not self._running:
            return
        self._running = False
        for timer in (self._tick_handle, self._flush_handle, self._hold_handle):
            if timer is not None:
                timer.cancel()
        if self._transport is not None:
            await self._transport.close()
        if self._storage is not None:
            self._storage.flush()
            self._storage.close()
        if self._lock is not None:
            self._lock.release()
        self._requests.fail_all(Unavailable("node stopped before the command was decided"))
        self._reads.fail_all(Unavailable("node stopped before the read was answered"))
        log.info("node %d stopped", self.config.node_id)

    async def __aenter__(self) -> Node:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        """True between start() and stop() (False after a fatal apply error too)."""
        return self._running

    @property
    def session(self) -> int:
        """This run's client id: the commands it submits itself carry it."""
        return self._requests.session

    @property
    def transport(self) -> Transport:
        """The transport in use (after start)."""
        assert self._transport is not None
        return self._transport

    # ------------------------------------------------------------------ commands
    async def submit(self, command: bytes, *, timeout: float | None = None) -> bytes:
        """Replicate ``command``; return its result once decided and applied here.

        Raises ``Rejected`` (never applied), ``Unavailable`` (node stopped or no quorum
        reachable when submitted: never proposed) or ``Timeout`` (may still apply).
        """
        return await self.submit_future(command, timeout=timeout)

    def submit_future(
        self, command: bytes, *, timeout: float | None = None
    ) -> asyncio.Future[bytes]:
        """``submit`` as a future (``Rejected``/``Unavailable`` may also raise at once)."""
        assert self._loop is not None
        future, settle = outcome_future(self._loop)
        self.submit_callback(command, settle, timeout=timeout)
        return future

    def submit_callback(
        self, command: bytes, on_outcome: OnOutcome, *, timeout: float | None = None
    ) -> None:
        """``submit`` for servers (pipelined commands): ``on_outcome`` gets the result or the
        error (``Timeout``, ``Unavailable``) once; ``Rejected``/``Unavailable`` may raise."""
        self._check_accepting(command)
        assert self._loop is not None
        wait = self.config.default_timeout if timeout is None else timeout
        self._enqueue(self._requests.new_local(command, on_outcome, wait, self._loop.time()))

    def submit_command(self, command: Command, on_outcome: OnOutcome) -> None:
        """Replicate a remote client's command; ``on_outcome`` gets its result (no deadline)."""
        self._requests.wait(command, on_outcome)
        self._enqueue(command)

    async def read(self, query: bytes, *, timeout: float | None = None) -> bytes:
        """``StateMachine.query(query)`` here, linearizable without the log (ADR 0017)."""
        future, settle = outcome_future(self._loop or asyncio.get_running_loop())
        self.read_callback(lambda: self.machine.query(query), settle, timeout=timeout)
        return await future

    def read_callback(
        self, query: Query, on_outcome: OnOutcome, *, timeout: float | None = None
    ) -> None:
        """``read`` for servers: ``query()`` runs once a read barrier released it;
        ``on_outcome`` gets its bytes, ``Unavailable`` or ``Timeout`` (retry anywhere)."""
        self._check_accepting(b"")
        assert self._replica is not None and self._loop is not None
        wait = self.config.default_timeout if timeout is None else timeout
        self._reads.add(self._replica.read(), query, on_outcome, wait, self._loop.time())
        self._schedule_drain()

    def _enqueue(self, command: Command) -> None:
        self._batcher.add(command)
        self._propose()

    def _check_accepting(self, command: bytes) -> None:
        if not self._running:
            raise Unavailable("node is not running")
        if len(command) > self.config.max_command_bytes:
            raise Rejected(f"command of {len(command)} bytes exceeds max_command_bytes")
        transport = self._transport
        if transport is not None and not self._quorum.reaches(len(transport.connected())):
            raise Unavailable(
                f"only {len(transport.connected()) + 1} of {len(self.config.members)} members "
                "reachable; no quorum"
            )

    @property
    def sessions(self) -> SessionTable:
        """The replicated session table: cached replies, acknowledged marks (read only)."""
        return self._applying.sessions

    def on_applied(self, callback: Callable[[int], None]) -> Callable[[], None]:
        """Call ``callback(slot)`` after each slot is applied; returns its unsubscribe."""
        self._on_applied.append(callback)
        return lambda: self._on_applied.remove(callback)

    # ----------------------------------------------------------------- inputs
    def _propose(self) -> None:
        replica = self._replica
        if replica is None:
            return
        batcher, loop = self._batcher, self._loop
        now = 0.0 if batcher.hold_until is None else self._now()  # the clock only in a hold
        while (batch := batcher.take(now)) is not None:
            batch_id = replica.submit(batch, self._next_key())
            batcher.proposed(batch_id, len(batch))
            self._applying.originated(batch_id, batch)
        held = batcher.hold_until  # a hold ends by its deadline at the latest
        if held is not None and loop is not None and self._hold_handle is None:
            self._hold_handle = loop.call_at(held, self._end_hold)
        self._schedule_drain()

    def _end_hold(self) -> None:
        self._hold_handle = None
        self._propose()

    def _next_key(self) -> int:
        now = self._clock()
        key = now if now > self._last_key else self._last_key + 1
        self._last_key = key
        return key

    def _deliver(self, message: Message) -> None:
        replica = self._replica
        if replica is None or not self._running:
            return
        replica.step(message)
        self._schedule_drain()

    def _on_tick(self) -> None:
        replica = self._replica
        if replica is None or not self._running or self._loop is None:
            return
        replica.tick()
        self._drain()
        if self._requests.has_deadlines:
            self._requests.expire(self._loop.time())
        self._reads.expire(self._loop.time())
        if replica.next_slot - self._pruned_below >= PRUNE_EVERY:
            self._pruned_below = replica.next_slot
            assert self._storage is not None
            self._storage.prune_sent_below(self._pruned_below)
        self._schedule_tick()

    # --------------------------------------------------------------- the loop
    def _schedule_drain(self) -> None:
        if not self._drain_scheduled and self._loop is not None:
            self._drain_scheduled = True
            self._loop.call_soon(self._drain)

    def _drain(self) -> None:
        self._drain_scheduled = False
        replica = self._replica
        transport = self._transport
        if replica is None or transport is None or not self._running:
            return
        try:
            while replica.has_ready():
                ready = replica.ready()
                self._persist(ready)
                changes = self._follow_membership(ready, transport)
                assert self._sender is not None
                self._sender.send(ready)
                self._apply(ready, changes)
                if ready.reads_below:  # after the apply stage: reads see its slots
                    self._reads.release(ready.reads_below)
                self._snapshot(ready, replica)
                replica.advance()
        except Exception as exc:  # a state machine that raised: never diverge
            self._fail(exc)
        transport.flush()

    def _persist(self, ready: Ready) -> None:
        """Stage 1: records on disk before any message or reply leaves; then a snapshot."""
        storage = self._storage
        assert storage is not None
        if ready.records:
            storage.append(ready.records, ready.sync)
        if ready.install is not None:
            from_peer = any(type(r) is SnapshotRecord for r in ready.records)
            self._install(ready.install, from_peer)
            if from_peer:
                storage.compact(ready.install.slot)  # older records are now obsolete

    def _follow_membership(self, ready: Ready, transport: Transport) -> list[ConfigChanged]:
        """Stage 2: new members are dialled before this step's messages go to them."""
        if not ready.events:
            return []
        changes = [e for e in ready.events if type(e) is ConfigChanged]
        for change in changes:
            self._membership.follow(change, transport)
        return changes

    def _apply(self, ready: Ready, changes: list[ConfigChanged]) -> None:
        """Stage 4: committed entries in slot order; callers get their replies; the
        batcher proposes again once one of this node's batches was decided."""
        applying = self._applying
        batcher = self._batcher
        requests = self._requests
        for entry in ready.committed:
            replies = applying.apply(entry, len(requests) > 0)  # none built if none wait
            batch = entry.batch
            if batch is not None:
                if batch.kind == KIND_RECONFIGURE:
                    self._membership.decided(batch.id, entry.slot, changes)
                if batcher.decided(batch.id, self._now()):
                    self._propose()
            requests.resolve(replies)
            for callback in self._on_applied:
                callback(entry.slot)

    def _snapshot(self, ready: Ready, replica: Replica) -> None:
        """Stage 5: answer peers' snapshot offers and pulls; take a snapshot when due."""
        snapshots = self._snapshots
        for event in ready.events:
            if type(event) is SnapshotWanted:
                snapshots.answer(event, replica, self._now())
        if replica.next_slot >= snapshots.due:
            assert self._storage is not None
            snapshots.take(replica, self._applying, self._storage, self._now())

    # ---------------------------------------------------------------- snapshots
    def _now(self) -> float:
        return self._loop.time() if self._loop is not None else 0.0

    def _install(self, install: InstalledSnapshot, from_peer: bool) -> None:
        """Restore the applier and the state machine from an installed snapshot."""
        self._applying.restore(install.app_state)
        self._snapshots.installed(
            SnapshotRecord(install.slot, install.core_state, install.app_state)
        )
        # Commands applied inside the snapshot: answer them from its session table.
        self._requests.answer_from(self._applying.sessions, install.slot)
        assert self._replica is not None
        if self._batcher.forget(self._replica.is_decided):  # decided inside the snapshot
            self._propose()
        what = "installed a snapshot from a peer" if from_peer else "restored its snapshot"
        log.info("node %d: %s at slot %d", self.config.node_id, what, install.slot)

    def _fail(self, exc: BaseException) -> None:
        log.critical("node %d stops: applying a command raised %r", self.config.node_id, exc)
        loop = self._loop
        if loop is not None:
            loop.create_task(self.stop())

    # --------------------------------------------------------------- membership
    async def reconfigure(
        self,
        add: Sequence[tuple[int, str]] = (),
        remove: Sequence[int] = (),
        *,
        timeout: float | None = None,
    ) -> tuple[int, ...]:
        """Add or remove one member through the log; returns the new member ids. Raises
        ``Rejected`` when the decided change was invalid (it then changed nothing),
        ``Timeout`` when it was not decided in time (it may still take effect)."""
        if not self._running or self._replica is None:
            raise Unavailable("node is not running")
        batch_id = self._replica.submit_reconfigure(list(add), list(remove), self._next_key())
        self._schedule_drain()
        wait = self.config.default_timeout if timeout is None else timeout
        return await self._membership.outcome(batch_id, wait)

    def members(self) -> tuple[int, ...]:
        """The member ids of the latest configuration this node knows."""
        assert self._replica is not None
        return tuple(self._replica.configuration.members)

    def _members_changed(self, members: frozenset[int]) -> None:
        self._quorum.members_changed(len(members))
        self.topology.emit("membership", members=tuple(sorted(members)))
        self._update_quorum()
        if self._sender is not None:
            self._sender.peers_changed()

    # ------------------------------------------------------------------ quorum
    def _peer_status(self, peer: int, event: PeerEvent) -> None:
        log.info("node %d: link to %d %s", self.config.node_id, peer, event.value)
        self.topology.emit(f"peer-{event.value}", peer=peer)
        self._update_quorum()

    def _update_quorum(self) -> None:
        transport = self._transport
        connected = len(transport.connected()) if transport is not None else -1
        self._quorum.update(connected, self._running)

    async def wait_for_quorum(self, timeout: float = 10.0) -> None:
        """Wait until links to a quorum of members are up (e.g. right after start)."""
        self._update_quorum()
        await self._quorum.wait(timeout)

    # ------------------------------------------------------------------ timers
    def _schedule_flush(self) -> None:
        if self._loop is not None and self._running:
            self._flush_handle = self._loop.call_later(self.config.flush_interval, self._on_flush)

    def _on_flush(self) -> None:
        if self._storage is not None and self._running:
            self._storage.flush()
            self._schedule_flush()

    def _schedule_tick(self) -> None:
        if self._loop is not None and self._running:
            self._tick_handle = self._loop.call_later(self.config.tick_ms / 1000, self._on_tick)

    # -------------------------------------------------------------------- stats
    def stats(self) -> dict[str, Any]:
        """Counters and levels for monitoring and benchmarks (cheap: no hashing, no I/O)."""
        transport = self._transport
        connected = len(transport.connected()) if transport is not None else 0
        out: dict[str, Any] = {
            "node_id": self.config.node_id,
            **figures.stage_figures(self._applying, self._batcher, self._requests, self._reads),
            "connected_peers": connected,
            "quorum_up": int(self._running and self._quorum.reaches(connected)),
            "insecure": int(self.config.insecure),
            **figures.snapshot_figures(self._snapshots.taken, self._snapshots.latest),
        }
        if self._replica is not None:
            out.update(figures.replica_figures(self._replica))
        return out

    def storage_stats(self) -> StorageStats | None:
        """Records, bytes on disk and syncs of an on-disk store (None unless running)."""
        return figures.storage_figures(self._storage, self._running)

    def status(self) -> dict[str, int | float | str | None]:
        """``stats()`` plus hex hashes of the applied log and of the machine's snapshot."""
        members = None if self._replica is None else self._replica.configuration
        return figures.status_figures(self.stats(), self._applying, members, self._running)

    @property
    def state_hash(self) -> bytes:
        """Hash chain of the applied log: equal on replicas that applied the same prefix."""
        return self._applying.chain

    @property
    def snapshot(self) -> SnapshotRecord | None:
        """The latest snapshot this node saved or installed."""
        return self._snapshots.latest
