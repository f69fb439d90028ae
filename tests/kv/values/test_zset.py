"""ZSetValue: Redis's two encodings and when it changes between them, snapshots."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rabia.kv.values import VALUE_TYPES
from rabia.kv.values.zset import ZSetValue
from rabia.kv.values.zset_index import ScoreIndex


def filled(count: int, member_size: int = 3) -> ZSetValue:
    zs = ZSetValue.new(b"x" * member_size)
    z = zs.view()
    for i in range(count):
        member = (b"%0*d" % (member_size, i))[-member_size:]
        if z.get(member) is not None:
            continue
        z = zs.make_room(z, member)
        z.insert(member, float(i % 7))
    zs.save(z)
    return zs


def test_registered_as_zset() -> None:
    assert VALUE_TYPES[b"zset"] is ZSetValue
    assert ZSetValue.TYPE == b"zset"


def test_small_sets_are_packed_until_129_members() -> None:
    zs = filled(128)
    assert zs.ENCODING == b"listpack" and len(zs) == 128
    z = zs.make_room(zs.view(), b"new")
    assert isinstance(z, ScoreIndex) and zs.ENCODING == b"skiplist"
    z.insert(b"new", 1.0)
    zs.save(z)
    assert len(zs) == 129


def test_a_member_over_64_bytes_makes_the_index_and_it_stays() -> None:
    zs = filled(3)
    z = zs.make_room(zs.view(), b"m" * 65)
    z.insert(b"m" * 65, 0.0)
    zs.save(z)
    assert zs.ENCODING == b"skiplist"
    z.remove(b"m" * 65)
    zs.save(z)
    assert zs.ENCODING == b"skiplist" and len(zs) == 3
    assert ZSetValue.new(b"m" * 65).ENCODING == b"skiplist"
    assert ZSetValue.new(b"m" * 64).ENCODING == b"listpack"


def test_built_sets_are_packed_when_small_enough() -> None:
    assert ZSetValue.built([b"a"], [-0.0]).ENCODING == b"listpack"
    assert str(ZSetValue.built([b"a"], [-0.0]).view().get(b"a")) == "0.0"
    big = ZSetValue.built([b"%03d" % i for i in range(129)], [0.0] * 129)
    assert big.ENCODING == b"skiplist"
    long_member = ZSetValue.built([b"a", b"b" * 65], [-0.0, 1.0])
    assert long_member.ENCODING == b"skiplist"
    assert str(long_member.view().get(b"a")) == "-0.0"


@given(st.integers(0, 300), st.sampled_from([1, 30, 70]))
def test_encode_decode_and_copy_keep_content_and_encoding(count: int, size: int) -> None:
    zs = filled(count, size)
    again = ZSetValue.decode(zs.encode())
    copied = zs.copy()
    for other in (again, copied):
        assert other.ENCODING == zs.ENCODING
        assert other.view().items() == zs.view().items()
        assert other.encode() == zs.encode()


def test_decode_refuses_garbage() -> None:
    for data in (b"", b"Q", b"S\x01", b"L\x05\x08", b"S" + b"\x01\x00\x00\x00" + b"\x00" * 8):
        with pytest.raises(ValueError):
            ZSetValue.decode(data)
    unordered = filled(200).encode()
    members_at = len(unordered) - 200 * 3
    swapped = unordered[:members_at] + unordered[members_at + 3 : members_at + 6]
    swapped += unordered[members_at : members_at + 3] + unordered[members_at + 6 :]
    with pytest.raises(ValueError):
        ZSetValue.decode(swapped)
