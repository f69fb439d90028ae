"""The decorators: which methods they mark, and how."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from typing import Any

import pytest

from rabia.objects import command, query
from rabia.objects.methods import Kind, options_of


async def transfer(self: Any, source: str, amount: int) -> int:
    return amount


def test_async_methods_are_marked_as_they_are() -> None:
    assert options_of(query(transfer)).kind is Kind.QUERY  # type: ignore[union-attr]
    no_rollback = options_of(command(rollback=False)(transfer))
    assert no_rollback is not None and no_rollback.rollback is False
    assert no_rollback.plain is None and command(transfer) is transfer


def test_a_plain_def_becomes_a_coroutine_method_that_keeps_its_own() -> None:
    def deposit(self: Any, amount: int, *, note: str = "") -> int:
        """Put money in."""
        return amount + len(note)

    marked = command(rollback=False)(deposit)
    options = options_of(marked)
    assert options is not None and options.plain is deposit and options.rollback is False
    assert inspect.iscoroutinefunction(marked)
    assert (marked.__name__, marked.__doc__) == ("deposit", "Put money in.")
    assert inspect.signature(marked) == inspect.signature(deposit)
    assert asyncio.run(marked(None, 3, note="ab")) == 5  # another method awaits it
    assert options_of(query(deposit)).kind is Kind.QUERY  # type: ignore[union-attr]


def test_generators_are_refused() -> None:
    def numbers(self: Any) -> Iterator[int]:
        yield 1

    with pytest.raises(TypeError, match="must return, not yield"):
        command(numbers)
