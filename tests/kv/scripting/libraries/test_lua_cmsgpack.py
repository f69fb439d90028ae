"""``cmsgpack``: encodings, table shapes, limits and errors (fixed cases)."""

from __future__ import annotations

from typing import Any

import pytest

from rabia.kv.scripting.libraries.lua_cmsgpack import pack_float
from tests.kv.scripting.libraries.runtime import error_of, run, runtime


@pytest.fixture(scope="module")
def lua() -> Any:
    return runtime()


@pytest.mark.parametrize(
    ("source", "hex_"),
    [
        ("0, 127, 128, 65536, 2^32", "007fcc80ce00010000cf0000000100000000"),
        ("-1, -33, -129, -2^31-1", "ffd0dfd1ff7fd3ffffffff7fffffff"),
        ("1.5, 0.1, 2^63, 0/0", "ca3fc00000cb3fb999999999999aca5f000000cbfff8000000000000"),
        ("true, false, nil, 'abc'", "c3c2c0a3616263"),
        ("{}, {1, 2}, {a = 1}, {1, nil, 3}", "90920102 81a16101 8201010303".replace(" ", "")),
    ],
)
def test_pack(lua: Any, source: str, hex_: str) -> None:
    assert run(lua, f"return cmsgpack.pack({source})").hex() == hex_


def test_deep_tables_become_nil(lua: Any) -> None:
    packed = run(lua, "local t = {} t[1] = t return cmsgpack.pack(t)")
    assert packed == b"\x91" * 16 + b"\xc0"


def test_unpack(lua: Any) -> None:
    assert run(lua, "return cmsgpack.unpack(cmsgpack.pack(1, 'a', {1, 2}))")[:2] == (1, b"a")
    assert run(lua, "return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)") == (2, 1, 2)
    assert run(lua, "return cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)") == (-1, 2)
    assert run(lua, "return select('#', cmsgpack.unpack(string.rep('\\1', 7999)))") == 7999


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("'\\193'", b"user_script:1: Bad data format in input."),
        ("'\\205\\1'", b"user_script:1: Missing bytes in input."),
        ("'\\129\\192\\1'", b"table index is nil"),
        (
            "string.rep('\\1', 8000)",
            b"user_script:1: stack overflow (too many return values at "
            b"once; use unpack_one or unpack_limit instead.)",
        ),
    ],
)
def test_unpack_errors(lua: Any, data: str, message: bytes) -> None:
    assert error_of(lua, f"local x = cmsgpack.unpack({data}) return x") == message


def test_pack_float_prefers_exact_float32() -> None:
    assert pack_float(1.5) == b"\xca\x3f\xc0\x00\x00"
    assert pack_float(1e300)[:1] == b"\xcb"
    assert pack_float(float("inf")) == b"\xca\x7f\x80\x00\x00"
