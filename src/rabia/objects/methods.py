"""``@command`` and ``@query``, and each method's wire codec, built once per class."""

from __future__ import annotations

import enum
import inspect
import re
import typing
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar, overload

import msgspec

from rabia.objects.errors import BadCall

F = TypeVar("F", bound=Callable[..., Coroutine[Any, Any, Any]])

_MARK = "__rabia_method__"
_encoder = msgspec.msgpack.Encoder()
_ARG_PATH = re.compile(r"`\$\[(\d+)\]")


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


class Ok(msgspec.Struct, array_like=True, tag=0):
    value: Any


class Failure(msgspec.Struct, array_like=True, tag=1):
    """A method raised: the exception's type name, message and args (if encodable)."""

    type_name: str
    message: str
    args: list[Any]


def encode_failure(exc: BaseException, type_name: str | None = None) -> bytes:
    """The reply of a method that raised ``exc``."""
    name = type_name or type(exc).__name__
    try:
        return _encoder.encode(Failure(name, str(exc), list(exc.args)))
    except (TypeError, ValueError, OverflowError):
        return _encoder.encode(Failure(name, str(exc), [str(exc)]))


class Method:
    """One decorated method: how to encode its calls and decode its replies."""

    def __init__(self, name: str, function: Callable[..., Any], options: Options) -> None:
        self.name = name
        self.function = function
        self.kind = options.kind
        self.rollback = options.rollback
        self.signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
        params = list(self.signature.parameters.values())[1:]  # after self
        fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
        for param in params:
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise TypeError(f"{name}: *args and **kwargs cannot be replicated")
            if param.name not in hints:
                raise TypeError(f"{name}: parameter {param.name!r} needs a type annotation")
            if param.default is param.empty:
                fields.append((param.name, hints[param.name]))
            else:
                fields.append((param.name, hints[param.name], param.default))
        self.params = [p.name for p in params]
        self.positional = sum(p.kind != p.KEYWORD_ONLY for p in params)
        self.arguments: type[msgspec.Struct] = msgspec.defstruct(
            name, fields, array_like=True, tag=name, kw_only=False
        )
        self._call_decoder = msgspec.msgpack.Decoder(self.arguments)
        returns = hints.get("return", Any)
        ok = msgspec.defstruct("Ok", [("value", returns)], array_like=True, tag=0)
        self._reply_decoder: msgspec.msgpack.Decoder[Any] = msgspec.msgpack.Decoder(ok | Failure)

    def encode_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
        """Bind, encode and validate one call; :class:`BadCall` names what does not fit."""
        if kwargs or len(args) != self.positional or self.positional != len(self.params):
            try:
                bound = self.signature.bind(None, *args, **kwargs)
            except TypeError as exc:
                raise BadCall(f"{self.name}: {exc}") from None
            bound.apply_defaults()
            args = tuple(bound.arguments.values())[1:]
        try:
            payload = _encoder.encode((self.name, *args))
            self._call_decoder.decode(payload)
        except (TypeError, msgspec.ValidationError) as exc:
            raise BadCall(f"{self.name}: {self._name_argument(str(exc))}") from exc
        return payload

    def _name_argument(self, message: str) -> str:
        def name(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            return f"argument `{self.params[index]}" if 0 <= index < len(self.params) else match[0]

        return _ARG_PATH.sub(name, message, count=1)

    def invoke(self, target: object, arguments: msgspec.Struct) -> Coroutine[Any, Any, Any]:
        """Call the method on ``target`` with decoded ``arguments`` (not yet driven)."""
        values = msgspec.structs.astuple(arguments)
        if self.positional == len(values):
            return self.function(target, *values)  # type: ignore[no-any-return]
        names = self.params[self.positional :]
        keywords = dict(zip(names, values[self.positional :], strict=True))
        return self.function(target, *values[: self.positional], **keywords)  # type: ignore[no-any-return]

    def encode_result(self, value: Any) -> bytes:
        """The reply of a call that returned ``value``."""
        return _encoder.encode(Ok(value))

    def decode_reply(self, reply: bytes) -> Any:
        """The reply as an ``Ok`` (``.value`` of the return annotation) or a Failure."""
        return self._reply_decoder.decode(reply)
