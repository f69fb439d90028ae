"""The decorators: which methods they mark, and how."""

from __future__ import annotations

from typing import Any

import pytest

from rabia.objects import command, query
from rabia.objects.methods import Kind, options_of


async def transfer(self: Any, source: str, amount: int) -> int:
    return amount


def test_decorators_mark_async_methods_only() -> None:
    assert options_of(query(transfer)).kind is Kind.QUERY  # type: ignore[union-attr]
    no_rollback = options_of(command(rollback=False)(transfer))
    assert no_rollback is not None and no_rollback.rollback is False

    def plain(self: Any) -> int:
        return 1

    with pytest.raises(TypeError, match="must be an async def"):
        command(plain)  # type: ignore[type-var]
