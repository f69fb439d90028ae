"""Wire encoding of protocol messages and the length-prefixed framing every stream uses.

One codec, versioned by the transport handshake: msgspec MessagePack over the frozen
array-like Structs of ``rabia.core.messages`` (never pickle). A frame is a 4-byte
big-endian length followed by that many bytes; every reader enforces a hard maximum.
"""

from __future__ import annotations

import struct
from typing import Final

import msgspec

from rabia.core.messages import Message

PROTOCOL_VERSION: Final = 3
"""Bumped on any incompatible change of messages or framing (3: BARRIER, BARRIER_ACK)."""

DEFAULT_MAX_FRAME: Final = 16 * 1024 * 1024
"""Frames larger than this are refused (the connection is closed)."""

HEADER: Final = struct.Struct(">I")


class CodecError(ValueError):
    """Bytes that do not decode to a valid message."""


class FrameTooLarge(CodecError):
    """A frame header announced more bytes than the configured maximum."""


_encoder = msgspec.msgpack.Encoder()
_message_decoder: msgspec.msgpack.Decoder[Message] = msgspec.msgpack.Decoder(Message)


def encode_message(message: Message) -> bytes:
    """MessagePack bytes of one message."""
    return _encoder.encode(message)


def decode_message(data: bytes | memoryview) -> Message:
    """Decode one message; raises CodecError on anything malformed."""
    try:
        return _message_decoder.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CodecError(str(exc)) from None


def frame(payload: bytes) -> bytes:
    """Length-prefix ``payload``."""
    return HEADER.pack(len(payload)) + payload


class FrameReader:
    """Incremental splitter of a byte stream into frames, with a size limit."""

    __slots__ = ("_buffer", "_max")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._buffer = bytearray()
        self._max = max_frame

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every complete frame's payload, in order."""
        buffer = self._buffer
        buffer += data
        frames: list[bytes] = []
        start = 0
        end = len(buffer)
        size = HEADER.size
        maximum = self._max
        while end - start >= size:
            (length,) = HEADER.unpack_from(buffer, start)
            if length > maximum:
                raise FrameTooLarge(f"frame of {length} bytes exceeds the limit of {maximum}")
            stop = start + size + length
            if stop > end:
                break
            frames.append(bytes(buffer[start + size : stop]))
            start = stop
        if start:
            del buffer[:start]
        return frames

    @property
    def pending(self) -> int:
        """Bytes of an incomplete frame held back."""
        return len(self._buffer)
