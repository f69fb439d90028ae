"""Durable storages (SQLite, LMDB): round trip, order, crashes, corruption, pruning."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rabia.core.messages import Proposal, State, Vote
from rabia.core.ready import DecidedRecord, Record, ReservedRecord, SentRecord
from rabia.storage.base import Durability
from rabia.storage.errors import StorageCorrupted
from rabia.storage.sqlite import SqliteStorage
from tests.storage.helpers import KINDS, DurableStore, batch, every_kind, open_store, step

WRITER = Path(__file__).with_name("crash_writer.py")
Factory = Callable[..., DurableStore]


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    if request.param == "lmdb":
        pytest.importorskip("lmdb")
    return str(request.param)


@pytest.fixture
def make(kind: str, tmp_path: Path) -> Iterator[Factory]:
    """Open stores of the parametrized kind; every one is closed at teardown."""
    opened: list[DurableStore] = []

    def factory(durability: Durability = "always", path: Path | None = None) -> DurableStore:
        store = open_store(kind, path or tmp_path / "node.db", durability)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


def test_round_trip_of_every_record_type(make: Factory) -> None:
    records = every_kind(5)
    store = make()
    assert store.load() == []
    store.append(records, sync=False)
    assert store.load() == records
    store.close()
    assert make().load() == records


@pytest.mark.parametrize("durability", ["always", "batch", "off"])
def test_order_preserved_across_reopen(make: Factory, durability: Durability) -> None:
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


def test_stats_and_sync_accounting(make: Factory) -> None:
    store = make("off")
    store.load()
    store.append(step(0), sync=False)
    store.append(step(1), sync=False)
    assert store.stats().syncs == 0
    store.append([ReservedRecord(64)], sync=True)  # one sync covers all three appends
    store.flush()  # nothing new: no sync
    stats = store.stats()
    assert (stats.records, stats.syncs) == (5, 1)
    assert stats.bytes_on_disk > 0
    always = make("always", store.path.with_name("always.db"))
    always.append(step(0), sync=False)
    always.append(step(1), sync=False)
    assert always.stats().syncs == 2


def test_options_are_checked(kind: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="durability"):
        open_store(kind, tmp_path / "x.db", "sometimes")  # type: ignore[arg-type]
    store = open_store(kind, tmp_path / "x.db", "batch")
    assert store.flush_interval == 0.01
    store.close()
    store.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        store.load()


def test_always_survives_reopen_without_close(tmp_path: Path) -> None:
    """SQLite only: LMDB forbids a second handle on one file in a process (see the kill tests)."""
    path = tmp_path / "node.db"
    writer = SqliteStorage(path, "always")
    writer.load()
    for i in range(20):
        writer.append(step(i), sync=False)
    try:
        assert SqliteStorage(path).load() == [r for i in range(20) for r in step(i)]
    finally:
        writer.close()


def _kill_after(kind: str, durability: str, path: Path, sync_every: int, lines: int) -> int:
    """Run the writer until it reported ``lines`` durable appends, SIGKILL it, return the last."""
    child = subprocess.Popen(
        [sys.executable, str(WRITER), kind, durability, str(path), str(sync_every)],
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
    kind: str, tmp_path: Path, durability: str, sync_every: int
) -> None:
    path = tmp_path / "node.db"
    last = _kill_after(kind, durability, path, sync_every, lines=30)
    store = open_store(kind, path)
    try:
        loaded = store.load()
    finally:
        store.close()
    steps = len(loaded) // 2
    assert steps > last  # every append reported durable is there ...
    assert loaded == [r for i in range(steps) for r in step(i)]  # ... as a prefix, in order


@pytest.mark.parametrize("durability", ["batch", "off"])
def test_a_store_knows_whether_its_previous_run_kept_everything(
    kind: str, tmp_path: Path, durability: Durability, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ADR 0010: complete after a clean close or a kill under the same boot; not after a
    kill followed by a reboot (the unsynced tail may be gone)."""
    from rabia.storage.runs import BOOT_ID_ENV

    path = tmp_path / "node.db"
    monkeypatch.setenv(BOOT_ID_ENV, "boot-1")
    fresh = open_store(kind, path, durability)
    assert fresh.kept_everything()  # a new store lost nothing
    fresh.append(step(0), sync=False)
    fresh.close()
    monkeypatch.setenv(BOOT_ID_ENV, "boot-2")
    after_close = open_store(kind, path, durability)
    assert after_close.kept_everything()  # a clean close flushed: a reboot since is harmless
    after_close.close()

    monkeypatch.setenv(BOOT_ID_ENV, "boot-3")  # the writer child inherits it
    _kill_after(kind, durability, path, sync_every=4, lines=5)
    same_boot = open_store(kind, path, durability)
    try:
        assert same_boot.kept_everything()  # kill -9: the OS kept every append
        assert len(same_boot.load()) >= 2 * 5 * 4
    finally:
        same_boot.close()
    _kill_after(kind, durability, path, sync_every=4, lines=5)
    monkeypatch.setenv(BOOT_ID_ENV, "boot-4")  # the machine rebooted since the kill
    rebooted = open_store(kind, path, durability)
    try:
        assert not rebooted.kept_everything()
    finally:
        rebooted.close()
    _kill_after(kind, durability, path, sync_every=4, lines=5)
    monkeypatch.setenv(BOOT_ID_ENV, "boot-5")  # rebooted again, and now opened as always
    switched = open_store(kind, path, "always")
    try:
        assert not switched.kept_everything()  # the new mode does not undo the loss
    finally:
        switched.close()
    _kill_after(kind, "always", path, sync_every=3, lines=5)  # kill -9 of an always run
    monkeypatch.setenv(BOOT_ID_ENV, "boot-6")  # and a reboot since
    always = open_store(kind, path, "always")
    try:
        assert always.kept_everything()  # the previous run synced every append
    finally:
        always.close()


# -- corruption ------------------------------------------------------------------------


def _filled(make: Factory, tmp_path: Path, marker: bytes = b"") -> Path:
    path = tmp_path / "node.db"
    store = make("always", path)
    store.load()
    for i in range(1000):
        store.append(step(i), sync=False)
    if marker:
        store.append([DecidedRecord(1000, batch(1000, marker))], sync=False)
    store.close()
    return path


def _refused(kind: str, path: Path, match: str | None = None) -> StorageCorrupted:
    store = open_store(kind, path)
    try:
        with pytest.raises(StorageCorrupted, match=match) as info:
            store.load()
    finally:
        store.close()
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize("header", [b"", b"SQLite format 3\x00"])
def test_garbage_file_is_refused(kind: str, tmp_path: Path, header: bytes) -> None:
    path = tmp_path / "node.db"
    path.write_bytes(header + os.urandom(40_000))
    _refused(kind, path)


def test_truncated_file_is_refused(make: Factory, kind: str, tmp_path: Path) -> None:
    path = _filled(make, tmp_path)
    size = path.stat().st_size
    assert size > 64 * 1024
    os.truncate(path, size // 2)
    _refused(kind, path)


def test_flipped_byte_in_a_record_is_refused(make: Factory, kind: str, tmp_path: Path) -> None:
    marker = b"<<rabia-storage-test-marker>>" * 4
    path = _filled(make, tmp_path, marker)
    data = bytearray(path.read_bytes())
    at = data.find(marker)
    assert at >= 0
    while at >= 0:  # every copy (a store may keep a stale one in a free page)
        data[at + 40] ^= 0x01
        at = data.find(marker, at + 1)
    path.write_bytes(bytes(data))
    _refused(kind, path, "checksum")


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    _refused("sqlite", path, "not a rabia record store")


# -- pruning ---------------------------------------------------------------------------


def _slot_records(slot: int) -> list[Record]:
    return [
        SentRecord(State(slot, 0, 1, 1, None)),
        SentRecord(Vote(slot, 0, 1, 1, None)),
        DecidedRecord(slot, batch(slot)),
    ]


@pytest.mark.parametrize("durability", ["always", "off"])
def test_prune_sent_below(make: Factory, durability: Durability) -> None:
    store = make(durability)
    store.load()
    for slot in range(10):
        store.append(_slot_records(slot), sync=False)
    assert store.prune_sent_below(6) == 12
    assert store.prune_sent_below(6) == 0
    expected = [
        r
        for slot in range(10)
        for r in _slot_records(slot)
        if not (isinstance(r, SentRecord) and r.message.slot < 6)
    ]
    assert store.load() == expected
    assert store.stats().records == len(expected)
    store.append([DecidedRecord(10, None)], sync=False)
    store.close()
    assert make(durability).load() == [*expected, DecidedRecord(10, None)]


def test_pruned_sent_records_do_not_grow_the_file(make: Factory, tmp_path: Path) -> None:
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
