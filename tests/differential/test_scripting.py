"""Scripting against redis-server: EVAL and friends, fixed cases of every kind and
generated scripts, every reply (errors with their ``script: <sha>, on @user_script:N.``
suffix included) and the final state equal; then on a 3-node `rabia up`, with scripts
loaded at one node and run by EVALSHA at another.

Left out on purpose, each a difference listed in docs/kv.md: what a script can print of
an address (``tostring({})``), random draws, INFO and COMMAND output, TIME, the
collector's figures, SELECT of another database, and ``error({})`` (a table without an
``err`` string crashes redis-server 7.0.15).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import same_behaviour
from tests.differential.cluster import ClusterSide, same_behaviour_on_cluster, start_cluster
from tests.differential.oracle import Differential, RedisOracle
from tests.differential.script_cases import (
    COMMANDS,
    ERRORS,
    LIBRARIES,
    REPLIES,
    SANDBOX,
    SHEBANGS,
)
from tests.differential.scripts import eval_, evals, script_arguments, scripts
from tests.differential.strategies import KEYS


def test_replies_convert_as_redis_converts(diff: Differential) -> None:
    same_behaviour(diff, evals(REPLIES))


def test_errors_read_as_redis_writes_them(diff: Differential) -> None:
    same_behaviour(diff, [[b"SET", b"s", b"v"], *evals(ERRORS)])


def test_commands_from_scripts_are_checked_as_redis_checks(diff: Differential) -> None:
    same_behaviour(diff, [[b"SET", b"x", b"1"], *evals(COMMANDS)])


def test_the_sandbox_refuses_what_redis_refuses(diff: Differential) -> None:
    same_behaviour(diff, evals(SANDBOX))


def test_libraries_inside_scripts(diff: Differential) -> None:
    same_behaviour(diff, evals(LIBRARIES))


def test_shebangs(diff: Differential) -> None:
    ro = [b"EVAL_RO", b"#!lua flags=no-writes\nreturn 1", b"0"]
    flagged = [b"EVAL_RO", b"#!lua\nreturn 1", b"0"]
    same_behaviour(diff, [*evals(SHEBANGS), ro, flagged])


def _sha(body: bytes) -> bytes:
    return hashlib.sha1(body).hexdigest().encode()


ONE = b"return 1"


def test_the_script_cache_and_its_commands(diff: Differential) -> None:
    sha = _sha(ONE)
    same_behaviour(
        diff,
        [
            [b"SCRIPT", b"EXISTS", sha, b"abc"],
            [b"EVAL", ONE, b"0"],
            [b"SCRIPT", b"EXISTS", sha, sha.upper()],
            [b"EVAL", b"return 1 +", b"0"],
            [b"SCRIPT", b"EXISTS", _sha(b"return 1 +")],
            [b"SCRIPT", b"LOAD", b"return 2"],
            [b"SCRIPT", b"LOAD", b""],
            [b"SCRIPT", b"LOAD", b"return syntax err"],
            [b"SCRIPT", b"LOAD", b"#!python\nreturn 1"],
            [b"SCRIPT", b"LOAD", b"\x1bLua"],
            [b"script", b"load", b"return 'lower'"],
            [b"EVALSHA", _sha(b"return 2"), b"0"],
            [b"EVALSHA", _sha(b"return 2").upper(), b"0"],
            [b"EVALSHA_RO", _sha(b"return 2"), b"0"],
            [b"EVALSHA", b"f" * 40, b"0"],
            [b"EVALSHA", b"fff", b"0"],
            *([b"EVALSHA", b"nosuch", n] for n in (b"x", b"-1", b"5")),
            [b"EVALSHA", _sha(b"return 2"), b"5"],
            [b"EVALSHA", sha],
            *([b"EVAL", ONE, n, b"a"] for n in (b"x", b"-1", b"3", b"1.0", b"01", b" 1")),
            [b"EVAL", ONE, b"9999999999999999999999"],
            [b"EVAL", b"return 1 +", b"x"],
            [b"EVAL", b"return 1 +", b"3"],
            [b"EVAL", ONE],
            [b"EVAL_RO"],
            [b"EVALSHA_RO", b"a"],
            [b"EVAL", b"return {KEYS[1], ARGV[1], #KEYS, #ARGV}", b"1", b"", b""],
            [b"EVAL", b"return #ARGV", b"0", *[b"x"] * 5],
            [b"EVAL", b"", b"0"],
            [b"EVAL", b"   ", b"0"],
            [b"SCRIPT", b"EXISTS"],
            [b"SCRIPT", b"FLUSH", b"X"],
            [b"SCRIPT", b"FLUSH", b"SYNC", b"ASYNC"],
            [b"SCRIPT", b"FLUSH", b"async"],
            [b"SCRIPT", b"EXISTS", sha],
            [b"SCRIPT", b"FLUSH"],
            [b"SCRIPT", b"FLUSH", b"SYNC"],
            [b"SCRIPT", b"HELP"],
            [b"SCRIPT", b"HELP", b"x"],
            [b"SCRIPT", b"NOPE"],
            [b"SCRIPT", b"KILL"],
            [b"SCRIPT", b"KILL", b"x"],
            [b"SCRIPT", b"DEBUG", b"x"],
            [b"SCRIPT", b"DEBUG", b"no"],
            [b"SCRIPT"],
            [b"SCRIPT", b"LOAD"],
            [b"SCRIPT", b"LOAD", b"a", b"b"],
        ],
    )


def test_writes_before_an_error_stay_and_read_only_scripts_write_nothing(
    diff: Differential,
) -> None:
    same_behaviour(
        diff,
        [
            eval_("redis.call('set', KEYS[1], '1') error('after write')", "w"),
            eval_("redis.call('rpush', KEYS[1], 'a') return redis.call('nope')", "l"),
            eval_("redis.call('incr', KEYS[1]) return redis.call('lpush', KEYS[1], 'x')", "w"),
            eval_("redis.call('hset', KEYS[1], 'f', 'v') while false do end return 1", "h"),
            [b"EVAL_RO", b"return redis.call('set', 'a', 'b')", b"0"],
            [b"EVAL_RO", b"return redis.pcall('set', 'a', 'b')", b"0"],
            [b"EVAL_RO", b"return redis.call('get', 'w')", b"0"],
            [b"EVAL_RO", b"return redis.call('blpop', 'x', 0)", b"0"],
            [b"EVAL_RO", b"return redis.call('set')", b"0"],
            [b"EVAL_RO", b"return redis.call('flushall')", b"0"],
            [b"EVAL_RO", b"#!lua flags=no-writes\nreturn 1", b"0"],
            [b"EVAL_RO", b"#!lua\nreturn 1", b"0"],
            [b"EVAL_RO", ONE, b"x"],
        ],
    )


def test_resp3_replies_inside_a_script(diff: Differential) -> None:
    setup = [
        [b"HSET", b"h", b"a", b"1"],
        [b"ZADD", b"z", b"1.5", b"m"],
        [b"SADD", b"s", b"a"],
    ]
    resp3 = [
        "redis.setresp(3) return redis.call('hgetall', 'nohash')",
        "redis.setresp(3) local r = redis.call('hgetall', 'h') "
        "local t = {} for k, v in pairs(r) do t[#t + 1] = k .. '=' .. type(v) end return t",
        "redis.setresp(3) return redis.call('hgetall', 'h').map.a",
        "redis.setresp(3) return redis.call('hgetall', 'h')",
        "redis.setresp(3) local r = redis.call('zscore', 'z', 'm') "
        "return {type(r), tostring(r.double)}",
        "redis.setresp(3) return redis.call('zscore', 'z', 'm')",
        "redis.setresp(3) return type(redis.call('get', 'nokey'))",
        "redis.setresp(3) return redis.call('get', 'nokey')",
        "redis.setresp(3) return redis.call('smembers', 'noset')",
        "redis.setresp(3) return tostring(redis.call('smembers', 's').set.a)",
        "redis.setresp(3) return redis.call('smembers', 's')",
        "redis.setresp(3) redis.setresp(2) return type(redis.call('get', 'nokey'))",
    ]
    same_behaviour(diff, [*setup, *evals(resp3)])


@st.composite
def _runs(draw: st.DrawFn) -> list[list[bytes]]:
    """A generated script, run by EVAL or loaded then run by EVALSHA (or EVAL_RO)."""
    body = draw(scripts()).encode()
    keys, args = draw(script_arguments)
    tail = [b"%d" % len(keys), *(k for k in keys), *(a.encode() for a in args)]
    how = draw(st.sampled_from(["eval", "eval", "evalsha", "ro"]))
    if how == "evalsha":
        return [[b"SCRIPT", b"LOAD", body], [b"EVALSHA", _sha(body), *tail]]
    return [[b"EVAL_RO" if how == "ro" else b"EVAL", body, *tail]]


_setup = st.one_of(
    st.sampled_from(KEYS).map(lambda k: [b"SET", k, b"10"]),
    st.sampled_from(KEYS).map(lambda k: [b"RPUSH", k, b"a", b"b"]),
    st.sampled_from(KEYS).map(lambda k: [b"HSET", k, b"a", b"1"]),
    st.sampled_from(KEYS).map(lambda k: [b"SADD", k, b"a", b"1"]),
    st.sampled_from(KEYS).map(lambda k: [b"ZADD", k, b"1", b"a"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_setup.map(lambda c: [c]), _runs()), min_size=1, max_size=8))
def test_generated_scripts_answer_as_redis_does(
    diff: Differential, runs: list[list[list[bytes]]]
) -> None:
    same_behaviour(diff, [command for run in runs for command in run])


# -- on a 3-node `rabia up` -------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterSide]:
    up = start_cluster(Path(tmp_path_factory.mktemp("scripting-cluster")))
    side = ClusterSide(up)
    try:
        yield side
    finally:
        side.close()
        up.assert_clean_stop()


def test_a_script_loaded_at_one_node_runs_at_every_other(
    cluster: ClusterSide, oracle: RedisOracle
) -> None:
    """Commands go to node 0, 1, 2, 0...: LOAD at one node, EVALSHA at the next."""
    body = b"redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])"
    sha = _sha(body)
    same_behaviour_on_cluster(
        cluster,
        oracle,
        [
            [b"SCRIPT", b"LOAD", body],  # node 0
            [b"EVALSHA", sha, b"1", b"counter"],  # node 1
            [b"EVALSHA", sha.upper(), b"1", b"counter"],  # node 2
            [b"SCRIPT", b"EXISTS", sha, b"f" * 40],
            [b"SCRIPT", b"EXISTS", sha],
            [b"SCRIPT", b"EXISTS", sha],
            [b"EVAL", b"return redis.call('lpush', KEYS[1], 'x')", b"1", b"counter"],
            [b"SCRIPT", b"FLUSH"],
            [b"EVALSHA", sha, b"1", b"counter"],
            [b"EVAL", body, b"1", b"counter"],  # EVAL caches it again
            [b"EVALSHA", sha, b"1", b"counter"],
            [b"EVALSHA_RO", sha, b"1", b"counter"],
        ],
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(_setup.map(lambda c: [c]), _runs()), min_size=1, max_size=6))
def test_generated_scripts_on_a_cluster_answer_as_redis_does(
    cluster: ClusterSide, oracle: RedisOracle, runs: list[list[list[bytes]]]
) -> None:
    same_behaviour_on_cluster(cluster, oracle, [command for run in runs for command in run])
