"""Strategies for Redis commands: plausible names and arguments, and their encodings."""

from __future__ import annotations

from hypothesis import strategies as st

from rabia.kv.commands.spec import Flag
from rabia.kv.commands.table import COMMANDS

MACHINE_COMMANDS = sorted(name for name, spec in COMMANDS.items() if spec.local is None)
SUBSCRIBE_COMMANDS = sorted(name for name, spec in COMMANDS.items() if spec.flags & Flag.PUBSUB)
BLOCKING_COMMANDS = sorted(name for name, spec in COMMANDS.items() if spec.flags & Flag.BLOCKING)
"""A blocking command with nothing to serve answers only once its timeout passes."""
CONNECTION_COMMANDS = sorted(
    name
    for name, spec in COMMANDS.items()
    if spec.local is not None and name not in (*SUBSCRIBE_COMMANDS, b"quit")
)
"""Commands answered by the connection with exactly one reply each."""

OPTIONS = [
    *(b"NX", b"XX", b"GT", b"LT", b"GET", b"KEEPTTL", b"EX", b"PX", b"EXAT", b"PXAT"),
    *(b"MATCH", b"COUNT", b"TYPE", b"string", b"ASYNC", b"SYNC", b"AUTH", b"SETNAME"),
    *(b"2", b"3", b"0", b"-1", b"*", b"?", b"[", b"a*", b"\\", b"[^a-", b"k"),
]

numbers = st.one_of(
    st.integers(-(1 << 64), 1 << 64).map(lambda n: b"%d" % n),
    st.sampled_from([b"9223372036854775807", b"-9223372036854775808", b"18446744073709551616"]),
    # long digit strings: integer parsing must refuse them, never choke on them
    st.sampled_from([4300, 4301, 6000]).map(lambda n: b"1" * n),
    st.integers(1, 6000).map(lambda n: b"1" * n),
    st.integers(1, 6000).map(lambda n: b"0" * n + b"7"),
)
arguments = st.one_of(
    st.sampled_from([b"k", b"k2", b"counter", b"__election__:x", b"", b"lease"]),
    st.sampled_from(OPTIONS),
    numbers,
    st.binary(max_size=24),
)


def command(names: list[bytes]) -> st.SearchStrategy[list[bytes]]:
    """One command: a name from ``names`` (in any case) and a few arguments."""
    name = st.sampled_from(names).flatmap(lambda n: st.sampled_from([n, n.upper(), n.capitalize()]))
    return st.builds(lambda n, a: [n, *a], name, st.lists(arguments, max_size=6))


machine_commands = command(MACHINE_COMMANDS)
one_reply_commands = st.one_of(
    command([name for name in MACHINE_COMMANDS if name not in BLOCKING_COMMANDS]),
    command(CONNECTION_COMMANDS),
    st.lists(st.binary(min_size=1, max_size=12), min_size=1, max_size=4).filter(
        lambda args: args[0].lower() not in (*SUBSCRIBE_COMMANDS, *BLOCKING_COMMANDS, b"quit")
    ),
)
"""Commands answered at once, each with exactly one reply."""
