"""The storage protocol a ``Node`` persists its replica's records to.

A storage keeps an ordered sequence of records (``rabia.core.ready.Record``). The node
calls ``append(records, sync)`` once per ``Ready`` *before* sending that Ready's messages
or acknowledging any of its commands; with ``sync`` the records must be on stable
storage when ``append`` returns. ``load()`` returns every record that survived, in
append order. What survives a crash depends on the durability mode:

* ``always``: every append is synced (the replica asks for it: ``replay`` recovery), so
  everything appended before a crash survives; one fsync covers one Ready, i.e. one step
  of the node (group commit).
* ``batch``: appends are synced when the replica asks (its high-water mark and
  incarnation records) and at least every ``flush_interval`` seconds; a crash loses at
  most the records of that interval (``abstain`` recovery keeps the replica safe).
* ``off``: only what the replica explicitly asks to sync is synced; the operating
  system decides the rest (``abstain`` recovery).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

from rabia.core.config import Recovery
from rabia.core.ready import Record

Durability = Literal["always", "batch", "off"]


def recovery_for(durability: Durability) -> Recovery:
    """The replica recovery rule a durability mode supports (protocol notes 5b)."""
    return "replay" if durability == "always" else "abstain"


def check_options(durability: Durability, flush_interval: float) -> None:
    """Validate a store's durability mode and flush interval (``ValueError`` if wrong)."""
    if durability not in get_args(Durability):
        raise ValueError(f"unknown durability {durability!r}")
    if not flush_interval > 0:
        raise ValueError("flush_interval must be positive")


@dataclass(frozen=True, slots=True)
class StorageStats:
    """What a storage holds and has cost."""

    records: int
    bytes_on_disk: int
    """Size of its files (0 in memory)."""
    syncs: int
    """Durable commits requested by the node (appends in ``always``, syncs, flushes)."""


class Storage(ABC):
    """Durable (or not) home of one node's records; see the module docstring."""

    durability: Durability = "always"

    @abstractmethod
    def load(self) -> list[Record]:
        """Every record that survived, in append order (empty for a new node)."""

    @abstractmethod
    def append(self, records: Sequence[Record], sync: bool) -> None:
        """Add records; when ``sync`` is true they are durable on return."""

    def kept_everything(self) -> bool:
        """True when ``load()`` holds every record the previous run appended: always in
        ``always``; in ``batch``/``off`` when that run closed cleanly or ran under the same
        kernel boot (a process crash keeps what the OS was handed; ADR 0010)."""
        return self.durability == "always"

    def flush(self) -> None:  # noqa: B027 - optional hook
        """Make everything appended so far durable (the ``batch`` mode's timer calls it)."""

    def compact(self, below: int) -> int:
        """Drop records a durable snapshot at slot ``below`` made obsolete; how many went.

        Called only once the ``SnapshotRecord`` of ``below`` was appended with ``sync``.
        """
        return 0

    @abstractmethod
    def prune_sent_below(self, slot: int) -> int:
        """Drop the ``SentRecord``s of slots below ``slot``; how many went.

        Only the slot in progress needs its sent messages (``replay`` recovery). Need not
        be synced: a lost prune just brings the old records back.
        """

    @abstractmethod
    def stats(self) -> StorageStats:
        """Records held, bytes on disk and durable commits so far."""

    @abstractmethod
    def close(self) -> None:
        """Release files and handles; idempotent."""
