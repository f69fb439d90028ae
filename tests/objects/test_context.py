"""The log's context of a command, and the refusal of a method that suspends."""

from __future__ import annotations

import asyncio
import inspect

from rabia.objects.context import LogContext, suspended


async def _suspends() -> None:
    await asyncio.sleep(0)


def test_a_coroutine_that_suspended_is_closed_and_named() -> None:
    coro = _suspends()
    coro.send(None)
    error = suspended(coro, "f")
    assert str(error).startswith("f suspended")
    assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED  # no "never awaited"


def test_the_random_source_depends_on_time_and_call_only() -> None:
    draws = [LogContext(5, b"call").random.random() for _ in range(2)]
    assert draws[0] == draws[1]
    assert LogContext(6, b"call").random.random() != draws[0]
    assert LogContext(5, b"other").random.random() != draws[0]
    assert LogContext(5, b"call").time == 5
