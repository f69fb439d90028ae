"""The TCP link handshake: structs, HMAC helpers and the two sans-IO state machines.

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
_decoder: msgspec.msgpack.Decoder[HandshakeMessage] = msgspec.msgpack.Decoder(HandshakeMessage)


def encode_handshake(message: HandshakeMessage) -> bytes:
    """One framed handshake message."""
    return frame(_encoder.encode(message))


def decode_handshake(payload: bytes) -> HandshakeMessage:
    """Decode one handshake frame's payload; raises ``CodecError``."""
    try:
        return _decoder.decode(payload)
    # msgspec raises UnicodeDecodeError for a str (tag, cluster id) that is not UTF-8
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
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


class HandshakeError(Exception):
    """The handshake failed; the message is the reason to log."""


class ListenerHandshake:
    """The accepting side: Hello -> Challenge, then Proof -> Accept."""

    def __init__(
        self, *, node_id: int, cluster_id: str, peers: Container[int], secret: bytes | None
    ) -> None:
        self.node_id = node_id
        self.cluster_id = cluster_id
        self.peers = peers
        self.secret = secret
        self.hello: Hello | None = None
        self.nonce = new_nonce()
        self.done = False

    @property
    def peer_id(self) -> int:
        """The dialer's node id (once its hello was accepted)."""
        assert self.hello is not None
        return self.hello.node_id

    def receive(self, message: HandshakeMessage) -> HandshakeMessage:
        """The reply to ``message``; raises ``HandshakeError``. ``done`` after the Accept."""
        hello = self.hello
        if hello is None:
            if not isinstance(message, Hello):
                raise HandshakeError(f"expected a hello, got {type(message).__name__}")
            problem = check_hello(
                message, cluster_id=self.cluster_id, node_id=self.node_id, peers=self.peers
            )
            if problem is not None:
                raise HandshakeError(problem)
            self.hello = message
            mac = self._mac(ROLE_LISTENER, message) if self.secret else b""
            return Challenge(self.node_id, self.nonce, mac)
        if self.done or not isinstance(message, Proof):
            raise HandshakeError(f"expected a proof, got {type(message).__name__}")
        if self.secret:
            problem = mac_problem(self._mac(ROLE_DIALER, hello), message.mac)
            if problem is not None:
                raise HandshakeError(problem)
        self.done = True
        return Accept()

    def _mac(self, role: str, hello: Hello) -> bytes:
        assert self.secret is not None
        return compute_mac(
            self.secret,
            role,
            cluster_id=self.cluster_id,
            dialer_id=hello.node_id,
            listener_id=self.node_id,
            dialer_nonce=hello.nonce,
            listener_nonce=self.nonce,
        )


class DialerHandshake:
    """The connecting side: sends ``hello()``, answers the Challenge, awaits the Accept."""

    def __init__(
        self, *, node_id: int, peer_id: int, cluster_id: str, secret: bytes | None
    ) -> None:
        self.node_id = node_id
        self.peer_id = peer_id
        self.cluster_id = cluster_id
        self.secret = secret
        self.nonce = new_nonce()
        self.challenge: Challenge | None = None
        self.done = False

    def hello(self) -> Hello:
        """The first message."""
        return Hello(PROTOCOL_VERSION, self.cluster_id, self.node_id, self.nonce)

    def receive(self, message: HandshakeMessage) -> HandshakeMessage | None:
        """The reply to ``message`` (None after the Accept, then ``done``)."""
        if self.challenge is None:
            if not isinstance(message, Challenge):
                raise HandshakeError(f"expected a challenge, got {type(message).__name__}")
            if message.node_id != self.peer_id:
                raise HandshakeError(f"node {message.node_id} answered instead of {self.peer_id}")
            mac = b""
            if self.secret:
                problem = mac_problem(self._mac(ROLE_LISTENER, message), message.mac)
                if problem is not None:
                    raise HandshakeError(problem)
                mac = self._mac(ROLE_DIALER, message)
            self.challenge = message
            return Proof(mac)
        if self.done or not isinstance(message, Accept):
            raise HandshakeError(f"expected an accept, got {type(message).__name__}")
        self.done = True
        return None

    def _mac(self, role: str, challenge: Challenge) -> bytes:
        assert self.secret is not None
        return compute_mac(
            self.secret,
            role,
            cluster_id=self.cluster_id,
            dialer_id=self.node_id,
            listener_id=self.peer_id,
            dialer_nonce=self.nonce,
            listener_nonce=challenge.nonce,
        )
