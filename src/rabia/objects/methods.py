"""``@command`` and ``@query``: the marks that make a method replicated."""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, overload

F = TypeVar("F", bound=Callable[..., Coroutine[Any, Any, Any]])
S = TypeVar("S")
P = ParamSpec("P")
R = TypeVar("R")

_MARK = "__rabia_method__"


class Kind(enum.Enum):
    COMMAND = "command"  # through the log, exactly once
    QUERY = "query"  # through the read barrier, never in the log


@dataclass(frozen=True)
class Options:
    kind: Kind
    rollback: bool | None  # None: the class's choice
    plain: Callable[..., Any] | None = None
    """The method as written when it is a plain ``def`` (replicas call it directly)."""


class Decorator(Protocol):
    """``@command(rollback=...)``: marks an ``async def`` or a ``def`` method."""

    @overload
    def __call__(self, function: F, /) -> F: ...
    @overload
    def __call__(
        self, function: Callable[Concatenate[S, P], R], /
    ) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]: ...


def _mark(kind: Kind, rollback: bool | None, function: Callable[..., Any]) -> Any:
    if inspect.iscoroutinefunction(function):
        setattr(function, _MARK, Options(kind, rollback))
        return function
    if inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function):
        raise TypeError(f"@{kind.value} {function.__qualname__} must return, not yield")

    @functools.wraps(function)
    async def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return function(self, *args, **kwargs)

    setattr(method, _MARK, Options(kind, rollback, function))
    return method


@overload
def command(function: F, /) -> F: ...
@overload
def command(
    function: Callable[Concatenate[S, P], R], /
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]: ...
@overload
def command(*, rollback: bool | None = None) -> Decorator: ...
def command(function: Callable[..., Any] | None = None, /, *, rollback: bool | None = None) -> Any:
    """Mark a method as a command: ordered through the log, applied once on every
    replica. ``rollback=False`` skips saving the state before it runs (the state is then
    left as the method left it when it raises).

    Write it as ``def`` (replicas call it directly: the cheaper way) or ``async def``
    (it must never suspend). Either way callers ``await`` it through a proxy, and so
    does another method of the object: a ``def`` becomes a coroutine method whose
    annotations stay its own."""
    if function is None:
        return functools.partial(_mark, Kind.COMMAND, rollback)
    return _mark(Kind.COMMAND, rollback, function)


@overload
def query(function: F, /) -> F: ...
@overload
def query(
    function: Callable[Concatenate[S, P], R], /
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]: ...
def query(function: Callable[..., Any], /) -> Any:
    """Mark a ``def`` or ``async def`` method as a read-only query: answered by one node
    through the read barrier (linearizable), never written to the log. It must change
    nothing."""
    return _mark(Kind.QUERY, None, function)


def options_of(attribute: object) -> Options | None:
    """The decorator's options of a class attribute, or None if it is not marked."""
    options = getattr(attribute, _MARK, None)
    return options if isinstance(options, Options) else None
