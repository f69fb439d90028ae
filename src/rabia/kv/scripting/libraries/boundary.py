"""What the libraries share at the Lua/Python boundary.

Python sees Lua strings only as direct arguments of its functions, after the Lua side
passed them through ``tobytes``: the identity when the runtime hands Lua strings to
Python as ``bytes`` (``encoding=None``), else a hex text that ``from_lua`` turns back into
the exact bytes. Python hands Lua only ``bytes``, numbers, booleans, ``None`` and Lua
tables, never a Python object. A Python function never raises into Lua: it returns the
``FAIL`` (or ``FAIL_BARE``) sentinel table and keeps the message, which the Lua side
raises with C's conventions (see ``PRELUDE``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from lupa import lua51

LuaRuntime = Any
"""``lupa.lua51.LuaRuntime`` (lupa has no type stubs)."""

PRELUDE: Final = r"""
local raw_strings, fail, fail_bare, last_error, last_narg, take, tuples = ...
local getinfo, error, type, rawequal = debug.getinfo, error, type, rawequal
local format, gsub, byte, setmetatable, next, rawset =
    string.format, string.gsub, string.byte, setmetatable, next, rawset
local H = {}

-- The stack level of the frame running fn, counted from the caller of frame_level.
local function frame_level(fn)
  local level = 3
  while true do
    local info = getinfo(level, "f")
    if info == nil then return nil end
    if info.func == fn then return level - 1 end
    level = level + 1
  end
end

-- Raise msg as luaL_error does from the C function fn: prefixed with the position of
-- fn's caller (nothing when that caller is a C function such as pcall).
function H.raise(fn, msg)
  local level = frame_level(fn)
  if level == nil then error(msg, 0) end
  error(msg, level + 1)
end

-- luaL_argerror: "bad argument #n to 'name' (extramsg)", named as fn was called.
function H.argerror(fn, narg, extramsg)
  local level = frame_level(fn)
  if level == nil then error(extramsg, 0) end
  local info = getinfo(level, "n")
  local name = info.name
  if info.namewhat == "method" then
    narg = narg - 1
    if narg == 0 then
      error(format("calling '%s' on bad self (%s)", name, extramsg), level + 1)
    end
  end
  error(format("bad argument #%d to '%s' (%s)", narg, name or "?", extramsg), level + 1)
end

-- luaL_typerror: got is a value, or nothing when `present` is false ("no value").
function H.typeerror(fn, narg, expected, present, got)
  local tname = present and type(got) or "no value"
  H.argerror(fn, narg, expected .. " expected, got " .. tname)
end

-- Raise the error a Python function reported by returning a sentinel.
function H.check(fn, result)
  if rawequal(result, fail) then
    local narg = last_narg()
    if narg then H.argerror(fn, narg, last_error()) end
    H.raise(fn, last_error())
  end
  if rawequal(result, fail_bare) then error(last_error(), 0) end
  return result
end

-- The values a Python function kept (its result was their count), as multiple results.
if tuples then
  H.spread = take
else
  local unpack = unpack
  H.spread = function(n) return unpack(take(), 1, n) end
end

local HEX = {}
for i = 0, 255 do HEX[string.char(i)] = format("%02x", i) end
if raw_strings then
  H.tobytes = function(s) return s end
else
  H.tobytes = function(s) return (gsub(s, ".", HEX)) end
end

local function refuse() error("Attempt to modify a readonly table", 2) end

-- A read-only view of real: reads go through, writes raise Redis's error.
function H.readonly(real)
  return setmetatable({}, {__index = real, __newindex = refuse, __metatable = false})
end

-- Remove what rawset put straight into a read-only view.
function H.clear(view)
  local key = next(view)
  while key ~= nil do
    rawset(view, key, nil)
    key = next(view)
  end
end

return H
"""
"""Lua helpers every library gets (``H``): C-style errors, string passing, read-only views."""


class Boundary:
    """One runtime's side of the boundary: sentinels, the last error, the Lua helpers."""

    def __init__(self, lua: LuaRuntime) -> None:
        self.lua = lua
        self.fail = lua.table()
        self.fail_bare = lua.table()
        self._error = b""
        self._narg: int | None = None
        self._kept: list[Any] = []
        self.tuples = lua.eval("function(f) return select('#', f()) == 2 end")(lambda: (1, 2))
        try:
            self.raw_strings = isinstance(lua.eval("'\\255'"), bytes)
        except UnicodeDecodeError:
            self.raw_strings = False
        self.helpers = self.run(PRELUDE, "=rabia.boundary")(
            self.raw_strings,
            self.fail,
            self.fail_bare,
            self.last_error,
            self.last_narg,
            self.take,
            self.tuples,
        )

    def run(self, source: str, name: str) -> Any:
        """The compiled chunk ``source`` (a Lua function), named ``name`` in tracebacks."""
        chunk = self.lua.eval("loadstring")(source.encode(), name.encode())
        if isinstance(chunk, tuple):
            raise RuntimeError(f"library chunk {name} does not compile: {chunk[1]!r}")
        return chunk

    def last_error(self) -> bytes:
        return self._error

    def keep(self, values: list[Any]) -> int:
        """Keep ``values`` for ``H.spread`` (the Lua side's next call); their count."""
        self._kept = values
        return len(values)

    def take(self, *_count: object) -> Any:
        values, self._kept = self._kept, []
        return tuple(values) if self.tuples else self.lua.table_from(values)

    def last_narg(self) -> int | None:
        return self._narg

    def failure(self, message: bytes, *, narg: int | None = None, bare: bool = False) -> Any:
        """Report ``message`` as the Lua error of the current call: luaL_error's (or
        luaL_argerror's about argument ``narg``; ``bare``: with no position)."""
        self._error, self._narg = message, narg
        return self.fail_bare if bare else self.fail

    def functions(self, functions: dict[str, Callable[..., Any]]) -> Any:
        """A Lua table of ``functions``, each ``guard``-ed, by name."""
        return self.lua.table_from({name.encode(): self.guard(f) for name, f in functions.items()})

    def guard(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` made safe to call from Lua: any exception becomes a Lua error."""

        def guarded(*args: Any) -> Any:
            try:
                return function(*args)
            except lua51.LuaMemoryError:
                return self.failure(b"not enough memory", bare=True)
            except Exception as exc:  # never raise through Lua
                return self.failure(f"internal error: {type(exc).__name__}".encode(), bare=True)

        return guarded


def from_lua(value: bytes | str) -> bytes:
    """The bytes of a Lua string that went through ``H.tobytes``."""
    return value if isinstance(value, bytes) else bytes.fromhex(value)


def lua_type(value: object) -> str:
    """Lua's type() name of a value Python received from Lua."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, bytes | str):
        return "string"
    return str(lua51.lua_type(value))
