"""What a node opens: memory or SQLite storage, and the core configuration."""

from __future__ import annotations

from pathlib import Path

from rabia.runtime.config import NodeConfig
from rabia.runtime.setup import open_storage, replica_config, snapshot_chunk_for
from rabia.storage.memory import MemoryStorage
from rabia.storage.sqlite import SqliteStorage

MEMBERS = {0: "127.0.0.1:7000", 1: "127.0.0.1:7001", 2: "127.0.0.1:7002"}


def test_memory_without_a_data_dir_and_locked_sqlite_with_one(tmp_path: Path) -> None:
    storage, lock = open_storage(NodeConfig(0, MEMBERS))
    assert isinstance(storage, MemoryStorage) and lock is None
    storage, lock = open_storage(NodeConfig(1, MEMBERS, data_dir=tmp_path))
    assert isinstance(storage, SqliteStorage) and lock is not None
    storage.load()
    assert any(p.name.startswith("node-1.db") for p in tmp_path.iterdir())
    storage.close()
    lock.release()


def test_a_joiner_starts_outside_the_member_set() -> None:
    storage = MemoryStorage("always")
    member = replica_config(NodeConfig(0, MEMBERS), storage)
    assert member.members == (0, 1, 2) and not member.join
    joiner = replica_config(NodeConfig(2, MEMBERS, join=True), storage)
    assert joiner.members == (0, 1) and joiner.join and joiner.contacts == (0, 1)


def test_snapshot_chunks_fit_a_quarter_frame_up_to_one_mib() -> None:
    assert snapshot_chunk_for(64 * 1024 * 1024) == 1 << 20
    assert snapshot_chunk_for(64 * 1024) == 16 * 1024
    assert snapshot_chunk_for(100) == 1024
