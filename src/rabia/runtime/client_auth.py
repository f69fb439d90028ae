"""Proof of the cluster secret on the client port (client protocol version 3).

The node greets every connection with a ``ServerHello`` carrying a fresh nonce. When the
node has a cluster secret, the client answers ``ClientProof(client nonce, MAC)`` before
anything else, and the node answers ``ServerProof(MAC)``: each MAC is an HMAC-SHA256 of
its role and both nonces, so a proof can be neither replayed (fresh nonces) nor
reflected (the roles differ), and neither side learns anything about the secret. The
roles also differ from the peer handshake's (``rabia.transport.handshake``): a client's
proof never passes for a member's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

import msgspec

NONCE_SIZE: Final = 16
ROLE_CLIENT: Final = "client-port client"
ROLE_NODE: Final = "client-port node"

_encode = msgspec.msgpack.Encoder().encode


def new_nonce() -> bytes:
    """A fresh random nonce."""
    return secrets.token_bytes(NONCE_SIZE)


def proof(secret: bytes, role: str, node_nonce: bytes, client_nonce: bytes) -> bytes:
    """The MAC of ``role`` over both nonces under ``secret``."""
    return hmac.new(secret, _encode((role, node_nonce, client_nonce)), hashlib.sha256).digest()


def proof_problem(
    secret: bytes, role: str, node_nonce: bytes, client_nonce: bytes, given: bytes
) -> str | None:
    """Why ``given`` is not ``role``'s proof (None when it is)."""
    if len(client_nonce) != NONCE_SIZE:
        return f"malformed proof: nonce of {len(client_nonce)} bytes"
    if not hmac.compare_digest(proof(secret, role, node_nonce, client_nonce), given):
        return "wrong proof of the cluster secret (secret mismatch)"
    return None
