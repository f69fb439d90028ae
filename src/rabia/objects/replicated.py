"""``Replicated``: a StateMachine whose commands and queries are typed methods."""

from __future__ import annotations

import random
import typing
from typing import Any, ClassVar

import msgspec

from rabia.api import StateMachine
from rabia.objects.context import LogContext, run_sync
from rabia.objects.errors import NotDeterministic
from rabia.objects.methods import Method, encode_failure
from rabia.objects.schema import Schema

BAD_CALL = "rabia.objects.BadCall"
"""The failure type name of a call that a replica could not decode."""


class Replicated(StateMachine):
    """Base class of replicated objects.

    Declare the state as annotated attributes (msgspec-encodable types, defaults via
    ``= value`` or ``= msgspec.field(default_factory=...)``), commands with
    ``@command async def`` and queries with ``@query async def``. Class keywords:
    ``rollback=False`` stops saving the state before each command; ``errors=(E, ...)``
    names exceptions that reach callers as themselves (others as ``CommandFailed``).
    """

    _rabia_rollback: ClassVar[bool] = True
    _rabia_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def __init_subclass__(
        cls,
        *,
        rollback: bool | None = None,
        errors: tuple[type[Exception], ...] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if rollback is not None:
            cls._rabia_rollback = rollback
        if errors is not None:
            cls._rabia_errors = cls._rabia_errors + tuple(errors)

    def __init__(self) -> None:
        self._rabia_log: LogContext | None = None
        schema_of(type(self)).state.initialize(self)

    def log_time(self) -> int:
        """The log's clock (microseconds) at the command being applied; same everywhere."""
        return self._log_context().time

    def random(self) -> random.Random:
        """A random source seeded from the log (see ``LogContext.random``)."""
        return self._log_context().random

    def _log_context(self) -> LogContext:
        context: LogContext | None = getattr(self, "_rabia_log", None)
        if context is None:
            raise NotDeterministic("log_time() and random() exist only inside a command")
        return context

    def apply(self, command: bytes) -> bytes:
        return self.apply_at(command, 0)

    def apply_at(self, command: bytes, log_time: int) -> bytes:
        schema = schema_of(type(self))
        method, arguments, failure = _decode(schema, schema.commands, command)
        if failure is not None:
            return failure
        assert method is not None and arguments is not None
        saved = schema.state.encode(self) if method.rollback else None
        self._rabia_log = LogContext(log_time, command)
        try:
            return method.encode_result(run_sync(method.invoke(self, arguments), method.name))
        except Exception as exc:
            if saved is not None:
                schema.state.load(self, saved)
            return encode_failure(exc)
        finally:
            self._rabia_log = None

    def query(self, query: bytes) -> bytes:
        schema = schema_of(type(self))
        method, arguments, failure = _decode(schema, schema.queries, query)
        if failure is not None:
            return failure
        assert method is not None and arguments is not None
        try:
            return method.encode_result(run_sync(method.invoke(self, arguments), method.name))
        except Exception as exc:
            return encode_failure(exc)

    def snapshot(self) -> bytes:
        """The declared state, encoded (override with ``restore`` for another format)."""
        return schema_of(type(self)).state.encode(self)

    def restore(self, data: bytes) -> None:
        schema_of(type(self)).state.load(self, data)


def _decode(
    schema: Schema, decoder: msgspec.msgpack.Decoder[Any] | None, payload: bytes
) -> tuple[Method | None, msgspec.Struct | None, bytes | None]:
    if decoder is None:
        return None, None, encode_failure(ValueError(f"{schema.name} has none"), BAD_CALL)
    try:
        arguments = decoder.decode(payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return None, None, encode_failure(ValueError(f"undecodable call: {exc}"), BAD_CALL)
    return schema.by_type[type(arguments)], arguments, None


def schema_of(cls: type[Replicated]) -> Schema:
    """The schema of ``cls``, built on first use (type hints resolve once all is defined)."""
    schema: Schema | None = cls.__dict__.get("_rabia_schema")
    if schema is None:
        base_hints = set(typing.get_type_hints(Replicated))
        schema = Schema(cls, base_hints, cls._rabia_rollback, cls._rabia_errors)
        cls._rabia_schema = schema  # type: ignore[attr-defined]
    return schema
