"""Coverage-guided fuzzing of the peer port: handshake decoding and the link protocols.

Input: mode byte, segment-size byte, payload (see ``common.header``). Properties:
``decode_handshake`` raises only ``CodecError``; an accepted connection (``InboundLink``)
fed any bytes, optionally after a valid handshake, never raises out of
``data_received`` and delivers only messages whose sender is the authenticated peer;
a dialed connection (``OutboundLink``) fed any bytes never raises either."""

from __future__ import annotations

import contextlib
import logging

import atheris
import common

with atheris.instrument_imports():
    from tests.fuzz.harness import PeerHarness

    from rabia.codec import PROTOCOL_VERSION, CodecError
    from rabia.transport import handshake as hs

logging.disable(logging.CRITICAL)  # one WARNING per refusal: millions of them

HELLO = hs.encode_handshake(hs.Hello(PROTOCOL_VERSION, "rabia", 1, b"n" * hs.NONCE_SIZE))
PROOF = hs.encode_handshake(hs.Proof(b""))


def test_one_input(data: bytes) -> None:
    mode, size, payload = common.header(data)
    if mode % 4 == 0:
        with contextlib.suppress(CodecError):
            hs.decode_handshake(payload)
        return
    with PeerHarness(None) as peer:
        if mode % 4 == 3:
            conn, _ = peer.outbound(1)
        else:
            conn, _ = peer.inbound()
            if mode % 4 == 2:  # authenticated (no secret) as peer 1, then anything
                conn.data_received(HELLO)
                conn.data_received(PROOF)
                assert conn.established
        for piece in common.cut(payload, size):
            if conn.refused:
                break
            conn.data_received(piece)
        assert all(m.sender == 1 for m in peer.delivered)


if __name__ == "__main__":
    common.run(test_one_input)
