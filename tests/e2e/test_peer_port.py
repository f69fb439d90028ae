"""The peer port of a live node refuses bad input with a logged reason and keeps serving."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
from collections.abc import Callable

import pytest

from rabia.client import Client
from rabia.codec import PROTOCOL_VERSION
from rabia.transport import handshake as hs
from tests.e2e.cluster import ProcessCluster

MakeCluster = Callable[..., ProcessCluster]
SECRET = b"correct horse battery staple"


def _hello(version: int = PROTOCOL_VERSION, cluster: str = "rabia", node_id: int = 1) -> bytes:
    return hs.encode_handshake(hs.Hello(version, cluster, node_id, hs.new_nonce()))


def _wrong_secret(sock: socket.socket) -> None:
    """Complete the handshake as node 1 but with a wrong secret."""
    nonce = hs.new_nonce()
    sock.sendall(hs.encode_handshake(hs.Hello(PROTOCOL_VERSION, "rabia", 1, nonce)))
    header = sock.recv(4, socket.MSG_WAITALL)
    (length,) = struct.unpack(">I", header)
    challenge = hs.decode_handshake(sock.recv(length, socket.MSG_WAITALL))
    assert isinstance(challenge, hs.Challenge)
    mac = hs.compute_mac(
        b"not the secret",
        hs.ROLE_DIALER,
        cluster_id="rabia",
        dialer_id=1,
        listener_id=0,
        dialer_nonce=nonce,
        listener_nonce=challenge.nonce,
    )
    sock.sendall(hs.encode_handshake(hs.Proof(mac)))


CASES: dict[str, tuple[Callable[[socket.socket], None], str]] = {
    "random bytes": (lambda s: s.sendall(os.urandom(512)), "refus"),
    "truncated frame": (lambda s: s.sendall(struct.pack(">I", 100) + b"x" * 10), "handshake"),
    "oversized frame": (lambda s: s.sendall(struct.pack(">I", 2**31) + b"x" * 64), "exceeds"),
    "wrong version": (lambda s: s.sendall(_hello(version=PROTOCOL_VERSION + 7)), "version"),
    "wrong cluster id": (lambda s: s.sendall(_hello(cluster="someone-else")), "cluster id"),
    "wrong secret": (_wrong_secret, "authentication failed"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_peer_port_refuses(case: str, make_cluster: MakeCluster) -> None:
    cluster = make_cluster(secret=SECRET)
    cluster.start()
    attack, reason = CASES[case]
    before = cluster.nodes[0].log()
    with socket.create_connection(("127.0.0.1", cluster.nodes[0].peer_port), timeout=10) as sock:
        attack(sock)
        # The node closes the connection (a stalled frame is cut by the handshake deadline).
        sock.settimeout(10)
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
    log = cluster.wait_for_log(0, reason, timeout=10, start=len(before))
    after = log[len(before) :]
    assert after.count("WARNING rabia.transport") == 1, after  # refused and logged once
    assert "reconnected" not in after  # node 1's real link was not taken over
    assert cluster.alive(0)

    async def still_serving() -> None:
        async with Client(cluster.addresses(0), timeout=10, secret=SECRET) as client:
            for k in range(5):
                assert await client.submit(f"after-{k}".encode())

    asyncio.run(still_serving())


CLIENT_CASES: dict[str, bytes] = {
    "random bytes": os.urandom(256),
    "oversized frame": struct.pack(">I", 2**31) + b"x" * 16,
    "valid frame, not a request": struct.pack(">I", 3) + b"\x93\x01\x02",
}


@pytest.mark.parametrize("case", list(CLIENT_CASES))
def test_client_port_refuses_garbage(case: str, make_cluster: MakeCluster) -> None:
    cluster = make_cluster()
    cluster.start()
    before = cluster.nodes[0].log()
    with socket.create_connection(("127.0.0.1", cluster.nodes[0].client_port), timeout=10) as s:
        s.sendall(CLIENT_CASES[case])
        s.settimeout(10)
        try:
            while s.recv(4096):
                pass
        except ConnectionResetError:
            pass
    cluster.wait_for_log(0, "WARNING rabia.clients", timeout=10, start=len(before))
    assert cluster.alive(0)

    async def still_serving() -> None:
        async with Client(cluster.addresses(0), timeout=10) as client:
            assert await client.submit(b"after")

    asyncio.run(still_serving())
