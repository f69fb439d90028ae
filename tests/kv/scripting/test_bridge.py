"""The Python side of redis.*: arguments, replies as Lua values, no Python object ever
reaching a script, no exception ever crossing into Lua."""

from __future__ import annotations

import math

import pytest

from rabia.kv.scripting import ScriptEngine
from rabia.kv.scripting.bridge import number_argument
from tests.kv.scripting.conftest import Runner, runner
from tests.kv.scripting.fakes import FakeHost


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, b"3"),
        (-1, b"-1"),
        (0.1, b"0.10000000000000001"),
        (1e20, b"1e+20"),
        (2**53 + 1, b"9007199254740992"),
        (-0.5, b"-0.5"),
        (math.inf, b"inf"),
        (-math.inf, b"-inf"),
        (-math.nan, b"-nan"),
        (math.nan, b"nan"),
    ],
)
def test_numbers_are_written_as_c_writes_them(value: float, text: bytes) -> None:
    assert number_argument(value) == text


def test_arguments_reach_the_host_as_bytes(engine: ScriptEngine) -> None:
    host = FakeHost()
    run_with = runner(engine, host)
    assert run_with("return redis.call('get', 'k', 1, 0.5, KEYS[1])", ("a",)) == b"$1\r\nv\r\n"
    assert host.calls == [[b"get", b"k", b"1", b"0.5", b"a"]]


@pytest.mark.parametrize(
    ("script", "reply"),
    [
        ("return redis.call('get')", b"$1\r\nv\r\n"),
        ("return redis.call('incr')", b":7\r\n"),
        ("return type(redis.call('nil'))", b"$7\r\nboolean\r\n"),
        ("return type(redis.call('nilarray'))", b"$7\r\nboolean\r\n"),
        ("return redis.call('set')", b"+OK\r\n"),
        ("return redis.call('set').ok", b"$2\r\nOK\r\n"),
        ("return redis.call('nested')", b"*3\r\n:1\r\n$-1\r\n*2\r\n+x\r\n-ERR y\r\n"),
        ("return redis.pcall('fail')", b"-ERR boom\r\n"),
        ("return redis.pcall('fail').err", b"$8\r\nERR boom\r\n"),
        ("return redis.pcall('fail').ignore_error_stats_update", b":1\r\n"),
        ("return redis.pcall({}).ignore_error_stats_update", b"$-1\r\n"),
        ("redis.setresp(3) return redis.call('hash').map.a", b"$1\r\n1\r\n"),
        ("redis.setresp(3) return type(redis.call('nil'))", b"$3\r\nnil\r\n"),
        ("redis.setresp(3) redis.setresp(2) return type(redis.call('nil'))", b"$7\r\nboolean\r\n"),
        ("return redis.sha1hex('abc')", b"$40\r\na9993e364706816aba3e25717850c26c9cd0d89d\r\n"),
        ("return redis.acl_check_cmd('GET')", b":1\r\n"),
        ("return type(math.random())", b"$6\r\nnumber\r\n"),
    ],
)
def test_replies_come_back_as_lua_values(run: Runner, script: str, reply: bytes) -> None:
    assert run(script) == reply


def test_a_failing_host_is_an_error_for_the_script_not_an_exception(
    engine: ScriptEngine,
) -> None:
    class Broken(FakeHost):
        def call(self, args: list[bytes]) -> bytes:
            raise RuntimeError("bug")

    run_broken = runner(engine, Broken())
    reply = run_broken("local ok, e = pcall(redis.call, 'get') return {type(e), e}")
    assert reply == (
        b"*2\r\n$6\r\nstring\r\n$54\r\nERR internal error running the command from the script\r\n"
    )


def test_math_random_is_seeded_by_the_host_and_by_randomseed(engine: ScriptEngine) -> None:
    run = runner(engine)
    draws = "return {math.random(1000000), math.random(1, 6), math.random(10)}"
    first, again = runner(engine, FakeHost(seed=1))(draws), runner(engine, FakeHost(seed=1))(draws)
    other = runner(engine, FakeHost(seed=2))(draws)
    assert first == again != other
    seeded = "math.randomseed(7) return math.random(1000000)"
    assert runner(engine, FakeHost(seed=1))(seeded) == runner(engine, FakeHost(seed=2))(seeded)
    assert b"interval is empty" in run("return math.random(0)")
    assert b"wrong number of arguments" in run("return math.random(1, 2, 3)")
