"""Links without sockets: what they read from and report to their ``LinkOwner``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from rabia.codec import PROTOCOL_VERSION, FrameReader, encode_message, frame
from rabia.transport import handshake as hs
from rabia.transport.links import InboundLink, OutboundLink, format_address

from .fakes import RecordingOwner, Wire
from .helpers import SECRET, vote


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
