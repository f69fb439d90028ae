"""A stream node: its entries, and the byte size of Redis's listpack for it."""

from __future__ import annotations

from rabia.kv.values.stream_node import MAX_BYTES, MAX_ENTRIES, Node, _int_size, _str_size


def test_element_sizes_follow_listpack_encodings() -> None:
    assert [_int_size(v) for v in (0, 127, 128, -1, 4095, -4096, 4096, 32767, 32768)] == [
        2, 2, 3, 3, 3, 3, 4, 4, 5,
    ]  # fmt: skip
    assert [_int_size(v) for v in (8388607, 8388608, 2**31 - 1, 2**31, -(2**63))] == [
        5, 6, 6, 10, 10,
    ]  # fmt: skip
    # strings that are integers are stored as integers; others by length
    assert _str_size(b"12") == 2 and _str_size(b"-5000") == 4
    assert _str_size(b"012") == 5 and _str_size(b"-0") == 4 and _str_size(b"") == 2
    assert _str_size(b"x" * 63) == 65 and _str_size(b"x" * 64) == 67
    assert _str_size(b"x" * 126) == 130 and _str_size(b"x" * 5000) == 5007
    assert _str_size(b"9" * 20) == 22  # beyond int64: a string of 20


def test_a_node_counts_its_listpack_bytes() -> None:
    node = Node(1 << 64, [b"f"])
    assert node.size == 7 + 2 + 2 + 2 + 3 + 2  # ends, counts, 1 field, "f", terminator
    node.append(1 << 64, [b"f", b"v"])
    assert node.size == 18 + 2 + 2 + 2 + 3 + 2  # flags, ID deltas, "v", entry length
    node.append(2 << 64 | 5, [b"g", b"v", b"h", b"w"])
    assert node.size == 29 + 2 + 2 + 2 + 2 + 4 * 3 + 2  # with its own field names
    assert node.pairs(1) == [b"g", b"v", b"h", b"w"] and node.pairs(0) == [b"f", b"v"]
    assert node.index_ge(2 << 64) == 1 and node.index_ge(3 << 64) == 2
    node.delete(0)
    assert node.deleted(0) and node.live == 1 and len(node) == 2


def test_a_node_is_full_at_100_entries_or_4096_bytes() -> None:
    node = Node(1 << 64, [b"f"])
    assert node.full(MAX_BYTES - node.size) and not node.full(MAX_BYTES - node.size - 1)
    for ms in range(1, MAX_ENTRIES + 1):
        assert not node.full(1)
        node.append(ms << 64, [b"f", b"v"])
    assert node.full(1)


def test_state_round_trip() -> None:
    node = Node(7 << 64 | 1, [b"a", b"b"])
    node.append(7 << 64 | 1, [b"a", b"1", b"b", b"2"])
    node.append(9 << 64, [b"z", b"3"])
    node.delete(1)
    copy = Node.from_state(node.state())
    assert copy.state() == node.state()
    assert (copy.live, copy.master, copy.fields) == (1, 7 << 64 | 1, [b"a", b"b"])
