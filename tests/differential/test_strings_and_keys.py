"""Strings and key commands against redis-server: every reply and the final state equal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import same_behaviour
from tests.differential.oracle import Differential
from tests.differential.strategies import (
    command,
    integers,
    keys,
    sequences,
    values,
    variadic,
)

string_commands = st.one_of(
    command(b"SET", keys, values),
    command(b"GET", keys),
    command(b"GETDEL", keys),
    command(b"APPEND", keys, values),
    command(b"STRLEN", keys),
    command(b"INCR", keys),
    command(b"DECR", keys),
    command(b"INCRBY", keys, integers),
    command(b"DECRBY", keys, integers),
    variadic(b"MGET", [keys], keys),
    variadic(b"MSET", [keys, values], st.sampled_from([b"k1", b"v"]), max_size=3),
    command(b"SET", keys, values, st.sampled_from([b"NX", b"XX", b"GET", b"KEEPTTL", b"nx"])),
)
key_commands = st.one_of(
    variadic(b"DEL", [keys], keys),
    variadic(b"EXISTS", [keys], keys),
    command(b"EXPIRE", keys, st.sampled_from([b"100", b"0", b"-1", b"abc"])),
    command(b"PEXPIRE", keys, st.sampled_from([b"100000", b"0", b"-5"])),
    command(b"PERSIST", keys),
    command(b"TTL", keys),
    command(b"KEYS", st.sampled_from([b"*", b"k*", b"k[12]", b"?2"])),
    command(b"DBSIZE"),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(st.one_of(string_commands, key_commands)))
def test_strings_and_keys_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour(diff, commands)
