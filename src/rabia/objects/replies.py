"""The wire form of a method's reply: ``Ok`` with its value, or ``Failure``."""

from __future__ import annotations

from typing import Any

import msgspec

BAD_CALL = "rabia.objects.BadCall"
"""The failure type name of a call that a replica could not decode."""

_encoder = msgspec.msgpack.Encoder()


class Ok(msgspec.Struct, array_like=True, tag=0):
    """A method returned ``value`` (encodes as ``[0, value]``)."""

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
