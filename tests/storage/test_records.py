"""The stored form of a record: kind, slot, encoding and its CRC."""

from __future__ import annotations

import zlib
from pathlib import Path

import msgspec
import pytest

from rabia.core.messages import Proposal, State
from rabia.core.ready import (
    DecidedRecord,
    IncarnationRecord,
    Record,
    ReservedRecord,
    SentRecord,
    SnapshotRecord,
)
from rabia.storage.errors import StorageCorrupted
from rabia.storage.records import (
    RecordKind,
    checksum,
    decode_record,
    encode_record,
    kind_and_slot,
    obsolete_below,
)
from tests.storage.helpers import batch, every_kind

PATH = Path("/data/node.db")
RECORD_TYPES: dict[RecordKind, type[Record]] = {
    RecordKind.SENT: SentRecord,
    RecordKind.DECIDED: DecidedRecord,
    RecordKind.RESERVED: ReservedRecord,
    RecordKind.INCARNATION: IncarnationRecord,
    RecordKind.SNAPSHOT: SnapshotRecord,
}


def test_kinds_are_the_record_tags_and_stay_put() -> None:
    """Stored rows carry these numbers: they are part of the on-disk format."""
    assert {k.name: int(k) for k in RecordKind} == {
        "SENT": 1,
        "DECIDED": 2,
        "RESERVED": 3,
        "INCARNATION": 4,
        "SNAPSHOT": 5,
    }
    for kind, cls in RECORD_TYPES.items():
        assert msgspec.inspect.type_info(cls).tag == kind  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("record", "kind", "slot"),
    [
        (SentRecord(State(9, 1, 1, 0, None)), RecordKind.SENT, 9),
        (DecidedRecord(8, None), RecordKind.DECIDED, 8),
        (ReservedRecord(6), RecordKind.RESERVED, 6),
        (IncarnationRecord(3, 70), RecordKind.INCARNATION, None),
        (SnapshotRecord(5, b"c", b"a"), RecordKind.SNAPSHOT, 5),
    ],
)
def test_kind_and_slot(record: Record, kind: RecordKind, slot: int | None) -> None:
    assert kind_and_slot(record) == (kind, slot)
    assert obsolete_below(slot, 10) == (slot is not None)
    assert not obsolete_below(slot, 3)


def test_every_record_round_trips_through_its_stored_form() -> None:
    records = [*every_kind(7), SnapshotRecord(7, b"core", b"app")]
    for position, record in enumerate(records):
        body = encode_record(record)
        assert decode_record(PATH, position, checksum(body), body) == record


def test_checksum_is_crc32_of_the_body() -> None:
    body = encode_record(SentRecord(Proposal(1, 0, batch(1))))
    assert checksum(body) == zlib.crc32(body)


def test_a_flipped_bit_fails_the_checksum() -> None:
    body = encode_record(DecidedRecord(4, batch(4)))
    crc = checksum(body)
    for at in (0, len(body) // 2, len(body) - 1):
        damaged = bytearray(body)
        damaged[at] ^= 0x10
        with pytest.raises(StorageCorrupted, match="record 12 fails its checksum") as info:
            decode_record(PATH, 12, crc, bytes(damaged))
        assert info.value.path == PATH


@pytest.mark.parametrize(("crc", "body"), [(None, b"x"), (1, "text"), ("1", b"x")])
def test_a_malformed_row_is_refused(crc: object, body: object) -> None:
    with pytest.raises(StorageCorrupted, match="record 3 has a malformed row"):
        decode_record(PATH, 3, crc, body)


def test_a_body_that_matches_its_crc_but_is_no_record_is_refused() -> None:
    body = msgspec.msgpack.encode(["not", "a", "record"])
    with pytest.raises(StorageCorrupted, match="record 5 does not decode"):
        decode_record(PATH, 5, checksum(body), body)
