"""What a script's redis.call runs: Redis's checks for scripts, in Redis's order, and the
connection-level commands answered the same on every replica."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine, encode_command
from rabia.kv.commands.script_calls import (
    NOT_ALLOWED,
    UNKNOWN,
    WRITE_IN_READ_ONLY,
    WRONG_ARITY,
    ScriptCalls,
)


def calls(read_only: bool = False) -> ScriptCalls:
    machine = KVMachine()
    machine.apply_at(encode_command([b"SET", b"k", b"v"]), 1_000_000)
    return ScriptCalls(machine._context, read_only)


@pytest.mark.parametrize(
    ("args", "reply"),
    [
        ([b"nosuch"], UNKNOWN),
        ([b"rabia.back", b"x"], UNKNOWN),  # internal entries are not commands for scripts
        ([b"get"], WRONG_ARITY),
        ([b"multi", b"x"], WRONG_ARITY),  # Redis's arity, stricter than the connection's
        ([b"object", b"nope", b"k"], UNKNOWN),
        ([b"object", b"encoding"], WRONG_ARITY),
        ([b"config", b"nope"], UNKNOWN),  # an unknown subcommand before NOSCRIPT
        ([b"multi"], NOT_ALLOWED),
        ([b"blpop", b"k", b"0"], NOT_ALLOWED),
        ([b"subscribe", b"c"], NOT_ALLOWED),
        ([b"client", b"id"], NOT_ALLOWED),
        ([b"eval", b"return 1", b"0"], NOT_ALLOWED),
        ([b"script", b"flush"], NOT_ALLOWED),
    ],
)
def test_refusals(args: list[bytes], reply: bytes) -> None:
    assert calls().call(args) == reply


def test_writes_in_a_read_only_script() -> None:
    read_only = calls(read_only=True)
    assert read_only.call([b"set", b"k", b"w"]) == WRITE_IN_READ_ONLY
    assert read_only.call([b"get", b"k"]) == b"$1\r\nv\r\n"
    assert read_only.call([b"get"]) == WRONG_ARITY  # arity is checked first
    assert calls().call([b"set", b"k", b"w"]) == b"+OK\r\n"


def test_xread_block_is_refused() -> None:
    refused = b"-ERR xread command is not allowed with BLOCK option from scripts\r\n"
    assert calls().call([b"xread", b"BLOCK", b"0", b"STREAMS", b"s", b"$"]) == refused
    assert calls().call([b"xread", b"COUNT", b"1", b"STREAMS", b"block", b"0"]) == b"*-1\r\n"
    group = [b"xreadgroup", b"GROUP", b"g", b"c", b"block", b"0", b"STREAMS", b"s", b">"]
    assert calls().call(group) == (
        b"-ERR xreadgroup command is not allowed with BLOCK option from scripts\r\n"
    )


@pytest.mark.parametrize(
    ("args", "reply"),
    [
        ([b"ping"], b"+PONG\r\n"),
        ([b"PING", b"x"], b"$1\r\nx\r\n"),
        ([b"ping", b"x", b"y"], b"-ERR wrong number of arguments for 'ping' command\r\n"),
        ([b"echo", b"a\x00b"], b"$3\r\na\x00b\r\n"),
        ([b"select", b"0"], b"+OK\r\n"),
        ([b"select", b"1"], b"-ERR DB index is out of range\r\n"),
        ([b"select", b"x"], b"-ERR value is not an integer or out of range\r\n"),
        ([b"command"], b"*0\r\n"),
        ([b"info", b"keyspace"], b"$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n"),
        ([b"info", b"cluster", b"server"], b"$30\r\n# Cluster\r\ncluster_enabled:0\r\n\r\n"),
        ([b"time"], b"*2\r\n$1\r\n1\r\n$1\r\n0\r\n"),  # log time, through the table
    ],
)
def test_connection_commands_answered_alike_everywhere(args: list[bytes], reply: bytes) -> None:
    assert calls().call(args) == reply


def test_info_everything_is_only_replicated_state() -> None:
    reply = calls().call([b"info"])
    assert reply.count(b"# ") == 3 and b"uptime" not in reply and b"used_memory" not in reply


def test_resp3_forms_known_commands_and_seeds() -> None:
    host = calls()
    assert host.resp3([b"hgetall", b"h"], b"*2\r\n$1\r\na\r\n$1\r\n1\r\n") == (
        b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"
    )
    assert host.resp3([b"get", b"x"], b"$-1\r\n") == b"_\r\n"
    assert host.known(b"GET") and host.known(b"eval") and not host.known(b"rabia.back")
    assert not host.known(b"nosuch")
    assert host.seed() == calls().seed()
