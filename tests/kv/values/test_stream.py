"""StreamValue: entries in nodes, deletion, Redis's trimming, read counters, snapshots."""

from __future__ import annotations

import pytest

from rabia.kv.values import VALUE_TYPES
from rabia.kv.values.stream import MAX_ID, StreamValue, format_id, next_id
from rabia.kv.values.stream_group import Group
from rabia.kv.values.stream_node import MAX_ENTRIES


def sid(ms: int, seq: int = 0) -> int:
    return ms << 64 | seq


def filled(count: int, start: int = 1) -> StreamValue:
    stream = StreamValue()
    for ms in range(start, start + count):
        stream.append(sid(ms), [b"f", b"%d" % ms])
    return stream


def ids(stream: StreamValue) -> list[int]:
    return [ident for ident, _ in stream.entries(0, MAX_ID)]


def test_registered_as_the_stream_type() -> None:
    assert VALUE_TYPES[b"stream"] is StreamValue
    assert StreamValue.ENCODING == b"stream"
    assert not StreamValue().removable_when_empty  # an empty stream stays


def test_ids_print_and_follow_the_clock_or_the_last_id() -> None:
    assert format_id(sid(5, 7)) == b"5-7"
    assert next_id(sid(5, 7), 6) == sid(6)  # the clock moved: ms-0
    assert next_id(sid(5, 7), 5) == sid(5, 8)  # same ms: the next sequence
    assert next_id(sid(9, 0), 5) == sid(9, 1)  # clock behind: never backwards
    assert next_id(sid(9, (1 << 64) - 1), 5) == sid(10)


def test_entries_live_in_nodes_of_at_most_100() -> None:
    stream = filled(250)
    assert len(stream) == 250 and stream.entries_added == 250
    assert [len(node) for node in stream.nodes] == [MAX_ENTRIES, MAX_ENTRIES, 50]
    assert stream.masters == [sid(1), sid(101), sid(201)]
    assert ids(stream) == [sid(ms) for ms in range(1, 251)]
    assert [i for i, _ in stream.entries_reversed(sid(150), sid(99))] == [
        sid(ms) for ms in range(150, 98, -1)
    ]
    assert stream.get(sid(7)) == [b"f", b"7"] and stream.get(sid(7, 1)) is None


def test_big_entries_start_new_nodes() -> None:
    stream = StreamValue()
    for ms in range(1, 4):
        stream.append(sid(ms), [b"f", b"x" * 3000])
    assert len(stream.nodes) == 3


def test_other_field_names_are_kept_with_their_values() -> None:
    stream = StreamValue()
    stream.append(sid(1), [b"a", b"1", b"b", b"2"])
    stream.append(sid(2), [b"a", b"3", b"b", b"4"])  # the master's fields: values only
    stream.append(sid(3), [b"c", b"5"])
    assert [pairs for _, pairs in stream.entries(0, MAX_ID)] == [
        [b"a", b"1", b"b", b"2"],
        [b"a", b"3", b"b", b"4"],
        [b"c", b"5"],
    ]


def test_delete_leaves_a_tombstone_until_the_node_is_empty() -> None:
    stream = filled(3)
    assert stream.delete(sid(2)) and not stream.delete(sid(2))
    assert len(stream) == 2 and len(stream.nodes[0]) == 3  # the tombstone stays
    assert ids(stream) == [sid(1), sid(3)]
    assert stream.first_live() == sid(1) and stream.last_live() == sid(3)
    stream.delete(sid(1))
    stream.delete(sid(3))
    assert stream.nodes == [] and len(stream) == 0 and stream.last_id == sid(3)


def test_exact_trimming_removes_nodes_then_entries() -> None:
    stream = filled(250)
    assert stream.trim(120, 0, approx=False, limit=0) == 130
    assert len(stream) == 120 and stream.first_id == sid(131)
    assert len(stream.nodes) == 2  # the first node went whole; 30 tombstones in the next
    assert stream.trim(None, sid(200), approx=False, limit=0) == 69  # 131..199
    assert stream.first_id == sid(200)


def test_approximate_trimming_removes_whole_nodes_only() -> None:
    stream = filled(250)
    assert stream.trim(120, 0, approx=True, limit=0) == 100  # not the half node
    assert len(stream) == 150
    assert stream.trim(0, 0, approx=True, limit=60) == 0  # LIMIT below a node: nothing
    assert stream.trim(None, sid(260), approx=True, limit=0) == 150


def test_read_counters_follow_redis() -> None:
    stream = filled(5)
    assert stream.estimate_read(sid(5)) == 5  # the last entry: all added
    assert stream.estimate_read(sid(1)) == 1  # the first, no tombstones
    assert stream.estimate_read(sid(0)) == 0
    assert stream.estimate_read(sid(3)) == -1  # in the middle: unknown
    assert stream.estimate_read(sid(9)) == -1  # the future
    stream.delete(sid(2))
    stream.max_deleted = sid(2)
    assert stream.tombstones_from(sid(1)) and not stream.tombstones_from(sid(3))


def test_snapshot_round_trip_keeps_everything() -> None:
    stream = filled(150)
    stream.append(sid(500), [b"other", b"fields", b"x", b""])
    stream.delete(sid(3))
    stream.max_deleted = sid(3)
    group = stream.groups[b"g"] = Group(sid(10), 10)
    consumer, _ = group.consumer(b"c", 1234)
    for ms in (4, 5, 9):
        group.deliver(sid(ms), consumer, 99)
    data = stream.encode()
    copy = StreamValue.decode(data)
    assert copy.encode() == data
    assert ids(copy) == ids(stream)
    assert [n.size for n in copy.nodes] == [n.size for n in stream.nodes]
    assert (copy.last_id, copy.first_id, copy.max_deleted, copy.entries_added) == (
        stream.last_id,
        stream.first_id,
        stream.max_deleted,
        stream.entries_added,
    )
    restored = copy.groups[b"g"]
    assert (restored.last_id, restored.entries_read) == (sid(10), 10)
    assert list(restored.consumers[b"c"].pel.from_(0)) == [sid(4), sid(5), sid(9)]
    assert restored.pel.nacks[sid(5)].consumer is restored.consumers[b"c"]
    assert StreamValue().copy().encode() == StreamValue().encode()


MALFORMED = [b"", b"\x93\x01\x02", b"\x95\x01\x96\x00\x00\x00\x00\x00\x00\x00\x90\x90"]


@pytest.mark.parametrize("data", MALFORMED)
def test_malformed_snapshots_raise_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        StreamValue.decode(data)
