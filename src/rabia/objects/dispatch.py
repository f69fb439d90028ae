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
    decoder = schema.commands
    if decoder is None:
        return encode_failure(ValueError(f"{schema.name} has no commands"), BAD_CALL)
    try:
        arguments = decoder.decode(command)
    except _UNDECODABLE as exc:
        return encode_failure(ValueError(f"undecodable call: {exc}"), BAD_CALL)
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
    decoder = schema.queries
    if decoder is None:
        return encode_failure(ValueError(f"{schema.name} has no queries"), BAD_CALL)
    try:
        arguments = decoder.decode(query)
    except _UNDECODABLE as exc:
        return encode_failure(ValueError(f"undecodable call: {exc}"), BAD_CALL)
    try:
        return _encode((0, _run(schema.by_type[type(arguments)], target, arguments)))
    except Exception as exc:
        return encode_failure(exc)


def _run(method: Method, target: Any, arguments: msgspec.Struct) -> Any:
    """The method's value for ``arguments``; what it raises propagates."""
    if method.all_positional:  # the common case, without a call in between
        out = method.function(target, *_astuple(arguments))
    else:
        out = method.call(target, arguments)
    if method.synchronous:
        return out
    try:
        out.send(None)
    except StopIteration as stop:
        return stop.value
    raise suspended(out, method.name)
