"""Frames between remote clients and a node's client port (length-prefixed msgpack)."""

from __future__ import annotations

from typing import Final

import msgspec

CLIENT_PROTOCOL_VERSION: Final = 3
"""2: ``ClientRead`` (reads through the read barrier, ADR 0017); 3: the node greets first
(``ServerHello``) and a node with a cluster secret hears nothing before a ``ClientProof``."""


class ClientRequest(msgspec.Struct, frozen=True, array_like=True, tag=1):
    """Apply ``op`` once for (client_id, seq); ``acked_below`` as in ``core.Command``."""

    client_id: int
    seq: int
    op: bytes
    acked_below: int = 0


class ClientReply(msgspec.Struct, frozen=True, array_like=True, tag=2):
    """The outcome of a request: ``ok`` with ``result``, or an ``error`` text."""

    client_id: int
    seq: int
    ok: bool
    result: bytes = b""
    error: str = ""
    retryable: bool = False
    """True when the request was not applied here and may be retried (at another node)."""


class StatusRequest(msgspec.Struct, frozen=True, array_like=True, tag=3):
    """Ask the node for its counters and state hashes."""

    nonce: int = 0


class StatusReply(msgspec.Struct, frozen=True, array_like=True, tag=4):
    """The node's counters (``Node.stats()``) and hashes of its applied log and state."""

    nonce: int
    stats: dict[str, int | float | str | None]


class MemberRequest(msgspec.Struct, frozen=True, array_like=True, tag=5):
    """Add (id, peer address) pairs and/or remove ids: one member at a time."""

    nonce: int
    add: list[tuple[int, str]] = []
    remove: list[int] = []


class MemberReply(msgspec.Struct, frozen=True, array_like=True, tag=6):
    """The member ids after the change, or why it did not happen."""

    nonce: int
    ok: bool
    members: list[int] = []
    error: str = ""


class ClientRead(msgspec.Struct, frozen=True, array_like=True, tag=7):
    """Answer ``query`` with the node's ``StateMachine.query``, linearizably, without the
    log (a read barrier, ADR 0017); the reply is a ``ClientReply`` for (client_id, seq)."""

    client_id: int
    seq: int
    query: bytes


class ServerHello(msgspec.Struct, frozen=True, array_like=True, tag=8):
    """The node's first frame on every connection: its protocol version, a fresh nonce,
    and whether the client must prove the cluster secret (``ClientProof``) first."""

    version: int
    nonce: bytes
    auth: bool


class ClientProof(msgspec.Struct, frozen=True, array_like=True, tag=9):
    """The client's nonce and its MAC (``rabia.runtime.client_auth``) of both nonces."""

    nonce: bytes
    mac: bytes


class ServerProof(msgspec.Struct, frozen=True, array_like=True, tag=10):
    """The node accepted the proof; its own MAC shows the client it knows the secret too."""

    mac: bytes


ClientFrame = (
    ClientRequest
    | ClientReply
    | StatusRequest
    | StatusReply
    | MemberRequest
    | MemberReply
    | ClientRead
    | ServerHello
    | ClientProof
    | ServerProof
)

encode_client = msgspec.msgpack.Encoder().encode
_decoder: msgspec.msgpack.Decoder[ClientFrame] = msgspec.msgpack.Decoder(ClientFrame)


def decode_client(data: bytes) -> ClientFrame:
    """Decode one client frame; raises msgspec errors on malformed input."""
    return _decoder.decode(data)
