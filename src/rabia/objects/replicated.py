"""``Replicated``: a StateMachine whose commands and queries are typed methods."""

from __future__ import annotations

import random
import typing
from typing import Any, ClassVar

from rabia.api import StateMachine
from rabia.objects.context import LogContext
from rabia.objects.dispatch import answer_query, apply_command
from rabia.objects.errors import NotDeterministic
from rabia.objects.schema import Schema


class Replicated(StateMachine):
    """Base class of replicated objects.

    Declare the state as annotated attributes (msgspec-encodable types, defaults via
    ``= value`` or ``= msgspec.field(default_factory=...)``), commands with
    ``@command`` and queries with ``@query`` (``def`` or ``async def``). Class keywords:
    ``rollback=False`` stops saving the state before each command; ``errors=(E, ...)``
    names exceptions that reach callers as themselves (others as ``CommandFailed``).
    """

    _rabia_rollback: ClassVar[bool] = True
    _rabia_errors: ClassVar[tuple[type[Exception], ...]] = ()
    _rabia_schema: ClassVar[Schema | None] = None

    def __init_subclass__(
        cls,
        *,
        rollback: bool | None = None,
        errors: tuple[type[Exception], ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls._rabia_schema = None  # each class its own, built on first use (schema_of)
        if rollback is not None:
            cls._rabia_rollback = rollback
        if errors is not None:
            cls._rabia_errors = cls._rabia_errors + tuple(errors)

    def __init__(self) -> None:
        self._rabia_log: LogContext | tuple[int, bytes] | None = None
        schema_of(type(self)).state.initialize(self)

    def log_time(self) -> int:
        """The log's clock (microseconds) at the command being applied; same everywhere."""
        return self._log_context().time

    def random(self) -> random.Random:
        """A random source seeded from the log (see ``LogContext.random``)."""
        return self._log_context().random

    def _log_context(self) -> LogContext:
        context: LogContext | tuple[int, bytes] | None = getattr(self, "_rabia_log", None)
        if context is None:
            raise NotDeterministic("log_time() and random() exist only inside a command")
        if isinstance(context, tuple):  # made on first use: most commands never ask
            context = self._rabia_log = LogContext(*context)
        return context

    def apply(self, command: bytes) -> bytes:
        return self.apply_at(command, 0)

    def apply_at(self, command: bytes, log_time: int) -> bytes:
        return apply_command(self, self._rabia_schema or schema_of(type(self)), command, log_time)

    def query(self, query: bytes) -> bytes:
        return answer_query(self, self._rabia_schema or schema_of(type(self)), query)

    def snapshot(self) -> bytes:
        """The declared state, encoded (override with ``restore`` for another format)."""
        return schema_of(type(self)).state.encode(self)

    def restore(self, data: bytes) -> None:
        schema_of(type(self)).state.load(self, data)


def schema_of(cls: type[Replicated]) -> Schema:
    """The schema of ``cls``, built on first use (type hints resolve once all is defined)."""
    schema: Schema | None = cls.__dict__.get("_rabia_schema")
    if schema is None:
        base_hints = set(typing.get_type_hints(Replicated))
        schema = Schema(cls, base_hints, cls._rabia_rollback, cls._rabia_errors)
        cls._rabia_schema = schema
    return schema
