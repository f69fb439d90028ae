"""Frames/s and MB/s through one TcpTransport link on loopback.

Node 1 sends N messages to node 2 (``send`` + one ``flush`` per batch, as the node loop
does); node 2 counts them and acknowledges every ``--ack`` messages with a Status back
over its own link, which bounds the data in flight (so nothing is dropped). Runs with
plain asyncio and with uvloop when it is importable, small ``Vote`` messages and
~1 KiB ``Proposal`` messages.

    .venv/bin/python benchmarks/transport_bench.py [--messages 300000] [--processes]
        [--secret] [--tls] [--json]

``--processes`` puts the receiver in a second process (one core each; no TLS there);
otherwise both ends share one event loop and one core, so the figure is the full
per-message cost: encode, frame, write, read, split, decode, deliver.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import ssl
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

from rabia.codec import encode_message, frame
from rabia.core.messages import Batch, Command, Message, Proposal, Status, Vote
from rabia.transport.tcp import TcpTransport

HOST = "127.0.0.1"
CLUSTER = "bench"


def make_message(kind: str) -> Message:
    if kind == "vote":
        return Vote(123456, 1, 2, 1, (1, 0, 987654))
    return Proposal(123456, 1, Batch.of((1, 0, 42), 1_700_000_000, (Command(7, 1, b"v" * 1000),)))


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return asyncio.new_event_loop


def tls_contexts() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert(HOST)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return server, client


def options(
    args: argparse.Namespace, tls: tuple[ssl.SSLContext, ssl.SSLContext] | None
) -> dict[str, Any]:
    extra: dict[str, Any] = {"cluster_id": CLUSTER}
    if args.secret:
        extra["secret"] = b"bench-secret"
    if tls is not None:
        extra["server_ssl"], extra["client_ssl"] = tls
    return extra


async def sender(
    args: argparse.Namespace, kind: str, tls: Any, peer_port: int
) -> tuple[TcpTransport, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """Node 1: returns (transport, start, blast); ``blast`` sends and waits for the acks."""
    acked = 0
    progress = asyncio.Event()

    def deliver(message: Message) -> None:
        nonlocal acked
        assert isinstance(message, Status)
        acked = message.slot
        progress.set()

    t1 = TcpTransport(1, (HOST, 0), {2: (HOST, peer_port)}, **options(args, tls))
    await t1.listen()
    message = make_message(kind)
    size = len(frame(encode_message(message)))
    window = max(args.batch, min(args.window, args.window_bytes // size))

    async def blast() -> None:
        sent = 0
        while sent < args.messages:
            while sent - acked >= window:
                progress.clear()
                await progress.wait()
            for _ in range(min(args.batch, args.messages - sent)):
                t1.send(2, message)
            sent += min(args.batch, args.messages - sent)
            t1.flush()
            await asyncio.sleep(0)
        while acked < args.messages:
            progress.clear()
            await progress.wait()

    async def start() -> None:
        await t1.start(deliver)
        while 2 not in t1.connected():
            await asyncio.sleep(0.01)

    return t1, start, blast


async def one_loop(args: argparse.Namespace, kind: str) -> float:
    tls = tls_contexts() if args.tls else None
    t2 = TcpTransport(2, (HOST, 0), {1: (HOST, 0)}, **options(args, tls))
    await t2.listen()
    t1, start, blast = await sender(args, kind, tls, t2.listen_address[1])
    t2.set_peer_address(1, t1.listen_address)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    await t2.start(_counting(t2, args, done))
    await start()
    began = time.perf_counter()
    await blast()
    elapsed = time.perf_counter() - began
    assert t1.stats[2]["dropped"] == 0, t1.stats
    await t1.close()
    await t2.close()
    return elapsed


def _counting(
    t2: TcpTransport, args: argparse.Namespace, done: asyncio.Future[None]
) -> Callable[[Message], None]:
    count = 0

    def deliver(message: Message) -> None:
        nonlocal count
        count += 1
        if count % args.ack == 0 or count == args.messages:
            t2.send(1, Status(count, 2))
        if count == args.messages and not done.done():
            done.set_result(None)

    return deliver


def _receiver_process(args: argparse.Namespace, loop_name: str, conn: Connection) -> None:
    async def main() -> None:
        t2 = TcpTransport(2, (HOST, 0), {1: (HOST, 0)}, **options(args, None))
        await t2.listen()
        conn.send(t2.listen_address[1])
        t2.set_peer_address(1, (HOST, conn.recv()))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await t2.start(_counting(t2, args, done))
        await done
        t2.flush()
        conn.recv()  # the sender has seen the last ack
        await t2.close()

    with asyncio.Runner(loop_factory=loop_factory(loop_name)) as runner:
        runner.run(main())


async def two_processes(args: argparse.Namespace, kind: str, loop_name: str) -> float:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=_receiver_process, args=(args, loop_name, child)
    )
    process.start()
    loop = asyncio.get_running_loop()
    peer_port = await loop.run_in_executor(None, parent.recv)
    t1, start, blast = await sender(args, kind, None, peer_port)
    parent.send(t1.listen_address[1])
    await start()
    began = time.perf_counter()
    await blast()
    elapsed = time.perf_counter() - began
    parent.send("done")
    await t1.close()
    await loop.run_in_executor(None, process.join)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=500, help="sends per flush")
    parser.add_argument("--window", type=int, default=50_000, help="unacknowledged messages")
    parser.add_argument("--window-bytes", type=int, default=4 << 20, help="bytes in flight")
    parser.add_argument("--ack", type=int, default=1_000)
    parser.add_argument("--processes", action="store_true")
    parser.add_argument("--secret", action="store_true")
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    loops = ["asyncio"]
    try:
        import uvloop  # noqa: F401

        loops.append("uvloop")
    except ImportError:
        print("uvloop is not installed: asyncio only")
    results = []
    for loop_name in loops:
        for kind in ("vote", "proposal-1KiB"):
            size = len(frame(encode_message(make_message(kind))))
            with asyncio.Runner(loop_factory=loop_factory(loop_name)) as runner:
                if args.processes:
                    elapsed = runner.run(two_processes(args, kind, loop_name))
                else:
                    elapsed = runner.run(one_loop(args, kind))
            rate = args.messages / elapsed
            row = {
                "loop": loop_name,
                "message": kind,
                "frame_bytes": size,
                "frames_per_s": round(rate),
                "MB_per_s": round(rate * size / 1e6, 1),
            }
            results.append(row)
            if not args.json:
                print(
                    f"{loop_name:8} {kind:14} {size:5d} B/frame  {rate:12,.0f} frames/s"
                    f"  {rate * size / 1e6:8.1f} MB/s"
                )
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
