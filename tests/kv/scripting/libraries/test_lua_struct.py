"""``struct``: formats, alignment, C's casts and errors (fixed cases)."""

from __future__ import annotations

from typing import Any

import pytest

from rabia.kv.scripting.libraries.lua_struct import StructError, c_uint64, pack, size
from tests.kv.scripting.libraries.runtime import error_of, run, runtime


@pytest.fixture(scope="module")
def lua() -> Any:
    return runtime()


def test_casts_follow_x86_64() -> None:
    assert c_uint64(2.0**63 + 2048) == (1 << 63) + 2048
    assert c_uint64(1e300) == 0
    assert c_uint64(float("nan")) == 1 << 63
    assert c_uint64(-1.0) == (1 << 64) - 1


def test_pack_alignment_and_sizes() -> None:
    assert pack(b"!4 h i3", 3, {2: 1.0, 3: 2.0}, {}, {}) == b"\x01\x00\x02\x00\x00"
    assert pack(b">i3 I5", 3, {2: -2.0, 3: 2.0**39}, {}, {}) == bytes.fromhex("fffffe8000000000")
    assert size(b"!4 b i") == 8
    with pytest.raises(StructError, match="alignment 3 is not a power of 2"):
        size(b"!3")


def test_through_lua(lua: Any) -> None:
    assert run(lua, "return struct.pack('>f >d', -0.0, -0.0)").hex() == "800000008000000000000000"
    assert run(lua, "return struct.unpack('b c0', '\\2ab')") == (b"ab", 4)
    assert run(lua, "return struct.unpack('s b', 'abc\\0\\5')") == (b"abc", 5, 6)
    assert run(lua, "return struct.size('b y')") == 1


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("struct.pack('y', 1)", b"bad argument #1 to 'pack' (invalid format option 'y')"),
        ("struct.pack('c3', 'a')", b"bad argument #3 to 'pack' (string too short)"),
        ("struct.pack('b')", b"bad argument #2 to 'pack' (number expected, got nil)"),
        ("struct.unpack('i', 'ab')", b"bad argument #2 to 'unpack' (data string too short)"),
        (
            "struct.unpack('fx', '\\0\\0\\0\\0\\0\\0\\0', 4)",
            b"bad argument #2 to 'unpack' (data string too short)",
        ),
        (
            "struct.unpack('b', 'a', 0)",
            b"bad argument #3 to 'unpack' (offset must be 1 or greater)",
        ),
        ("struct.unpack('s', 'abc')", b"unfinished string in data"),
        ("struct.size('s')", b"bad argument #1 to 'size' (option 's' has no fixed size)"),
        ("struct.pack('i33', 1)", b"integral size 33 is larger than limit of 32"),
    ],
)
def test_errors(lua: Any, source: str, message: bytes) -> None:
    assert error_of(lua, f"local x = {source} return x") == b"user_script:1: " + message
