"""``@command`` and ``@query``: the marks that make a method replicated."""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Coroutine[Any, Any, Any]])

_MARK = "__rabia_method__"


class Kind(enum.Enum):
    COMMAND = "command"  # through the log, exactly once
    QUERY = "query"  # through the read barrier, never in the log


@dataclass(frozen=True)
class Options:
    kind: Kind
    rollback: bool | None  # None: the class's choice


def _mark(kind: Kind, rollback: bool | None) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        if not inspect.iscoroutinefunction(function):
            raise TypeError(f"@{kind.value} {function.__qualname__} must be an async def")
        setattr(function, _MARK, Options(kind, rollback))
        return function

    return decorate


@overload
def command(function: F, /) -> F: ...
@overload
def command(*, rollback: bool | None = None) -> Callable[[F], F]: ...
def command(function: F | None = None, /, *, rollback: bool | None = None) -> Any:
    """Mark an ``async def`` method as a command: ordered through the log, applied once
    on every replica. ``rollback=False`` skips saving the state before it runs (the
    state is then left as the method left it when it raises)."""
    decorate = _mark(Kind.COMMAND, rollback)
    return decorate if function is None else decorate(function)


def query(function: F, /) -> F:
    """Mark an ``async def`` method as a read-only query: answered by one node through
    the read barrier (linearizable), never written to the log. It must change nothing."""
    return _mark(Kind.QUERY, None)(function)


def options_of(attribute: object) -> Options | None:
    """The decorator's options of a class attribute, or None if it is not marked."""
    options = getattr(attribute, _MARK, None)
    return options if isinstance(options, Options) else None
