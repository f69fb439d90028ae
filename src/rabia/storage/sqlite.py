"""Records in an SQLite database (stdlib ``sqlite3``) in WAL mode, one transaction per append.

Durability (the modes of ``rabia.storage.base``):

* ``always``: ``synchronous=FULL``; every commit fsyncs the WAL before ``append`` returns.
* ``batch`` and ``off``: ``synchronous=NORMAL``; a commit writes the WAL without syncing it.
  An append with ``sync`` (and ``flush``) commits under ``synchronous=FULL`` instead, which
  fsyncs the WAL file. fsync covers the whole file, so every earlier unsynced frame in it
  becomes durable too. Frames that already left the WAL went through a checkpoint, and under
  NORMAL a checkpoint syncs the WAL before copying, the database after, and the new WAL
  header before the WAL is reused. One FULL commit thus makes everything appended so far
  durable. ``synchronous=OFF`` would not do: its checkpoints and WAL-header rewrites are
  never synced, so a power loss after a WAL restart can lose or corrupt records that an
  earlier FULL commit had made durable (SQLite ticket ff5be73dee). NORMAL costs the same
  per append (no sync) and only adds syncs at checkpoints (every ~1000 WAL pages).

Each record is a row of its kind, slot, CRC32 and msgpack body (:mod:`rabia.storage.records`):
SQLite checks its page structure (``PRAGMA quick_check`` when the file is opened) but nothing
checks a row's content.
A store is used by one thread at a time.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from rabia.core.ready import Record
from rabia.storage.base import Durability, Storage, StorageStats, check_options
from rabia.storage.errors import StorageCorrupted
from rabia.storage.files import fsync_directory
from rabia.storage.records import (
    FORMAT_VERSION,
    RecordKind,
    checksum,
    decode_record,
    encode_record,
    kind_and_slot,
)
from rabia.storage.runs import MARKS, kept_everything, marks

# StorageStats, encode_record and FORMAT_VERSION were defined here once: still importable.
__all__ = ["FORMAT_VERSION", "SqliteStorage", "StorageStats", "encode_record"]

_MAGIC = b"SQLite format 3\x00"
_CORRUPT_CODES = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE records (
    seq INTEGER PRIMARY KEY,
    kind INTEGER NOT NULL,
    slot INTEGER,
    crc INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX records_slot ON records (slot) WHERE slot IS NOT NULL;
"""
_INSERT = "INSERT INTO records (kind, slot, crc, body) VALUES (?, ?, ?, ?)"
_SENT_BELOW = f"kind = {int(RecordKind.SENT)} AND slot < ?"
_BELOW = "slot < ?"


@contextlib.contextmanager
def _corruption(path: Path) -> Iterator[None]:
    """Turn SQLite's "malformed" and "not a database" errors into ``StorageCorrupted``."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in _CORRUPT_CODES:
            raise StorageCorrupted(path, str(exc)) from exc
        raise


class SqliteStorage(Storage):
    """Records in one SQLite file (plus its ``-wal`` and ``-shm``); see the module docstring.

    The file is opened, checked and created if missing on first use (``load`` or ``append``).
    """

    def __init__(
        self, path: Path | str, durability: Durability = "always", flush_interval: float = 0.01
    ) -> None:
        check_options(durability, flush_interval)
        self.path = Path(path)
        self.durability = durability
        self.flush_interval = flush_interval
        """Seconds between the ``flush`` calls the node makes in ``batch`` mode."""
        self._base = "FULL" if durability == "always" else "NORMAL"
        self._conn: sqlite3.Connection | None = None
        self._closed = False
        self._dirty = False
        self._syncs = 0
        self._count: int | None = None
        self._kept: bool | None = None

    # -- Storage -------------------------------------------------------------------------

    def load(self) -> list[Record]:
        conn = self._connection()
        path = self.path
        out: list[Record] = []
        with _corruption(path):
            for seq, crc, body in conn.execute("SELECT seq, crc, body FROM records ORDER BY seq"):
                out.append(decode_record(path, seq, crc, body))
        self._count = len(out)
        return out

    def append(self, records: Sequence[Record], sync: bool) -> None:
        if not records:
            if sync:
                self.flush()
            return
        rows = []
        for record in records:
            body = encode_record(record)
            kind, slot = kind_and_slot(record)
            rows.append((kind, slot, checksum(body), body))
        self._commit(_INSERT, rows, durable=sync or self.durability == "always")
        if self._count is not None:
            self._count += len(rows)

    def kept_everything(self) -> bool:
        self._connection()
        return bool(self._kept)

    def flush(self) -> None:
        """Make everything appended so far durable (one fsync; nothing when already so)."""
        if self._conn is not None and self._dirty:
            self._commit("UPDATE meta SET value = value + 1 WHERE key = 'flushes'", [()], True)

    def close(self) -> None:
        """Flush, then close the file (SQLite checkpoints the WAL into it); idempotent."""
        if self._conn is None:
            self._closed = True
            return
        try:
            self.flush()
            self._commit("UPDATE meta SET value = '1' WHERE key = 'clean'", [()], True)
        finally:
            conn, self._conn = self._conn, None
            self._closed = True
            conn.close()

    # -- extras --------------------------------------------------------------------------

    def prune_sent_below(self, slot: int) -> int:
        """Delete the ``SentRecord``s of slots below ``slot``; return how many went.

        Only the slot in progress needs its sent messages (``replay`` recovery); the freed
        pages are reused, so the file does not grow with them. Not synced in ``batch``
        and ``off`` (a lost prune just brings the old records back).
        """
        return self._delete_below(_SENT_BELOW, slot)

    def compact(self, below: int) -> int:
        """Delete every record a durable snapshot at slot ``below`` makes obsolete.

        Call only after the ``SnapshotRecord`` of ``below`` was appended with ``sync``.
        """
        return self._delete_below(_BELOW, below)

    def _delete_below(self, where: str, slot: int) -> int:
        conn = self._connection()
        with _corruption(self.path):
            deleted = conn.execute(
                f"SELECT count(*) FROM records WHERE {where}", (slot,)
            ).fetchone()[0]
        if deleted:
            self._commit(
                f"DELETE FROM records WHERE {where}",
                [(slot,)],
                durable=self.durability == "always",
            )
            if self._count is not None:
                self._count -= deleted
        return int(deleted)

    def stats(self) -> StorageStats:
        """Records held, bytes on disk (database and WAL) and durable commits so far."""
        conn = self._connection()
        if self._count is None:
            with _corruption(self.path):
                self._count = int(conn.execute("SELECT count(*) FROM records").fetchone()[0])
        size = 0
        for file in (self.path, Path(f"{self.path}-wal")):
            with contextlib.suppress(FileNotFoundError):
                size += file.stat().st_size
        return StorageStats(self._count, size, self._syncs)

    # -- internals -----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            if self._closed:
                raise ValueError(f"storage {str(self.path)!r} is closed")
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        path = self.path
        if path.exists() and path.stat().st_size > 0:
            with path.open("rb") as file:
                if file.read(len(_MAGIC)) != _MAGIC:
                    raise StorageCorrupted(path, "not an SQLite database (bad file header)")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            with _corruption(path):
                self._prepare(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        path = self.path
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"{path}: cannot enter WAL mode (got {mode!r})")
        conn.execute("PRAGMA synchronous=FULL")
        problems = [row[0] for row in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise StorageCorrupted(path, "quick_check: " + "; ".join(map(str, problems[:5])))
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        if not tables:
            meta = f"('format', {FORMAT_VERSION}), ('created', {time.time()!r}), ('flushes', 0)"
            conn.executescript(f"BEGIN; {_SCHEMA} INSERT INTO meta VALUES {meta}; COMMIT;")
            fsync_directory(path.parent)
            self._kept = True  # nothing was ever appended
        elif "meta" not in tables or "records" not in tables:
            raise StorageCorrupted(path, "an SQLite database but not a rabia record store")
        else:
            row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None or row[0] != FORMAT_VERSION:
                found = None if row is None else row[0]
                raise StorageCorrupted(path, f"unsupported format version {found!r}")
            rows = conn.execute(
                "SELECT key, value FROM meta WHERE key IN (?, ?, ?)", MARKS
            ).fetchall()
            self._kept = kept_everything({k: str(v) for k, v in rows}, self.durability)
        # This run's mode and boot, and "not closed cleanly" until close() says otherwise.
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", marks(self.durability).items()
        )
        conn.execute("COMMIT")
        conn.execute(f"PRAGMA synchronous={self._base}")

    def _commit(self, sql: str, params: Sequence[Sequence[object]], durable: bool) -> None:
        """Run ``sql`` over ``params`` in one transaction, synced when ``durable``."""
        conn = self._connection()
        full = durable and self._base != "FULL"
        with _corruption(self.path):
            if full:
                conn.execute("PRAGMA synchronous=FULL")
            try:
                conn.execute("BEGIN")
                try:
                    conn.executemany(sql, params)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            finally:
                if full:
                    conn.execute(f"PRAGMA synchronous={self._base}")
        if durable:
            self._syncs += 1
            self._dirty = False
        else:
            self._dirty = True
