"""Command replies as Lua values, RESP2 and RESP3 (built in a real runtime, read back)."""

from __future__ import annotations

from typing import Any

from lupa import lua51

from rabia.kv.scripting.replies import ERROR, STATUS, VALUE, to_lua

LUA = lua51.LuaRuntime(encoding=None)
DESCRIBE = LUA.eval(
    """function(v)
      local function d(v)
        if type(v) ~= 'table' then return type(v) .. ':' .. tostring(v) end
        local keys = {}
        for k in pairs(v) do keys[#keys + 1] = tostring(k) end
        table.sort(keys)
        local parts = {}
        for _, k in ipairs(keys) do
          local key = tonumber(k) or k
          parts[#parts + 1] = k .. '=' .. d(v[key])
        end
        return '{' .. table.concat(parts, ',') .. '}'
      end
      return d(v)
    end"""
)


def described(reply: bytes) -> tuple[int, Any]:
    kind, value = to_lua(reply, LUA.table_from)
    return kind, DESCRIBE(value)


def test_scalars() -> None:
    assert to_lua(b":12\r\n", LUA.table_from) == (VALUE, 12)
    assert to_lua(b"$3\r\nabc\r\n", LUA.table_from) == (VALUE, b"abc")
    assert to_lua(b"$0\r\n\r\n", LUA.table_from) == (VALUE, b"")
    assert to_lua(b"$-1\r\n", LUA.table_from) == (VALUE, False)
    assert to_lua(b"+OK\r\n", LUA.table_from) == (STATUS, b"OK")
    assert to_lua(b"-ERR no\r\n", LUA.table_from) == (ERROR, b"ERR no")


def test_arrays_nest_with_statuses_errors_and_nils() -> None:
    assert described(b"*-1\r\n") == (VALUE, b"boolean:false")
    assert described(b"*0\r\n") == (VALUE, b"{}")
    assert described(b"*4\r\n:1\r\n$-1\r\n*1\r\n+x\r\n-ERR y\r\n") == (
        VALUE,
        b"{1=number:1,2=boolean:false,3={1={ok=string:x}},4={err=string:ERR y}}",
    )


def test_resp3_forms() -> None:
    assert to_lua(b"_\r\n", LUA.table_from) == (VALUE, None)
    assert to_lua(b"#t\r\n", LUA.table_from) == (VALUE, True)
    assert described(b",1.5\r\n") == (VALUE, b"{double=number:1.5}")
    assert described(b",inf\r\n") == (VALUE, b"{double=number:inf}")
    assert described(b"%1\r\n$1\r\na\r\n:1\r\n") == (VALUE, b"{map={a=number:1}}")
    assert described(b"~2\r\n$1\r\na\r\n$1\r\nb\r\n") == (
        VALUE,
        b"{set={a=boolean:true,b=boolean:true}}",
    )
    assert described(b"(123\r\n") == (VALUE, b"{big_number=string:123}")
    assert described(b"=7\r\ntxt:abc\r\n") == (
        VALUE,
        b"{verbatim_string={format=string:txt,string=string:abc}}",
    )
    assert described(b"*2\r\n_\r\n#f\r\n") == (VALUE, b"{2=boolean:false}")
