"""Attacks for the garbage test: each opens one connection to one port and misbehaves.

Peer ports, client ports and Redis ports all get random bytes, truncated valid frames,
huge length prefixes and slowloris partial data; peer ports also get a valid,
authenticated handshake followed by garbage; Redis ports also get giant bulk and
array lengths (with data streamed after them) and deeply nested arrays.

No attack sends anything a correct peer or client could mistake for a valid request:
garbage after a completed handshake never decodes as a message of the impersonated
peer, and Redis garbage never names a real command.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from rabia.codec import HEADER, PROTOCOL_VERSION, encode_message, frame
from rabia.core.messages import Status, Vote
from rabia.runtime.client_protocol import ClientReply, ClientRequest, encode_client
from rabia.transport import handshake as hs

CLUSTER = "rabia"
MiB = 1024 * 1024


@dataclass
class Target:
    """One port of one node."""

    kind: str  # "peer", "client" or "resp"
    node: int
    port: int


@dataclass
class Tally:
    """What the attackers did, for the report."""

    attacks: dict[str, int] = field(default_factory=dict)
    bytes_sent: int = 0
    connect_failures: int = 0

    def count(self, name: str) -> None:
        self.attacks[name] = self.attacks.get(name, 0) + 1


class Attacker:
    """Runs random attacks on random targets until ``deadline`` (loop time)."""

    def __init__(
        self, rng: random.Random, targets: list[Target], secret: bytes, tally: Tally
    ) -> None:
        self.rng = rng
        self.targets = targets
        self.secret = secret
        self.tally = tally

    async def run(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        while loop.time() < deadline:
            target = self.rng.choice(self.targets)
            attacks = ATTACKS[target.kind]
            name = self.rng.choice(list(attacks))
            try:
                async with asyncio.timeout(max(0.5, min(10.0, deadline - loop.time()))):
                    reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
                    try:
                        await attacks[name](self, target, reader, writer)
                    finally:
                        writer.transport.abort()
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                self.tally.connect_failures += 1
            self.tally.count(f"{target.kind}:{name}")

    # ---------------------------------------------------------------- helpers
    async def send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        self.tally.bytes_sent += len(data)
        await writer.drain()

    async def stream(self, writer: asyncio.StreamWriter, total: int) -> None:
        """Send ``total`` filler bytes in 64 KiB writes."""
        block = os.urandom(64 * 1024)
        sent = 0
        while sent < total:
            await self.send(writer, block[: total - sent])
            sent += len(block)

    async def drip(self, writer: asyncio.StreamWriter, data: bytes, seconds: float) -> None:
        """Slowloris: ``data`` a byte at a time, spread over ``seconds``."""
        for byte in data:
            await self.send(writer, bytes([byte]))
            await asyncio.sleep(seconds / max(1, len(data)))

    def junk(self, size: int) -> bytes:
        return self.rng.randbytes(size)

    def undecodable(self, size: int) -> bytes:
        """A payload no decoder accepts (0xc1 is never valid MessagePack)."""
        return b"\xc1" + self.junk(size)

    def valid_frame(self, target: Target) -> bytes:
        """A well-formed frame of the port's protocol (to truncate)."""
        if target.kind == "peer":
            return hs.encode_handshake(hs.Hello(PROTOCOL_VERSION, CLUSTER, 1, hs.new_nonce()))
        if target.kind == "client":
            return frame(encode_client(ClientRequest(1, 1, b"\xc1" * self.rng.randint(1, 200))))
        return b"*3\r\n$3\r\nSET\r\n$4\r\nzzzz\r\n$100\r\n" + b"v" * 100 + b"\r\n"


Attack = Callable[[Attacker, Target, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def random_bytes(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    await a.send(w, a.junk(a.rng.choice([1, 17, 512, 4096, 64 * 1024])))


async def truncated_frame(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    data = a.valid_frame(t)
    await a.send(w, data[: a.rng.randrange(1, len(data))])
    if a.rng.random() < 0.3:  # sometimes hold the half frame for a while
        await asyncio.sleep(0.5)


async def huge_length(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    length = a.rng.choice([1 << 20, 16 * MiB, 16 * MiB + 1, (1 << 31), (1 << 32) - 1])
    await a.send(w, HEADER.pack(length))
    await a.stream(w, a.rng.choice([0, 1024, 1 * MiB]))


async def slowloris(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    await a.drip(w, a.valid_frame(t)[:20], seconds=a.rng.uniform(1.0, 3.0))


async def idle(a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
    await asyncio.sleep(a.rng.uniform(0.5, 2.0))  # connect and say nothing


async def handshake_then_garbage(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    """Authenticate as another member (we know the secret), then talk nonsense."""
    peer = a.rng.choice([n for n in range(3) if n != t.node])
    nonce = hs.new_nonce()
    await a.send(w, hs.encode_handshake(hs.Hello(PROTOCOL_VERSION, CLUSTER, peer, nonce)))
    challenge = await _read_handshake(r)
    assert isinstance(challenge, hs.Challenge), challenge
    mac = hs.compute_mac(
        a.secret,
        hs.ROLE_DIALER,
        cluster_id=CLUSTER,
        dialer_id=peer,
        listener_id=t.node,
        dialer_nonce=nonce,
        listener_nonce=challenge.nonce,
    )
    await a.send(w, hs.encode_handshake(hs.Proof(mac)))
    assert isinstance(await _read_handshake(r), hs.Accept)
    choice = a.rng.randrange(4)
    if choice == 0:
        await a.send(w, frame(a.undecodable(a.rng.randint(0, 300))))
    elif choice == 1:  # a valid message claiming another sender: refused, not delivered
        other = next(n for n in range(3) if n not in (peer, t.node))
        await a.send(w, frame(encode_message(Vote(10**9, other, 1, 1))))
    elif choice == 2:
        await a.send(w, HEADER.pack((1 << 32) - 1) + a.junk(100))
    else:  # the start of a message of the impersonated peer, never finished
        await a.send(w, frame(encode_message(Status(1, peer)))[:-3])
        await asyncio.sleep(0.3)


async def _read_handshake(r: asyncio.StreamReader) -> hs.HandshakeMessage:
    (length,) = HEADER.unpack(await r.readexactly(HEADER.size))
    return hs.decode_handshake(await r.readexactly(length))


async def wrong_client_frames(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    """Well-framed client-port messages that are not requests, or not decodable."""
    reply = encode_client(ClientReply(1, 1, True, b"x"))
    await a.send(w, frame(reply) if a.rng.random() < 0.5 else frame(a.undecodable(64)))


async def giant_bulk(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    """A bulk string announced as gigabytes, then megabytes of it actually sent."""
    size = a.rng.choice([1 << 31, 99_999_999_999, 512 * MiB])
    await a.send(w, b"*2\r\n$3\r\nzzz\r\n$%d\r\n" % size)
    await a.stream(w, a.rng.choice([64 * 1024, 4 * MiB, 24 * MiB]))


async def giant_array(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    """An array announced with billions of elements, then many small elements sent."""
    await a.send(w, b"*%d\r\n$3\r\nzzz\r\n" % a.rng.choice([1 << 31, 1_000_000_000]))
    element = b"$8\r\n" + b"e" * 8 + b"\r\n"
    batch = element * 4096
    for _ in range(a.rng.choice([1, 32, 256])):
        await a.send(w, batch)


async def deep_nesting(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    await a.send(w, b"*1\r\n" * a.rng.choice([8, 64, 100_000]) + b"$1\r\nx\r\n")


async def resp3_types(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    """RESP3 aggregates and scalars where a request belongs (maps with array keys, too)."""
    parts = [b"%1\r\n*0\r\n:1\r\n", b"~2\r\n:1\r\n,1.5\r\n", b"|1\r\n+a\r\n+b\r\n", b"_\r\n"]
    await a.send(w, b"*2\r\n" + b"".join(a.rng.sample(parts, 2)))


async def inline_junk(
    a: Attacker, t: Target, r: asyncio.StreamReader, w: asyncio.StreamWriter
) -> None:
    """Inline lines of junk (unknown commands), or one line longer than the limit."""
    if a.rng.random() < 0.5:
        lines = b"".join(b"zz%s\r\n" % a.junk(8).hex().encode() for _ in range(20))
        await a.send(w, lines)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(2):
                await r.readexactly(20 * 3)  # some of the errors, if they come
    else:
        await a.stream(w, 200 * 1024)  # no newline: "too big inline request"


COMMON: dict[str, Attack] = {
    "random_bytes": random_bytes,
    "truncated_frame": truncated_frame,
    "huge_length": huge_length,
    "slowloris": slowloris,
    "idle": idle,
}
ATTACKS: dict[str, dict[str, Attack]] = {
    "peer": {**COMMON, "handshake_then_garbage": handshake_then_garbage},
    "client": {**COMMON, "wrong_client_frames": wrong_client_frames},
    "resp": {
        **COMMON,
        "giant_bulk": giant_bulk,
        "giant_array": giant_array,
        "deep_nesting": deep_nesting,
        "resp3_types": resp3_types,
        "inline_junk": inline_junk,
    },
}
