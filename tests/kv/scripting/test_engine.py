"""The script cache (replicated state) and running a script."""

from __future__ import annotations

import hashlib

from rabia.kv.scripting import Script, ScriptEngine
from tests.kv.scripting.conftest import runner


def sha(body: bytes) -> bytes:
    return hashlib.sha1(body).hexdigest().encode()


def test_the_runtime_is_created_with_the_first_script() -> None:
    engine = ScriptEngine()
    engine.restore([b"return 1"])
    assert engine._sandbox is None  # a machine that never runs a script pays nothing
    assert engine.exists(sha(b"return 1"))
    script = engine.get(sha(b"return 1").upper())
    assert isinstance(script, Script) and engine._sandbox is not None


def test_load_compiles_and_caches_once() -> None:
    engine = ScriptEngine()
    first = engine.load(b"return 1")
    assert isinstance(first, Script) and first.sha == sha(b"return 1")
    assert engine.load(b"return 1") is first
    assert engine.get(first.sha) is first
    assert engine.scripts == {first.sha: b"return 1"}


def test_what_does_not_compile_is_not_cached() -> None:
    engine = ScriptEngine()
    reply = engine.load(b"return 1 +")
    assert reply == (
        b"-ERR Error compiling script (new function): user_script:1: "
        b"unexpected symbol near '<eof>'\r\n"
    )
    assert engine.load(b"#!python\nreturn 1") == (
        b"-ERR Unexpected engine in script shebang: #!python\r\n"
    )
    assert engine.scripts == {}
    assert engine.get(sha(b"return 1 +")) is None


def test_shebang_flags_and_line_numbers() -> None:
    engine = ScriptEngine()
    script = engine.load(b"#!lua flags=no-writes\nerror('x')")
    assert isinstance(script, Script) and script.shebang and script.no_writes
    plain = engine.load(b"return 1")
    assert isinstance(plain, Script) and not plain.shebang and not plain.no_writes
    assert runner(engine)("#!lua\n\nerror('x')").startswith(b"-ERR user_script:3: x")


def test_state_and_restore_and_flush() -> None:
    engine = ScriptEngine()
    for body in (b"return 2", b"return 1", b"return 3"):
        engine.load(body)
    state = engine.state()
    assert state == sorted(state, key=lambda body: sha(body))
    other = ScriptEngine()
    other.restore(state)
    assert other.scripts == engine.scripts and other.state() == state
    assert runner(other)("return 2") == b":2\r\n"
    other.flush()
    assert other.scripts == {} and other.get(sha(b"return 2")) is None


def test_budget_and_memory_can_change_between_scripts() -> None:
    engine = ScriptEngine(budget=1_000_000)
    run = runner(engine)
    loop = "local n = 0 for i = 1, 300000 do n = n + i end return 1"
    assert run(loop) == b":1\r\n"
    engine.budget = 100_000
    assert run(loop).startswith(b"-ERR Script exceeded its instruction budget (100000 ")
    engine.memory = 1 << 20
    assert run("return #string.rep('x', 4194304)").startswith(
        b"-ERR Script exceeded its memory limit (1048576 bytes)"
    )
    engine.memory = 64 << 20
    assert run("return #string.rep('x', 4194304)") == b":4194304\r\n"


def test_two_engines_run_the_same_script_the_same_way() -> None:
    """What replicas do: one fresh, one that ran other scripts before."""
    used = ScriptEngine()
    busy = runner(used)
    for i in range(50):
        busy(f"local t = {{}} for i = 1, {i * 100} do t[i] = tostring(i) end return #t")
    fresh = runner(ScriptEngine())
    script = (
        "local t = {} for i = 1, 1000 do t[#t + 1] = tostring({}) .. math.random(100) end "
        "return {t[1], t[1000], redis.sha1hex(table.concat(t))}"
    )
    assert busy(script) == fresh(script)
