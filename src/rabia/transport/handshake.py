"""The TCP link handshake: structs, checks and HMAC helpers.

Each link is opened by the *dialer* (the node that sends on it) to a peer's
*listener*. Four framed messages, independent of the protocol ``Message`` union::

    dialer -> listener   Hello(version, cluster_id, node_id, nonce)
    listener -> dialer   Challenge(node_id, nonce, mac)   mac = HMAC(listener role)
    dialer -> listener   Proof(mac)                       mac = HMAC(dialer role)
    listener -> dialer   Accept()

Each HMAC-SHA256 covers the role, both nonces, the cluster id and both node ids, so a
MAC can be neither replayed (fresh nonces) nor reflected (the role differs). Without a
secret the MACs are empty and only the version, cluster id and node id are checked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Container
from typing import Final

import msgspec

from rabia.codec import PROTOCOL_VERSION, CodecError, frame

HANDSHAKE_MAX_FRAME: Final = 4096
"""Largest handshake frame accepted before a peer is authenticated."""

NONCE_SIZE: Final = 16
ROLE_LISTENER: Final = "listener"
ROLE_DIALER: Final = "dialer"


class Hello(msgspec.Struct, frozen=True, array_like=True, tag="hello"):
    """First message of the dialer."""

    version: int
    cluster_id: str
    node_id: int
    nonce: bytes


class Challenge(msgspec.Struct, frozen=True, array_like=True, tag="challenge"):
    """The listener's answer: its id, its nonce and its MAC (empty without a secret)."""

    node_id: int
    nonce: bytes
    mac: bytes


class Proof(msgspec.Struct, frozen=True, array_like=True, tag="proof"):
    """The dialer's MAC (empty without a secret)."""

    mac: bytes


class Accept(msgspec.Struct, frozen=True, array_like=True, tag="accept"):
    """The listener accepted the dialer: protocol messages follow."""


HandshakeMessage = Hello | Challenge | Proof | Accept

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(HandshakeMessage)


def encode_handshake(message: HandshakeMessage) -> bytes:
    """One framed handshake message."""
    return frame(_encoder.encode(message))


def decode_handshake(payload: bytes) -> HandshakeMessage:
    """Decode one handshake frame's payload; raises ``CodecError``."""
    try:
        return _decoder.decode(payload)  # type: ignore[no-any-return]
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise CodecError(str(exc)) from None


def new_nonce() -> bytes:
    """A fresh random nonce."""
    return secrets.token_bytes(NONCE_SIZE)


def compute_mac(
    secret: bytes,
    role: str,
    *,
    cluster_id: str,
    dialer_id: int,
    listener_id: int,
    dialer_nonce: bytes,
    listener_nonce: bytes,
) -> bytes:
    """HMAC-SHA256 binding ``role`` to both nonces, the cluster and both node ids."""
    data = _encoder.encode((role, dialer_nonce, listener_nonce, cluster_id, dialer_id, listener_id))
    return hmac.new(secret, data, hashlib.sha256).digest()


def mac_problem(expected: bytes, given: bytes) -> str | None:
    """Why ``given`` does not authenticate (None when it matches ``expected``)."""
    if not given:
        return "authentication failed: no HMAC (the peer has no secret?)"
    if not hmac.compare_digest(expected, given):
        return "authentication failed: wrong HMAC (secret mismatch)"
    return None


def check_hello(
    hello: Hello, *, cluster_id: str, node_id: int, peers: Container[int]
) -> str | None:
    """Why the listener ``node_id`` refuses ``hello`` (None when acceptable)."""
    if hello.version != PROTOCOL_VERSION:
        return f"protocol version {hello.version} is not supported (expected {PROTOCOL_VERSION})"
    if hello.cluster_id != cluster_id:
        return f"cluster id {hello.cluster_id!r} does not match {cluster_id!r}"
    if hello.node_id == node_id or hello.node_id not in peers:
        return f"unknown node id {hello.node_id}"
    if len(hello.nonce) != NONCE_SIZE:
        return f"malformed hello: nonce of {len(hello.nonce)} bytes"
    return None
