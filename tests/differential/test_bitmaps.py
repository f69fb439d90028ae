"""Bitmap commands against redis-server: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
BITFIELD, BITFIELD_RO, over strings also written by SET, APPEND and SETRANGE; every
reply and the final state."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import same_behaviour
from tests.differential.oracle import Differential
from tests.differential.strategies import command, integers, keys, sequences, values, variadic

bit_offsets = st.one_of(
    st.integers(min_value=0, max_value=70).map(lambda n: b"%d" % n),
    st.sampled_from([b"-1", b"x", b"5000000000", b"1.5"]),
)
bits = st.sampled_from([b"0", b"1", b"1", b"2", b"-1", b"x"])
units = st.sampled_from([b"BIT", b"BYTE", b"bit", b"FOO"])
types = st.one_of(
    st.sampled_from([b"i", b"u"]).flatmap(
        lambda sign: st.integers(min_value=1, max_value=64).map(lambda n: sign + b"%d" % n)
    ),
    st.sampled_from([b"u64", b"i0", b"x8", b"I8", b"i08", b"u"]),
)
field_offsets = st.one_of(
    st.integers(min_value=0, max_value=40).map(lambda n: b"%d" % n),
    st.integers(min_value=0, max_value=5).map(lambda n: b"#%d" % n),
    st.sampled_from([b"-1", b"#-1", b"x"]),
)
field_values = st.one_of(
    st.integers(min_value=-300, max_value=300).map(lambda n: b"%d" % n),
    st.sampled_from([b"9223372036854775807", b"-9223372036854775808", b"x"]),
)
field_op = st.one_of(
    st.tuples(st.just(b"GET"), types, field_offsets),
    st.tuples(st.sampled_from([b"SET", b"INCRBY"]), types, field_offsets, field_values),
    st.tuples(st.just(b"OVERFLOW"), st.sampled_from([b"WRAP", b"SAT", b"FAIL", b"NO"])),
    st.tuples(st.sampled_from([b"GET", b"FOO"])),
)
bitfield = st.tuples(
    st.sampled_from([b"BITFIELD", b"BITFIELD_RO"]), keys, st.lists(field_op, max_size=4)
).map(lambda drawn: [drawn[0], drawn[1], *[part for op in drawn[2] for part in op]])

bitmap_commands = st.one_of(
    command(b"SET", keys, values),
    command(b"APPEND", keys, values),
    command(b"SETRANGE", keys, st.sampled_from([b"0", b"3", b"9"]), values),
    command(b"SETBIT", keys, bit_offsets, bits),
    command(b"GETBIT", keys, bit_offsets),
    command(b"BITCOUNT", keys),
    command(b"BITCOUNT", keys, integers, integers),
    command(b"BITCOUNT", keys, integers, integers, units),
    command(b"BITCOUNT", keys, integers),
    command(b"BITPOS", keys, bits),
    command(b"BITPOS", keys, bits, integers),
    command(b"BITPOS", keys, bits, integers, integers),
    command(b"BITPOS", keys, bits, integers, integers, units),
    variadic(b"BITOP", [st.sampled_from([b"AND", b"OR", b"XOR", b"NOT", b"nand"]), keys], keys),
    bitfield,
    command(b"DEL", keys),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(bitmap_commands))
def test_bitmap_commands_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour(diff, commands)
