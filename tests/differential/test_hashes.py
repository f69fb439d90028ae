"""Hash commands against redis-server, mixed with string and key commands on the same
keys (WRONGTYPE): every reply and the final state equal.

Field order is Redis's hash-table order, so listing replies compare order-free (HGETALL,
HKEYS, HVALS in ``ORDER_FREE``; HSCAN here). HRANDFIELD's choice is random on both sides:
its replies compare by what Redis guarantees (how many, distinct or not). HSCAN's
NOVALUES (Redis 7.4; 7.0 answers a syntax error) is left to the unit tests.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import same_behaviour, sorted_pairs
from tests.differential.oracle import Command, Differential, array_items
from tests.differential.strategies import (
    command,
    floats_text,
    integers,
    keys,
    members,
    sequences,
    values,
    variadic,
)

fields = members
bad_counts = st.sampled_from([b"0", b"1", b"2", b"-1", b"-3", b"10", b"x", b"-9223372036854775808"])

hash_commands = st.one_of(
    variadic(b"HSET", [keys, fields, values], st.one_of(fields, values), max_size=5),
    variadic(b"HMSET", [keys, fields, values], st.one_of(fields, values), max_size=3),
    command(b"HSETNX", keys, fields, values),
    command(b"HGET", keys, fields),
    variadic(b"HMGET", [keys], fields, max_size=3),
    command(b"HGETALL", keys),
    variadic(b"HDEL", [keys], fields, max_size=3),
    command(b"HEXISTS", keys, fields),
    command(b"HLEN", keys),
    command(b"HSTRLEN", keys, fields),
    command(b"HKEYS", keys),
    command(b"HVALS", keys),
    command(b"HINCRBY", keys, fields, integers),
    command(b"HINCRBYFLOAT", keys, fields, floats_text),
    variadic(
        b"HSCAN",
        [keys, st.sampled_from([b"0", b"0", b"x", b"", b"-1", b"7"])],
        st.sampled_from([b"MATCH", b"COUNT", b"1", b"0", b"a*", b"x", b"*"]),
        max_size=4,
    ),
    variadic(b"HRANDFIELD", [keys], st.one_of(bad_counts, st.just(b"WITHVALUES")), max_size=3),
    command(b"HGET", keys),  # wrong arity
)
other_commands = st.one_of(
    command(b"APPEND", keys, values),
    command(b"GET", keys),
    command(b"INCR", keys),
    variadic(b"DEL", [keys], keys, max_size=1),
    command(b"EXISTS", keys),
    command(b"TYPE", keys),
)


def normalize(command: Command, reply: bytes) -> bytes:
    """HSCAN ignoring order; HRANDFIELD as how many entries, and whether distinct."""
    name = command[0].upper()
    if reply[:1] != b"*" or reply.startswith(b"*-"):
        return reply if name != b"HRANDFIELD" or reply[:1] != b"$" else b"$one"
    if name == b"HSCAN":
        cursor, found = array_items(reply)
        return cursor + sorted_pairs(found)
    if name == b"HRANDFIELD":
        items = array_items(reply)
        entries = list(zip(items[0::2], items[1::2], strict=True)) if len(command) == 4 else items
        distinct = len(set(entries)) == len(entries)
        return b"%d entries, distinct: %d" % (len(entries), distinct)
    return reply


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(st.one_of(hash_commands, hash_commands, hash_commands, other_commands)))
def test_hashes_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour(diff, commands, normalize)
