"""``install``: the four globals, read-only, a Python-free surface, and re-install as reset."""

from __future__ import annotations

from rabia.kv.scripting.libraries import install
from tests.kv.scripting.libraries.runtime import error_of, run, runtime


def test_the_globals_and_their_functions() -> None:
    lua = runtime()
    assert (
        run(lua, "return type(cjson), type(cmsgpack), type(bit), type(struct)") == (b"table",) * 4
    )
    names = ["cjson.encode", "cjson.decode", "cmsgpack.pack", "bit.band", "struct.pack"]
    types = run(lua, "return " + ", ".join(f"type({n})" for n in names))
    assert types == (b"function",) * len(names)
    assert run(lua, "return cmsgpack._VERSION, cjson._VERSION") == (
        b"lua-cmsgpack 0.4.0",
        b"2.1.0",
    )


def test_the_tables_are_read_only() -> None:
    lua = runtime()
    for target in ("cjson.encode", "cmsgpack.foo", "bit.band", "struct.size"):
        assert error_of(lua, f"{target} = 1") == (
            b"user_script:1: Attempt to modify a readonly table"
        )
    assert run(lua, "return getmetatable(cjson)") is False


def test_install_again_undoes_rawset_and_configuration() -> None:
    lua = runtime()
    run(lua, "rawset(cjson, 'encode', 1) cjson.encode_max_depth(3)")
    assert run(lua, "return cjson.encode") == 1
    install(lua)
    assert run(lua, "return type(cjson.encode), cjson.encode_max_depth()") == (b"function", 1000)
