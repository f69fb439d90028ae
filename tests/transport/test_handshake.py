"""The sans-IO handshake machines, paired with no sockets."""

from __future__ import annotations

import pytest

from rabia.transport import handshake as hs


def _pair(
    listener_secret: bytes | None, dialer_secret: bytes | None, *, cluster: str = "c"
) -> tuple[hs.ListenerHandshake, hs.DialerHandshake]:
    listener = hs.ListenerHandshake(node_id=1, cluster_id="c", peers={1, 2}, secret=listener_secret)
    dialer = hs.DialerHandshake(node_id=2, peer_id=1, cluster_id=cluster, secret=dialer_secret)
    return listener, dialer


def _run(listener: hs.ListenerHandshake, dialer: hs.DialerHandshake) -> None:
    challenge = listener.receive(dialer.hello())
    proof = dialer.receive(challenge)
    assert proof is not None
    accept = listener.receive(proof)
    assert dialer.receive(accept) is None


@pytest.mark.parametrize("secret", [None, b"k"])
def test_both_sides_complete(secret: bytes | None) -> None:
    listener, dialer = _pair(secret, secret)
    _run(listener, dialer)
    assert listener.done and dialer.done and listener.peer_id == 2
    with pytest.raises(hs.HandshakeError):
        listener.receive(hs.Proof(b""))


@pytest.mark.parametrize(
    ("listener_secret", "dialer_secret", "reason"),
    [
        (b"k", b"other", "wrong HMAC"),  # the dialer refuses the listener first
        (None, b"k", "no HMAC"),  # a listener without the secret cannot pose as a member
    ],
)
def test_dialer_refuses_unauthenticated_listener(
    listener_secret: bytes | None, dialer_secret: bytes, reason: str
) -> None:
    listener, dialer = _pair(listener_secret, dialer_secret)
    with pytest.raises(hs.HandshakeError, match=reason):
        dialer.receive(listener.receive(dialer.hello()))


def test_listener_refuses_dialer_without_secret() -> None:
    listener, dialer = _pair(b"k", None)
    proof = dialer.receive(listener.receive(dialer.hello()))
    assert proof == hs.Proof(b"")
    with pytest.raises(hs.HandshakeError, match="no HMAC"):
        listener.receive(proof)


def test_proof_is_bound_to_the_listener_nonce() -> None:
    first, dialer = _pair(b"k", b"k")
    proof = dialer.receive(first.receive(dialer.hello()))
    assert proof is not None
    replayed, _ = _pair(b"k", b"k")
    replayed.receive(dialer.hello())  # same dialer nonce, fresh listener nonce
    with pytest.raises(hs.HandshakeError, match="wrong HMAC"):
        replayed.receive(proof)


def test_wrong_cluster_and_wrong_listener_id() -> None:
    listener, dialer = _pair(None, None, cluster="elsewhere")
    with pytest.raises(hs.HandshakeError, match="cluster id"):
        listener.receive(dialer.hello())
    dialer = hs.DialerHandshake(node_id=2, peer_id=3, cluster_id="c", secret=None)
    listener, _ = _pair(None, None)
    with pytest.raises(hs.HandshakeError, match="answered instead of 3"):
        dialer.receive(listener.receive(dialer.hello()))
