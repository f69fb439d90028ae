"""The string commands beyond GET/SET against redis-server: SETNX, SETEX, PSETEX,
GETSET, GETEX, MSETNX, INCRBYFLOAT, GETRANGE, SUBSTR, SETRANGE, LCS, mixed with the
basic ones; every reply (times by bucket: ``normalize.times``) and the final state."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import same_behaviour
from tests.differential.normalize import ABSOLUTE_MS, ABSOLUTE_SECONDS, times
from tests.differential.oracle import Differential
from tests.differential.strategies import (
    command,
    floats_text,
    integers,
    keys,
    sequences,
    values,
    variadic,
)

ttl_values = st.sampled_from([b"100", b"0", b"-1", b"abc", b"9223372036854775807", b"5"])
absolute = st.sampled_from([b"%d" % t for t in (*ABSOLUTE_SECONDS, *ABSOLUTE_MS)])
float_values = st.one_of(
    floats_text,
    st.sampled_from([b"1e400", b"0x1p3", b" 1", b"1e-20", b"-0", b"1.7976931348623157e308"]),
)
offsets = st.one_of(
    st.integers(min_value=0, max_value=20).map(lambda n: b"%d" % n),
    st.sampled_from([b"-1", b"x", b"600000000"]),
)
lcs_values = st.text("abc", max_size=8).map(str.encode)

setters = st.one_of(
    command(b"SET", keys, values),
    command(b"SET", keys, float_values),
    command(b"SET", keys, lcs_values),
    command(b"SETNX", keys, values),
    command(b"SETEX", keys, ttl_values, values),
    command(b"PSETEX", keys, st.sampled_from([b"100000", b"0", b"-5", b"x"]), values),
    command(b"GETSET", keys, values),
    variadic(b"MSETNX", [keys, values], st.sampled_from([b"k1", b"v", b"k3"]), max_size=3),
    command(b"SET", keys, values, st.sampled_from([b"EXAT", b"PXAT"]), absolute),
)
readers = st.one_of(
    command(b"GET", keys),
    command(b"GETEX", keys),
    command(b"GETEX", keys, st.sampled_from([b"EX", b"PX", b"EXAT", b"PXAT"]), ttl_values),
    command(b"GETEX", keys, st.sampled_from([b"EXAT", b"PXAT"]), absolute),
    command(b"GETEX", keys, st.sampled_from([b"PERSIST", b"KEEPTTL", b"NX", b"EX"])),
    command(b"GETRANGE", keys, integers, integers),
    command(b"SUBSTR", keys, integers, integers),
    command(b"TTL", keys),
    command(b"PTTL", keys),
    command(b"EXPIRETIME", keys),
    command(b"PEXPIRETIME", keys),
    variadic(b"MGET", [keys], keys),
)
changers = st.one_of(
    command(b"INCRBYFLOAT", keys, float_values),
    command(b"INCRBY", keys, integers),
    command(b"APPEND", keys, values),
    command(b"SETRANGE", keys, offsets, values),
    command(b"LCS", keys, keys),
    variadic(
        b"LCS",
        [keys, keys],
        st.sampled_from([b"LEN", b"IDX", b"WITHMATCHLEN", b"MINMATCHLEN", b"2", b"x", b"FOO"]),
    ),
    command(b"DEL", keys),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(st.one_of(setters, readers, changers)))
def test_string_commands_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour(diff, commands, times)
