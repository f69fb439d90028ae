"""Properties of the peer-link handshake and of the peer port's protocol objects."""

from __future__ import annotations

import contextlib
from typing import Any

import msgspec
import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from rabia.codec import (
    DEFAULT_MAX_FRAME,
    HEADER,
    PROTOCOL_VERSION,
    CodecError,
    decode_message,
    encode_message,
    frame,
)
from rabia.core.messages import Message
from rabia.transport import handshake as hs
from tests.fuzz.harness import PeerHarness, split
from tests.fuzz.strategies import FUZZ, struct_strategy, union_members

HANDSHAKE_TYPES = union_members(hs.HandshakeMessage)
handshakes = st.one_of(*(struct_strategy(t) for t in HANDSHAKE_TYPES))
messages = st.one_of(*(struct_strategy(t) for t in union_members(Message)))
cuts = st.lists(st.integers(0, 1 << 16), max_size=12)
SECRET = b"fuzz secret"


@pytest.mark.parametrize("kind", HANDSHAKE_TYPES, ids=lambda t: t.__name__)
@FUZZ
@given(data=st.data())
def test_handshake_messages_round_trip(kind: type[Any], data: st.DataObject) -> None:
    message = data.draw(struct_strategy(kind))
    framed = hs.encode_handshake(message)
    assert hs.decode_handshake(framed[4:]) == message


@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=256),
        handshakes.map(hs.encode_handshake),
        st.tuples(handshakes.map(hs.encode_handshake), st.integers(0, 255), st.integers()).map(
            lambda t: t[0][: t[2] % len(t[0])] + bytes([t[1]]) + t[0][t[2] % len(t[0]) + 1 :]
        ),
    )
)
@example(data=b"\0\0\0\0\x91\xa4\x00\x00\x00\x80")  # a str that is not UTF-8
def test_handshake_decode_raises_only_codec_error(data: bytes) -> None:
    for payload in (data, data[4:], data[:-1]):
        with contextlib.suppress(CodecError):
            hs.decode_handshake(payload)


@FUZZ
@given(sequence=st.lists(handshakes, max_size=5), secret=st.sampled_from([None, SECRET]))
def test_handshake_machines_raise_only_handshake_error(
    sequence: list[hs.HandshakeMessage], secret: bytes | None
) -> None:
    listener = hs.ListenerHandshake(node_id=0, cluster_id="rabia", peers={1, 2}, secret=secret)
    dialer = hs.DialerHandshake(node_id=0, peer_id=1, cluster_id="rabia", secret=secret)
    for machine in (listener, dialer):
        for message in sequence:
            try:
                machine.receive(message)
            except hs.HandshakeError:
                break


def _dialer_frames(secret: bytes | None, challenge_from: bytes) -> bytes:
    """The dialer's Proof, answering the Challenge in ``challenge_from`` (our output)."""
    challenge = hs.decode_handshake(challenge_from[4:])
    assert isinstance(challenge, hs.Challenge)
    mac = b""
    if secret is not None:
        mac = hs.compute_mac(
            secret,
            hs.ROLE_DIALER,
            cluster_id="rabia",
            dialer_id=1,
            listener_id=0,
            dialer_nonce=b"n" * hs.NONCE_SIZE,
            listener_nonce=challenge.nonce,
        )
    return hs.encode_handshake(hs.Proof(mac))


@FUZZ
@given(
    data=st.binary(max_size=1024),
    chunking=cuts,
    prefix=st.lists(handshakes, max_size=2).map(lambda ms: b"".join(map(hs.encode_handshake, ms))),
)
def test_peer_port_survives_garbage_before_the_handshake(
    data: bytes, chunking: list[int], prefix: bytes
) -> None:
    with PeerHarness(SECRET) as peer:
        conn, transport = peer.inbound()
        for chunk in split(prefix + data, chunking):
            conn.data_received(chunk)
            if conn.refused:
                assert transport.aborted
        assert not conn.established  # nobody can finish without the secret's MAC
        assert peer.delivered == []


@FUZZ
@given(
    secret=st.sampled_from([None, SECRET]),
    garbage=st.lists(
        st.one_of(
            st.binary(max_size=128).map(frame),
            messages.map(lambda m: frame(encode_message(m))),
            messages.map(lambda m: frame(encode_message(msgspec.structs.replace(m, sender=1)))),
            st.binary(max_size=64),
        ),
        max_size=6,
    ),
    chunking=cuts,
)
def test_peer_port_after_the_handshake_delivers_only_the_peers_messages(
    secret: bytes | None, garbage: list[bytes], chunking: list[int]
) -> None:
    with PeerHarness(secret) as peer:
        conn, transport = peer.inbound()
        hello = hs.Hello(PROTOCOL_VERSION, "rabia", 1, b"n" * hs.NONCE_SIZE)
        conn.data_received(hs.encode_handshake(hello))
        conn.data_received(_dialer_frames(secret, bytes(transport.out)))
        assert conn.established and not conn.refused
        stream = b"".join(garbage)
        for chunk in split(stream, chunking):
            conn.data_received(chunk)
            if conn.refused:
                break
        assert all(m.sender == 1 for m in peer.delivered)
        expected = _decodable_prefix(stream)
        assert peer.delivered == expected[: len(peer.delivered)]
        if not conn.refused:
            assert peer.delivered == expected
        event(f"delivered: {min(len(peer.delivered), 2)}; refused: {conn.refused}")


def _decodable_prefix(stream: bytes) -> list[Message]:
    """The messages of ``stream`` up to the first frame the link must refuse."""
    out: list[Message] = []
    pos = 0
    while len(stream) - pos >= HEADER.size:
        (length,) = HEADER.unpack_from(stream, pos)
        if length > DEFAULT_MAX_FRAME or pos + HEADER.size + length > len(stream):
            break
        try:
            message = decode_message(stream[pos + HEADER.size : pos + HEADER.size + length])
        except CodecError:
            break
        if message.sender != 1:
            break
        out.append(message)
        pos += HEADER.size + length
    return out


@FUZZ
@given(data=st.binary(max_size=1024), chunking=cuts, secret=st.sampled_from([None, SECRET]))
def test_dialer_survives_a_garbage_speaking_listener(
    data: bytes, chunking: list[int], secret: bytes | None
) -> None:
    with PeerHarness(secret) as peer:
        conn, transport = peer.outbound(1)
        assert isinstance(hs.decode_handshake(bytes(transport.out)[4:]), hs.Hello)
        for chunk in split(data, chunking):
            conn.data_received(chunk)
        assert not conn.established or secret is None
