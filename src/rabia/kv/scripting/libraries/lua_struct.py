"""``struct``: Roberto Ierusalimschy's struct library (``pack``, ``unpack``, ``size``).

Formats: ``<`` ``>`` (little/big endian, little by default), ``!n`` (maximum alignment,
8 when ``n`` is left out), ``x`` (a zero byte), ``b/B`` ``h/H`` ``l/L`` ``T`` ``i/In``
``I/In`` (integers of 1, 2, 8, 8 and n bytes, n <= 32), ``f`` ``d``, ``s`` (zero
terminated), ``cn`` (n bytes; ``c0``: the whole string, or on unpack as many bytes as
the number unpacked just before) and spaces. Numbers become integers as the C library's
casts make them (x86-64), including what those give for NaN and huge numbers.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from typing import Any, Final

from rabia.kv.scripting.libraries.boundary import Boundary, from_lua

_M64: Final = (1 << 64) - 1
_LIMIT: Final = 32
_SIZES: Final = {"b": 1, "B": 1, "h": 2, "H": 2, "l": 8, "L": 8, "T": 8, "f": 4, "d": 8}
_KNOWN: Final = frozenset("xsciI") | frozenset(_SIZES)


class StructError(Exception):
    """An error: ``narg`` is the argument luaL_argerror names, or None for luaL_error."""

    def __init__(self, message: str, narg: int | None = None) -> None:
        super().__init__(message)
        self.narg = narg


def _number(fmt: bytes, i: int, default: int) -> tuple[int, int]:
    if i >= len(fmt) or not 0x30 <= fmt[i] <= 0x39:
        return default, i
    value = 0
    while i < len(fmt) and 0x30 <= fmt[i] <= 0x39:
        digit = fmt[i] - 0x30
        if value > 214748364 or value * 10 > 2147483647 - digit:
            raise StructError("integral size overflow")
        value, i = value * 10 + digit, i + 1
    return value, i


def items(fmt: bytes, *, invalid: str = "raise") -> Iterator[tuple[str, int, int, bool]]:
    """Each option of ``fmt``: (option, size, alignment, little endian); the option is ""
    for a space or a setting (``<``, ``>``, ``!``). An unknown option raises
    (``invalid="raise"``), is skipped (``"skip"``) or is yielded with size 0
    (``"yield"``: unpack checks the data's length before it refuses the option)."""
    little, max_align, i = True, 1, 0
    while i < len(fmt):
        opt = chr(fmt[i])
        i += 1
        if opt in " <>!":
            yield "", 0, 1, little
        if opt == " ":
            continue
        if opt in "<>":
            little = opt == "<"
        elif opt == "!":
            max_align, i = _number(fmt, i, 8)
            if max_align & (max_align - 1) or max_align == 0:
                raise StructError(f"alignment {max_align} is not a power of 2")
        elif opt in "xsc":
            size, i = _number(fmt, i, 1) if opt == "c" else (1 if opt == "x" else 0, i)
            yield opt, size, 1, little
        elif opt in "iI":
            size, i = _number(fmt, i, 4)
            if size > _LIMIT:
                raise StructError(f"integral size {size} is larger than limit of {_LIMIT}")
            yield opt, size, min(size, max_align), little
        elif opt in _SIZES:
            yield opt, _SIZES[opt], min(_SIZES[opt], max_align), little
        elif invalid == "yield":
            yield opt, 0, 1, little
        elif invalid == "raise":
            raise invalid_option(opt)


def invalid_option(opt: str) -> StructError:
    """The error of an unknown format option."""
    return StructError(f"invalid format option '{opt}'", 1)


def _padding(offset: int, align: int) -> int:
    if align <= 1:
        return 0
    return (align - (offset & (align - 1))) & (align - 1)


def c_int64(x: float) -> int:
    """C's (int64_t)x on x86-64: truncation, INT64_MIN when out of range or NaN."""
    if x != x or x >= 2.0**63 or x < -(2.0**63):
        return -(1 << 63)
    return int(x)


def c_uint64(x: float) -> int:
    """What the struct library stores for a number: gcc's casts on x86-64."""
    if x < 0:
        return c_int64(x) & _M64
    if x != x:
        return 1 << 63
    if x >= 2.0**63:
        return (c_int64(x - 2.0**63) & _M64) ^ (1 << 63)
    return int(x)


def _pack_float(opt: str, little: bool, x: float) -> bytes:
    code = ("<" if little else ">") + opt
    try:
        return struct.pack(code, x)
    except OverflowError:
        return struct.pack(code, math.copysign(math.inf, x))


def pack(
    fmt: bytes,
    count: int,
    numbers: dict[int, float],
    strings: dict[int, bytes],
    types: dict[int, str],
) -> bytes:
    """``struct.pack(fmt, ...)``: argument ``i`` (from 2) is ``numbers[i]`` if it is or
    converts to a number, ``strings[i]`` if it is or converts to a string, else of type
    ``types[i]``."""
    out, arg = bytearray(), 2
    for opt, size, align, little in items(fmt):
        if not opt:
            continue
        out += bytes(_padding(len(out), align))
        if opt == "x":
            out.append(0)
            continue
        if opt in "sc":
            text = strings.get(arg)
            if text is None:
                raise StructError(f"string expected, got {types.get(arg, 'nil')}", arg)
            if opt == "s":
                out += text + b"\x00"
            else:
                size = size or len(text)
                if len(text) < size:
                    raise StructError("string too short", arg + 1)
                out += text[:size]
        else:
            number = numbers.get(arg)
            if number is None:
                raise StructError(f"number expected, got {types.get(arg, 'nil')}", arg)
            if opt in "fd":
                out += _pack_float(opt, little, number)
            else:
                value = c_uint64(number)
                data = bytes((value >> (8 * k)) & 0xFF if k < 8 else 0 for k in range(size))
                out += data if little else data[::-1]
        arg += 1
    return bytes(out)


def unpack(fmt: bytes, data: bytes, position: int) -> list[Any]:
    """``struct.unpack(fmt, data, position)``: the values, then the next position."""
    if position == 0:
        raise StructError("offset must be 1 or greater", 3)
    pos = position - 1
    values: list[Any] = []
    for opt, size, align, little in items(fmt, invalid="yield"):
        if (pos & _M64) > len(data):
            raise StructError("data string too short", 2)
        if not opt:
            continue
        if opt not in _KNOWN:
            raise invalid_option(opt)
        pos += _padding(pos, align)
        if opt == "x":  # one byte of padding, which must be there (as every option's size)
            if (pos & _M64) + 1 > len(data):
                raise StructError("data string too short", 2)
            pos += 1
            continue
        if opt == "c" and size == 0:
            if not values or not isinstance(values[-1], float):
                raise StructError("format 'c0' needs a previous size")
            size = c_uint64(values.pop())
        if opt == "s":
            end = data.find(b"\x00", pos) if 0 <= pos <= len(data) else -1
            if end < 0:
                raise StructError("unfinished string in data")
            values.append(data[pos:end])
            pos = end + 1
            continue
        if (pos & _M64) + size > len(data):
            raise StructError("data string too short", 2)
        chunk = data[pos : pos + size]
        pos += size
        if opt == "c":
            values.append(chunk)
        elif opt in "fd":
            values.append(float(struct.unpack(("<" if little else ">") + opt, chunk)[0]))
        else:
            values.append(float(_integer(chunk, little, opt.islower() and opt != "T")))
    values.append(float(pos + 1))
    return values


def _integer(chunk: bytes, little: bool, signed: bool) -> int:
    value = 0
    for byte in chunk if not little else reversed(chunk):
        value = ((value << 8) | byte) & _M64
    size = len(chunk)
    if signed:
        bits = 8 * min(size, 8)
        if value >> (bits - 1) & 1:
            value -= 1 << bits
    return value


def size(fmt: bytes) -> int:
    """``struct.size(fmt)``: the packed size of a fixed-size format."""
    total = 0
    for opt, item_size, align, _ in items(fmt, invalid="skip"):
        if opt == "s" or (opt == "c" and item_size == 0):
            name = "s" if opt == "s" else "c0"
            raise StructError(f"option '{name}' has no fixed size", 1)
        total += _padding(total, align) + item_size
    return total


LUA: Final = r"""
local H, py = ...
local type, select, tostring, tonumber, unpack = type, select, tostring, tonumber, unpack
local lib = {}

local function format_arg(fn, v, present)
  local t = type(v)
  if t == "number" then return H.tobytes(tostring(v)) end
  if t ~= "string" then H.typeerror(fn, 1, "string", present, v) end
  return H.tobytes(v)
end

local pack
pack = function(...)
  local n = select("#", ...)
  local fmt = format_arg(pack, (...), n >= 1)
  local numbers, strings, types, negative_zeros = {}, {}, {}, {}
  for i = 2, n do
    local v = select(i, ...)
    local t = type(v)
    types[i] = H.tobytes(t)
    if t == "number" then
      numbers[i], strings[i] = v, H.tobytes(tostring(v))
      if v == 0 and 1 / v < 0 then negative_zeros[i] = true end
    elseif t == "string" then
      numbers[i], strings[i] = tonumber(v), H.tobytes(v)
    end
  end
  local result = H.check(pack, py.pack(fmt, n, numbers, strings, types, negative_zeros))
  return result
end

local unpack_
unpack_ = function(...)
  local n = select("#", ...)
  local fmt, data, position = ...
  fmt = format_arg(unpack_, fmt, n >= 1)
  local t = type(data)
  if t == "number" then data = tostring(data)
  elseif t ~= "string" then H.typeerror(unpack_, 2, "string", n >= 2, data) end
  if position == nil then
    position = 1
  else
    position = type(position) == "number" and position or tonumber(position)
    if position == nil then H.typeerror(unpack_, 3, "number", true, (select(3, ...))) end
  end
  local count = H.check(unpack_, py.unpack(fmt, H.tobytes(data), position))
  return H.spread(count)
end

local size
size = function(...)
  local fmt = format_arg(size, (...), select("#", ...) >= 1)
  local result = H.check(size, py.size(fmt))
  return result
end

lib.pack, lib.unpack, lib.size = pack, unpack_, size
return lib
"""


def build(boundary: Boundary) -> Any:
    """The ``struct`` table (a Lua table) for ``boundary``'s runtime."""

    def fail(exc: StructError) -> Any:
        return boundary.failure(str(exc).encode(), narg=exc.narg)

    def lua_pack(fmt: Any, count: int, numbers: Any, strings: Any, types: Any, zeros: Any) -> Any:
        nums = {int(k): (-0.0 if zeros[k] else float(v)) for k, v in numbers.items()}
        texts = {int(k): from_lua(v) for k, v in strings.items()}
        names = {int(k): from_lua(v).decode() for k, v in types.items()}
        try:
            return pack(from_lua(fmt), count, nums, texts, names)
        except StructError as exc:
            return fail(exc)

    def lua_unpack(fmt: Any, data: Any, position: float) -> Any:
        try:
            values = unpack(from_lua(fmt), from_lua(data), c_int64(position))
        except StructError as exc:
            return fail(exc)
        return boundary.keep(values)

    def lua_size(fmt: Any) -> Any:
        try:
            return size(from_lua(fmt))
        except StructError as exc:
            return fail(exc)

    functions = boundary.functions({"pack": lua_pack, "unpack": lua_unpack, "size": lua_size})
    return boundary.run(LUA, "=rabia.struct")(boundary.helpers, functions)
