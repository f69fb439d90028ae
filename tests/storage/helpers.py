"""Store factories and deterministic records shared by the storage tests and their child writer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from rabia.core.messages import VOTE_QUESTION, Batch, Command, Proposal, State, Vote
from rabia.core.ready import (
    DecidedRecord,
    IncarnationRecord,
    Record,
    ReservedRecord,
    SentRecord,
)
from rabia.storage.base import Durability, StorageStats

KINDS = ("sqlite", "lmdb")


class DurableStore(Protocol):
    """What both durable storages offer: ``Storage`` and their file and flush interval."""

    path: Path
    flush_interval: float

    def load(self) -> list[Record]: ...
    def append(self, records: Sequence[Record], sync: bool) -> None: ...
    def kept_everything(self) -> bool: ...
    def flush(self) -> None: ...
    def compact(self, below: int) -> int: ...
    def prune_sent_below(self, slot: int) -> int: ...
    def stats(self) -> StorageStats: ...
    def close(self) -> None: ...


def open_store(kind: str, path: Path, durability: Durability = "always") -> DurableStore:
    """A store of ``kind`` ("sqlite" or "lmdb") on ``path``."""
    if kind == "sqlite":
        from rabia.storage.sqlite import SqliteStorage

        return SqliteStorage(path, durability)
    from rabia.storage.lmdb_store import LmdbStorage

    return LmdbStorage(path, durability)


def batch(n: int, payload: bytes | None = None) -> Batch:
    """A batch with a few commands (or the given raw payload)."""
    if payload is not None:
        return Batch((n % 3, 1, n), 1_000 + n, payload)
    return Batch.of((n % 3, 1, n), 1_000 + n, [Command(7, n * 4 + i, b"v%d" % i) for i in range(4)])


def every_kind(slot: int) -> list[Record]:
    """One of each record type (and message kind), for ``slot``."""
    b = batch(slot)
    return [
        IncarnationRecord(slot),
        SentRecord(Proposal(slot, 1, b)),
        SentRecord(State(slot, 1, 1, 1, b.id)),
        SentRecord(State(slot, 1, 2, 0, None)),
        SentRecord(Vote(slot, 1, 1, VOTE_QUESTION, None)),
        SentRecord(Vote(slot, 1, 2, 1, b.id)),
        DecidedRecord(slot, b),
        DecidedRecord(slot + 1, None),
        ReservedRecord(slot + 64),
    ]


def step(i: int) -> list[Record]:
    """The records of the child writer's ``i``-th append."""
    return [SentRecord(Vote(i, 0, 1, i % 2, (0, 0, i))), DecidedRecord(i, batch(i))]
