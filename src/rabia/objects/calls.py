"""One replicated method's wire codec, built once per class: the caller's side (encode a
call, decode its reply) and the replica's (call it with decoded arguments)."""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable
from typing import Any, Never

import msgspec

from rabia.objects.errors import BadCall, BadReply, CommandFailed
from rabia.objects.methods import Kind, Options
from rabia.objects.replies import BAD_CALL, Failure

_encode = msgspec.msgpack.Encoder().encode
_astuple = msgspec.structs.astuple
_ARG_PATH = re.compile(r"`\$\[(\d+)\]")


class Method:
    """One decorated method: how to encode its calls, run them, and decode its replies."""

    def __init__(self, name: str, function: Callable[..., Any], options: Options) -> None:
        self.name = name
        self.synchronous = options.plain is not None
        """A plain ``def``: called directly, its value is the result (no coroutine)."""
        function = options.plain or function
        self.function = function
        self.kind: Kind = options.kind
        self.rollback: bool | None = options.rollback
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
        self.params: list[str] = [p.name for p in params]
        self.positional: int = sum(p.kind != p.KEYWORD_ONLY for p in params)
        self.all_positional = self.positional == len(self.params)
        self.arguments: type[msgspec.Struct] = msgspec.defstruct(
            name, fields, array_like=True, tag=name, kw_only=False, gc=False
        )  # gc=False: decoded from bytes, then taken apart (no cycle can pass through it)
        self._call_decoder = msgspec.msgpack.Decoder(self.arguments)
        returns = hints.get("return", Any)
        self.ok: type[msgspec.Struct] = msgspec.defstruct(
            "Ok", [("value", returns)], array_like=True, tag=0, gc=False
        )
        """The ``Ok`` of this method's return type (a reply decodes to it or a Failure)."""
        self.decode_reply: Callable[[bytes], Any] = msgspec.msgpack.Decoder(
            self.ok | Failure
        ).decode
        """The reply as an ``Ok`` (``.value`` of the return annotation) or a Failure."""

    def encode_call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
        """Bind, encode and validate one call; :class:`BadCall` names what does not fit."""
        if kwargs or len(args) != len(self.params) or not self.all_positional:
            try:
                bound = self.signature.bind(None, *args, **kwargs)
            except TypeError as exc:
                raise BadCall(f"{self.name}: {exc}") from None
            bound.apply_defaults()
            args = tuple(bound.arguments.values())[1:]
        try:
            payload = _encode((self.name, *args))
            self._call_decoder.decode(payload)
        except msgspec.ValidationError as exc:
            raise BadCall(f"{self.name}: {self._name_argument(str(exc))}") from exc
        except (TypeError, OverflowError) as exc:
            raise BadCall(f"{self.name}: {self._unencodable(args, exc)}") from exc
        return payload

    def _unencodable(self, args: tuple[Any, ...], exc: Exception) -> str:
        """``exc`` (an encoding error) prefixed by the first argument that fails alone."""
        for name, value in zip(self.params, args, strict=False):
            try:
                _encode(value)
            except (TypeError, OverflowError):
                return f"argument `{name}`: {exc}"
        return str(exc)

    def _name_argument(self, message: str) -> str:
        match = _ARG_PATH.search(message)
        if match is None:
            return message
        index = int(match.group(1)) - 1
        if not 0 <= index < len(self.params):
            return message
        start, end = match.span()
        return f"{message[:start]}argument `{self.params[index]}{message[end:]}"

    def call_with_keywords(self, target: object, arguments: msgspec.Struct) -> Any:
        """The method called on ``target`` with decoded ``arguments``, its keyword-only
        ones by name: its value, or for an ``async def`` its coroutine (not yet driven).
        (A method with positional parameters only is called in place, ``dispatch``.)"""
        values = _astuple(arguments)
        names = self.params[self.positional :]
        keywords = dict(zip(names, values[self.positional :], strict=True))
        return self.function(target, *values[: self.positional], **keywords)


def unwrap(method: Method, reply: bytes, errors: dict[str, type[Exception]]) -> Any:
    """The value of ``reply``, or its failure raised as the right exception (a declared
    one of ``errors`` by type name as itself, others as ``CommandFailed``)."""
    try:
        decoded = method.decode_reply(reply)
    except Exception as exc:
        raise BadReply(f"{method.name}: reply does not fit its return type: {exc}") from None
    if not isinstance(decoded, Failure):
        return decoded.value
    raise_failure(method, decoded, errors)


def raise_failure(method: Method, decoded: Failure, errors: dict[str, type[Exception]]) -> Never:
    """Raise the exception a decoded ``Failure`` of ``method`` stands for."""
    if decoded.type_name == BAD_CALL:
        raise BadCall(f"{method.name}: {decoded.message}")
    declared = errors.get(decoded.type_name)
    if declared is not None:
        try:
            error = declared(*decoded.args)
        except Exception:
            error = None
        if error is not None:
            raise error
    raise CommandFailed(method.name, decoded.type_name, decoded.message)
