"""``cjson``: Lua CJSON 2.1.0 as Redis 7.0 ships it.

``encode`` is Lua (it walks tables with ``next``, as the C library does, so objects come
out in the same order); ``decode`` is Python (``json_decode``). The configuration
functions behave as in Redis, but a runtime's configuration goes back to the defaults
when ``install`` runs again (see the package docstring). ``cjson.null`` is a userdata
that prints as ``userdata: (nil)`` like the C library's NULL light userdata.
"""

from __future__ import annotations

from typing import Any, Final

from rabia.kv.scripting.libraries.boundary import Boundary, from_lua
from rabia.kv.scripting.libraries.json_decode import Decoder, JsonError

LUA: Final = r"""
local H, py_decode, newproxy = ...
local type, select, tostring, tonumber, next, rawget, rawequal, setmetatable, getmetatable =
    type, select, tostring, tonumber, next, rawget, rawequal, setmetatable, getmetatable
local format, gsub, concat = string.format, string.gsub, table.concat
local floor, huge = math.floor, math.huge

local null = newproxy(true)
local null_meta = getmetatable(null)
null_meta.__tostring = function() return "userdata: (nil)" end
null_meta.__metatable = false

local ESCAPE = {['"'] = '\\"', ["\\"] = "\\\\", ["/"] = "\\/", ["\b"] = "\\b",
  ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t"}
for i = 0, 31 do
  local c = string.char(i)
  if ESCAPE[c] == nil then ESCAPE[c] = format("\\u%04x", i) end
end
ESCAPE["\127"] = "\\u007f"

local function defaults()
  return {encode_max_depth = 1000, decode_max_depth = 1000, precision = 14, number_format = "%.14g",
    keep_buffer = true, encode_invalid = false, decode_invalid = true,
    sparse_convert = false, sparse_ratio = 2, sparse_safe = 10}
end

-- C's (int)(lua_Integer)n for a Lua number: truncation, then the low 32 bits.
local function c_int(n)
  if n ~= n or n >= 9223372036854775808 or n < -9223372036854775808 then return 0 end
  if n >= 0 then n = floor(n) else n = -floor(-n) end
  n = n % 4294967296
  if n >= 2147483648 then n = n - 4294967296 end
  return n
end

local function new_instance()
  local cfg = defaults()
  local lib = {_NAME = "cjson", _VERSION = "2.1.0", null = null}

  local function number_text(fn, n)
    if n ~= n or n == huge or n == -huge then
      local mode = cfg.encode_invalid
      if mode == false then H.raise(fn, "Cannot serialise number: must not be NaN or Inf") end
      if mode == "null" then return "null" end
      if n ~= n then return "nan" end
      return n > 0 and "inf" or "-inf"
    end
    return format(cfg.number_format, n)
  end

  local function array_length(fn, t)
    local max, items = 0, 0
    for k in next, t do
      if type(k) ~= "number" or k < 1 or floor(k) ~= k then return -1 end
      if k > max then max = k < 2147483648 and k or -2147483648 end
      items = items + 1
    end
    local ratio = cfg.sparse_ratio
    if ratio > 0 and max > items * ratio and max > cfg.sparse_safe then
      if not cfg.sparse_convert then
        H.raise(fn, "Cannot serialise table: excessively sparse array")
      end
      return -1
    end
    return max
  end

  local function append(fn, out, n, v, depth)
    local t = type(v)
    if t == "string" then
      n = n + 1; out[n] = '"' .. gsub(v, '[%c"\\/]', ESCAPE) .. '"'
    elseif t == "number" then
      n = n + 1; out[n] = number_text(fn, v)
    elseif t == "boolean" then
      n = n + 1; out[n] = v and "true" or "false"
    elseif v == nil or rawequal(v, null) then
      n = n + 1; out[n] = "null"
    elseif t == "table" then
      depth = depth + 1
      if depth > cfg.encode_max_depth then
        H.raise(fn, format("Cannot serialise, excessive nesting (%d)", depth))
      end
      local length = array_length(fn, v)
      if length > 0 then
        n = n + 1; out[n] = "["
        for i = 1, length do
          if i > 1 then n = n + 1; out[n] = "," end
          n = append(fn, out, n, rawget(v, i), depth)
        end
        n = n + 1; out[n] = "]"
      else
        n = n + 1; out[n] = "{"
        local first = true
        for key, value in next, v do
          if not first then n = n + 1; out[n] = "," end
          first = false
          local kt = type(key)
          if kt == "string" then
            n = n + 1; out[n] = '"' .. gsub(key, '[%c"\\/]', ESCAPE) .. '":'
          elseif kt == "number" then
            n = n + 1; out[n] = '"' .. number_text(fn, key) .. '":'
          else
            H.raise(fn, "Cannot serialise " .. kt .. ": table key must be a number or string")
          end
          n = append(fn, out, n, value, depth)
        end
        n = n + 1; out[n] = "}"
      end
    else
      H.raise(fn, "Cannot serialise " .. t .. ": type not supported")
    end
    return n
  end

  local encode
  encode = function(...)
    if select("#", ...) ~= 1 then H.argerror(encode, 1, "expected 1 argument") end
    local out = {}
    append(encode, out, 0, (...), 0)
    return concat(out)
  end

  local decode
  decode = function(...)
    if select("#", ...) ~= 1 then H.argerror(decode, 1, "expected 1 argument") end
    local s = ...
    local t = type(s)
    if t == "number" then s = tostring(s)
    elseif t ~= "string" then H.typeerror(decode, 1, "string", true, s) end
    local decoded = py_decode(H.tobytes(s), cfg.decode_max_depth, cfg.decode_invalid)
    local result = H.check(decode, decoded)
  return result
  end

  local function too_many(fn, count, max)
    if count > max then H.argerror(fn, max + 1, "found too many arguments") end
  end

  local function int_option(fn, i, count, v, min, max, current)
    if v == nil then return current end
    local n = type(v) == "number" and v or (type(v) == "string" and tonumber(v))
    if not n then H.typeerror(fn, i, "number", i <= count, v) end
    n = c_int(n)
    if n < min or n > max then
      H.argerror(fn, 1, format("expected integer between %d and %d", min, max))
    end
    return n
  end

  local function switch_option(fn, i, v, current, with_null)
    if v == nil then return current end
    if type(v) == "boolean" then return v end
    local t = type(v)
    if t ~= "string" and t ~= "number" then H.typeerror(fn, i, "string", true, v) end
    local s = tostring(v)
    if s == "on" then return true end
    if s == "off" then return false end
    if with_null and s == "null" then return "null" end
    H.argerror(fn, i, "invalid option '" .. s .. "'")
  end

  local function depth_option(field)
    local f
    f = function(...)
      local count = select("#", ...)
      too_many(f, count, 1)
      cfg[field] = int_option(f, 1, count, (...), 1, 2147483647, cfg[field])
      return cfg[field]
    end
    return f
  end

  local precision
  precision = function(...)
    local count = select("#", ...)
    too_many(precision, count, 1)
    cfg.precision = int_option(precision, 1, count, (...), 1, 14, cfg.precision)
    cfg.number_format = "%." .. cfg.precision .. "g"
    return cfg.precision
  end

  local function switch(field, with_null)
    local f
    f = function(...)
      too_many(f, select("#", ...), 1)
      cfg[field] = switch_option(f, 1, (...), cfg[field], with_null)
      return cfg[field]
    end
    return f
  end

  local sparse
  sparse = function(...)
    local count = select("#", ...)
    too_many(sparse, count, 3)
    local convert, ratio, safe = ...
    cfg.sparse_convert = switch_option(sparse, 1, convert, cfg.sparse_convert, false)
    cfg.sparse_ratio = int_option(sparse, 2, count, ratio, 0, 2147483647, cfg.sparse_ratio)
    cfg.sparse_safe = int_option(sparse, 3, count, safe, 0, 2147483647, cfg.sparse_safe)
    return cfg.sparse_convert, cfg.sparse_ratio, cfg.sparse_safe
  end

  lib.encode, lib.decode = encode, decode
  lib.encode_max_depth = depth_option("encode_max_depth")
  lib.decode_max_depth = depth_option("decode_max_depth")
  lib.encode_number_precision = precision
  lib.encode_keep_buffer = switch("keep_buffer", false)
  lib.encode_invalid_numbers = switch("encode_invalid", true)
  lib.decode_invalid_numbers = switch("decode_invalid", false)
  lib.encode_sparse_array = sparse
  lib.new = new_instance
  local function reset()
    for k, v in next, defaults() do cfg[k] = v end
  end
  return lib, reset
end

return new_instance()
"""


def build(boundary: Boundary) -> tuple[Any, Any]:
    """The ``cjson`` table and the function that puts its configuration back to defaults."""
    null_holder: list[Any] = []

    def decode(data: bytes | str, max_depth: int, invalid: bool) -> Any:
        try:
            return Decoder(
                boundary.lua, null_holder[0], from_lua(data), max_depth, invalid
            ).decode()
        except JsonError as exc:
            return boundary.failure(str(exc).encode())

    newproxy = boundary.lua.eval("newproxy")
    lib, reset = boundary.run(LUA, "=rabia.cjson")(
        boundary.helpers, boundary.guard(decode), newproxy
    )
    null_holder.append(lib[b"null"])
    return lib, reset
