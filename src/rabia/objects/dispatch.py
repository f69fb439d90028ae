"""A replica's side of a call: decode it, run the method on the object, encode the reply.

The path of every command on every replica, kept lean: no per-call object beyond the
decoded arguments, the method's frame (and coroutine, for an ``async def``) and the
log's ``(time, call)`` (``Replicated`` makes a ``LogContext`` of it only when the method
asks for the log's time or randomness)."""

from __future__ import annotations

from typing import Any

import msgspec

from rabia.objects.calls import Method
from rabia.objects.context import suspended
from rabia.objects.replies import BAD_CALL, encode_failure
from rabia.objects.schema import Schema

_encode = msgspec.msgpack.Encoder().encode
_astuple = msgspec.structs.astuple
_UNDECODABLE = (msgspec.DecodeError, msgspec.ValidationError)


def apply_command(target: Any, schema: Schema, command: bytes, log_time: int) -> bytes:
    """Apply the encoded call ``command`` to ``target`` at ``log_time``; its reply. A
    method that raises leaves the state as before it ran (unless rollback is off)."""
    arguments = _arguments(schema, command, schema.commands, "commands")
    if isinstance(arguments, bytes):
        return arguments
    method = schema.by_type[type(arguments)]
    saved = schema.state.encode(target) if method.rollback else None
    target._rabia_log = (log_time, command)
    try:
        return _encode((0, _run(method, target, arguments)))  # Ok(value)
    except Exception as exc:
        if saved is not None:
            schema.state.load(target, saved)
        return encode_failure(exc)
    finally:
        target._rabia_log = None


def answer_query(target: Any, schema: Schema, query: bytes) -> bytes:
    """Answer the encoded query ``query`` from ``target``'s state."""
    arguments = _arguments(schema, query, schema.queries, "queries")
    if isinstance(arguments, bytes):
        return arguments
    try:
        return _encode((0, _run(schema.by_type[type(arguments)], target, arguments)))
    except Exception as exc:
        return encode_failure(exc)


def _arguments(
    schema: Schema, payload: bytes, decoder: msgspec.msgpack.Decoder[Any] | None, kinds: str
) -> msgspec.Struct | bytes:
    """The decoded call ``payload`` (its type names the method: ``schema.by_type``), or
    the ``BadCall`` reply (the class has no such ``kinds`` of method, or it does not
    decode)."""
    if decoder is None:
        return encode_failure(ValueError(f"{schema.name} has no {kinds}"), BAD_CALL)
    try:
        arguments = decoder.decode(payload)
    except _UNDECODABLE as exc:
        return encode_failure(ValueError(f"undecodable call: {exc}"), BAD_CALL)
    return arguments  # type: ignore[no-any-return]


def _run(method: Method, target: Any, arguments: msgspec.Struct) -> Any:
    """The method's value for ``arguments``; what it raises propagates."""
    if method.all_positional:  # the common case, without a call in between
        out = method.function(target, *_astuple(arguments))
    else:
        out = method.call_with_keywords(target, arguments)
    if method.synchronous:
        return out
    try:
        out.send(None)
    except StopIteration as stop:
        return stop.value
    raise suspended(out, method.name)
