"""The Lua libraries Redis scripts use: ``cjson``, ``cmsgpack``, ``bit`` and ``struct``.

Contract with the scripting engine (``install`` is the one entry point):

* Call ``install(lua)`` on a ``lupa.lua51.LuaRuntime`` before sandboxing it: it needs
  ``debug.getinfo``, ``newproxy`` and ``loadstring``, which it keeps for itself. It works
  with any ``encoding``; ``encoding=None`` is the fast one (Lua strings reach Python as
  ``bytes``; otherwise the Lua side hex-encodes them first). Binary strings round-trip
  byte-exact either way: Python hands Lua only ``bytes``, numbers, booleans, nil and Lua
  tables, never a Python object, and reads no Lua table a script made.
* The four globals are read-only views (empty tables whose metatable is locked): an
  assignment to a field raises ``Attempt to modify a readonly table`` as in Redis, but
  ``pairs(cjson)`` sees nothing, and ``rawset`` can still shadow a field. The sandbox
  should refuse ``rawset`` on them as on ``_G``; calling ``install(lua)`` again also undoes
  it (and is cheap).
* Redis keeps cjson's configuration (``cjson.encode_max_depth(5)``...) for the life of
  the Lua state; replicas cannot (one restored from a snapshot starts afresh). Calling
  ``install(lua)`` again on the same runtime, e.g. before each script, puts the
  configuration back to its defaults and removes anything ``rawset`` put on the views;
  it works after sandboxing (it reaches nothing through the globals but ``cjson``).
* Errors are raised as the C libraries raise them (``luaL_error``: prefixed with the
  position of the script line that called the library, e.g. ``user_script:1: ``), but
  from Lua frames whose chunk names start with ``=rabia.``: an error handler that looks
  for the script's line (``on @user_script:1.``) should skip those as it skips C frames.
"""

from __future__ import annotations

from typing import Any, Final

from lupa import lua51

from rabia.kv.scripting.libraries import lua_bit, lua_cjson, lua_cmsgpack, lua_struct
from rabia.kv.scripting.libraries.boundary import Boundary, LuaRuntime

RESET_KEY: Final = b"\x00rabia.libraries.reset"
"""Where cjson's real table keeps the function that resets all four libraries."""

_VIEWS: Final = r"""
local H, libraries, reset_cjson = ...
local views = {}
for name, real in next, libraries do views[name] = H.readonly(real) end
local function reset()
  reset_cjson()
  for _, view in next, views do H.clear(view) end
end
return views, reset
"""


def _installed_reset(lua: LuaRuntime) -> Any:
    try:
        view = lua.globals()[b"cjson"]
        return None if view is None else view[RESET_KEY]
    except (lua51.LuaError, TypeError):
        return None


def install(lua: LuaRuntime) -> None:
    """Set the globals cjson, cmsgpack, bit and struct in ``lua``'s globals."""
    reset = _installed_reset(lua)
    if reset is not None:
        reset()
        return
    boundary = Boundary(lua)
    cjson, reset_cjson = lua_cjson.build(boundary)
    libraries = lua.table_from(
        {
            b"cjson": cjson,
            b"cmsgpack": lua_cmsgpack.build(boundary),
            b"bit": lua_bit.build(boundary),
            b"struct": lua_struct.build(boundary),
        }
    )
    views, reset = boundary.run(_VIEWS, "=rabia.libraries")(
        boundary.helpers, libraries, reset_cjson
    )
    cjson[RESET_KEY] = reset
    globals_ = lua.globals()
    for name in (b"cjson", b"cmsgpack", b"bit", b"struct"):
        globals_[name] = views[name]
