"""SqliteStorage: the durable store contract, and what only SQLite does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from rabia.storage.errors import StorageCorrupted
from rabia.storage.records import FORMAT_VERSION
from rabia.storage.sqlite import SqliteStorage
from tests.storage.contract import DurableStoreContract
from tests.storage.helpers import step


class TestSqliteStorage(DurableStoreContract):
    kind = "sqlite"


def test_always_survives_reopen_without_close(tmp_path: Path) -> None:
    """A second handle sees every append of ``always`` (LMDB forbids one per process)."""
    path = tmp_path / "node.db"
    writer = SqliteStorage(path, "always")
    writer.load()
    for i in range(20):
        writer.append(step(i), sync=False)
    try:
        assert SqliteStorage(path).load() == [r for i in range(20) for r in step(i)]
    finally:
        writer.close()


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    store = SqliteStorage(path)
    with pytest.raises(StorageCorrupted, match="not a rabia record store"):
        store.load()
    store.close()


def test_rows_keep_kind_and_slot_beside_the_checksummed_body(tmp_path: Path) -> None:
    """The on-disk layout (format 2) that existing data directories hold."""
    path = tmp_path / "node.db"
    store = SqliteStorage(path)
    store.append(step(7), sync=True)
    store.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT kind, slot FROM records ORDER BY seq").fetchall()
        (version,) = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    conn.close()
    assert rows == [(1, 7), (2, 7)]  # a SentRecord, then a DecidedRecord, both of slot 7
    assert version == FORMAT_VERSION == 2


def test_another_format_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    created = SqliteStorage(path)
    created.load()
    created.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 3 WHERE key = 'format'")
    conn.close()
    store = SqliteStorage(path)
    with pytest.raises(StorageCorrupted, match="unsupported format version 3"):
        store.load()
    store.close()
