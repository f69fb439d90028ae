"""``KVMachine.apply_at`` on anything: never raises, always exactly one RESP reply."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from rabia.kv import KVMachine, encode_command, encode_exec
from tests.fuzz.commands import machine_commands
from tests.fuzz.harness import parse_replies
from tests.fuzz.strategies import FUZZ

NOW = 1_000_000_000_000


def _one_reply(reply: bytes) -> None:
    replies = parse_replies(reply)
    assert len(replies) == 1, reply[:300]


@FUZZ
@given(entries=st.lists(st.binary(max_size=256), max_size=10))
def test_arbitrary_entries_get_one_reply(entries: list[bytes]) -> None:
    machine = KVMachine()
    for entry in entries:
        _one_reply(machine.apply_at(entry, NOW))


@FUZZ
@given(
    commands=st.lists(machine_commands, max_size=25),
    times=st.lists(st.integers(0, 10**13), min_size=25, max_size=25),
)
def test_commands_get_one_reply(commands: list[list[bytes]], times: list[int]) -> None:
    machine = KVMachine(max_keys=8, max_leases=4, max_value_size=64)
    now = NOW
    for args, step in zip(commands, times, strict=False):
        now += step
        _one_reply(machine.apply_at(encode_command(args), now))
    # the state survives a snapshot round trip
    copy = KVMachine()
    copy.restore(machine.snapshot())
    assert copy.snapshot() == machine.snapshot()


@FUZZ
@given(
    watched=st.lists(st.tuples(st.binary(max_size=4), st.integers(-1, 50)), max_size=3),
    queued=st.lists(machine_commands, max_size=6),
    junk=st.lists(st.binary(max_size=16), max_size=2),
)
def test_transactions_get_one_reply(
    watched: list[tuple[bytes, int]], queued: list[list[bytes]], junk: list[bytes]
) -> None:
    machine = KVMachine()
    _one_reply(machine.apply_at(encode_exec(watched, queued), NOW))
    _one_reply(machine.apply_at(encode_command([b"EXEC", *junk]), NOW))
