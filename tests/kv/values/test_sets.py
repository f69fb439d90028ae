"""SetValue: the same behaviour packed and as a dict, insertion order, snapshots."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.kv.values import VALUE_TYPES
from rabia.kv.values.packed import PACKED_ELEMENT
from rabia.kv.values.sets import INTSET_ENTRIES, SetValue

members = st.one_of(st.binary(max_size=2), st.binary(min_size=PACKED_ELEMENT + 1, max_size=70))
ops = st.lists(st.tuples(st.booleans(), st.lists(members, max_size=5)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_behaves_like_an_insertion_ordered_set(steps: list[tuple[bool, list[bytes]]]) -> None:
    s, model = SetValue(), dict[bytes, None]()
    for add, batch in steps:
        if add:
            new = [m for m in dict.fromkeys(batch) if m not in model]
            assert s.add_all(batch) == len(new)
            model.update(dict.fromkeys(batch))
        else:
            assert s.remove_all(batch) == len({m for m in batch if m in model})
            for m in batch:
                model.pop(m, None)
        assert len(s) == len(model)
    assert s.members() == list(model)
    assert all(m in s for m in model) and b"zz-absent" not in s
    twin = SetValue.decode(s.encode())
    assert twin.members() == s.members() and twin.encode() == s.encode()
    copy = s.copy()
    copy.add(b"zz-new")
    assert b"zz-new" not in s


def test_encoding_names_follow_redis_7_0() -> None:
    assert SetValue([b"1", b"-20"]).encoding() == b"intset"
    assert SetValue([b"1", b"a"]).encoding() == b"hashtable"
    assert SetValue([b"01"]).encoding() == b"hashtable"  # not Redis's canonical integer
    assert SetValue([b"%d" % i for i in range(INTSET_ENTRIES + 1)]).encoding() == b"hashtable"


def test_registered_and_malformed_snapshots_refused() -> None:
    assert VALUE_TYPES[b"set"] is SetValue
    for bad in (b"\xc1", b"\x92\xc4\x01a\xc4\x01a", b"\x91\x01"):
        with pytest.raises(ValueError):
            SetValue.decode(bad)
