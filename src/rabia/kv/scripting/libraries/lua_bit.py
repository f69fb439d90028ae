"""``bit``: LuaBitOp 1.0.2's operations on 32-bit signed integers made from Lua numbers.

A number becomes 32 bits as LuaBitOp does it: add 2^52 + 2^51 to the double and keep the
low 32 bits of the result's representation (rounding half to even, wrapping modulo 2^32,
and what that gives for huge numbers, infinities and NaN). Arguments may be numbers or
strings that convert to numbers, as ``luaL_checknumber`` accepts. The Lua side checks the
arguments (with LuaBitOp's errors) and Python computes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, Final

from rabia.kv.scripting.libraries.boundary import Boundary

_MAGIC: Final = 6755399441055744.0  # 2^52 + 2^51
_DOUBLE: Final = struct.Struct("<d")
_BITS: Final = struct.Struct("<Q")
_MASK: Final = 0xFFFFFFFF


def tobit(x: float) -> int:
    """The 32-bit signed integer LuaBitOp makes of the Lua number ``x``."""
    if type(x) is int and -0x80000000 <= x <= 0x7FFFFFFF:
        return int(x)
    bits: int = _BITS.unpack(_DOUBLE.pack(float(x) + _MAGIC))[0] & _MASK
    return bits - 0x100000000 if bits & 0x80000000 else bits


def _signed(bits: int) -> int:
    bits &= _MASK
    return bits - 0x100000000 if bits & 0x80000000 else bits


def band(*args: float) -> int:
    result = -1
    for x in args:
        result &= tobit(x)
    return result


def bor(*args: float) -> int:
    result = 0
    for x in args:
        result |= tobit(x)
    return result


def bxor(*args: float) -> int:
    result = 0
    for x in args:
        result ^= tobit(x)
    return result


def bnot(x: float) -> int:
    return ~tobit(x)


def lshift(x: float, n: float) -> int:
    return _signed(tobit(x) << (tobit(n) & 31))


def rshift(x: float, n: float) -> int:
    return _signed((tobit(x) & _MASK) >> (tobit(n) & 31))


def arshift(x: float, n: float) -> int:
    return tobit(x) >> (tobit(n) & 31)


def rol(x: float, n: float) -> int:
    bits, count = tobit(x) & _MASK, tobit(n) & 31
    return _signed((bits << count) | (bits >> (32 - count)))


def ror(x: float, n: float) -> int:
    bits, count = tobit(x) & _MASK, tobit(n) & 31
    return _signed((bits >> count) | (bits << (32 - count)))


def bswap(x: float) -> int:
    return _signed(int.from_bytes((tobit(x) & _MASK).to_bytes(4, "little"), "big"))


def tohex(x: float, n: float = 8) -> bytes:
    """The low ``n`` hex digits of ``x`` (upper case when ``n`` is negative, at most 8)."""
    digits = tobit(n)
    upper = digits < 0
    digits = min(abs(digits), 8)
    if digits == 0:
        return b""
    text = b"%0*x" % (digits, (tobit(x) & _MASK) & ((1 << (4 * digits)) - 1))
    return text.upper() if upper else text


LUA: Final = r"""
local H, py = ...
local type, tonumber, select, unpack = type, tonumber, select, unpack
local lib = {}

local function num(fn, i, x, present)
  local t = type(x)
  if t == "number" then return x end
  if t == "string" then
    local n = tonumber(x)
    if n ~= nil then return n end
  end
  H.typeerror(fn, i, "number", present, x)
end

local function unary(name)
  local op, f = py[name], nil
  f = function(...)
    local x = num(f, 1, (...), select("#", ...) >= 1)
    return op(x)
  end
  lib[name] = f
end

local function binary(name)
  local op, f = py[name], nil
  f = function(...)
    local n = select("#", ...)
    local x, y = ...
    x = num(f, 1, x, n >= 1)
    y = num(f, 2, y, n >= 2)
    return op(x, y)
  end
  lib[name] = f
end

local function variadic(name)
  local op, f = py[name], nil
  f = function(...)
    local n = select("#", ...)
    local x, y = ...
    x = num(f, 1, x, n >= 1)
    if n <= 1 then return op(x) end
    if n == 2 then return op(x, num(f, 2, y, true)) end
    local args = {x}
    for i = n, 2, -1 do args[i] = num(f, i, (select(i, ...)), true) end  -- last first, as LuaBitOp
    return op(unpack(args, 1, n))
  end
  lib[name] = f
end

unary("tobit") unary("bnot") unary("bswap")
binary("lshift") binary("rshift") binary("arshift") binary("rol") binary("ror")
variadic("band") variadic("bor") variadic("bxor")

local tohex
tohex = function(...)
  local n = select("#", ...)
  local x, digits = ...
  x = num(tohex, 1, x, n >= 1)
  if n < 2 then return py.tohex(x) end
  return py.tohex(x, num(tohex, 2, digits, true))
end
lib.tohex = tohex
return lib
"""

_OPERATIONS: Final[dict[str, Callable[..., Any]]] = {
    "tobit": tobit,
    "bnot": bnot,
    "bswap": bswap,
    "lshift": lshift,
    "rshift": rshift,
    "arshift": arshift,
    "rol": rol,
    "ror": ror,
    "band": band,
    "bor": bor,
    "bxor": bxor,
    "tohex": tohex,
}


def build(boundary: Boundary) -> Any:
    """The ``bit`` table (a Lua table) for ``boundary``'s runtime."""
    operations = boundary.functions(_OPERATIONS)
    return boundary.run(LUA, "=rabia.bit")(boundary.helpers, operations)
