"""Records in an LMDB file (the ``lmdb`` package: ``pip install rabia[lmdb]``).

Durability (the modes of ``rabia.storage.base``):

* ``always``: the environment is opened with ``sync=True``: every commit fdatasyncs the
  data pages, then the meta page (two syncs per append).
* ``batch`` and ``off``: ``sync=False`` (``MDB_NOSYNC``): commits are only written. An append
  with ``sync`` and ``flush`` call ``env.sync(True)``, one fdatasync of the whole file, which
  covers every earlier commit. A process crash loses nothing; but LMDB orders nothing
  without syncs, so an operating-system crash or power loss can leave the file corrupted
  (``load`` then refuses it), not only lose the unsynced tail. SQLite's WAL does not have
  this weakness.

LMDB keeps no checksums: each value is a CRC32 of the record followed by its msgpack
encoding (:mod:`rabia.storage.records`). A file shorter than its meta page says is refused
before its pages are read (reading past the end of the mapping would kill the process with
SIGBUS); damage inside B-tree pages is detected only as far as LMDB notices it.
The file is ``path`` itself, with a ``path-lock`` beside it. A process must not open the
same file twice (an LMDB rule); a store is used by one thread at a time.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Final

import lmdb

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
    obsolete_below,
)
from rabia.storage.runs import MARKS, kept_everything, marks

_SENT: Final = int(RecordKind.SENT)

_CORRUPT_ERRORS = (
    lmdb.InvalidError,
    lmdb.CorruptedError,
    lmdb.PageNotFoundError,
    lmdb.IncompatibleError,
    lmdb.VersionMismatchError,
    lmdb.BadValsizeError,
)


@contextlib.contextmanager
def _corruption(path: Path) -> Iterator[None]:
    """Turn LMDB's "invalid", "corrupted" and similar errors into ``StorageCorrupted``."""
    try:
        yield
    except _CORRUPT_ERRORS as exc:
        raise StorageCorrupted(path, f"{type(exc).__name__}: {exc}") from exc


_Dbs = tuple[lmdb._Database, lmdb._Database, lmdb._Database]
"""The ``meta``, ``records`` and ``sent`` sub-databases."""


def _key(n: int) -> bytes:
    return n.to_bytes(8, "big")


class LmdbStorage(Storage):
    """Records in one LMDB file; see the module docstring.

    Sub-databases: ``records`` (seq -> crc + body), ``sent`` (slot + seq of every
    ``SentRecord``, for pruning) and ``meta``. ``map_size`` is the initial size of the
    mapping (address space, not disk); it doubles whenever it fills.
    """

    def __init__(
        self,
        path: Path | str,
        durability: Durability = "always",
        flush_interval: float = 0.01,
        map_size: int = 1 << 30,
    ) -> None:
        check_options(durability, flush_interval)
        self.path = Path(path)
        self.durability = durability
        self.flush_interval = flush_interval
        """Seconds between the ``flush`` calls the node makes in ``batch`` mode."""
        self._map_size = map_size
        self._env: lmdb.Environment | None = None
        self._dbs: _Dbs | None = None
        self._kept: bool | None = None
        self._closed = False
        self._dirty = False
        self._syncs = 0
        self._next = 0

    # -- Storage -------------------------------------------------------------------------

    def load(self) -> list[Record]:
        env, (_, records, _) = self._open_env()
        path = self.path
        out: list[Record] = []
        with _corruption(path), env.begin(db=records) as txn:
            for key, value in txn.cursor():
                if len(key) != 8 or len(value) < 4:
                    raise StorageCorrupted(path, f"record {key!r} has a malformed entry")
                seq = int.from_bytes(key, "big")
                crc = int.from_bytes(value[:4], "big")
                out.append(decode_record(path, seq, crc, value[4:]))
        return out

    def append(self, records: Sequence[Record], sync: bool) -> None:
        if records:
            entries: list[tuple[bytes, int | None]] = []
            for record in records:
                body = encode_record(record)
                kind, slot = kind_and_slot(record)
                sent = slot if kind == _SENT else None
                entries.append((checksum(body).to_bytes(4, "big") + body, sent))
            self._write(entries)
        if sync:
            self.flush()

    def kept_everything(self) -> bool:
        self._open_env()
        return bool(self._kept)

    def flush(self) -> None:
        """Make everything appended so far durable (one fdatasync; nothing when already so)."""
        if self._env is not None and self._dirty:
            self._env.sync(True)
            self._syncs += 1
            self._dirty = False

    def close(self) -> None:
        """Flush, then close the environment; idempotent."""
        if self._env is None:
            self._closed = True
            return
        try:
            self.flush()
            if self._dbs is not None:
                with self._env.begin(write=True) as txn:
                    txn.put(b"clean", b"1", db=self._dbs[0])
                self._env.sync(True)
        finally:
            env, self._env, self._dbs = self._env, None, None
            self._closed = True
            env.close()

    # -- extras --------------------------------------------------------------------------

    def prune_sent_below(self, slot: int) -> int:
        """Delete the ``SentRecord``s of slots below ``slot``; return how many went.

        Only the slot in progress needs its sent messages; LMDB reuses the freed pages.
        Not synced in ``batch`` and ``off``.
        """
        env, (_, records, sent) = self._open_env()
        if slot <= 0:
            return 0
        bound = _key(slot)
        with _corruption(self.path), env.begin(write=True) as txn:
            cursor = txn.cursor(db=sent)
            doomed = []
            if cursor.first():
                for key in cursor.iternext(keys=True, values=False):
                    if key >= bound:  # keys are slot (8 bytes) + seq (8 bytes)
                        break
                    doomed.append(key)
            for key in doomed:
                txn.delete(key[8:], db=records)
                txn.delete(key, db=sent)
        self._after_commit(bool(doomed))
        return len(doomed)

    def compact(self, below: int) -> int:
        """Delete every record a durable snapshot at slot ``below`` makes obsolete.

        A full scan (LMDB keeps no slot index for decided records): fine for an optional
        store; SQLite, the default, deletes by index.
        """
        env, (_, records, sent) = self._open_env()
        doomed: list[tuple[bytes, int | None]] = []
        with _corruption(self.path), env.begin(db=records) as txn:
            for key, value in txn.cursor():
                record = decode_record(self.path, key, int.from_bytes(value[:4], "big"), value[4:])
                kind, slot = kind_and_slot(record)
                if obsolete_below(slot, below):
                    doomed.append((key, slot if kind == _SENT else None))
        with _corruption(self.path), env.begin(write=True) as txn:
            for key, sent_at in doomed:
                txn.delete(key, db=records)
                if sent_at is not None:
                    txn.delete(_key(sent_at) + key, db=sent)
        self._after_commit(bool(doomed))
        return len(doomed)

    def stats(self) -> StorageStats:
        """Records held, bytes on disk and durable commits so far."""
        env, (_, records, _) = self._open_env()
        with env.begin() as txn:
            count = int(txn.stat(records)["entries"])
        return StorageStats(count, self.path.stat().st_size, self._syncs)

    # -- internals -----------------------------------------------------------------------

    def _open_env(
        self,
    ) -> tuple[lmdb.Environment, _Dbs]:
        if self._env is None or self._dbs is None:
            if self._closed:
                raise ValueError(f"storage {str(self.path)!r} is closed")
            self._env, self._dbs = self._open()
        return self._env, self._dbs

    def _open(
        self,
    ) -> tuple[lmdb.Environment, _Dbs]:
        path = self.path
        new = not path.exists() or path.stat().st_size == 0
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
        with _corruption(path):
            env = lmdb.open(
                str(path),
                subdir=False,
                map_size=self._map_size,
                max_dbs=3,
                sync=self.durability == "always",
                metasync=True,
            )
        try:
            with _corruption(path):
                dbs = self._prepare(env)
        except BaseException:
            env.close()
            raise
        env.sync(True)  # the boot and clean marks above must be durable before any append
        if new:
            fsync_directory(path.parent)
        return env, dbs

    def _prepare(self, env: lmdb.Environment) -> _Dbs:
        path = self.path
        needed = (int(env.info()["last_pgno"]) + 1) * int(env.stat()["psize"])
        size = path.stat().st_size
        if size < needed:
            raise StorageCorrupted(path, f"truncated: {size} bytes, its meta page needs {needed}")
        with env.begin() as txn:
            names = [key for key, _ in txn.cursor()]
        if names and b"meta" not in names:
            raise StorageCorrupted(path, "an LMDB file but not a rabia record store")
        with env.begin(write=True) as txn:
            meta = env.open_db(b"meta", txn=txn)
            records = env.open_db(b"records", txn=txn)
            sent = env.open_db(b"sent", txn=txn)
            version = txn.get(b"format", db=meta)
            if version is None and not names:
                txn.put(b"format", str(FORMAT_VERSION).encode(), db=meta)
                txn.put(b"created", repr(time.time()).encode(), db=meta)
                self._kept = True  # nothing was ever appended
            elif version != str(FORMAT_VERSION).encode():
                raise StorageCorrupted(path, f"unsupported format version {version!r}")
            else:
                noted = {key: txn.get(key.encode(), db=meta) for key in MARKS}
                self._kept = kept_everything(
                    {k: v.decode("utf-8", "replace") for k, v in noted.items() if v is not None},
                    self.durability,
                )
            # This run's mode and boot, and "not closed cleanly" until close() says otherwise.
            for key, value in marks(self.durability).items():
                txn.put(key.encode(), value.encode(), db=meta)
            last = txn.cursor(db=records)
            self._next = int.from_bytes(last.key(), "big") + 1 if last.last() else 0
        return meta, records, sent

    def _write(self, entries: list[tuple[bytes, int | None]]) -> None:
        env, (_, records, sent) = self._open_env()
        while True:
            seq = self._next
            try:
                with _corruption(self.path), env.begin(write=True) as txn:
                    for value, slot in entries:
                        key = _key(seq)
                        txn.put(key, value, db=records, append=True)
                        if slot is not None:
                            txn.put(_key(slot) + key, b"", db=sent)
                        seq += 1
            except lmdb.MapFullError:
                env.set_mapsize(int(env.info()["map_size"]) * 2)
                continue
            break
        self._next = seq
        self._after_commit(True)

    def _after_commit(self, wrote: bool) -> None:
        if not wrote:
            return
        if self.durability == "always":
            self._syncs += 1
        else:
            self._dirty = True
