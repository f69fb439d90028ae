"""The KV machine's log entries: a command, or a transaction, as msgpack.

A command's entry is the list of bytes the client sent (name and arguments untouched:
the name is normalised by whoever applies it). A transaction's entry is a command named
``EXEC`` whose first argument holds the watched ``(key, revision)`` pairs and whose
other arguments hold the queued commands, each encoded as a command's entry.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

_encode = msgspec.msgpack.Encoder().encode

decode_args = msgspec.msgpack.Decoder(list[bytes]).decode
"""A command's entry -> its arguments (``msgspec.DecodeError`` if malformed)."""

decode_watched = msgspec.msgpack.Decoder(list[tuple[bytes, int]]).decode
"""A transaction's first argument -> its watched ``(key, revision)`` pairs."""


def encode_command(args: Sequence[bytes]) -> bytes:
    """The log entry of one Redis command: name and arguments as the client sent them."""
    return _encode(list(args))


def encode_exec(watched: Sequence[tuple[bytes, int]], commands: Sequence[Sequence[bytes]]) -> bytes:
    """The log entry of a transaction: ``(key, revision)`` pairs from ``WATCHREV`` and
    the queued commands. Applies to a RESP array of replies, or ``*-1`` on a conflict."""
    return _encode([b"EXEC", _encode(list(watched)), *(_encode(list(c)) for c in commands)])


AS_USER = b"RABIA.AS"
"""The name of an entry run as an ACL user: ``[AS_USER, user, entry]``."""


def encode_as_user(user: bytes, entry: bytes) -> bytes:
    """``entry`` (a command's or a transaction's) to be run, and checked, as ``user``
    (ACL): entries without it run as the ``default`` user."""
    return _encode([AS_USER, user, entry])
