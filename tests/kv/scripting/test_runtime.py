"""The runtime's bounds: an instruction budget no pcall or coroutine escapes, the same
count everywhere; a memory bound; the runtime survives both. And what lupa would expose
of Python is gone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rabia.kv.scripting import ScriptEngine, libraries
from tests.kv.scripting.conftest import Runner, runner

BUDGET = 1_000_000
ROOT = Path(__file__).resolve().parents[3]

RUNAWAYS = [
    "while true do end",
    "local i = 0 while true do i = i + 1 end",
    "while true do pcall(function() while true do end end) end",
    "for i = 1, 1e9 do pcall(error, 'x') end",
    "while true do xpcall(function() while true do end end, function(e) return e end) end",
    "local s = '' while true do s = string.rep('ab', 10) .. string.sub(s, 1, 50) end",
    "local t = {} while true do t[#t % 100 + 1] = table.concat({'a', 'b'}) end",
    "local co = coroutine.wrap(function() while true do end end) co()",
    "while true do coroutine.wrap(function() for i = 1, 900 do end end)() end",
    "while true do local co = coroutine.create(function() while true do coroutine.yield() end end) "
    "for i = 1, 100 do coroutine.resume(co) end end",
    "local function f() return f() end f()",
    "while true do local ok, e = pcall(redis.call, 'get', 'k') end",
    "while true do loadstring('return 1')() end",
]


@pytest.fixture(scope="module")
def bounded() -> ScriptEngine:
    return ScriptEngine(budget=BUDGET, memory=16 << 20)


@pytest.mark.parametrize("script", RUNAWAYS)
def test_a_runaway_script_is_stopped_by_its_budget(bounded: ScriptEngine, script: str) -> None:
    reply = runner(bounded)(script)
    assert reply.startswith(
        b"-ERR Script exceeded its instruction budget (1000000 instructions) script: "
    ), reply
    assert reply.endswith(b", on @user_script:1.\r\n")
    assert runner(bounded)("return 'still here'") == b"$10\r\nstill here\r\n"


def test_once_exhausted_every_instruction_fails() -> None:
    """A script catching the budget's error in pcall cannot do anything with it."""
    engine = ScriptEngine(budget=200_000)
    host_calls: list[list[bytes]] = []

    class Recording:
        def call(self, args: list[bytes]) -> bytes:
            host_calls.append(args)
            return b"+OK\r\n"

        def resp3(self, args: list[bytes], reply: bytes) -> bytes:
            return reply

        def known(self, name: bytes) -> bool:
            return True

        def seed(self) -> int:
            return 0

    script = engine.load(
        b"redis.call('set', 'before')\n"
        b"local ok = pcall(function() while true do end end)\n"
        b"redis.call('set', 'after')\n"
        b"return 'returned'"
    )
    assert not isinstance(script, bytes)
    reply = engine.run(script, [], [], Recording())
    assert reply.startswith(b"-ERR Script exceeded its instruction budget")
    assert host_calls == [[b"set", b"before"]]  # what it wrote before stays, nothing after


def test_the_stop_is_at_the_same_place_on_every_replica() -> None:
    """The count is of Lua instructions: a runtime that ran other scripts first stops
    the script at the same line as a fresh one."""
    script = "\n".join(
        ["local n = 0", *(f"for i = 1, 40000 do n = n + {k} end" for k in range(40))]
    )
    used = ScriptEngine(budget=BUDGET)
    for i in range(20):
        runner(used)(f"local t = {{}} for i = 1, {i * 500} do t[i] = i end return #t")
    stops = {runner(engine)(script) for engine in (used, ScriptEngine(budget=BUDGET))}
    (stop,) = stops
    assert b"on @user_script:" in stop and b"on @user_script:1." not in stop


@pytest.mark.parametrize(
    "script",
    [
        "return #string.rep('x', 1e9)",
        "local t = {} for i = 1, 1e8 do t[i] = i end return #t",
        "local s = 'x' while true do s = s .. s end",
        "local t = {} for i = 1, 1e7 do t[i] = {i} end return #t",
        "return #table.concat({string.rep('x', 1e7), string.rep('y', 1e7)})",
    ],
)
def test_a_memory_explosion_is_an_error(script: str) -> None:
    engine = ScriptEngine(memory=16 << 20)
    reply = runner(engine)(script)
    assert reply.startswith(b"-ERR Script exceeded its memory limit (16777216 bytes) script: ")
    assert runner(engine)("return #string.rep('x', 1000)") == b":1000\r\n"


def test_a_script_may_catch_a_failed_allocation(run: Runner) -> None:
    reply = run("local ok, e = pcall(string.rep, 'x', 1e9) return {tostring(ok), e}")
    assert reply == b"*2\r\n$5\r\nfalse\r\n$17\r\nnot enough memory\r\n"


def test_garbage_of_a_script_is_collected_before_it_piles_up() -> None:
    engine = ScriptEngine(memory=64 << 20)
    run = runner(engine)
    for _ in range(5):
        assert run("local t = {} for i = 1, 200000 do t[i] = 'v' .. i end return #t") == (
            b":200000\r\n"
        )
    assert engine._sandbox is not None and engine._sandbox.memory_used() < 32 << 20


def test_lupas_python_helpers_are_gone(run: Runner) -> None:
    # The script sees its own globals only; the runtime's own have no `python` either.
    engine = ScriptEngine()
    run_here = runner(engine)
    assert run_here("return 1") == b":1\r\n"
    sandbox = engine._sandbox
    assert sandbox is not None
    assert sandbox._lua.globals()[b"python"] is None
    assert sandbox._lua.eval("package.loaded.python") is None


def test_python_objects_a_library_installs_are_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def install(lua: Any) -> None:
        table = lua.table()
        table[b"encode"] = lambda value: b"encoded:" + value
        table[b"config"] = {"a": 1}
        lua.globals()[b"cjson"] = table
        lua.globals()[b"struct"] = object()

    monkeypatch.setattr(libraries, "install", install)
    run = runner(ScriptEngine())
    assert run("return cjson.encode('x')") == b"$9\r\nencoded:x\r\n"
    assert run("return type(cjson.encode)") == b"$8\r\nfunction\r\n"
    assert run("return type(cjson.config)") == b"$3\r\nnil\r\n"
    assert run("return type(struct)").startswith(b"-ERR user_script:1: Script attempted to access")
    assert run("cjson.x = 1").startswith(b"-ERR user_script:1: Attempt to modify a readonly table")


SWEEP = """
from rabia.kv.scripting import ScriptEngine
from tests.kv.scripting.conftest import runner
from tests.kv.scripting.fakes import FakeHost


class Big(FakeHost):
    def call(self, args):
        size = int(args[1]) if len(args) > 1 else 10_000
        if args[0] == b"array":
            return b"*%d\\r\\n" % size + b"$3\\r\\nabc\\r\\n" * size
        return b"$%d\\r\\n%s\\r\\n" % (size, b"x" * size)


script = (
    "local t = {} for i = 1, 200 do t[i] = redis.call('get', tostring(i * 500)) "
    "t[i + 1000] = redis.call('array', tostring(i * 20)) t[i + 2000] = redis.sha1hex(t[i]) "
    "t[i + 3000] = {tostring({}), i} end return #t"
)
for kilobytes in range(64, 6000, 37):
    engine = ScriptEngine(memory=kilobytes << 10)
    reply = runner(engine, Big())(script)
    stopped = b"memory limit" in reply or b"not enough memory" in reply
    assert reply == b":200\\r\\n" or stopped, reply
    assert runner(engine, Big())("return 1") == b":1\\r\\n"
print("swept")
"""


def test_the_memory_bound_never_trips_where_lua_would_panic() -> None:
    """A refused allocation outside Lua's protection ends the process (a Lua panic): the
    bound trips at every point of a script that calls Python back, and the process lives
    on. In a child process, so that a panic fails this test rather than the run."""
    done = subprocess.run(
        [sys.executable, "-c", SWEEP], capture_output=True, timeout=180, check=False, cwd=ROOT
    )
    assert done.returncode == 0 and done.stdout.strip() == b"swept", done.stderr[-2000:]
