"""The packed form, and hashes and sets in machine snapshots: a restored replica answers
exactly as the original (same order, same draws) and writes the same next snapshot."""

from __future__ import annotations

import msgspec

from rabia.kv import KVMachine
from rabia.kv.values.packed import EMPTY, decode_elements, encode_elements, fits, pack, unpack
from tests.kv.conftest import Driver

READS = [
    ["HGETALL", "small"],
    ["HGETALL", "big"],
    ["HSCAN", "big", "0", "COUNT", "7"],
    ["SMEMBERS", "ints"],
    ["SMEMBERS", "wide"],
    ["SSCAN", "wide", "0"],
    ["SRANDMEMBER", "wide", "-5"],
    ["HRANDFIELD", "big", "3", "WITHVALUES"],
    ["SPOP", "wide", "3"],
    ["TTL", "small"],
    ["TYPE", "ints"],
]


def test_pack_and_unpack() -> None:
    elements = [b"", b"a", b"x" * 64]
    assert unpack(pack(elements, 3)) == elements and unpack(EMPTY) == []
    assert fits(elements, 3) and not fits([b"x" * 65], 1)
    assert decode_elements(encode_elements(elements)) == elements


def _filled() -> Driver:
    r = Driver()
    r("HSET", "small", "b", "2", "a", "1")
    r("HDEL", "small", "b")
    r("HSET", "small", "b", "3")
    r("EXPIRE", "small", "100")
    r("HSET", "big", *[b"%d" % (i * 7919 % 500) for i in range(400)])
    r("SADD", "ints", "3", "1", "2")
    r("SADD", "wide", *[b"m%d" % (i * 31 % 200) for i in range(200)], b"x" * 100)
    r("SREM", "wide", "m5")
    r("APPEND", "str", "v")
    return r


def test_snapshot_restores_identical_replies_and_bytes() -> None:
    original = _filled()
    restored = Driver(KVMachine())
    restored.m.restore(original.m.snapshot())
    restored.now = original.now
    assert restored.m.snapshot() == original.m.snapshot()
    for args in READS:
        assert restored(*args) == original(*args), args
    assert restored.m.snapshot() == original.m.snapshot()  # after SPOP too


def test_snapshots_from_before_typed_values_restore() -> None:
    r = Driver()
    r("APPEND", "str", "v")
    snapshot = msgspec.msgpack.decode(r.m.snapshot())
    assert snapshot[0][-1] == []  # no typed values
    del snapshot[0][-1]  # the field older versions did not write
    twin = Driver(KVMachine())
    twin.m.restore(msgspec.msgpack.encode(snapshot))
    assert twin("GET", "str") == b"$1\r\nv\r\n"
    assert twin("SADD", "s", "a") == b":1\r\n"
