"""Hypothesis strategies for Redis commands: a few keys (so commands collide on them),
values that are sometimes numbers, and the building blocks each type's suite combines.

Every ``commands`` strategy draws complete argument lists, name first, including wrong
ones on purpose (wrong arity, non-integers, bad options): errors are part of what must
match redis-server."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

KEYS = [b"k1", b"k2", b"k3", b"{k}4"]
"""Few keys, so that commands of every type meet on them (and hit WRONGTYPE)."""

keys = st.sampled_from(KEYS)
small_ints = st.integers(min_value=-5, max_value=12)
ints_text = small_ints.map(lambda n: b"%d" % n)
big_ints_text = st.sampled_from(
    [b"0", b"1", b"-1", b"9223372036854775807", b"-9223372036854775808", b"9223372036854775808"]
)
not_numbers = st.sampled_from([b"", b"abc", b"1.5", b" 1", b"1e3", b"0x10", b"--1", b"+1"])
integers = st.one_of(ints_text, ints_text, big_ints_text, not_numbers)
"""Mostly valid small integers, sometimes edges or garbage."""

floats_text = st.one_of(
    st.sampled_from([b"0", b"1.5", b"-2.25", b"3", b"inf", b"-inf", b"+inf", b"1e3", b"nan"]),
    st.floats(min_value=-100, max_value=100, allow_nan=False).map(lambda f: repr(f).encode()),
    not_numbers,
)
values = st.one_of(
    st.sampled_from([b"a", b"b", b"c", b"", b"hello", b"1", b"10", b"-3", b"2.5"]),
    st.binary(max_size=8),
)
members = st.sampled_from([b"a", b"b", b"c", b"d", b"e", b"1", b"2", b""])
"""Few members, so that sets, hashes and sorted sets overlap."""


def command(name: bytes, *parts: st.SearchStrategy[bytes]) -> st.SearchStrategy[list[bytes]]:
    """``name`` followed by one draw from each of ``parts``."""
    return st.tuples(*parts).map(lambda drawn: [name, *drawn])


def variadic(
    name: bytes,
    head: Sequence[st.SearchStrategy[bytes]],
    each: st.SearchStrategy[bytes],
    min_size: int = 0,
    max_size: int = 4,
) -> st.SearchStrategy[list[bytes]]:
    """``name``, one draw from each of ``head``, then ``min_size``..``max_size`` of ``each``."""
    return st.tuples(st.tuples(*head), st.lists(each, min_size=min_size, max_size=max_size)).map(
        lambda drawn: [name, *drawn[0], *drawn[1]]
    )


def sequences(
    commands: st.SearchStrategy[list[bytes]], max_size: int = 25
) -> st.SearchStrategy[list[list[bytes]]]:
    """A sequence of commands to run on both sides."""
    return st.lists(commands, min_size=1, max_size=max_size)
