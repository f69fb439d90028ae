"""Connection-level commands against redis-server, through the sans-IO connection (a
``tests.kv.fakes.Client`` whose log is a KV machine): PING, ECHO, CLIENT SETNAME and
GETNAME, CONFIG GET/SET of the parameters whose values match Redis's defaults, and
MULTI/EXEC blocks mixing them with data commands; every reply."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import sorted_pairs
from tests.differential.oracle import Command, RedisOracle, differences, encode_request
from tests.differential.strategies import command, keys, values
from tests.kv.fakes import Client

SAME_AS_REDIS = [b"maxmemory", b"maxmemory-policy", b"timeout", b"cluster-enabled", b"save"]
"""CONFIG parameters with the default values of the oracle's redis-server."""

names = st.sampled_from([b"a", b"app-1", b"", b"two words", b"x\ny"])
connection_commands = st.one_of(
    command(b"PING"),
    command(b"PING", values),
    command(b"PING", values, values),
    command(b"ECHO", values),
    command(b"ECHO"),
    command(b"CLIENT", st.just(b"SETNAME"), names),
    command(b"CLIENT", st.just(b"GETNAME")),
    command(b"CLIENT", st.sampled_from([b"NOPE", b"GETNAME"]), values),
    command(b"CONFIG", st.just(b"GET"), st.sampled_from(SAME_AS_REDIS)),
    command(b"CONFIG", st.just(b"SET"), st.just(b"timeout"), st.just(b"0")),
    command(b"CONFIG", st.just(b"SET"), st.just(b"nosuch"), values),
    command(b"CONFIG", st.sampled_from([b"NOPE", b"GET"])),
)
data_commands = st.one_of(
    command(b"SET", keys, values), command(b"GET", keys), command(b"INCR", keys), command(b"NOSUCH")
)
blocks = st.tuples(
    st.lists(st.one_of(connection_commands, data_commands), max_size=5),
    st.sampled_from([b"EXEC", b"DISCARD"]),
).map(lambda drawn: [[b"MULTI"], *drawn[0], [drawn[1]]])
config_get_two = command(  # not in blocks: the pairs' order inside EXEC is Redis's hash order
    b"CONFIG", st.just(b"GET"), st.sampled_from(SAME_AS_REDIS), st.just(b"appendonly")
)
sequences = st.lists(
    st.one_of(
        st.one_of(connection_commands, data_commands, config_get_two).map(lambda c: [c]),
        blocks,
    ),
    min_size=1,
    max_size=8,
).map(lambda groups: [c for group in groups for c in group])


def canonical(command: Command, reply: bytes) -> bytes:
    """CONFIG GET answers in hash order in Redis: compared as sorted pairs."""
    return sorted_pairs(reply) if command[:2] == [b"CONFIG", b"GET"] else reply


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences)
def test_connection_commands_match_redis(oracle: RedisOracle, commands: list[list[bytes]]) -> None:
    oracle.reset()
    for reset in ([b"RESET"], [b"CLIENT", b"SETNAME", b""]):
        oracle.call(reset)
    client = Client()
    pairs = []
    for cmd in commands:
        ours = client.raw(encode_request(cmd))
        pairs.append((cmd, canonical(cmd, ours), canonical(cmd, oracle.call(cmd))))
    problems = list(differences(pairs))
    assert problems == [], "\n".join(problems)
