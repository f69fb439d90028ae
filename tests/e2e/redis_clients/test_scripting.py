"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT at every node: a script loaded at one
node runs at the others (the script cache is replicated state)."""

from __future__ import annotations

import hashlib

from tests.e2e.redis_clients.steps import NODES, E, run_steps
from tests.e2e.redis_up import Conn, Err

COUNT = "return redis.call('incr', KEYS[1])"
SHA = hashlib.sha1(COUNT.encode()).hexdigest()
NOSCRIPT = E("NOSCRIPT No matching script. Please use EVAL.")


def test_scripts_at_every_node(conns: list[Conn]) -> None:
    for first in range(NODES):
        key = f"s{first}:n"
        run_steps(
            conns,
            [
                (0, ["SCRIPT", "FLUSH"], "OK"),
                (1, ["EVALSHA", SHA, 1, key], NOSCRIPT),
                (0, ["SCRIPT", "LOAD", COUNT], SHA),
                (1, ["EVALSHA", SHA, 1, key], 1),
                (2, ["EVALSHA", SHA.upper(), 1, key], 2),
                (0, ["SCRIPT", "EXISTS", SHA, "f" * 40], [1, 0]),
                (1, ["EVAL", "return {KEYS[1], ARGV[1], 3}", 1, "k", "a"], ["k", "a", 3]),
                (2, ["EVAL", "return redis.call('get', KEYS[1])", 1, key], "2"),
                (0, ["EVAL_RO", "return redis.call('get', KEYS[1])", 1, key], "2"),
                (
                    1,
                    ["EVALSHA_RO", SHA, 1, key],
                    E(
                        "ERR Write commands are not allowed from read-only scripts. "
                        f"script: {SHA}, on @user_script:1."
                    ),
                ),
                (2, ["EVAL", "return redis.call('lpush', KEYS[1], 'x')", 1, key], _wrongtype()),
                (0, ["EVAL", "return redis.status_reply('DONE')", 0], "DONE"),
                (1, ["EVAL", "return 1 +", 0], _compile_error()),
                (2, ["EVAL", "return 1", -1], E("ERR Number of keys can't be negative")),
                (0, ["SCRIPT", "FLUSH", "ASYNC"], "OK"),
                (1, ["SCRIPT", "EXISTS", SHA], [0]),
                (2, ["SCRIPT", "KILL"], E("NOTBUSY No scripts in execution right now.")),
            ],
            first,
        )


def _wrongtype() -> Err:
    sha = hashlib.sha1(b"return redis.call('lpush', KEYS[1], 'x')").hexdigest()
    return E(
        "WRONGTYPE Operation against a key holding the wrong kind of value "
        f"script: {sha}, on @user_script:1."
    )


def _compile_error() -> Err:
    return E(
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'"
    )
