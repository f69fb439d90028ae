"""A runtime as the scripting engine makes one, with the libraries installed."""

from __future__ import annotations

from typing import Any

from lupa import lua51  # type: ignore[import-untyped]

from rabia.kv.scripting.libraries import install


def refuse(obj: object, name: object, is_setting: bool) -> object:
    raise AttributeError("no Python attributes from scripts")


def runtime(encoding: str | None = None) -> Any:
    """A fresh ``LuaRuntime`` (the engine's settings) with the libraries installed."""
    lua = lua51.LuaRuntime(
        encoding=encoding,
        register_eval=False,
        register_builtins=False,
        unpack_returned_tuples=True,
        attribute_filter=refuse,
    )
    install(lua)
    return lua


def run(lua: Any, source: str | bytes) -> Any:
    """Run ``source`` as the script ``user_script`` (its errors as ``LuaError``)."""
    code = source.encode() if isinstance(source, str) else source
    chunk = lua.eval("loadstring")(code, b"@user_script")
    assert not isinstance(chunk, tuple), chunk
    return chunk()


def error_of(lua: Any, source: str) -> bytes:
    """The error value ``source`` raises, as ``pcall`` sees it."""
    ok, message = run(lua, f"return pcall(function() {source} end)")
    assert ok is False
    assert isinstance(message, bytes)
    return message
