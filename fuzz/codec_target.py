"""Coverage-guided fuzzing of the wire codec: messages, client frames, framing.

Input: mode byte, segment-size byte, payload (see ``common.header``). Properties:
``decode_message`` raises only ``CodecError`` and what it returns re-encodes to the
same message; the client-port decoder raises only msgspec errors; ``FrameReader``
raises only ``FrameTooLarge`` and yields the same frames whether the payload comes at
once or in segments."""

from __future__ import annotations

import contextlib

import atheris
import common

with atheris.instrument_imports():
    import msgspec

    from rabia.codec import CodecError, FrameReader, FrameTooLarge, decode_message, encode_message
    from rabia.runtime.client_protocol import decode_client

MAX_FRAME = 512


def _frames(pieces: list[bytes]) -> list[bytes] | None:
    reader = FrameReader(MAX_FRAME)
    out: list[bytes] = []
    try:
        for piece in pieces:
            out += reader.feed(piece)
    except FrameTooLarge:
        return None
    assert reader.pending < MAX_FRAME + 4
    return out


def test_one_input(data: bytes) -> None:
    mode, size, payload = common.header(data)
    if mode % 3 == 0:
        try:
            message = decode_message(payload)
        except CodecError:
            return
        assert decode_message(encode_message(message)) == message
    elif mode % 3 == 1:
        with contextlib.suppress(msgspec.DecodeError):  # ValidationError is a DecodeError
            decode_client(payload)
    else:
        assert _frames([payload]) == _frames(common.cut(payload, size or 1))


if __name__ == "__main__":
    common.run(test_one_input)
