"""HashValue: the same behaviour packed and as a dict, insertion order, snapshots."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.kv.values import VALUE_TYPES
from rabia.kv.values.hashes import HashValue
from rabia.kv.values.packed import PACKED_ELEMENT, PACKED_ENTRIES

small = st.binary(max_size=3)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), small, st.binary(max_size=PACKED_ELEMENT + 2)),
        st.tuples(st.just("del"), small, st.just(b"")),
    ),
    max_size=200,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_behaves_like_an_insertion_ordered_dict(steps: list[tuple[str, bytes, bytes]]) -> None:
    h, model = HashValue(), dict[bytes, bytes]()
    for op, field, value in steps:
        if op == "set":
            assert h.set(field, value) == (field not in model)
            model[field] = value
        else:
            assert h.delete(field) == (field in model)
            model.pop(field, None)
        assert len(h) == len(model)
    assert h.fields() == list(model)
    assert h.values() == list(model.values())
    assert h.flat() == [x for pair in model.items() for x in pair]
    assert all(h.get(f) == v for f, v in model.items())
    assert h.get(b"absent-field") is None
    twin = HashValue.decode(h.encode())
    assert twin.flat() == h.flat() and twin.encode() == h.encode()
    copy = h.copy()
    copy.set(b"new", b"1")
    assert h.get(b"new") is None and copy.flat()[:-2] == h.flat()


def test_packed_until_too_many_fields_or_a_long_element() -> None:
    h = HashValue()
    for i in range(PACKED_ENTRIES):
        h.set(b"f%d" % i, b"v")
    assert h.table() is None and h.encoding() == b"listpack"
    h.set(b"one more", b"v")
    assert h.table() is not None and h.encoding() == b"listpack"  # Redis: up to 128
    long = HashValue()
    long.set(b"f", b"x" * (PACKED_ELEMENT + 1))
    assert long.table() is not None
    assert long.encoding() == b"hashtable"  # Redis: values up to 64 bytes in a listpack
    assert HashValue.decode(HashValue().encode()).flat() == []


def test_registered_and_malformed_snapshots_refused() -> None:
    assert VALUE_TYPES[b"hash"] is HashValue
    for bad in (b"\xc1", b"\x91\xc4\x01a", b"\x94\xc4\x01a\xc4\x01b\xc4\x01a\xc4\x01c"):
        with pytest.raises(ValueError):
            HashValue.decode(bad)
