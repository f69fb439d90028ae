"""Set commands against redis-server, mixed with string and key commands on the same
keys (WRONGTYPE): every reply and the final state equal.

Member order is Redis's intset or hash-table order, so listing replies compare
order-free (``ORDER_FREE``; SSCAN here). Random choices differ between the sides:
SRANDMEMBER compares by what Redis guarantees (how many, distinct or not), and after an
SPOP that did not take the whole set the machine's set is made to lose what Redis's
lost instead (after checking those were members), so the sequences go on from equal
states.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.differential.check import order_free, sorted_items
from tests.differential.oracle import Command, Differential, array_items, differences
from tests.differential.strategies import command, keys, members, sequences, values, variadic

counts = st.sampled_from(
    [b"0", b"1", b"2", b"3", b"-1", b"-4", b"10", b"x", b"-9223372036854775808"]
)

set_commands = st.one_of(
    variadic(b"SADD", [keys, members], members, max_size=4),
    variadic(b"SREM", [keys, members], members, max_size=2),
    command(b"SMEMBERS", keys),
    command(b"SISMEMBER", keys, members),
    variadic(b"SMISMEMBER", [keys, members], members, max_size=2),
    command(b"SCARD", keys),
    variadic(b"SPOP", [keys], counts, max_size=2),
    variadic(b"SRANDMEMBER", [keys], counts, max_size=2),
    command(b"SMOVE", keys, keys, members),
    variadic(b"SINTER", [keys], keys, max_size=2),
    variadic(b"SUNION", [keys], keys, max_size=2),
    variadic(b"SDIFF", [keys], keys, max_size=2),
    variadic(b"SINTERSTORE", [keys, keys], keys, max_size=2),
    variadic(b"SUNIONSTORE", [keys, keys], keys, max_size=2),
    variadic(b"SDIFFSTORE", [keys, keys], keys, max_size=2),
    variadic(
        b"SINTERCARD",
        [st.sampled_from([b"1", b"2", b"0", b"3", b"x"]), keys],
        st.one_of(keys, st.sampled_from([b"LIMIT", b"1", b"0", b"-1"])),
        max_size=3,
    ),
    variadic(
        b"SSCAN",
        [keys, st.sampled_from([b"0", b"0", b"x", b"", b"5"])],
        st.sampled_from([b"MATCH", b"COUNT", b"1", b"0", b"a*", b"*"]),
        max_size=4,
    ),
    command(b"SADD", keys),  # wrong arity
)
other_commands = st.one_of(
    command(b"APPEND", keys, values),
    command(b"GET", keys),
    command(b"INCR", keys),
    variadic(b"DEL", [keys], keys, max_size=1),
    command(b"TYPE", keys),
)


def normalize(command: Command, reply: bytes) -> bytes:
    """SSCAN ignoring order; SRANDMEMBER as how many members, and whether distinct."""
    name = command[0].upper()
    if name == b"SRANDMEMBER" and reply[:1] == b"$" and not reply.startswith(b"$-"):
        return b"$one"
    if reply[:1] != b"*" or reply.startswith(b"*-"):
        return reply
    if name == b"SSCAN":
        cursor, found = array_items(reply)
        return cursor + sorted_items(found)
    if name == b"SRANDMEMBER":
        items = array_items(reply)
        return b"%d members, distinct: %d" % (len(items), len(set(items)) == len(items))
    return reply


def _popped(reply: bytes) -> list[bytes]:
    """The members an SPOP reply holds."""
    if reply.startswith(b"$"):
        return [] if reply.startswith(b"$-") else [reply[reply.index(b"\r\n") + 2 : -2]]
    return [item[item.index(b"\r\n") + 2 : -2] for item in array_items(reply)]


def same_behaviour_with_spop(diff: Differential, commands: Sequence[Command]) -> None:
    """``same_behaviour``, but SPOP's random choice is the server's on both sides."""
    diff.fresh()
    problems: list[str] = []
    for c in commands:
        ours, theirs = diff.machine.call(c), diff.oracle.call(c)
        if c[0].upper() == b"SPOP" and ours[:1] in (b"$", b"*") and ours != theirs:
            ours_popped, theirs_popped = _popped(ours), _popped(theirs)
            if len(ours_popped) != len(theirs_popped):
                problems.append(f"{c!r}: rabia popped {ours_popped}, redis {theirs_popped}")
                continue
            key = c[1]
            if diff.machine.call([b"EXISTS", key]) == b":1\r\n":  # a part of the set
                put_back = diff.machine.call([b"SADD", key, *ours_popped])
                gone = diff.machine.call([b"SREM", key, *theirs_popped])
                if gone != b":%d\r\n" % len(set(theirs_popped)):
                    problems.append(f"{c!r}: redis popped non-members {put_back!r} {gone!r}")
                continue
            ours = order_free(c, ours)
            theirs = order_free(c, theirs)
            ours, theirs = sorted_items(ours), sorted_items(theirs)
        ours, theirs = order_free(c, ours), order_free(c, theirs)
        problems += differences([(c, normalize(c, ours), normalize(c, theirs))])
    assert problems == [], "\n".join(problems)
    ours_state, theirs_state = diff.states()
    assert ours_state == theirs_state, f"states differ:\nrabia {ours_state}\nredis {theirs_state}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequences(st.one_of(set_commands, set_commands, set_commands, other_commands)))
def test_sets_match_redis(diff: Differential, commands: list[list[bytes]]) -> None:
    same_behaviour_with_spop(diff, commands)
