"""Appends/s, syncs/s and load time of the durable storages, per durability mode.

A *big* step is what a replica persists in ``replay`` recovery when it decides a slot and
starts the next: SentRecords of a PROPOSAL (carrying a batch of 200 commands of 10-byte
values), a STATE and a VOTE, and the DecidedRecord of the batch (~2 x 5.6 KB). A *small*
step is one or two SentRecords of STATE/VOTE (no batch). In ``batch`` and ``off`` every
64th step also appends a ReservedRecord with ``sync`` (the replica's high-water mark) and
``batch`` calls ``flush()`` every ``flush_interval`` (10 ms) as the node's timer would.
Syncs counted are the durable commits the store made (checkpoint syncs excluded).

    .venv/bin/python benchmarks/storage_bench.py [--seconds 2] [--load-records 100000]
        [--dir DIR] [--stores sqlite,lmdb] [--sqlite-sync-off] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from rabia.core.messages import Batch, Command, Proposal, State, Vote
from rabia.core.ready import DecidedRecord, Record, ReservedRecord, SentRecord
from rabia.storage.base import Durability
from rabia.storage.sqlite import SqliteStorage, StorageStats, encode_record

try:
    from rabia.storage.lmdb_store import LmdbStorage
except ImportError:  # the optional extra is not installed
    LmdbStorage = None  # type: ignore[assignment,misc]

MODES: tuple[Durability, ...] = ("always", "batch", "off")
RESERVE_EVERY = 64


class Store(Protocol):
    flush_interval: float

    def load(self) -> list[Record]: ...
    def append(self, records: Sequence[Record], sync: bool) -> None: ...
    def flush(self) -> None: ...
    def stats(self) -> StorageStats: ...
    def close(self) -> None: ...


def big_step(slot: int) -> list[Record]:
    client = 0x2B3C_4D5E_6F70_8192 + slot % 7
    commands = [Command(client, slot * 200 + i, b"0123456789", slot * 200) for i in range(200)]
    batch = Batch.of((slot % 3, 1, slot), 1_790_000_000_000_000 + slot, commands)
    return [
        SentRecord(Proposal(slot + 1, 0, batch)),
        SentRecord(State(slot + 1, 0, 1, 1, batch.id)),
        SentRecord(Vote(slot + 1, 0, 1, 1, batch.id)),
        DecidedRecord(slot, batch),
    ]


def small_step(slot: int) -> list[Record]:
    vote = SentRecord(Vote(slot, 0, 1, 1, (1, 1, slot)))
    return [vote] if slot % 2 else [SentRecord(State(slot, 0, 2, 0, None)), vote]


STEPS: dict[str, Callable[[int], list[Record]]] = {"big": big_step, "small": small_step}


def make(kind: str, path: Path, mode: Durability, sync_off: bool = False) -> Store:
    if kind == "lmdb":
        assert LmdbStorage is not None
        return LmdbStorage(path, mode)
    store = SqliteStorage(path, mode)
    if sync_off and mode != "always":
        store._base = "OFF"  # the rejected alternative, for comparison only
    return store


def run_appends(
    kind: str, mode: Durability, step: str, seconds: float, root: Path, sync_off: bool
) -> dict[str, float]:
    steps = [STEPS[step](slot) for slot in range(512)]
    step_bytes = sum(len(encode_record(r)) for s in steps for r in s) / len(steps)
    path = root / f"{kind}-{mode}-{step}.db"
    store = make(kind, path, mode, sync_off)
    store.load()
    done = 0
    start = time.perf_counter()
    next_flush = start + store.flush_interval
    deadline = start + seconds
    now = start
    while now < deadline:
        for _ in range(16):
            store.append(steps[done % len(steps)], False)
            done += 1
            if mode != "always" and done % RESERVE_EVERY == 0:
                store.append([ReservedRecord(done + RESERVE_EVERY)], True)
        now = time.perf_counter()
        if mode == "batch" and now >= next_flush:
            store.flush()
            next_flush = now + store.flush_interval
    elapsed = time.perf_counter() - start
    stats: StorageStats = store.stats()
    store.close()
    return {
        "steps_per_s": done / elapsed,
        "syncs_per_s": stats.syncs / elapsed,
        "mb_per_s": done * step_bytes / elapsed / 1e6,
        "step_bytes": step_bytes,
    }


def run_load(kind: str, step: str, records: int, root: Path) -> dict[str, float]:
    path = root / f"{kind}-load-{step}.db"
    store = make(kind, path, "off")
    slot = 0
    written = 0
    while written < records:
        chunk = STEPS[step](slot)[: records - written]
        store.append(chunk, False)
        written += len(chunk)
        slot += 1
    store.close()
    start = time.perf_counter()
    fresh = make(kind, path, "always")
    loaded = fresh.load()
    elapsed = time.perf_counter() - start
    size = fresh.stats().bytes_on_disk
    fresh.close()
    assert len(loaded) == records
    return {"load_s": elapsed, "mb": size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per store, mode and step")
    parser.add_argument("--load-records", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="where the files go")
    parser.add_argument("--stores", default="sqlite,lmdb")
    parser.add_argument(
        "--sqlite-sync-off", action="store_true", help="also SQLite with synchronous=OFF"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    kinds = [k for k in args.stores.split(",") if k != "lmdb" or LmdbStorage is not None]
    root = Path(tempfile.mkdtemp(prefix="rabia-storage-bench-", dir=args.dir))
    results: list[dict[str, object]] = []
    try:
        variants = [(k, False) for k in kinds]
        if args.sqlite_sync_off and "sqlite" in kinds:
            variants.append(("sqlite", True))
        for kind, sync_off in variants:
            name = "sqlite(OFF)" if sync_off else kind
            for mode in MODES if not sync_off else ("batch", "off"):
                for step in STEPS:
                    row = run_appends(kind, mode, step, args.seconds, root, sync_off)
                    results.append({"store": name, "mode": mode, "step": step, **row})
        loads = [
            {"store": kind, "step": step, **run_load(kind, step, args.load_records, root)}
            for kind in kinds
            for step in STEPS
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps({"appends": results, "loads": loads}, indent=2))
        return
    print(
        f"{'store':<12}{'mode':<8}{'step':<7}{'B/step':>8}{'steps/s':>10}{'syncs/s':>9}{'MB/s':>7}"
    )
    for r in results:
        print(
            f"{r['store']!s:<12}{r['mode']!s:<8}{r['step']!s:<7}{r['step_bytes']:>8.0f}"
            f"{r['steps_per_s']:>10.0f}{r['syncs_per_s']:>9.0f}{r['mb_per_s']:>7.1f}"
        )
    print(f"\nload() of {args.load_records} records: new instance, open + checks + decode")
    print(f"{'store':<12}{'records of':<12}{'file MB':>9}{'load s':>8}")
    for r in loads:
        steps = f"{r['step']} steps"
        print(f"{r['store']!s:<12}{steps:<12}{r['mb']:>9.1f}{r['load_s']:>8.2f}")


if __name__ == "__main__":
    main()
