"""Every row of the command table is consistent with what answers it."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine, encode_command
from rabia.kv.commands.context import ERR_ELECTION_KEY
from rabia.kv.commands.spec import NO_KEYS, CommandSpec, Flag
from rabia.kv.commands.table import COMMANDS, build
from tests.kv.fakes import Client, FakeLog

ROWS = sorted(COMMANDS.values(), key=lambda spec: spec.name)
LOG_ROWS = [spec for spec in ROWS if spec.handler is not None and spec.name != b"exec"]
LOCAL_ROWS = [spec for spec in ROWS if spec.local is not None]
FILLER = b"1"
"""An argument every command takes where it expects something (an integer, a key...)."""
AT_MOST = {b"lpop": 3, b"rpop": 3}
"""Commands of variable arity whose handler answers more arguments than this with the
arity error, as Redis's does (LPOP key [count])."""


def least(spec: CommandSpec) -> list[bytes]:
    """The command with the fewest arguments its arity allows."""
    return [spec.name.upper(), *[FILLER] * (abs(spec.arity) - 1)]


def arity_error(spec: CommandSpec) -> bytes:
    return b"-ERR wrong number of arguments for '%s' command\r\n" % spec.name


def apply(args: list[bytes], machine: KVMachine | None = None) -> bytes:
    return (machine or KVMachine()).apply_at(encode_command(args), 1_000_000)


def test_names_are_unique_and_lower_case() -> None:
    assert all(name == spec.name == name.lower() for name, spec in COMMANDS.items())
    get = COMMANDS[b"get"]
    with pytest.raises(ValueError):
        build([get], [get])
    with pytest.raises(ValueError):
        build([CommandSpec(b"GET", 2, Flag.READONLY)])


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: s.name.decode())
def test_who_answers_matches_the_flags(spec: CommandSpec) -> None:
    local = bool(spec.flags & Flag.LOCAL)
    assert local == (spec.local is not None)
    assert local or spec.handler is not None  # a log command is applied by the machine
    writes, reads = bool(spec.flags & Flag.WRITE), bool(spec.flags & Flag.READONLY)
    if spec.handler is not None and not local:
        assert writes != reads  # a log command either may write or surely does not
    else:
        assert not writes and not reads  # the connection's own, or EXEC (depends)
    if spec.flags & Flag.TRANSACTION:
        assert local
    if spec.flags & Flag.PUBSUB:
        assert local and spec.flags & Flag.SUBSCRIBED


@pytest.mark.parametrize("spec", ROWS, ids=lambda s: s.name.decode())
def test_key_positions_fit_the_arity(spec: CommandSpec) -> None:
    first, last, step = spec.keys
    if first == 0:
        assert spec.keys == NO_KEYS and spec.written_key == 0
        return
    assert step >= 1 and 1 <= first < abs(spec.arity)
    assert last < 0 or first <= last < abs(spec.arity)
    assert 1 <= len(spec.keys.of(least(spec))) < abs(spec.arity)  # keys within the least
    assert bool(spec.written_key) == bool(spec.flags & Flag.WRITE)


@pytest.mark.parametrize("spec", LOG_ROWS, ids=lambda s: s.name.decode())
def test_the_machine_accepts_what_the_arity_allows(spec: CommandSpec) -> None:
    args = least(spec)
    longer = [*args, FILLER, FILLER]
    bounded = spec.arity >= 0 or len(longer) > AT_MOST.get(spec.name, len(longer))
    for accepted in [args] if bounded else [args, longer]:
        reply = apply(accepted)  # and no exception: the handler reads no missing argument
        assert not reply.startswith((arity_error(spec), b"-ERR unknown command")), reply
    if bounded:
        assert apply(longer) == arity_error(spec)
    if len(args) > 1:
        assert apply(args[:-1]) == arity_error(spec)


@pytest.mark.parametrize("spec", LOCAL_ROWS, ids=lambda s: s.name.decode())
def test_the_connection_accepts_what_the_arity_allows(spec: CommandSpec) -> None:
    client = Client()
    args = least(spec)
    reply = client.raw(b" ".join(args) + b"\r\n")
    assert not reply.startswith((arity_error(spec), b"-ERR unknown command")), reply
    if len(args) > 1:
        assert Client().raw(b" ".join(args[:-1]) + b"\r\n") == arity_error(spec)


def test_every_command_answered_is_in_the_table() -> None:
    """The connection and the machine know exactly the table's commands."""
    for name in (b"nosuch", b"spublish", b"getx", b"lease", b"rabia.nosuch"):
        assert Client().raw(name + b" 1 1\r\n").startswith(b"-ERR unknown command"), name
        assert apply([name, FILLER, FILLER]).startswith(b"-ERR unknown command"), name
    for spec in ROWS:
        args = [*least(spec), FILLER, FILLER] if spec.arity < 0 else least(spec)
        unknown = apply(args).startswith(b"-ERR unknown command")
        assert unknown == (spec.handler is None), spec.name


@pytest.mark.parametrize("spec", [s for s in ROWS if s.keys.first], ids=lambda s: s.name.decode())
def test_only_writes_to_election_keys_are_refused(spec: CommandSpec) -> None:
    args = [*least(spec), FILLER, FILLER] if spec.arity < 0 else least(spec)
    first, last, step = spec.keys
    for position in range(first, len(args) + last + 1 if last < 0 else last + 1, step):
        args[position] = b"__election__:x"
    assert spec.keys.of(args) == [b"__election__:x"] * len(spec.keys.of(args))
    refused = apply(args) == ERR_ELECTION_KEY
    assert refused == (spec.handler is not None and bool(spec.flags & Flag.WRITE))


@pytest.mark.parametrize(
    "spec", [s for s in LOG_ROWS if s.flags & Flag.READONLY], ids=lambda s: s.name.decode()
)
def test_readonly_commands_change_nothing(spec: CommandSpec) -> None:
    log = FakeLog()
    setup = [b"SET 1 1", b"SET k v PX 5000", b"LEASE.GRANT 10000", b"ELECT.CAMPAIGN 1 me 3"]
    for line in setup:
        log.submit(encode_command(line.split()), lambda _: None)
    twin = KVMachine()
    twin.restore(log.machine.snapshot())
    for args in (least(spec), [*least(spec), FILLER, b"k"]):
        if spec.accepts(len(args)):
            apply(args, log.machine)
            apply([b"GET", b"other"], twin)  # the same revision, nothing else
    assert log.machine.snapshot() == twin.snapshot()
