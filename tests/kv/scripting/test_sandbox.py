"""The sandbox (``lua/sandbox.lua``), script by script: what is refused, and that nothing
one script does reaches the next (or differs between replicas)."""

from __future__ import annotations

import pytest

from tests.kv.scripting.conftest import Runner

NONEXISTENT = b"-ERR user_script:1: Script attempted to access nonexistent global variable '%s'"
READONLY = b"-ERR user_script:1: Attempt to modify a readonly table script: "


@pytest.mark.parametrize(
    "name",
    [
        "os", "io", "require", "dofile", "loadfile", "module", "debug", "newproxy", "getfenv",
        "setfenv", "print", "python", "package", "jit", "ffi", "load_binary",
    ],
)  # fmt: skip
def test_what_redis_has_not_is_not_there(run: Runner, name: str) -> None:
    assert run(f"return type({name})").startswith(NONEXISTENT % name.encode())
    assert run(f"return rawget(_G, '{name}') == nil") == b":1\r\n"


@pytest.mark.parametrize(
    "script",
    [
        "x = 1",
        "KEYS = {}",
        "redis = nil",
        "string.rep = nil",
        "redis.call = function() end",
        "math.random = function() return 4 end",
        "table.insert = nil",
        "coroutine.x = 1",
        "getmetatable('').__index = {upper = function() return 'pwned' end}",
        "getmetatable('').__add = function() end",
        "getmetatable(_G).__index = function() return 1 end",
        "_G._G = nil",
    ],
)
def test_shared_tables_are_read_only(run: Runner, script: str) -> None:
    assert run(script).startswith(READONLY)


@pytest.mark.parametrize(
    "script",
    [
        "rawset(_G, 'x', 1)",
        "rawset(string, 'rep', nil)",
        "setmetatable(_G, nil)",
        "setmetatable(redis, {})",
        "setmetatable(string, {__index = function() end})",
    ],
)
def test_raw_access_cannot_write_them_either(run: Runner, script: str) -> None:
    assert run(script).startswith(b"-ERR Attempt to modify a readonly table script: ")


def test_binary_chunks_do_not_load(run: Runner) -> None:
    dump = "string.dump(function() return 1 end)"
    assert run(f"return tostring(loadstring({dump}))") == b"$3\r\nnil\r\n"
    assert run(f"local f, e = loadstring({dump}) return e").endswith(
        b"unexpected symbol near 'char(27)'\r\n"
    )
    reader = f"local s = {dump} return load(function() local r = s s = nil return r end)"
    assert run(reader) == b"$-1\r\n"
    assert run("\x1bLuaQ").startswith(b"-ERR Error compiling script (new function):")


def test_loaded_code_runs_in_the_sandbox(run: Runner) -> None:
    assert run("return loadstring('return type(redis)')()") == b"$5\r\ntable\r\n"
    assert run("return loadstring('return python')()").startswith(
        b'-ERR [string "return python"]:1: Script attempted to access nonexistent global'
    )
    assert run("local f = load(function() return nil end) return f()") == b"$-1\r\n"
    assert run("return coroutine.wrap(function() return type(os) end)()").startswith(
        b"-ERR user_script:1: Script attempted to access nonexistent global variable 'os'"
    )


def test_no_python_object_is_reachable(run: Runner) -> None:
    script = """
      local seen, out = {}, {}
      local function walk(t, depth)
        if seen[t] or depth > 3 then return end
        seen[t] = true
        for k, v in pairs(t) do
          if type(v) == 'userdata' then out[#out + 1] = tostring(k) end
          if type(v) == 'table' then walk(v, depth + 1) end
        end
        local mt = getmetatable(t)
        if type(mt) == 'table' then walk(mt, depth + 1) end
      end
      walk(_G, 0)
      walk(getmetatable(''), 0)
      return out"""
    assert run(script) == b"*0\r\n"
    assert run("return {type(redis.call), type(redis.pcall), type(math.random)}") == (
        b"*3\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n$8\r\nfunction\r\n"
    )


def test_nothing_leaks_to_the_next_script(run: Runner) -> None:
    attempts = [
        "KEYS.stash = 'x' ARGV.stash = 'y' setmetatable(KEYS, {__index = function() return 1 end})",
        "redis.setresp(3)",
        "math.randomseed(1)",
        "collectgarbage('stop')",
        "pcall(setmetatable, string, {})",
        "pcall(rawset, _G, 'leak', 1)",
        "pcall(loadstring('leak = 1'))",
        "local t = {} for i = 1, 5 do t[i] = tostring({}) end",
    ]
    for attempt in attempts:
        run(attempt + " return 1")
    checks = (
        "return {tostring(KEYS.stash), tostring(ARGV.stash), tostring(getmetatable(KEYS)), "
        "type(redis.call('nil')), rawget(_G, 'leak') == nil and 'none' or 'leak', "
        "tostring({}), ('x'):upper()}"
    )
    assert run(checks) == (
        b"*7\r\n$3\r\nnil\r\n$3\r\nnil\r\n$3\r\nnil\r\n$7\r\nboolean\r\n$4\r\nnone\r\n"
        b"$17\r\ntable: 0x00000001\r\n$1\r\nX\r\n"
    )


def test_what_differs_between_replicas_is_hidden(run: Runner) -> None:
    assert run("return {tostring({}), tostring({}), tostring(print == nil)}") != b""
    assert run("local t = {} return {tostring(t), tostring(t), tostring(function() end)}") == (
        b"*3\r\n$17\r\ntable: 0x00000001\r\n$17\r\ntable: 0x00000001\r\n"
        b"$20\r\nfunction: 0x00000002\r\n"
    )
    assert run("return tostring(coroutine.create(function() end))") == (
        b"$18\r\nthread: 0x00000001\r\n"
    )
    assert run("return tostring(setmetatable({}, {__tostring = function() return 'own' end}))") == (
        b"$3\r\nown\r\n"
    )
    assert run("return {collectgarbage('count'), collectgarbage(), gcinfo()}") == (
        b"*3\r\n:0\r\n:0\r\n:0\r\n"
    )
    assert run("return tostring(collectgarbage('step'))") == b"$5\r\nfalse\r\n"
    assert run("return collectgarbage('bogus')").startswith(
        b"-ERR user_script:1: bad argument #1 to 'collectgarbage' (invalid option 'bogus')"
    )


def test_read_only_tables_still_read_as_tables(run: Runner) -> None:
    assert run("local n = 0 for k in pairs(string) do n = n + 1 end return n") == b":15\r\n"
    assert run("return {next(redis) ~= nil, rawget(string, 'rep') == string.rep}") == (
        b"*2\r\n:1\r\n:1\r\n"
    )
    assert run("return ('abc'):upper() .. string.upper('d')") == b"$4\r\nABCD\r\n"
    assert run("return getmetatable('').__index == string") == b":1\r\n"
    assert run("return pairs(nil)").startswith(
        b"-ERR user_script:1: bad argument #1 to 'pairs' (table expected, got nil)"
    )
    assert run("local t = setmetatable({}, {__index = {a = 1}}) return t.a") == b":1\r\n"
