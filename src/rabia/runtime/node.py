"""The asyncio ``Node``: drives one ``Replica`` over a transport and applies its log.

The loop, as the core demands: step every received message and tick; then, once per
loop iteration, drain ``ready()``: persist -> send -> apply -> resolve waiting callers
-> ``advance()``; then flush the transport. Client commands reach the replica through
the adaptive ``Batcher``.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from rabia.api import StateMachine
from rabia.core.apply import Applier, Reply
from rabia.core.config import ReplicaConfig, UnsafeSwitches
from rabia.core.messages import BROADCAST, KIND_RECONFIGURE, BatchId, Command, Message
from rabia.core.ready import ConfigChanged, InstalledSnapshot, SnapshotRecord, SnapshotWanted
from rabia.core.replica import Replica
from rabia.core.transfer import snapshot_to_send
from rabia.errors import Rejected, Timeout, Unavailable
from rabia.runtime import unsafe as unsafe_builds
from rabia.runtime.batching import Batcher
from rabia.runtime.clock import Clock, wall_clock
from rabia.runtime.config import NodeConfig, parse_address
from rabia.runtime.pending import NODE_STOPPED, Deliver, Outcome, PendingRequest
from rabia.runtime.topology import TopologyFeed
from rabia.storage.base import Storage, recovery_for
from rabia.storage.lock import DataDirLock
from rabia.storage.memory import MemoryStorage
from rabia.storage.sqlite import SqliteStorage, StorageStats
from rabia.transport.base import PeerEvent, Transport

log = logging.getLogger("rabia.node")

Waiter = Callable[[Reply], None]
"""Called with the reply of an applied (client_id, seq)."""


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
        self.machine = machine
        self._clock = clock
        """Wall time (µs) stamped on proposals; the only clock on the way to the log."""
        self._transport = transport
        self._storage = storage
        self._lock: DataDirLock | None = None
        self._flush_handle: asyncio.TimerHandle | None = None
        self._pruned_below = 0
        self._snapshot: SnapshotRecord | None = None
        """The latest snapshot saved or installed: what a lagging peer is sent."""
        self._previous_snapshot: SnapshotRecord | None = None
        """The one before it, held only while a peer is pulling it (ADR 0011)."""
        self._pulled_at: dict[int, float] = {}
        """Snapshot slot -> loop time of the latest chunk a peer pulled from it."""
        self._snapshots_taken = 0
        self._snapshot_due = self._next_snapshot_due(0)
        """The node takes its next snapshot once ``next_slot`` reaches this slot."""
        self._replica: Replica | None = None
        self._exactly_once = unsafe_builds.NO_DEDUP not in config.unsafe
        self._applier = _applier_for(machine, self._exactly_once)
        self._batcher = Batcher(config.max_batch, max_bytes=config.max_batch_bytes)
        self._waiters: dict[tuple[int, int], Waiter] = {}
        self._session = session_id if session_id is not None else secrets.randbits(62)
        self._seq = 0
        self._open_seqs: set[int] = set()
        self._low_seq = 0
        """Lowest seq of this node's session that may still be waiting (acked_below)."""
        self._deadlines: dict[float, deque[tuple[float, PendingRequest]]] = {}
        """Per timeout value, (deadline, future) in submission order."""
        self._last_key = 0
        self._running = False
        self._drain_scheduled = False
        self._tick_handle: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failure: BaseException | None = None
        self._quorum = len(config.members) // 2 + 1
        self._reconfigs: dict[BatchId, asyncio.Future[tuple[int, ...] | None]] = {}
        self._broadcast_key: tuple[int, ...] = ()
        self._broadcast_all = False
        """Whether BROADCAST to ``_broadcast_key`` is exactly the transport's peer set."""
        """Own membership changes waiting for their decision (None: decided as a no-op)."""
        self._on_applied: list[Callable[[int], None]] = []
        self._quorum_up = asyncio.Event()
        self.topology = TopologyFeed(config.node_id)
        """Peer up/down, quorum lost/restored and membership events this node observes."""

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        """Start the replica, the transport and the tick timer (once per Node object:
        to restart, create a new Node over the same storage or data directory)."""
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
        records = storage.load()
        intact = storage.kept_everything()
        self._replica = replica = Replica(_replica_config(config, storage), records, intact=intact)
        if replica.abstaining:
            log.warning(
                "node %d: its store may have lost records (power loss or reboot in %s mode): "
                "silent up to slot %d, learning decisions until then (ADR 0010)",
                config.node_id,
                storage.durability,
                replica.abstain_below,
            )
        if self._transport is None:
            from rabia.transport.tcp import TcpTransport

            self._transport = TcpTransport(
                config.node_id,
                config.listen_address(),
                config.peer_addresses(),
                cluster_id=config.cluster_id,
                secret=config.secret,
                server_ssl=None if config.tls is None else config.tls.server_context(),
                client_ssl=None if config.tls is None else config.tls.client_context(),
                max_frame=config.max_frame,
            )
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
        if self._tick_handle is not None:
            self._tick_handle.cancel()
        if self._flush_handle is not None:
            self._flush_handle.cancel()
        if self._transport is not None:
            await self._transport.close()
        if self._storage is not None:
            self._storage.flush()
            self._storage.close()
        if self._lock is not None:
            self._lock.release()
        waiters, self._waiters = self._waiters, {}
        for waiter in waiters.values():
            waiter(NODE_STOPPED)
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
        """``submit`` as a future of the result (same errors; ``Rejected`` and
        ``Unavailable`` may also raise at once)."""
        assert self._loop is not None
        future: asyncio.Future[bytes] = self._loop.create_future()

        def deliver(outcome: Outcome) -> None:
            if future.done():
                return
            if isinstance(outcome, bytes):
                future.set_result(outcome)
            else:
                future.set_exception(outcome)

        self.submit_callback(command, deliver, timeout=timeout)
        return future

    def submit_callback(
        self, command: bytes, deliver: Deliver, *, timeout: float | None = None
    ) -> None:
        """``submit`` without a coroutine or a future: ``deliver`` is called once with the
        result bytes or the error (``Timeout``, ``Unavailable``). ``Rejected`` and
        ``Unavailable`` may also raise at once. For servers answering many pipelined
        commands."""
        self._check_accepting(command)
        seq = self._seq
        self._seq += 1
        loop = self._loop
        assert loop is not None
        open_seqs = self._open_seqs
        request = PendingRequest(seq, deliver, open_seqs)
        self._waiters[(self._session, seq)] = request
        open_seqs.add(seq)
        low = self._low_seq
        while low not in open_seqs and low < seq:
            low += 1
        self._low_seq = low
        wait = self.config.default_timeout if timeout is None else timeout
        queue = self._deadlines.get(wait)
        if queue is None:
            queue = self._deadlines[wait] = deque()
        queue.append((loop.time() + wait, request))
        self.enqueue(Command(self._session, seq, command, low))

    def _expire(self) -> None:
        """Fail the commands past their deadline with Timeout; forget finished ones.

        One FIFO per distinct timeout keeps deadlines in order, so only the fronts are
        looked at: O(1) per command, no timer per command.
        """
        assert self._loop is not None
        now = self._loop.time()
        for wait, queue in self._deadlines.items():
            while queue and (queue[0][1].done or queue[0][0] <= now):
                request = queue.popleft()[1]
                if not request.done:
                    self._waiters.pop((self._session, request.seq), None)
                    request.fail(
                        Timeout(f"no decision within {wait}s; the command may still apply")
                    )

    def _check_accepting(self, command: bytes) -> None:
        if not self._running:
            raise Unavailable("node is not running")
        if len(command) > self.config.max_command_bytes:
            raise Rejected(f"command of {len(command)} bytes exceeds max_command_bytes")
        transport = self._transport
        if transport is not None and len(transport.connected()) + 1 < self._quorum:
            raise Unavailable(
                f"only {len(transport.connected()) + 1} of {len(self.config.members)} members "
                "reachable; no quorum"
            )

    def enqueue(self, command: Command, waiter: Waiter | None = None) -> None:
        """Hand a command to the batcher; ``waiter`` gets its reply once applied."""
        if waiter is not None:
            self._waiters[(command.client_id, command.seq)] = waiter
        self._batcher.add(command)
        self._propose()

    def cached_reply(self, client_id: int, seq: int) -> bytes | None:
        """The result of an already applied (client_id, seq), if still remembered."""
        return self._applier.sessions.lookup(client_id, seq)

    def is_stale(self, client_id: int, seq: int) -> bool:
        """True when the client already acknowledged ``seq`` (a very late retry)."""
        return self._applier.sessions.is_stale(client_id, seq)

    def on_applied(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(slot)`` after each slot is applied (for examples and tests)."""
        self._on_applied.append(callback)

    # --------------------------------------------------------------- the engine
    def _propose(self) -> None:
        replica = self._replica
        if replica is None:
            return
        batcher = self._batcher
        while (batch := batcher.take()) is not None:
            batcher.proposed(replica.submit(batch, self._next_key()))
        self._schedule_drain()

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

    def _peer_status(self, peer: int, event: PeerEvent) -> None:
        log.info("node %d: link to %d %s", self.config.node_id, peer, event.value)
        self.topology.emit(f"peer-{event.value}", peer=peer)
        self._update_quorum()

    def _update_quorum(self) -> None:
        transport = self._transport
        if transport is not None and len(transport.connected()) + 1 >= self._quorum:
            self._quorum_up.set()
        else:
            self._quorum_up.clear()
        if self._running:
            self.topology.quorum(self._quorum_up.is_set())

    async def wait_for_quorum(self, timeout: float = 10.0) -> None:
        """Wait until links to a quorum of members are up (e.g. right after start)."""
        self._update_quorum()
        try:
            await asyncio.wait_for(self._quorum_up.wait(), timeout)
        except TimeoutError:
            raise Unavailable(f"no quorum reachable within {timeout}s") from None

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
            self._drain_ready(replica, transport)
        except Exception as exc:  # a state machine that raised: never diverge
            self._fail(exc)
        transport.flush()

    def _drain_ready(self, replica: Replica, transport: Transport) -> None:
        applier = self._applier
        batcher = self._batcher
        waiters = self._waiters
        storage = self._storage
        assert storage is not None
        while replica.has_ready():
            ready = replica.ready()
            if ready.records:
                # Before any message leaves and before any command is acknowledged.
                storage.append(ready.records, ready.sync)
            if ready.install is not None:
                from_peer = any(type(r) is SnapshotRecord for r in ready.records)
                self._install(ready.install, from_peer)
                if from_peer:
                    storage.compact(ready.install.slot)  # older records are now obsolete
                applier = self._applier
                if batcher.forget(replica.is_decided):  # decided inside the snapshot
                    self._propose()
            changes = [e for e in ready.events if type(e) is ConfigChanged] if ready.events else []
            for change in changes:
                self._apply_configuration(change, transport)
            known = transport.peers
            if ready.peers != self._broadcast_key:  # recomputed only when membership moves
                self._broadcast_key = ready.peers
                self._broadcast_all = set(ready.peers) == known
            everyone = self._broadcast_all
            for dest, message in ready.messages:
                if dest == BROADCAST:
                    if everyone:
                        transport.broadcast(message)
                    else:
                        for peer in ready.peers:
                            if peer in known:
                                transport.send(peer, message)
                elif dest in known:
                    transport.send(dest, message)
            for entry in ready.committed:
                replies = applier.apply(entry)
                batch = entry.batch
                if batch is not None and batch.kind == KIND_RECONFIGURE:
                    self._reconfig_decided(batch.id, entry.slot, changes)
                if batch is not None and batcher.decided(batch.id):
                    self._propose()
                for reply in replies:
                    waiter = waiters.pop((reply.client_id, reply.seq), None)
                    if waiter is not None:
                        waiter(reply)
                for callback in self._on_applied:
                    callback(entry.slot)
            for event in ready.events:
                if type(event) is SnapshotWanted:
                    self._send_snapshot(event)
            if self.config.snapshot_every and replica.next_slot >= self._snapshot_due:
                self._take_snapshot(replica, storage)
            replica.advance()

    # --------------------------------------------------------------- membership
    async def reconfigure(
        self,
        add: Sequence[tuple[int, str]] = (),
        remove: Sequence[int] = (),
        *,
        timeout: float | None = None,
    ) -> tuple[int, ...]:
        """Add or remove one member through the log; returns the new member ids.

        Raises ``Rejected`` when the decided change was invalid (it then changed nothing),
        ``Timeout`` when it was not decided in time (it may still take effect).
        """
        if not self._running or self._replica is None or self._loop is None:
            raise Unavailable("node is not running")
        batch_id = self._replica.submit_reconfigure(list(add), list(remove), self._next_key())
        future: asyncio.Future[tuple[int, ...] | None] = self._loop.create_future()
        self._reconfigs[batch_id] = future
        self._schedule_drain()
        wait = self.config.default_timeout if timeout is None else timeout
        try:
            members = await asyncio.wait_for(future, wait)
        except TimeoutError:
            raise Timeout(f"membership change not decided within {wait}s") from None
        finally:
            self._reconfigs.pop(batch_id, None)
        if members is None:
            raise Rejected("invalid membership change (exactly one member may change)")
        return members

    def members(self) -> tuple[int, ...]:
        """The member ids of the latest configuration this node knows."""
        assert self._replica is not None
        return tuple(self._replica.configuration.members)

    def _reconfig_decided(self, batch_id: BatchId, slot: int, changes: list[ConfigChanged]) -> None:
        future = self._reconfigs.get(batch_id)
        if future is None or future.done():
            return
        took = next((c for c in changes if c.slot == slot), None)
        future.set_result(None if took is None else tuple(took.members))

    def _apply_configuration(self, change: ConfigChanged, transport: Transport) -> None:
        """Dial new members, drop removed ones, follow the new quorum size."""
        me = self.config.node_id
        members = set(change.members)
        addresses = dict(change.addresses)
        for peer in sorted(members - {me} - transport.peers):
            address = addresses.get(peer) or self.config.members.get(peer)
            if address is not None:
                transport.add_peer(peer, parse_address(address))
        contacts = set(self.config.members) if self.config.join else set()
        for peer in sorted(transport.peers - members - contacts):
            transport.remove_peer(peer)
        self._quorum = len(members) // 2 + 1
        self.topology.emit("membership", members=tuple(sorted(members)))
        self._update_quorum()
        self._broadcast_key = ()  # the transport's peers changed: re-check BROADCAST targets
        log.info(
            "node %d: members from slot %d are %s (epoch %d)%s",
            me,
            change.slot + 1,
            sorted(members),
            change.epoch,
            "" if me in members else "; this node is not a member",
        )

    # ---------------------------------------------------------------- snapshots
    def _next_snapshot_due(self, last: int) -> int:
        """The slot of the next snapshot after one at ``last``: every ``snapshot_every``
        slots, on a grid shifted by this node's rank, so that the members of a cluster
        snapshot (and pause for ``StateMachine.snapshot()``) at different times rather
        than all at once; at least half an interval after ``last``."""
        every = self.config.snapshot_every
        if not every:
            return 1 << 62
        ids = self.config.member_ids
        me = self.config.node_id
        rank = ids.index(me) if me in ids else me
        phase = rank % len(ids) * every // len(ids)
        return phase + ((last + every // 2 - phase) // every + 1) * every

    def _take_snapshot(self, replica: Replica, storage: Storage) -> None:
        """Save the state after every decided slot, make it durable, then compact.

        Runs inline: ``machine.snapshot()`` blocks the loop for as long as it takes, so a
        state machine with a large state should make it cheap (e.g. copy-on-write).
        """
        slot = replica.next_slot
        if self._applier.applied_slot != slot - 1:
            return
        app_state = _encode_app((self._applier.snapshot(), self.machine.snapshot()))
        record = SnapshotRecord(slot, replica.core_snapshot(), app_state)
        storage.append([record], True)
        # Keep the previous snapshot and the log after it: a transfer that started from it
        # can finish, and its receiver then catches up from our log (ADR 0011).
        previous = self._snapshot
        keep_from = slot if previous is None else previous.slot
        storage.compact(keep_from)
        replica.compact(keep_from)
        # Hold on to the previous snapshot's bytes only while a transfer uses it.
        pulled = -1e18 if previous is None else self._pulled_at.get(previous.slot, -1e18)
        now = self._loop.time() if self._loop is not None else 0.0
        self._previous_snapshot = previous if now - pulled < PULL_IDLE_SECONDS else None
        self._pulled_at = {k: v for k, v in self._pulled_at.items() if now - v < PULL_IDLE_SECONDS}
        self._snapshot = record
        self._snapshot_due = self._next_snapshot_due(slot)
        self._snapshots_taken += 1
        log.info(
            "node %d: snapshot at slot %d (%d bytes)", self.config.node_id, slot, len(app_state)
        )

    def _send_snapshot(self, event: SnapshotWanted) -> None:
        """Offer our latest snapshot to a lagging peer, or answer its pull of a chunk from
        the snapshot it is receiving (if we still have it; else offer the latest)."""
        snap, offset = snapshot_to_send(event, self._snapshot, self._previous_snapshot)
        if snap is None or self._replica is None:
            return
        if offset >= 0 and self._loop is not None:
            self._pulled_at[snap.slot] = self._loop.time()
        if offset < 0:
            log.info(
                "node %d: sending peer %d the snapshot of slot %d (%d bytes)",
                self.config.node_id,
                event.peer,
                snap.slot,
                len(snap.app_state),
            )
        self._replica.send_snapshot(event.peer, snap.slot, snap.core_state, snap.app_state, offset)

    def _install(self, install: InstalledSnapshot, from_peer: bool) -> None:
        """Restore the applier and the state machine from an installed snapshot."""
        applier_state, machine_state = _decode_app(install.app_state)
        self.machine.restore(machine_state)
        applier = _applier_for(self.machine, self._exactly_once)
        applier.restore(applier_state)
        self._applier = applier
        self._snapshot = SnapshotRecord(install.slot, install.core_state, install.app_state)
        self._previous_snapshot = None
        self._snapshot_due = self._next_snapshot_due(install.slot)
        for key in list(self._waiters):  # applied inside the snapshot: answer from it
            cached = applier.sessions.lookup(*key)
            if cached is not None:
                self._waiters.pop(key)(Reply(install.slot - 1, (-1, -1, -1), *key, cached, True))
        log.info(
            "node %d: %s at slot %d",
            self.config.node_id,
            "installed a snapshot from a peer" if from_peer else "restored its snapshot",
            install.slot,
        )

    def _fail(self, exc: BaseException) -> None:
        log.critical("node %d stops: applying a command raised %r", self.config.node_id, exc)
        self._failure = exc
        loop = self._loop
        if loop is not None:
            loop.create_task(self.stop())

    def _prune(self, below: int) -> None:
        """Drop persisted own messages of decided slots (only the open slot needs them)."""
        if self._storage is not None:
            self._storage.prune_sent_below(below)
        self._pruned_below = below

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

    def _on_tick(self) -> None:
        replica = self._replica
        if replica is None or not self._running:
            return
        replica.tick()
        self._drain()
        if self._deadlines:
            self._expire()
        if replica.next_slot - self._pruned_below >= _PRUNE_EVERY:
            self._prune(replica.next_slot)
        self._schedule_tick()

    # -------------------------------------------------------------------- stats
    def stats(self) -> dict[str, Any]:
        """Counters and levels for monitoring and benchmarks (cheap: no hashing, no I/O)."""
        replica = self._replica
        transport = self._transport
        connected = len(transport.connected()) if transport is not None else 0
        snapshot = self._snapshot
        out: dict[str, Any] = {
            "node_id": self.config.node_id,
            "applied_slot": self._applier.applied_slot,
            "queued_commands": len(self._batcher),
            "batches_in_flight": self._batcher.in_flight,
            "pending_requests": len(self._waiters),
            "connected_peers": connected,
            "quorum_up": int(self._running and connected + 1 >= self._quorum),
            "snapshots_taken": self._snapshots_taken,
            "snapshot_slot": None if snapshot is None else snapshot.slot,
            "snapshot_bytes": None
            if snapshot is None
            else len(snapshot.app_state) + len(snapshot.core_state),
        }
        if replica is not None:
            s = replica.stats
            out.update(
                next_slot=replica.next_slot,
                log_start=replica.log_start,
                slots_decided=s.slots_decided,
                decided_by_votes=s.decided_by_votes,
                fast_path=s.fast_path,
                null_slots=s.null_slots,
                phases_total=s.phases_total,
                max_phase=s.max_phase,
                resends=s.resends,
                dropped=s.dropped,
                snapshots_installed=s.snapshots_installed,
                member_count=len(replica.configuration.members),
                epoch=replica.configuration.epoch,
            )
        return out

    def storage_stats(self) -> StorageStats | None:
        """Records held, bytes on disk and syncs of an on-disk storage (None: in memory,
        or the node is not running)."""
        storage = self._storage
        if storage is None or isinstance(storage, MemoryStorage) or not self._running:
            return None
        return storage.stats()

    def status(self) -> dict[str, int | float | str | None]:
        """``stats()`` plus hex hashes of the applied log and of the machine's snapshot."""
        out: dict[str, int | float | str | None] = dict(self.stats())
        out["log_hash"] = self._applier.chain.hex()
        out["machine_hash"] = hashlib.sha256(self.machine.snapshot()).hexdigest()
        out["running"] = int(self._running)
        if self._replica is not None:
            out["members"] = ",".join(map(str, self.members()))
            out["epoch"] = self._replica.configuration.epoch
        return out

    @property
    def state_hash(self) -> bytes:
        """Hash chain of the applied log: equal on replicas that applied the same prefix."""
        return self._applier.chain


_encode_app = msgspec.msgpack.Encoder().encode
_decode_app = msgspec.msgpack.Decoder(tuple[bytes, bytes]).decode
"""A snapshot's app state: (applier snapshot, state machine snapshot)."""

_PRUNE_EVERY = 1024
"""Slots between two prunings of persisted own messages."""


def _applier_for(machine: StateMachine, exactly_once: bool = True) -> Applier:
    """An applier that hands the log's clock to machines that override ``apply_at``."""
    if type(machine).apply_at is StateMachine.apply_at:
        return Applier(machine.apply, exactly_once=exactly_once)
    return Applier(machine.apply, timed=machine.apply_at, exactly_once=exactly_once)


def _replica_config(config: NodeConfig, storage: Storage) -> ReplicaConfig:
    """The core's configuration for this node (a joiner starts outside the member set)."""
    me = config.node_id
    if config.join:
        initial = config.initial_members or tuple(m for m in config.member_ids if m != me)
        contacts = tuple(m for m in config.member_ids if m != me)
    else:
        initial, contacts = config.member_ids, ()
    return ReplicaConfig(
        me,
        initial,
        seed=config.seed,
        recovery=recovery_for(storage.durability),
        join=config.join,
        unsafe=UnsafeSwitches(round1_fast_path=unsafe_builds.UNSAFE_FAST_PATH in config.unsafe),
        addresses=tuple((m, a) for m, a in sorted(config.members.items()) if m in initial),
        contacts=contacts,
        snapshot_chunk=snapshot_chunk_for(config.max_frame),
    )


PULL_IDLE_SECONDS = 5.0
"""A snapshot no peer pulled from for this long is not kept once a newer one exists."""


def snapshot_chunk_for(max_frame: int) -> int:
    """Snapshot bytes per message: 1 MiB, or a quarter of a smaller frame limit."""
    return max(1024, min(1 << 20, max_frame // 4))


def open_storage(config: NodeConfig) -> tuple[Storage, DataDirLock | None]:
    """The storage ``config`` asks for (SQLite under a locked ``data_dir``, else memory)."""
    if config.data_dir is None:
        return MemoryStorage(config.durability), None
    lock = DataDirLock(config.data_dir)
    storage = SqliteStorage(
        config.data_dir / f"node-{config.node_id}.db",
        config.durability,
        flush_interval=config.flush_interval,
    )
    return storage, lock
