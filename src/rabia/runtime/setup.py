"""What a node opens at start: its storage, and the core configuration it derives."""

from __future__ import annotations

import logging

from rabia.core.config import ReplicaConfig, UnsafeSwitches
from rabia.core.replica import Replica
from rabia.runtime import unsafe as unsafe_builds
from rabia.runtime.config import NodeConfig
from rabia.storage.base import Storage, recovery_for
from rabia.storage.lock import DataDirLock
from rabia.storage.memory import MemoryStorage
from rabia.storage.sqlite import SqliteStorage
from rabia.transport.base import Transport

log = logging.getLogger("rabia.node")


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


def snapshot_chunk_for(max_frame: int) -> int:
    """Snapshot bytes per message: 1 MiB, or a quarter of a smaller frame limit."""
    return max(1024, min(1 << 20, max_frame // 4))


def replica_config(config: NodeConfig, storage: Storage) -> ReplicaConfig:
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


def tcp_transport(config: NodeConfig) -> Transport:
    """The TCP transport ``config`` describes (imported on demand)."""
    from rabia.transport.tcp import TcpTransport

    return TcpTransport(
        config.node_id,
        config.listen_address(),
        config.peer_addresses(),
        cluster_id=config.cluster_id,
        secret=config.secret,
        server_ssl=None if config.tls is None else config.tls.server_context(),
        client_ssl=None if config.tls is None else config.tls.client_context(),
        max_frame=config.max_frame,
    )


def load_replica(config: NodeConfig, storage: Storage) -> Replica:
    """The replica of this node, from what ``storage`` kept of its previous runs."""
    records = storage.load()
    replica = Replica(replica_config(config, storage), records, intact=storage.kept_everything())
    if replica.abstaining:
        log.warning(
            "node %d: its store may have lost records (power loss or reboot in %s mode): "
            "silent up to slot %d, learning decisions until then (ADR 0010)",
            config.node_id,
            storage.durability,
            replica.abstain_below,
        )
    return replica
