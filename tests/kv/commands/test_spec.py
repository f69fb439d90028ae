"""A command's row (``rabia.kv.commands.spec``): where its keys are."""

from __future__ import annotations

from rabia.kv.commands.spec import NO_KEYS, KeyPositions


def test_key_positions() -> None:
    args = [b"MSET", b"a", b"1", b"b", b"2"]
    assert KeyPositions(1, -1, 2).of(args) == [b"a", b"b"]
    assert KeyPositions(1, -2, 1).of(args) == [b"a", b"1", b"b"]
    assert KeyPositions(2, 2, 1).of(args) == [b"1"]
    assert NO_KEYS.of(args) == []


def test_subcommands_of_a_container_command() -> None:
    from rabia.kv.commands.spec import CommandSpec, Flag

    spec = CommandSpec(b"object", -2, Flag.READONLY, subcommands={b"encoding": 3, b"get": -3})
    assert spec.subcommand_error([b"OBJECT", b"ENCODING", b"k"]) is None
    assert spec.subcommand_error([b"object", b"get", b"a", b"b"]) is None
    assert spec.subcommand_error([b"OBJECT", b"x\r\ny"]) == (
        b"-ERR unknown subcommand 'x  y'. Try OBJECT HELP.\r\n"
    )
    assert spec.subcommand_error([b"OBJECT", b"Encoding"]) == (
        b"-ERR wrong number of arguments for 'object|encoding' command\r\n"
    )
    assert CommandSpec(b"get", 2, Flag.READONLY).subcommand_error([b"GET", b"k"]) is None
