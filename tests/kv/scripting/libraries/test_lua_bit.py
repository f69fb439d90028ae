"""``bit``: LuaBitOp's conversions, operations and errors (fixed cases seen on Redis 7.0)."""

from __future__ import annotations

from typing import Any

import pytest

from rabia.kv.scripting.libraries.lua_bit import tobit, tohex
from tests.kv.scripting.libraries.runtime import error_of, run, runtime


@pytest.fixture(scope="module")
def lua() -> Any:
    return runtime()


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (2.0**31, -(2**31)),
        (2.0**32 + 5, 5),
        (0.5, 0),
        (1.5, 2),
        (2.5, 2),
        (-1.5, -2),
        (2.0**52, 0),
        (2.0**53 + 3, 2),
        (1e300, -2013235812),
        (float("inf"), 0),
        (float("nan"), 0),
        (2.0**51 + 1.5, 1),
    ],
)
def test_tobit_is_luabitops_conversion(x: float, expected: int) -> None:
    assert tobit(x) == expected


def test_tohex_digits_and_case() -> None:
    assert tohex(0xABCDEF12) == b"abcdef12"
    assert tohex(0xABCDEF12, -4) == b"EF12"
    assert tohex(0xABCDEF12, -(2**31)) == b"ABCDEF12"
    assert tohex(1, 2.0**32) == b""
    assert tohex(1, 2.7) == b"001"


def test_operations_through_lua(lua: Any) -> None:
    assert run(lua, "return bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(7, 2, 1)") == (
        3,
        7,
        4,
    )
    assert run(lua, "return bit.lshift(1, 33), bit.rshift(-1, 1), bit.arshift(-256, 4)") == (
        2,
        2147483647,
        -16,
    )
    assert run(lua, "return bit.rol(1, 33), bit.ror(1, 1), bit.bswap(0x12345678)") == (
        2,
        -(2**31),
        2018915346,
    )
    assert run(lua, "return bit.band('0x10', 31), bit.tobit(' 5 '), bit.bnot(0)") == (16, 5, -1)
    assert run(lua, "return type(bit.tohex(1)), bit.tohex(-1)") == (b"string", b"ffffffff")


def test_argument_errors_name_the_function_as_called(lua: Any) -> None:
    assert error_of(lua, "local x = bit.band() return x") == (
        b"user_script:1: bad argument #1 to 'band' (number expected, got no value)"
    )
    assert error_of(lua, "local x = bit.band(1, nil, 2) return x") == (
        b"user_script:1: bad argument #2 to 'band' (number expected, got nil)"
    )
    assert error_of(lua, "local x = bit:band() return x") == (
        b"user_script:1: calling 'band' on bad self (number expected, got table)"
    )
    assert run(lua, "return pcall(bit.tobit, '5x')") == (
        False,
        b"bad argument #1 to '?' (number expected, got string)",
    )


def test_the_table_is_read_only(lua: Any) -> None:
    assert error_of(lua, "bit.band = nil") == b"user_script:1: Attempt to modify a readonly table"
    assert run(lua, "return type(bit.band)") == b"function"
