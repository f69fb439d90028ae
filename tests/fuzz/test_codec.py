"""Properties of the wire codec: round trips, garbage and framing."""

from __future__ import annotations

import contextlib
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rabia.codec import (
    HEADER,
    CodecError,
    FrameReader,
    FrameTooLarge,
    decode_message,
    encode_message,
    frame,
)
from rabia.core.messages import Batch, Command, Message
from rabia.runtime.client_protocol import ClientFrame, decode_client, encode_client
from tests.fuzz.harness import split
from tests.fuzz.strategies import FUZZ, struct_strategy, union_members

MESSAGE_TYPES = union_members(Message)
messages = st.one_of(*(struct_strategy(t) for t in MESSAGE_TYPES))


@pytest.mark.parametrize("kind", MESSAGE_TYPES, ids=lambda t: t.__name__)
@FUZZ
@given(data=st.data())
def test_every_message_type_round_trips(kind: type[Any], data: st.DataObject) -> None:
    message = data.draw(struct_strategy(kind))
    encoded = encode_message(message)
    assert decode_message(encoded) == message
    assert decode_message(memoryview(encoded)) == message
    (payload,) = FrameReader().feed(frame(encoded))
    assert decode_message(payload) == message


@FUZZ
@given(commands=st.lists(struct_strategy(Command), max_size=8), batch=struct_strategy(Batch))
def test_batch_payload_round_trips(commands: list[Command], batch: Batch) -> None:
    assert Batch.of(batch.id, batch.key, commands).commands == tuple(commands)


@FUZZ
@given(message=st.one_of(*(struct_strategy(t) for t in union_members(ClientFrame))))
def test_client_frames_round_trip(message: Any) -> None:
    assert decode_client(encode_client(message)) == message


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    """Apply (position, kind, byte) edits: overwrite, insert or delete one byte."""
    out = bytearray(data)
    for position, kind, value in edits:
        if not out:
            out.append(value)
            continue
        i = position % len(out)
        if kind == 0:
            out[i] = value
        elif kind == 1:
            out.insert(i, value)
        else:
            del out[i]
    return bytes(out)


edits = st.lists(
    st.tuples(st.integers(0, 1 << 16), st.integers(0, 2), st.integers(0, 255)), max_size=6
)


@FUZZ
@given(message=messages, edits=edits, cut=st.integers(0, 1 << 16))
def test_mutated_messages_raise_only_codec_error(
    message: Any, edits: list[tuple[int, int, int]], cut: int
) -> None:
    encoded = _mutate(encode_message(message), edits)
    for data in (encoded, encoded[: cut % (len(encoded) + 1)]):
        try:
            decoded = decode_message(data)
        except CodecError:
            continue
        assert decode_message(encode_message(decoded)) == decoded


@FUZZ
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_raise_only_codec_error(data: bytes) -> None:
    try:
        decoded = decode_message(data)
    except CodecError:
        return
    assert decode_message(encode_message(decoded)) == decoded


@FUZZ
@given(data=st.binary(max_size=512))
def test_client_port_decoder_raises_only_msgspec_errors(data: bytes) -> None:
    with contextlib.suppress(msgspec.DecodeError):  # ValidationError is a DecodeError
        decode_client(data)


@FUZZ
@given(
    payloads=st.lists(st.binary(max_size=300), max_size=12),
    cuts=st.lists(st.integers(0, 1 << 16), max_size=20),
)
def test_frame_reader_is_independent_of_chunking(payloads: list[bytes], cuts: list[int]) -> None:
    stream = b"".join(frame(p) for p in payloads)
    reader = FrameReader(max_frame=300)
    got: list[bytes] = []
    for chunk in split(stream, cuts):
        got += reader.feed(chunk)
    assert got == payloads
    assert reader.pending == 0


@FUZZ
@given(
    payloads=st.lists(st.binary(max_size=64), max_size=4),
    oversized=st.integers(65, (1 << 32) - 1),
    cuts=st.lists(st.integers(0, 1 << 16), max_size=8),
    tail=st.binary(max_size=64),
)
def test_frame_reader_rejects_oversized_frames(
    payloads: list[bytes], oversized: int, cuts: list[int], tail: bytes
) -> None:
    good = b"".join(frame(p) for p in payloads)
    stream = good + HEADER.pack(oversized) + tail
    reader = FrameReader(max_frame=64)
    got: list[bytes] = []
    with pytest.raises(FrameTooLarge):
        for chunk in split(stream, cuts):
            got += reader.feed(chunk)
    # every complete frame before the bad header was delivered (a chunk that also held
    # the oversized header raises before returning its good frames: a refused
    # connection drops them, so only a prefix is required)
    assert payloads[: len(got)] == got


@FUZZ
@given(data=st.binary(max_size=2048), cuts=st.lists(st.integers(0, 1 << 16), max_size=20))
def test_frame_reader_on_garbage_only_raises_frame_too_large(data: bytes, cuts: list[int]) -> None:
    whole = FrameReader(max_frame=256)
    chunked = FrameReader(max_frame=256)
    try:
        expected = whole.feed(data)
    except FrameTooLarge:
        expected = None
    got: list[bytes] = []
    try:
        for chunk in split(data, cuts):
            got += chunked.feed(chunk)
    except FrameTooLarge:
        assert expected is None
    else:
        assert got == expected
        assert chunked.pending == whole.pending <= 256 + HEADER.size - 1
