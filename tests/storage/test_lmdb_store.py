"""LmdbStorage: the durable store contract, and its on-disk layout."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from tests.storage.contract import DurableStoreContract
from tests.storage.helpers import step

lmdb = pytest.importorskip("lmdb")


class TestLmdbStorage(DurableStoreContract):
    kind = "lmdb"


def test_values_are_a_crc_then_the_body_and_sent_records_are_indexed(tmp_path: Path) -> None:
    """The on-disk layout (format 2) that existing data directories hold."""
    from rabia.storage.lmdb_store import LmdbStorage
    from rabia.storage.records import encode_record

    path = tmp_path / "node.mdb"
    store = LmdbStorage(path)
    store.append(step(7), sync=True)
    store.close()
    env = lmdb.open(str(path), subdir=False, max_dbs=3, readonly=True, lock=False)
    try:
        with env.begin() as txn:
            meta, records, sent = (
                env.open_db(name, txn=txn) for name in (b"meta", b"records", b"sent")
            )
            assert txn.get(b"format", db=meta) == b"2"
            values = [value for _, value in txn.cursor(db=records)]
            sent_keys = [key for key, _ in txn.cursor(db=sent)]
    finally:
        env.close()
    bodies = [encode_record(r) for r in step(7)]
    assert values == [zlib.crc32(b).to_bytes(4, "big") + b for b in bodies]
    assert sent_keys == [(7).to_bytes(8, "big") + (0).to_bytes(8, "big")]  # slot, then seq
