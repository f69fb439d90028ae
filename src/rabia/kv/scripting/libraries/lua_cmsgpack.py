"""``cmsgpack``: lua-cmsgpack 0.4.0 as Redis 7.0 ships it.

``pack`` is Lua (it walks tables with ``next``, as the C library does): integers in the
smallest encoding, other numbers as float32 when that is exact else float64, a table as
an array when its keys are exactly 1..n else as a map, tables nested deeper than 16 as
nil. ``unpack`` is Python and builds tables element by element, as the C library does;
bin and ext types are "Bad data format", and at most 7999 values come back at once.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from rabia.kv.scripting.libraries.boundary import Boundary, from_lua

MAX_VALUES: Final = 7999
MAX_DEPTH: Final = 3999
_FLOAT: Final = struct.Struct(">f")
_DOUBLE: Final = struct.Struct(">d")
_MISSING: Final = "Missing bytes in input."
_BAD: Final = "Bad data format in input."
_TOO_MANY: Final = (
    "stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)"
)
_UINT: Final = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}
_INT: Final = {0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}
_STR: Final = {0xD9: 1, 0xDA: 2, 0xDB: 4}
_ARRAY: Final = {0xDC: 2, 0xDD: 4}
_MAP: Final = {0xDE: 2, 0xDF: 4}


class UnpackError(Exception):
    """A decoding error; ``bare`` ones carry no position (Lua's own table errors)."""

    def __init__(self, message: str, *, bare: bool = False) -> None:
        super().__init__(message)
        self.bare = bare


def pack_float(x: float) -> bytes:
    """A non-integral number: float32 when exact, else float64."""
    try:
        packed = _FLOAT.pack(x)
    except OverflowError:
        return b"\xcb" + _DOUBLE.pack(x)
    if _FLOAT.unpack(packed)[0] == x:
        return b"\xca" + packed
    return b"\xcb" + _DOUBLE.pack(x)


class Unpacker:
    """Values decoded one at a time from ``data``, tables made in ``lua``."""

    def __init__(self, lua: Any, data: bytes, pos: int) -> None:
        self.lua, self.data, self.pos = lua, data, pos

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if end > len(self.data):
            raise UnpackError(_MISSING)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def length(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    def scalar(self, code: int) -> tuple[Any, str | None, int]:
        """A value, or (None, "array"/"map", count) for a container header."""
        if code <= 0x7F:
            return float(code), None, 0
        if code >= 0xE0:
            return float(code - 0x100), None, 0
        if code <= 0x8F:
            return None, "map", code & 0x0F
        if code <= 0x9F:
            return None, "array", code & 0x0F
        if code <= 0xBF:
            return self.take(code & 0x1F), None, 0
        if code == 0xC0:
            return None, None, 0
        if code in (0xC2, 0xC3):
            return code == 0xC3, None, 0
        if code == 0xCA:
            return float(_FLOAT.unpack(self.take(4))[0]), None, 0
        if code == 0xCB:
            return float(_DOUBLE.unpack(self.take(8))[0]), None, 0
        if code in _UINT:
            value = self.length(_UINT[code])
            return float(value - (1 << 64) if value >> 63 else value), None, 0
        if code in _INT:
            size = _INT[code]
            return float(int.from_bytes(self.take(size), "big", signed=True)), None, 0
        if code in _STR:
            return self.take(self.length(_STR[code])), None, 0
        if code in _ARRAY:
            return None, "array", self.length(_ARRAY[code])
        if code in _MAP:
            return None, "map", self.length(_MAP[code])
        raise UnpackError(_BAD)

    def value(self) -> Any:
        """One whole value; nested tables through an explicit stack."""
        stack: list[list[Any]] = []  # [table, kind, remaining, next index, key, has key]
        while True:
            value, kind, count = self.scalar(self.take(1)[0])
            if kind is not None:
                if len(stack) + 1 > MAX_DEPTH:
                    message = "stack overflow (in function mp_decode_to_lua_array)"
                    raise UnpackError(message if kind == "array" else _TOO_MANY)
                table = self.lua.table()
                if count:
                    stack.append([table, kind, count, 1, None, False])
                    continue
                value = table
            while True:
                if not stack:
                    return value
                frame = stack[-1]
                table, kind = frame[0], frame[1]
                if kind == "array":
                    table[frame[3]] = value
                    frame[3] += 1
                elif not frame[5]:
                    frame[4], frame[5] = value, True
                    break
                else:
                    self.store(table, frame[4], value)
                    frame[5] = False
                frame[2] -= 1
                if frame[2] > 0:
                    break
                stack.pop()
                value = table

    @staticmethod
    def store(table: Any, key: Any, value: Any) -> None:
        if key is None:
            raise UnpackError("table index is nil", bare=True)
        if key != key:
            raise UnpackError("table index is NaN", bare=True)
        table[key] = value


def unpack(lua: Any, data: bytes, limit: int, offset: int) -> list[Any]:
    """Up to ``limit`` values from ``offset``, after the next offset (-1 at the end); with
    ``limit`` and ``offset`` both 0, every value and no offset."""
    if offset < 0 or limit < 0:
        raise UnpackError(
            f"Invalid request to unpack with offset of {_c_int(offset)} "
            f"and limit of {_c_int(len(data))}."
        )
    if offset > len(data):
        raise UnpackError(f"Start offset {_c_int(offset)} greater than input length {len(data)}.")
    unpacker, values = Unpacker(lua, data, offset), list[Any]()
    every = limit == 0 and offset == 0
    while unpacker.pos < len(data) and (every or len(values) < limit):
        if len(values) >= MAX_VALUES:
            raise UnpackError(_TOO_MANY)
        values.append(unpacker.value())
    if not every:
        values.insert(0, float(unpacker.pos if unpacker.pos < len(data) else -1))
    return values


def _c_int(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


LUA: Final = r"""
local H, py = ...
local type, select, tostring, tonumber, next, rawget, unpack =
    type, select, tostring, tonumber, next, rawget, unpack
local char, floor, concat = string.char, math.floor, table.concat
local lib = {_NAME = "cmsgpack", _VERSION = "lua-cmsgpack 0.4.0",
  _COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo",
  _DESCRIPTION = "MessagePack C implementation for Lua"}

local function be(v, count)
  local bytes = {}
  for i = count, 1, -1 do bytes[i] = v % 256; v = floor(v / 256) end
  return char(unpack(bytes, 1, count))
end

local function number(n)
  if n ~= n or n >= 9223372036854775808 or n < -9223372036854775808 or floor(n) ~= n then
    return py.float(n)
  end
  if n >= 0 then
    if n < 128 then return char(n) end
    if n < 256 then return "\204" .. char(n) end
    if n < 65536 then return "\205" .. be(n, 2) end
    if n < 4294967296 then return "\206" .. be(n, 4) end
    return "\207" .. be(n, 8)
  end
  if n >= -32 then return char(n + 256) end
  if n >= -128 then return "\208" .. char(n + 256) end
  if n >= -32768 then return "\209" .. be(n + 65536, 2) end
  if n >= -2147483648 then return "\210" .. be(n + 4294967296, 4) end
  local high = floor(n / 4294967296)
  return "\211" .. be(high + 4294967296, 4) .. be(n - high * 4294967296, 4)
end

local function header(count, small, code16, code32)
  if count < 16 then return char(small + count) end
  if count < 65536 then return code16 .. be(count, 2) end
  return code32 .. be(count, 4)
end

local encode
encode = function(out, n, v, level)
  local t = type(v)
  local piece
  if t == "number" then piece = number(v)
  elseif t == "string" then
    local len = #v
    if len < 32 then piece = char(160 + len)
    elseif len < 256 then piece = "\217" .. char(len)
    elseif len < 65536 then piece = "\218" .. be(len, 2)
    else piece = "\219" .. be(len, 4) end
    n = n + 1; out[n] = piece
    piece = v
  elseif t == "boolean" then piece = v and "\195" or "\194"
  elseif t == "table" and level < 16 then
    local count, max = 0, 0
    for k in next, v do
      if type(k) ~= "number" or k < 1 or floor(k) ~= k then max = -1; break end
      if k > max then max = k end
      count = count + 1
    end
    if max == count then
      n = n + 1; out[n] = header(count, 144, "\220", "\221")
      for i = 1, count do n = encode(out, n, rawget(v, i), level + 1) end
    else
      count = 0
      for _ in next, v do count = count + 1 end
      n = n + 1; out[n] = header(count, 128, "\222", "\223")
      for key, value in next, v do
        n = encode(out, n, key, level + 1)
        n = encode(out, n, value, level + 1)
      end
    end
    return n
  else piece = "\192" end
  n = n + 1; out[n] = piece
  return n
end

local pack
pack = function(...)
  local count = select("#", ...)
  if count == 0 then H.argerror(pack, 0, "MessagePack pack needs input.") end
  local out, n = {}, 0
  for i = 1, count do n = encode(out, n, (select(i, ...)), 0) end
  return concat(out)
end

local function data_arg(fn, s, present)
  local t = type(s)
  if t == "number" then return H.tobytes(tostring(s)) end
  if t ~= "string" then H.typeerror(fn, 1, "string", present, s) end
  return H.tobytes(s)
end

local function int_arg(fn, i, v, present, default)
  if v == nil and default ~= nil then return default end
  local n = type(v) == "number" and v or (type(v) == "string" and tonumber(v))
  if not n then H.typeerror(fn, i, "number", present, v) end
  return n
end

local unpack_
unpack_ = function(...)
  local data = data_arg(unpack_, (...), select("#", ...) >= 1)
  local count = H.check(unpack_, py.unpack(data, 0, 0))
  return H.spread(count)
end

local unpack_one
unpack_one = function(...)
  local count = select("#", ...)
  local s, offset = ...
  local data = data_arg(unpack_one, s, count >= 1)
  offset = int_arg(unpack_one, 2, offset, count >= 2, 0)
  local count = H.check(unpack_one, py.unpack(data, 1, offset))
  return H.spread(count)
end

local unpack_limit
unpack_limit = function(...)
  local count = select("#", ...)
  local s, limit, offset = ...
  local data = data_arg(unpack_limit, s, count >= 1)
  limit = int_arg(unpack_limit, 2, limit, count >= 2, nil)
  offset = int_arg(unpack_limit, 3, offset, count >= 3, 0)
  local count = H.check(unpack_limit, py.unpack(data, limit, offset))
  return H.spread(count)
end

lib.pack, lib.unpack, lib.unpack_one, lib.unpack_limit = pack, unpack_, unpack_one, unpack_limit
return lib
"""


def _c_int64(x: float) -> int:
    if x != x or x >= 2.0**63 or x < -(2.0**63):
        return -(1 << 63)
    return int(x)


def build(boundary: Boundary) -> Any:
    """The ``cmsgpack`` table (a Lua table) for ``boundary``'s runtime."""

    def lua_unpack(data: Any, limit: float, offset: float) -> Any:
        try:
            values = unpack(boundary.lua, from_lua(data), _c_int64(limit), _c_int64(offset))
        except UnpackError as exc:
            return boundary.failure(str(exc).encode(), bare=exc.bare)
        return boundary.keep(values)

    functions = boundary.functions({"float": pack_float, "unpack": lua_unpack})
    return boundary.run(LUA, "=rabia.cmsgpack")(boundary.helpers, functions)
