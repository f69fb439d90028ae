"""Links: what they read from and report to their ``LinkOwner`` (without sockets), and every
bad input on a listening port: one WARNING, that connection closed, no leak.

For the refusals node 1 listens (secret set, handshake_timeout short, max_frame small);
node 2 is a good peer that must keep exchanging messages with it afterwards; node 3 is a
configured member that is not running, which a raw client may impersonate (with the
secret) to misbehave after a valid handshake.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterator

import pytest

from rabia.codec import HEADER, PROTOCOL_VERSION, FrameReader, encode_message, frame
from rabia.transport import handshake as hs
from rabia.transport.links import InboundLink, OutboundLink, format_address

from .fakes import RecordingOwner, Wire
from .helpers import (
    CLUSTER,
    SECRET,
    RawPeer,
    close_all,
    dead_port,
    exchange,
    run,
    start_cluster,
    vote,
    wait_until,
    warnings_of,
)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """A loop that is never run: no timer fires."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def handshakes(data: bytes) -> list[hs.HandshakeMessage]:
    return [hs.decode_handshake(p) for p in FrameReader(hs.HANDSHAKE_MAX_FRAME).feed(data)]


def dial_in(owner: RecordingOwner, wire: Wire, node_id: int = 1) -> InboundLink:
    """An inbound link of ``owner`` on which ``node_id`` completed the handshake."""
    link = InboundLink(owner)
    link.connection_made(wire)
    dialer = hs.DialerHandshake(
        node_id=node_id,
        peer_id=owner.settings.node_id,
        cluster_id=owner.settings.cluster_id,
        secret=owner.settings.secret,
    )
    link.data_received(hs.encode_handshake(dialer.hello()))
    (challenge,) = handshakes(wire.take())
    proof = dialer.receive(challenge)
    assert proof is not None
    link.data_received(hs.encode_handshake(proof))
    assert [type(m) for m in handshakes(wire.take())] == [hs.Accept]
    return link


def test_inbound_link_reports_up_delivers_and_reports_down(loop: asyncio.AbstractEventLoop) -> None:
    owner = RecordingOwner(loop, secret=SECRET)
    link = dial_in(owner, Wire())
    assert owner.open == {link}
    assert owner.events == [("inbound_up", 1)]
    assert link.established and link.peer_id == 1

    link.data_received(frame(encode_message(vote(1, slot=3))) * 2)
    assert owner.delivered == [vote(1, slot=3)] * 2

    link.connection_lost(None)
    assert owner.events == [("inbound_up", 1), ("inbound_down", 1)]
    assert owner.open == set()
    assert link.closed.done()


def test_inbound_link_checks_the_members_of_the_moment_the_hello_arrives(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    members = {1, 2}
    owner = RecordingOwner(loop, members=members)
    wire = Wire()
    link = InboundLink(owner)
    link.connection_made(wire)
    members.add(5)  # a membership change after the connection was accepted
    dial_in(owner, Wire(), node_id=5)
    assert owner.events == [("inbound_up", 5)]

    hello = hs.Hello(PROTOCOL_VERSION, "rabia", 9, b"n" * hs.NONCE_SIZE)
    link.data_received(hs.encode_handshake(hello))
    assert link.refused and wire.aborted
    assert "unknown node id 9" in caplog.text


def test_inbound_frames_are_bounded_by_the_settings(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    owner = RecordingOwner(loop, max_frame=16)
    wire = Wire()
    link = dial_in(owner, wire)
    link.data_received(frame(encode_message(vote(1))))
    link.data_received(frame(b"x" * 17))
    assert owner.delivered == [vote(1)]
    assert link.refused and wire.aborted
    assert "exceeds the limit of 16" in caplog.text


def test_outbound_link_handshakes_then_sends(loop: asyncio.AbstractEventLoop) -> None:
    owner = RecordingOwner(loop, node_id=0, secret=SECRET, max_queued_bytes=12345)
    wire = Wire()
    link = OutboundLink(owner, 2)
    link.connection_made(wire)
    (hello,) = handshakes(wire.take())
    assert isinstance(hello, hs.Hello) and (hello.node_id, hello.cluster_id) == (0, "rabia")

    listener = hs.ListenerHandshake(node_id=2, cluster_id="rabia", peers={0}, secret=SECRET)
    link.data_received(hs.encode_handshake(listener.receive(hello)))
    (proof,) = handshakes(wire.take())
    link.data_received(hs.encode_handshake(listener.receive(proof)))
    assert link.established and owner.events == [("outbound_up", 2)]
    assert wire.high_water == 12345  # the link pauses beyond the owner's bound

    link.write(b"framed bytes")
    assert wire.take() == b"framed bytes"
    link.connection_lost(ConnectionResetError())
    assert owner.events == [("outbound_up", 2), ("outbound_down", 2)]
    assert owner.open == set()


def test_a_closing_owner_refuses_new_links_and_hears_of_no_loss(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    owner = RecordingOwner(loop)
    established = dial_in(owner, Wire())
    owner.closing = True
    late, wire = InboundLink(owner), Wire()
    late.connection_made(wire)
    assert late.refused and wire.aborted
    for link in (established, late):
        link.connection_lost(None)
    assert owner.events == [("inbound_up", 1)]
    assert owner.open == set()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_outbound_failures_warn_once_as_the_owner_answers(
    loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="rabia.transport")
    owner = RecordingOwner(loop)
    for _ in range(3):
        link = OutboundLink(owner, 2)
        link.connection_made(Wire())
        link.data_received(frame(b"not a handshake"))
        assert link.refused
        link.connection_lost(None)
    levels = [r.levelno for r in caplog.records if "dropped link to peer 2" in r.message]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert owner.warned == {2}


def test_handshake_deadline_comes_from_the_settings(caplog: pytest.LogCaptureFixture) -> None:
    async def main() -> None:
        owner = RecordingOwner(asyncio.get_running_loop(), handshake_timeout=0.02)
        link, wire = InboundLink(owner), Wire()
        link.connection_made(wire)
        await asyncio.sleep(0.1)
        assert link.refused and wire.aborted

    asyncio.run(main())
    assert "handshake not finished within 0.02 s" in caplog.text


@pytest.mark.parametrize(
    ("address", "text"),
    [(("10.0.0.1", 7000), "10.0.0.1:7000"), (("::1", 7000, 0, 0), "[::1]:7000"), (None, "None")],
)
def test_format_address(address: object, text: str) -> None:
    assert format_address(address) == text


# -- refusals on a listening port ----------------------------------------------------

MAX_FRAME = 64 * 1024
Attack = Callable[[RawPeer], Awaitable[None]]


def _hello(*, version: int = PROTOCOL_VERSION, cluster: str = CLUSTER, node_id: int = 3) -> bytes:
    return hs.encode_handshake(hs.Hello(version, cluster, node_id, hs.new_nonce()))


async def random_bytes(peer: RawPeer) -> None:
    rng = random.Random(7)
    payload = rng.randbytes(200)
    peer.write(HEADER.pack(len(payload)) + payload)


async def invalid_utf8(peer: RawPeer) -> None:
    # a one-element array holding a str that is not UTF-8: msgspec raised
    # UnicodeDecodeError out of data_received (found by tests/fuzz)
    peer.write(frame(b"\x91\xa4\x00\x00\x00\x80"))


async def oversized_header(peer: RawPeer) -> None:
    peer.write(b"\xff\xff\xff\xff" + b"x" * 10)


async def truncated_frame(peer: RawPeer) -> None:
    peer.write(HEADER.pack(100) + b"y" * 10)  # then stall


async def wrong_version(peer: RawPeer) -> None:
    peer.write(_hello(version=99))


async def wrong_cluster(peer: RawPeer) -> None:
    peer.write(_hello(cluster="another-cluster"))


async def unknown_node(peer: RawPeer) -> None:
    peer.write(_hello(node_id=9))


async def own_node_id(peer: RawPeer) -> None:
    peer.write(_hello(node_id=1))


async def _proof(peer: RawPeer, secret: bytes | None) -> None:
    nonce = hs.new_nonce()
    peer.write(hs.encode_handshake(hs.Hello(PROTOCOL_VERSION, CLUSTER, 3, nonce)))
    challenge = await peer.read_handshake()
    assert isinstance(challenge, hs.Challenge) and challenge.node_id == 1
    expected = hs.compute_mac(
        SECRET,
        hs.ROLE_LISTENER,
        cluster_id=CLUSTER,
        dialer_id=3,
        listener_id=1,
        dialer_nonce=nonce,
        listener_nonce=challenge.nonce,
    )
    assert challenge.mac == expected
    mac = b""
    if secret is not None:
        mac = hs.compute_mac(
            secret,
            hs.ROLE_DIALER,
            cluster_id=CLUSTER,
            dialer_id=3,
            listener_id=1,
            dialer_nonce=nonce,
            listener_nonce=challenge.nonce,
        )
    peer.write(hs.encode_handshake(hs.Proof(mac)))


async def wrong_secret(peer: RawPeer) -> None:
    await _proof(peer, b"not-the-secret")


async def missing_secret(peer: RawPeer) -> None:
    await _proof(peer, None)


async def reflected_mac(peer: RawPeer) -> None:
    """Send the listener's own MAC back as the proof: the role binding must refuse it."""
    peer.write(_hello())
    challenge = await peer.read_handshake()
    assert isinstance(challenge, hs.Challenge)
    peer.write(hs.encode_handshake(hs.Proof(challenge.mac)))


async def message_during_handshake(peer: RawPeer) -> None:
    peer.write(frame(encode_message(vote(3))))


async def undecodable_message(peer: RawPeer) -> None:
    await peer.authenticate(3, 1)
    peer.write(frame(b"\xc1\xc1 not msgpack"))


async def wrong_sender(peer: RawPeer) -> None:
    await peer.authenticate(3, 1)
    peer.write(frame(encode_message(vote(3, slot=1))) + frame(encode_message(vote(2, slot=2))))


async def oversized_message(peer: RawPeer) -> None:
    await peer.authenticate(3, 1)
    peer.write(HEADER.pack(MAX_FRAME + 1) + b"z" * 100)


CASES: list[tuple[Attack, str]] = [
    (random_bytes, "not a rabia handshake"),
    (invalid_utf8, "not a rabia handshake"),
    (oversized_header, "oversized handshake frame"),
    (truncated_frame, "handshake not finished within 0.3 s"),
    (wrong_version, "protocol version 99 is not supported"),
    (wrong_cluster, "cluster id 'another-cluster' does not match 'test-cluster'"),
    (unknown_node, "unknown node id 9"),
    (own_node_id, "unknown node id 1"),
    (wrong_secret, "wrong HMAC"),
    (missing_secret, "no HMAC"),
    (reflected_mac, "wrong HMAC"),
    (message_during_handshake, "not a rabia handshake"),
    (undecodable_message, "undecodable message from peer 3"),
    (wrong_sender, "message claims sender 2 on the link of peer 3"),
    (oversized_message, f"exceeds the limit of {MAX_FRAME}"),
]


def _options(_: int) -> dict[str, object]:
    return {"secret": SECRET, "handshake_timeout": 0.3, "max_frame": MAX_FRAME}


@pytest.mark.parametrize(("attack", "reason"), CASES, ids=[c[0].__name__ for c in CASES])
def test_refusal(attack: Attack, reason: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="rabia.transport")

    async def main() -> None:
        with dead_port() as nowhere:
            nodes = await start_cluster([1, 2], absent={3: nowhere}, options=_options)
            (t1, inbox1), _ = nodes
            baseline = t1.open_connections
            caplog.clear()

            peer = await RawPeer.connect(t1.listen_address)
            await wait_until(lambda: t1.open_connections == baseline + 1)
            await attack(peer)
            await peer.wait_closed()
            await wait_until(lambda: t1.open_connections == baseline)

            warnings = warnings_of(caplog)
            assert len(warnings) == 1, [r.message for r in warnings]
            assert peer.address in warnings[0].message
            assert reason in warnings[0].message
            assert 3 not in t1.inbound_peers
            assert not inbox1.from_(2)  # the forged message was not delivered
            await exchange(nodes, slot=10)
            assert len(warnings_of(caplog)) == 1
            await close_all(nodes)

    run(main)


def test_connection_closed_mid_frame(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="rabia.transport")

    async def main() -> None:
        with dead_port() as nowhere:
            nodes = await start_cluster([1, 2], absent={3: nowhere}, options=_options)
            (t1, inbox1), _ = nodes
            caplog.clear()
            peer = await RawPeer.connect(t1.listen_address)
            await peer.authenticate(3, 1)
            peer.write(frame(encode_message(vote(3, slot=4))) + HEADER.pack(50) + b"partial")
            await inbox1.until(lambda: bool(inbox1.from_(3)))
            await peer.aclose()
            await wait_until(lambda: bool(warnings_of(caplog)))
            warnings = warnings_of(caplog)
            assert len(warnings) == 1
            assert peer.address in warnings[0].message
            assert "closed mid-frame" in warnings[0].message
            await exchange(nodes, slot=11)
            await close_all(nodes)

    run(main)


def test_port_scan_is_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="rabia.transport")

    async def main() -> None:
        nodes = await start_cluster([1, 2], options=_options)
        (t1, _), _ = nodes
        caplog.clear()
        _, writer = await asyncio.open_connection(*t1.listen_address)
        writer.close()
        await writer.wait_closed()
        await wait_until(lambda: bool(warnings_of(caplog)))
        assert len(warnings_of(caplog)) == 1
        assert "closed during the handshake" in warnings_of(caplog)[0].message
        await close_all(nodes)

    run(main)
