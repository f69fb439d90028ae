"""Driving methods synchronously, and the log's context."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from rabia.objects.context import LogContext, run_sync
from rabia.objects.errors import NotDeterministic


async def _returns(value: int) -> int:
    return value


async def _suspends() -> None:
    await asyncio.sleep(0)


def test_a_coroutine_that_never_suspends_is_driven_to_its_value() -> None:
    assert run_sync(_returns(7), "f") == 7


def test_a_coroutine_that_suspends_is_refused_and_closed() -> None:
    coro = _suspends()
    with pytest.raises(NotDeterministic, match="f suspended"):
        run_sync(coro, "f")
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # no "never awaited"


def test_exceptions_of_the_method_propagate() -> None:
    async def boom() -> None:
        raise KeyError("k")

    with pytest.raises(KeyError):
        run_sync(boom(), "boom")


def test_the_random_source_depends_on_time_and_call_only() -> None:
    draws = [LogContext(5, b"call").random.random() for _ in range(2)]
    assert draws[0] == draws[1]
    assert LogContext(6, b"call").random.random() != draws[0]
    assert LogContext(5, b"other").random.random() != draws[0]
    assert LogContext(5, b"call").time == 5
