"""The script libraries against redis-server 7.0's: the same Lua through ``EVAL`` there and
through an ``install``-ed lupa runtime here, compared as text both sides build the same way
(values, table order, error messages). Calls sit in argument lists, never in tail position
(see the libraries' package docstring)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rabia.kv.scripting.libraries import install
from tests.differential.oracle import RedisOracle
from tests.kv.scripting.libraries.runtime import run, runtime

SHOW = r"""local function show(...)
  local out = {}
  local function s(v, depth)
    local t = type(v)
    if t == "string" then out[#out + 1] = string.format("%q", v)
    elseif t == "number" then out[#out + 1] = string.format("%.17g", v)
    elseif t == "table" then
      if depth > 40 then out[#out + 1] = "<deep>" return end
      out[#out + 1] = "{"
      for k, x in next, v do
        s(k, depth + 1) out[#out + 1] = "=" s(x, depth + 1) out[#out + 1] = ","
      end
      out[#out + 1] = "}"
    else out[#out + 1] = t .. ":" .. tostring(v) end
  end
  for i = 1, select("#", ...) do s((select(i, ...)), 0) out[#out + 1] = " " end
  return table.concat(out)
end
local function pk(...) return {n = select("#", ...), ...} end
"""
RESET = (
    " cjson.encode_max_depth(1000) cjson.decode_max_depth(1000)"
    " cjson.encode_number_precision(14) cjson.encode_keep_buffer(true)"
    " cjson.encode_invalid_numbers(false) cjson.decode_invalid_numbers(true)"
    " cjson.encode_sparse_array(false, 2, 10) "
)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def lua() -> Any:
    return runtime()


def script(body: str) -> bytes:
    """``body`` (statements; ``EXPR`` results through ``pk``) shown as one line of text."""
    line = body.replace("\n", " ")
    return (SHOW + f"local r = show(pcall(function() {line} end)) {RESET} return r").encode()


def redis_eval(oracle: RedisOracle, source: bytes) -> bytes:
    reply = oracle.call([b"EVAL", source, b"0"])
    assert reply.startswith(b"$"), reply
    header = reply.index(b"\r\n")
    return reply[header + 2 : header + 2 + int(reply[1:header])]


def same(oracle: RedisOracle, lua: Any, body: str) -> None:
    source = script(body)
    install(lua)
    ours = run(lua, source)
    assert ours == redis_eval(oracle, source), body


def expr(expression: str, setup: str = "") -> str:
    return f"{setup} local r = pk({expression}) return unpack(r, 1, r.n)"


def lua_string(data: bytes) -> str:
    return '"' + "".join(f"\\{b}" for b in data) + '"'


def lua_number(x: float) -> str:
    if math.isnan(x):
        return "(0/0)"
    if math.isinf(x):
        return "(1/0)" if x > 0 else "(-1/0)"
    return repr(float(x))


edge_numbers = st.one_of(
    st.sampled_from(
        [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            2.0**31,
            2.0**32,
            2.0**53,
            2.0**63,
            2.0**64,
            -(2.0**63),
            1e300,
            1e-300,
            5e-324,
            3.4028234663852886e38,
            16777217.0,
        ]
    ),
    st.integers(min_value=-(2**64), max_value=2**64).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(
    edge_numbers.map(lua_number),
    st.binary(max_size=40).map(lua_string),
    st.sampled_from(["true", "false", "nil", "cjson.null"]),
)


def tables(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    keys = st.one_of(
        st.integers(min_value=-2, max_value=25).map(str),
        st.binary(max_size=6).map(lua_string),
        st.sampled_from(["1.5", "2^53", "true"]),
    )
    array = st.lists(children, max_size=6).map(lambda xs: "{" + ", ".join(xs) + "}")
    mapping = st.lists(st.tuples(keys, children), max_size=5).map(
        lambda kvs: "{" + ", ".join(f"[{k}] = {v}" for k, v in kvs) + "}"
    )
    return st.one_of(array, mapping)


values = st.recursive(scalars, tables, max_leaves=12)


@FAST
@given(value=values)
def test_cjson_encode_and_its_round_trip(oracle: RedisOracle, lua: Any, value: str) -> None:
    same(oracle, lua, expr("cjson.encode(v)", f"local v = {value}"))
    same(oracle, lua, expr("cjson.decode(cjson.encode(v))", f"local v = {value}"))


json_pieces = st.sampled_from(
    [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        '"a"',
        '"\\u00e9"',
        '"\\ud83d\\ude00"',
        '"\\x"',
        '"\\u12"',
        "1",
        "-0",
        "1e5",
        "0x10",
        "inf",
        "-nan",
        "+1",
        ".5",
        "01",
        "true",
        "null",
        "nul",
        " ",
        "\\0",
        '"\\/\\b"',
        "1.5e+",
        '"',
    ]
)


@FAST
@given(pieces=st.lists(json_pieces, max_size=8), invalid=st.booleans())
def test_cjson_decode_of_near_json(
    oracle: RedisOracle, lua: Any, pieces: list[str], invalid: bool
) -> None:
    text = "".join(pieces).replace("\\0", "\x00").encode()
    setup = f"cjson.decode_invalid_numbers({'true' if invalid else 'false'})"
    same(oracle, lua, expr(f"cjson.decode({lua_string(text)})", setup))


@FAST
@given(
    option=st.sampled_from(
        [
            "encode_max_depth",
            "decode_max_depth",
            "encode_number_precision",
            "encode_keep_buffer",
            "encode_invalid_numbers",
            "decode_invalid_numbers",
            "encode_sparse_array",
        ]
    ),
    args=st.lists(
        st.one_of(scalars, st.sampled_from(['"on"', '"off"', '"null"', "3", "1"])), max_size=3
    ),
    value=values,
)
def test_cjson_configuration(
    oracle: RedisOracle, lua: Any, option: str, args: list[str], value: str
) -> None:
    call = f"cjson.{option}({', '.join(args)})"
    same(oracle, lua, expr(f"{call}, cjson.encode(v)", f"local v = {value}"))


@FAST
@given(value=values, more=st.lists(values, max_size=3))
def test_cmsgpack_pack_and_unpack(
    oracle: RedisOracle, lua: Any, value: str, more: list[str]
) -> None:
    packed = f"cmsgpack.pack({', '.join([value, *more])})"
    same(oracle, lua, expr(packed))
    same(oracle, lua, expr(f"cmsgpack.unpack({packed})"))


@FAST
@given(data=st.binary(max_size=24), limit=st.integers(-1, 4), offset=st.integers(-1, 30))
def test_cmsgpack_unpack_of_any_bytes(
    oracle: RedisOracle, lua: Any, data: bytes, limit: int, offset: int
) -> None:
    s = lua_string(data)
    same(oracle, lua, expr(f"cmsgpack.unpack({s})"))
    same(oracle, lua, expr(f"cmsgpack.unpack_one({s}, {offset})"))
    same(oracle, lua, expr(f"cmsgpack.unpack_limit({s}, {limit}, {offset})"))


bit_args = st.one_of(
    edge_numbers.map(lua_number), st.sampled_from(['"0x10"', '" 7 "', '"x"', "nil", "{}"])
)


@FAST
@given(
    op=st.sampled_from(
        [
            "tobit",
            "tohex",
            "bnot",
            "band",
            "bor",
            "bxor",
            "lshift",
            "rshift",
            "arshift",
            "rol",
            "ror",
            "bswap",
        ]
    ),
    args=st.lists(bit_args, max_size=3),
)
def test_bit(oracle: RedisOracle, lua: Any, op: str, args: list[str]) -> None:
    same(oracle, lua, expr(f"bit.{op}({', '.join(args)})"))


formats = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "!",
            "!4",
            "!2",
            "!3",
            "x",
            "b",
            "B",
            "h",
            "H",
            "i",
            "I",
            "i3",
            "I5",
            "i8",
            "I9",
            "l",
            "L",
            "T",
            "f",
            "d",
            "s",
            "c2",
            "c0",
            " ",
            "y",
        ]
    ),
    max_size=5,
).map("".join)
struct_args = st.one_of(
    edge_numbers.map(lua_number),
    st.binary(max_size=6).map(lua_string),
    st.sampled_from(['"12"', "nil", "{}", "true"]),
)


@FAST
@given(
    fmt=formats,
    args=st.lists(struct_args, max_size=5),
    data=st.binary(max_size=20),
    position=st.integers(-1, 6),
)
@example(fmt="fx", args=[], data=b"\0" * 7, position=4)  # padding past the end (a CI seed)
def test_struct(
    oracle: RedisOracle, lua: Any, fmt: str, args: list[str], data: bytes, position: int
) -> None:
    f = lua_string(fmt.encode())
    same(oracle, lua, expr(f"struct.pack({', '.join([f, *args])})"))
    same(oracle, lua, expr(f"struct.unpack({f}, {lua_string(data)}, {position})"))
    same(oracle, lua, expr(f"struct.size({f})"))


@pytest.mark.parametrize(
    "body",
    [
        expr("cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))"),
        expr("cjson.encode(t)", "local t = {} t[1] = t"),
        expr("cmsgpack.unpack(string.rep('\\145', 4000) .. '\\1')"),
        expr("select('#', cmsgpack.unpack(string.rep('\\1', 7999)))"),
        expr("cmsgpack.unpack(string.rep('\\1', 8000))"),
        expr("cmsgpack.pack(t)", "local t = {} for i = 1, 20 do t = {a = t} end"),
        expr('cjson.encode(cjson.decode(\'{"a":1,"b":2,"c":3,"d":4,"e":5}\'))'),
        expr("tostring(cjson.null), type(cjson.null), cjson.decode('[null]')[1] == cjson.null"),
        expr("cjson.encode()"),
        expr("cmsgpack.pack()"),
        expr("struct.pack('c3', 'a')"),
        # the data's length is checked before an unknown option is refused
        expr("struct.unpack('y', '', -1)"),
        expr("struct.unpack('y', 'abc', 5)"),
        expr("struct.unpack('y', 'abc', 4)"),
        expr("struct.unpack('', 'abc', -5)"),
        expr("struct.unpack('b', 'abc', 0)"),
        expr('bit.band(0.0, "x", "x")'),  # LuaBitOp checks the last argument first
        expr('bit.bxor(1, "x", 2, "y")'),
        "cjson.encode = 1",
        "struct.size = nil",
    ],
)
def test_fixed_cases(oracle: RedisOracle, lua: Any, body: str) -> None:
    same(oracle, lua, body)
