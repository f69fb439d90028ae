"""How the durable stores keep one record: its kind, its slot, its checksummed encoding.

Every store keeps a record as its msgpack encoding (the ``Record`` union's tagged
structs) beside a CRC32 of that encoding, and indexes it by kind and slot so that
pruning and compaction need not decode it. Neither SQLite nor LMDB checks a value's
content: the CRC is what tells a damaged record from a good one.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Final

import msgspec

from rabia.core.ready import DecidedRecord, Record, ReservedRecord, SentRecord, SnapshotRecord
from rabia.storage.errors import StorageCorrupted

FORMAT_VERSION: Final = 2
"""Version of the stored layout, noted in each store's metadata and checked at open."""


class RecordKind(IntEnum):
    """The kind column of a stored record (the same numbers as the records' wire tags)."""

    SENT = 1
    DECIDED = 2
    RESERVED = 3
    INCARNATION = 4
    SNAPSHOT = 5


# Plain ints on the append path: the stores bind them as SQL parameters at every append.
_SENT: Final = int(RecordKind.SENT)
_DECIDED: Final = int(RecordKind.DECIDED)
_RESERVED: Final = int(RecordKind.RESERVED)
_INCARNATION: Final = int(RecordKind.INCARNATION)
_SNAPSHOT: Final = int(RecordKind.SNAPSHOT)

encode_record: Callable[[Record], bytes] = msgspec.msgpack.Encoder().encode
"""The stored encoding of a record (msgpack, tagged)."""

_decode: Callable[[bytes], Record] = msgspec.msgpack.Decoder(Record).decode


def checksum(body: bytes) -> int:
    """CRC32 of an encoded record."""
    return zlib.crc32(body)


def kind_and_slot(record: Record) -> tuple[int, int | None]:
    """(``RecordKind`` value, slot) of a record: the slot below which a snapshot makes it
    obsolete.

    A SentRecord, DecidedRecord or SnapshotRecord of a slot below a snapshot's slot, and a
    reservation mark below it, describe nothing the snapshot does not; incarnations have
    no slot and are kept.
    """
    if isinstance(record, SentRecord):
        return _SENT, record.message.slot
    if isinstance(record, DecidedRecord):
        return _DECIDED, record.slot
    if isinstance(record, ReservedRecord):
        return _RESERVED, record.slot
    if isinstance(record, SnapshotRecord):
        return _SNAPSHOT, record.slot
    return _INCARNATION, None


def obsolete_below(slot: int | None, below: int) -> bool:
    """True when a record of ``slot`` (from ``kind_and_slot``) is made obsolete by a durable
    snapshot at ``below``."""
    return slot is not None and slot < below


def decode_record(path: Path, position: object, crc: object, body: object) -> Record:
    """Check and decode one stored record; raise ``StorageCorrupted`` naming ``path`` and
    the record's ``position`` when its row is malformed, its CRC differs or it does not
    decode."""
    if type(body) is not bytes or type(crc) is not int:
        raise StorageCorrupted(path, f"record {position} has a malformed row")
    if checksum(body) != crc:
        raise StorageCorrupted(path, f"record {position} fails its checksum")
    try:
        return _decode(body)
    except msgspec.DecodeError as exc:
        raise StorageCorrupted(path, f"record {position} does not decode: {exc}") from exc
