"""The boundary: binary strings both ways whatever the runtime's encoding, C-style errors."""

from __future__ import annotations

import pytest

from rabia.kv.scripting.libraries.boundary import from_lua, lua_type
from tests.kv.scripting.libraries.runtime import error_of, run, runtime

EVERY_BYTE = "".join(f"\\{b}" for b in range(256))


@pytest.mark.parametrize("encoding", [None, "UTF-8", "latin-1"])
def test_binary_strings_round_trip_byte_exact(encoding: str | None) -> None:
    lua = runtime(encoding)
    script = (
        f"local s = '{EVERY_BYTE}' "
        "local a = cjson.decode(cjson.encode(s)) == s "
        "local b = cmsgpack.unpack(cmsgpack.pack(s)) == s "
        "local c = struct.unpack('s', struct.pack('s', s)) == '' "
        "return a and b and c, bit.tohex(string.byte(s, 256)) "
    )
    assert run(lua, script) in ((True, b"000000ff"), (True, "000000ff"))
    assert run(lua, f"return struct.unpack('c256', '{EVERY_BYTE}') == '{EVERY_BYTE}'") is True


def test_errors_carry_the_callers_position_and_name() -> None:
    lua = runtime()
    assert error_of(lua, "local x = cjson.decode({}) return x") == (
        b"user_script:1: bad argument #1 to 'decode' (string expected, got table)"
    )
    assert run(lua, "return pcall(cjson.decode, 'x')") == (
        False,
        b"Expected value but found invalid token at character 1",
    )


def test_helpers() -> None:
    assert from_lua(b"\xff") == b"\xff"
    assert from_lua("ff00") == b"\xff\x00"
    assert [lua_type(v) for v in (None, True, 1, 1.5, b"x")] == [
        "nil",
        "boolean",
        "number",
        "number",
        "string",
    ]
