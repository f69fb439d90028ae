"""A command's row (``rabia.kv.commands.spec``): where its keys are."""

from __future__ import annotations

from rabia.kv.commands.spec import NO_KEYS, KeyPositions


def test_key_positions() -> None:
    args = [b"MSET", b"a", b"1", b"b", b"2"]
    assert KeyPositions(1, -1, 2).of(args) == [b"a", b"b"]
    assert KeyPositions(1, -2, 1).of(args) == [b"a", b"1", b"b"]
    assert KeyPositions(2, 2, 1).of(args) == [b"1"]
    assert NO_KEYS.of(args) == []
