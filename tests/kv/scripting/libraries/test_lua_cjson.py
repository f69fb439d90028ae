"""``cjson``: encoding, configuration and errors as Redis 7.0's (fixed cases)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.kv.scripting.libraries.runtime import error_of, run, runtime


@pytest.fixture
def lua() -> Any:
    return runtime()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{}", b"{}"),
        ("{1, 2, nil, 4}", b"[1,2,null,4]"),
        ("{[10] = 3}", b"[null,null,null,null,null,null,null,null,null,3]"),
        ("{a = 1, [1] = 2}", b'{"a":1,"1":2}'),
        ("-0.0", b"-0"),
        ("1e15", b"1e+15"),
        ("123456789012345678", b"1.2345678901235e+17"),
        ('"a/b\\"c\\\\d\\1\\8\\127\\128"', b'"a\\/b\\"c\\\\d\\u0001\\b\\u007f\x80"'),
        ("cjson.null", b"null"),
    ],
)
def test_encode(lua: Any, source: str, expected: bytes) -> None:
    assert run(lua, f"return cjson.encode({source})") == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{[1] = 1, [20] = 2}", b"Cannot serialise table: excessively sparse array"),
        ("{[true] = 1}", b"Cannot serialise boolean: table key must be a number or string"),
        ("{f = function() end}", b"Cannot serialise function: type not supported"),
        ("1/0", b"Cannot serialise number: must not be NaN or Inf"),
    ],
)
def test_encode_errors(lua: Any, source: str, message: bytes) -> None:
    assert error_of(lua, f"local x = cjson.encode({source}) return x") == (
        b"user_script:1: " + message
    )


def test_nesting_limits(lua: Any) -> None:
    assert error_of(lua, "local t = {} t[1] = t local x = cjson.encode(t)") == (
        b"user_script:1: Cannot serialise, excessive nesting (1001)"
    )
    assert run(lua, "return pcall(cjson.decode, string.rep('[', 1001))") == (
        False,
        b"Found too many nested data structures (1001) at character 1001",
    )


def test_decode_builds_tables_and_null(lua: Any) -> None:
    assert run(lua, "local t = cjson.decode('[1,null,\"x\"]') return #t, t[3]") == (3, b"x")
    assert run(lua, "return cjson.decode('[null]')[1] == cjson.null, tostring(cjson.null)") == (
        True,
        b"userdata: (nil)",
    )


def test_configuration_is_reset_by_a_new_install(lua: Any) -> None:
    from rabia.kv.scripting.libraries import install

    assert run(lua, "return cjson.encode_max_depth(2)") == 2
    assert run(lua, "return pcall(cjson.encode, {{{}}})") == (
        False,
        b"Cannot serialise, excessive nesting (3)",
    )
    install(lua)
    assert run(lua, "return cjson.encode_max_depth(), cjson.encode({{{}}})") == (1000, b"[[{}]]")


def test_configuration_functions(lua: Any) -> None:
    assert run(lua, "return cjson.encode_sparse_array(true, 1, 2)") == (True, 1, 2)
    assert run(lua, "return cjson.encode({[1] = 1, [20] = 2})") == b'{"1":1,"20":2}'
    assert run(lua, "return cjson.encode_max_depth(2^32 + 5)") == 5
    assert run(lua, "return pcall(cjson.encode_number_precision, 15)") == (
        False,
        b"bad argument #1 to '?' (expected integer between 1 and 14)",
    )
    assert run(lua, "return pcall(cjson.encode_keep_buffer, 'x')") == (
        False,
        b"bad argument #1 to '?' (invalid option 'x')",
    )
    assert run(lua, "return cjson.new() ~= cjson, cjson.new().encode({})") == (True, b"{}")
