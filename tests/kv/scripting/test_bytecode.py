"""Tail calls of ``redis.*`` become ordinary calls in the compiled script; others stay."""

from __future__ import annotations

import pytest
from lupa import lua51

from rabia.kv.scripting.bytecode import CALL, TAILCALL, untail

LUA = lua51.LuaRuntime(encoding=None)
LOAD = LUA.eval("loadstring")
DUMP = LUA.eval("string.dump")


def dumped(code: str) -> bytes:
    function = LOAD(code.encode(), b"@user_script")
    assert function is not None, code
    return bytes(DUMP(function))


@pytest.mark.parametrize(
    "code",
    [
        "return redis.call('get', KEYS[1])",
        "local x = 1\nreturn redis.pcall('get', x and 'a' or 'b')",
        "return redis.call(redis.call('a'))",
        "local r = redis return r.call('x')",
        "local function f() return redis.setresp(3) end return f()",
        "return redis.sha1hex('x')",
        "return pairs({})",
        "return math.random(1)",
        "return tostring(1)",
    ],
)
def test_tail_calls_of_redis_functions_are_patched(code: str) -> None:
    dump = dumped(code)
    patched = untail(dump)
    assert patched is not None and len(patched) == len(dump)
    assert LOAD(patched, b"=patched") is not None  # the loader's verifier accepts it
    changed = [at for at in range(len(dump)) if dump[at] != patched[at]]
    assert changed and all(dump[at] & 0x3F == TAILCALL for at in changed)
    assert all(patched[at] & 0x3F == CALL for at in changed)


@pytest.mark.parametrize(
    "code",
    [
        "local function f(n) if n == 0 then return 0 end return f(n - 1) end return f(10)",
        "return redis.call",
        "local call = redis.call return call('x')",  # an alias: left as it is
        "return string.rep('x', 3)",
        "local redis = {call = function() end} return redis.call()",
    ],
)
def test_other_tail_calls_stay(code: str) -> None:
    assert untail(dumped(code)) is None


def test_tail_recursion_still_runs_in_constant_stack() -> None:
    code = "local function f(n) if n == 0 then return 'done' end return f(n - 1) end return f(1e6)"
    assert LOAD(code.encode())() == b"done"


def test_what_is_not_a_lua_51_dump_is_left_alone() -> None:
    assert untail(b"not a dump") is None
    assert untail(dumped("return redis.call('x')")[:40]) is None
