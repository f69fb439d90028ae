"""What every store promises, as test classes a store's own test module inherits.

``StorageContract`` holds what any ``Storage`` does (memory included);
``DurableStoreContract`` adds what a store on disk does: reopen, crash, corruption.
A subclass names its store in ``kind`` (for the crash writer) and opens it in ``open``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rabia.core.messages import Proposal, State, Vote
from rabia.core.ready import (
    DecidedRecord,
    IncarnationRecord,
    Record,
    ReservedRecord,
    SentRecord,
    SnapshotRecord,
)
from rabia.storage.base import Durability, Storage
from rabia.storage.errors import StorageCorrupted
from rabia.storage.runs import BOOT_ID_ENV
from tests.storage.helpers import DurableStore, batch, every_kind, open_store, step

WRITER = Path(__file__).with_name("crash_writer.py")


def slot_records(slot: int) -> list[Record]:
    """Two sent messages and the decision of ``slot``."""
    return [
        SentRecord(State(slot, 0, 1, 1, None)),
        SentRecord(Vote(slot, 0, 1, 1, None)),
        DecidedRecord(slot, batch(slot)),
    ]


def snapshot(slot: int) -> SnapshotRecord:
    return SnapshotRecord(slot, b"core-%d" % slot, b"app-%d" % slot)


def slot_of(record: Record) -> int | None:
    """The slot a record belongs to (None: an incarnation, which belongs to none)."""
    if isinstance(record, SentRecord):
        return record.message.slot
    if isinstance(record, IncarnationRecord):
        return None
    return record.slot


def without_sent_below(records: list[Record], slot: int) -> list[Record]:
    return [r for r in records if not (isinstance(r, SentRecord) and r.message.slot < slot)]


class StorageContract:
    """Append, load, prune, compact and account: any store, within one run."""

    kind = ""

    def open(self, path: Path, durability: Durability = "always") -> Storage:
        """A store of this kind on ``path`` (a store in memory ignores it)."""
        raise NotImplementedError

    @pytest.fixture
    def make(self, tmp_path: Path) -> Iterator[Callable[..., Storage]]:
        """Open stores of this kind; every one is closed at teardown."""
        opened: list[Storage] = []

        def factory(durability: Durability = "always", path: Path | None = None) -> Storage:
            store = self.open(path or tmp_path / "node.db", durability)
            opened.append(store)
            return store

        yield factory
        for store in opened:
            store.close()

    def test_appended_records_load_in_order(self, make: Callable[..., Storage]) -> None:
        store = make()
        assert store.load() == []
        records = every_kind(5)
        store.append(records, sync=False)
        store.append(every_kind(6), sync=True)
        assert store.load() == records + every_kind(6)

    def test_stats_and_sync_accounting(self, make: Callable[..., Storage], tmp_path: Path) -> None:
        store = make("off")
        store.load()
        store.append(step(0), sync=False)
        store.append(step(1), sync=False)
        assert store.stats().syncs == 0
        store.append([ReservedRecord(64)], sync=True)  # one sync covers all three appends
        store.flush()  # nothing new: no sync
        stats = store.stats()
        assert (stats.records, stats.syncs) == (5, 1)
        always = make("always", tmp_path / "always.db")
        always.append(step(0), sync=False)
        always.append(step(1), sync=False)
        assert always.stats().syncs == 2

    @pytest.mark.parametrize("durability", ["always", "off"])
    def test_prune_sent_below(self, make: Callable[..., Storage], durability: Durability) -> None:
        store = make(durability)
        store.load()
        appended = [r for slot in range(10) for r in slot_records(slot)]
        for slot in range(10):
            store.append(slot_records(slot), sync=False)
        assert store.prune_sent_below(6) == 12
        assert store.prune_sent_below(6) == 0
        assert store.load() == without_sent_below(appended, 6)
        assert store.stats().records == len(appended) - 12

    def test_compact_drops_what_a_snapshot_covers(self, make: Callable[..., Storage]) -> None:
        store = make()
        store.load()
        appended: list[Record] = [IncarnationRecord(0), ReservedRecord(4)]
        for slot in range(10):
            appended += slot_records(slot)
        appended += [ReservedRecord(64), snapshot(3), snapshot(6), IncarnationRecord(1, 70)]
        store.append(appended, sync=True)
        kept = [r for r in appended if (at := slot_of(r)) is None or at >= 6]
        assert store.compact(6) == len(appended) - len(kept)
        assert store.load() == kept
        assert store.stats().records == len(kept)


class DurableStoreContract(StorageContract):
    """What a store on disk adds: it survives reopening, kills, and refuses damage."""

    def open(self, path: Path, durability: Durability = "always") -> Storage:
        store = open_store(self.kind, path, durability)
        assert isinstance(store, Storage)
        return store

    def reopen(self, path: Path, durability: Durability = "always") -> DurableStore:
        return open_store(self.kind, path, durability)

    def test_round_trip_across_reopen(self, make: Callable[..., Storage], tmp_path: Path) -> None:
        records = every_kind(5)
        store = make()
        store.append(records, sync=False)
        store.close()
        assert make().load() == records

    @pytest.mark.parametrize("durability", ["always", "batch", "off"])
    def test_order_preserved_across_reopen(
        self, make: Callable[..., Storage], durability: Durability
    ) -> None:
        expected: list[Record] = []
        for round_ in range(3):
            store = make(durability)
            assert store.load() == expected
            for i in range(round_ * 10, round_ * 10 + 10):
                store.append(step(i), sync=i % 4 == 0)
                expected += step(i)
            store.append([], sync=True)
            store.close()
        assert make(durability).load() == expected

    def test_files_have_a_size(self, make: Callable[..., Storage]) -> None:
        store = make()
        store.append(step(0), sync=True)
        assert store.stats().bytes_on_disk > 0

    def test_options_are_checked(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="durability"):
            self.reopen(tmp_path / "x.db", "sometimes")  # type: ignore[arg-type]
        store = self.reopen(tmp_path / "x.db", "batch")
        assert store.flush_interval == 0.01
        store.close()
        store.close()  # idempotent
        with pytest.raises(ValueError, match="closed"):
            store.load()

    @pytest.mark.parametrize("durability", ["always", "off"])
    def test_pruned_records_stay_pruned(
        self, make: Callable[..., Storage], durability: Durability
    ) -> None:
        store = make(durability)
        for slot in range(10):
            store.append(slot_records(slot), sync=False)
        store.prune_sent_below(6)
        store.append([DecidedRecord(10, None)], sync=False)
        store.close()
        appended = [r for slot in range(10) for r in slot_records(slot)]
        expected = [*without_sent_below(appended, 6), DecidedRecord(10, None)]
        assert make(durability).load() == expected

    def test_pruned_sent_records_do_not_grow_the_file(
        self, make: Callable[..., Storage], tmp_path: Path
    ) -> None:
        path = tmp_path / "node.db"
        big = batch(0, b"x" * 2000)

        def rounds(start: int, stop: int) -> int:
            store = make("off", path)
            store.load()
            for slot in range(start, stop):
                for sender in range(20):  # ~40 KB of sent records per slot, pruned at once
                    store.append([SentRecord(Proposal(slot, sender, big))], sync=False)
                store.append([DecidedRecord(slot, big)], sync=False)
                store.prune_sent_below(slot)
            store.close()
            return path.stat().st_size

        decided_bytes = 2100 * 200
        first = rounds(0, 100)
        assert rounds(100, 200) <= first + decided_bytes + 256 * 1024

    # -- crashes -------------------------------------------------------------------------

    def kill_after(self, durability: str, path: Path, sync_every: int, lines: int) -> int:
        """Run the writer until it reported ``lines`` durable appends, SIGKILL it; the last."""
        child = subprocess.Popen(
            [sys.executable, str(WRITER), self.kind, durability, str(path), str(sync_every)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        last = -1
        try:
            for _ in range(lines):
                line = child.stdout.readline()
                assert line, f"writer exited early with {child.wait()}"
                last = int(line)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        return last

    @pytest.mark.parametrize(("durability", "sync_every"), [("always", 3), ("off", 4)])
    def test_durable_appends_survive_sigkill(
        self, tmp_path: Path, durability: str, sync_every: int
    ) -> None:
        path = tmp_path / "node.db"
        last = self.kill_after(durability, path, sync_every, lines=30)
        store = self.reopen(path)
        try:
            loaded = store.load()
        finally:
            store.close()
        steps = len(loaded) // 2
        assert steps > last  # every append reported durable is there ...
        assert loaded == [r for i in range(steps) for r in step(i)]  # ... as a prefix, in order

    @pytest.mark.parametrize("durability", ["batch", "off"])
    def test_a_store_knows_whether_its_previous_run_kept_everything(
        self, tmp_path: Path, durability: Durability, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """ADR 0010: complete after a clean close or a kill under the same boot; not after a
        kill followed by a reboot (the unsynced tail may be gone)."""
        path = tmp_path / "node.db"

        def kept(durability: Durability) -> bool:
            store = self.reopen(path, durability)
            try:
                return store.kept_everything()
            finally:
                store.close()

        monkeypatch.setenv(BOOT_ID_ENV, "boot-1")
        fresh = self.reopen(path, durability)
        assert fresh.kept_everything()  # a new store lost nothing
        fresh.append(step(0), sync=False)
        fresh.close()
        monkeypatch.setenv(BOOT_ID_ENV, "boot-2")
        assert kept(durability)  # a clean close flushed: a reboot since is harmless

        monkeypatch.setenv(BOOT_ID_ENV, "boot-3")  # the writer child inherits it
        self.kill_after(durability, path, sync_every=4, lines=5)
        same_boot = self.reopen(path, durability)
        try:
            assert same_boot.kept_everything()  # kill -9: the OS kept every append
            assert len(same_boot.load()) >= 2 * 5 * 4
        finally:
            same_boot.close()
        self.kill_after(durability, path, sync_every=4, lines=5)
        monkeypatch.setenv(BOOT_ID_ENV, "boot-4")  # the machine rebooted since the kill
        assert not kept(durability)
        self.kill_after(durability, path, sync_every=4, lines=5)
        monkeypatch.setenv(BOOT_ID_ENV, "boot-5")  # rebooted again, and now opened as always
        assert not kept("always")  # the new mode does not undo the loss
        self.kill_after("always", path, sync_every=3, lines=5)  # kill -9 of an always run
        monkeypatch.setenv(BOOT_ID_ENV, "boot-6")  # and a reboot since
        assert kept("always")  # the previous run synced every append

    # -- corruption ----------------------------------------------------------------------

    def filled(self, make: Callable[..., Storage], tmp_path: Path, marker: bytes = b"") -> Path:
        path = tmp_path / "node.db"
        store = make("always", path)
        store.load()
        for i in range(1000):
            store.append(step(i), sync=False)
        if marker:
            store.append([DecidedRecord(1000, batch(1000, marker))], sync=False)
        store.close()
        return path

    def refused(self, path: Path, match: str | None = None) -> StorageCorrupted:
        store = self.reopen(path)
        try:
            with pytest.raises(StorageCorrupted, match=match) as info:
                store.load()
        finally:
            store.close()
        assert str(path) in str(info.value)
        return info.value

    @pytest.mark.parametrize("header", [b"", b"SQLite format 3\x00"])
    def test_garbage_file_is_refused(self, tmp_path: Path, header: bytes) -> None:
        path = tmp_path / "node.db"
        path.write_bytes(header + os.urandom(40_000))
        self.refused(path)

    def test_truncated_file_is_refused(self, make: Callable[..., Storage], tmp_path: Path) -> None:
        path = self.filled(make, tmp_path)
        size = path.stat().st_size
        assert size > 64 * 1024
        os.truncate(path, size // 2)
        self.refused(path)

    def test_flipped_byte_in_a_record_is_refused(
        self, make: Callable[..., Storage], tmp_path: Path
    ) -> None:
        marker = b"<<rabia-storage-test-marker>>" * 4
        path = self.filled(make, tmp_path, marker)
        data = bytearray(path.read_bytes())
        at = data.find(marker)
        assert at >= 0
        while at >= 0:  # every copy (a store may keep a stale one in a free page)
            data[at + 40] ^= 0x01
            at = data.find(marker, at + 1)
        path.write_bytes(bytes(data))
        self.refused(path, "checksum")
