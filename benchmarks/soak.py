"""Soak: a 3-node cluster on disk under steady write load; disk and memory over time.

    .venv/bin/python benchmarks/soak.py --minutes 10 [--rate 2000]

Starts three `rabia node` processes (`always` durability, default snapshot interval),
drives them with one pipelining client per node at a fixed rate, and prints each
node's resident memory and data-directory size every 30 s, then the growth between
the first and the last minute. Loopback only; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MACHINE = f"{ROOT / 'examples' / 'counter.py'}:Counter"


def free_ports(count: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(count)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def du_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1024 * 1024)


async def load(addresses: list[str], rate: float, deadline: float, counter: list[int]) -> None:
    from rabia.client import Client

    async def one(address: str) -> None:
        async with Client([address], timeout=30) as client:
            interval = 1.0 / rate
            next_at = time.monotonic()
            pending: set[asyncio.Task[bytes]] = set()
            while time.monotonic() < deadline:
                task = asyncio.ensure_future(client.submit(b"incr 1"))
                pending.add(task)
                task.add_done_callback(pending.discard)
                task.add_done_callback(lambda t: counter.__setitem__(0, counter[0] + 1))
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    await asyncio.gather(*(one(a) for a in addresses))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=2000.0, help="writes/s per node")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rabia-soak-"))
    ports = free_ports(6)
    peers = [f"--peer={i}=127.0.0.1:{ports[i]}" for i in range(3)]
    procs = []
    try:
        for i in range(3):
            cmd = [sys.executable, "-m", "rabia", "node", "--id", str(i), *peers]
            cmd += ["--client", f"127.0.0.1:{ports[3 + i]}", "--machine", MACHINE]
            cmd += ["--data-dir", str(tmp / f"n{i}"), "--log-level", "WARNING"]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT))
        for p in procs:
            assert p.stdout is not None
            p.stdout.readline()  # "ready ..."
        deadline = time.monotonic() + args.minutes * 60
        counter = [0]
        samples: list[tuple[float, int, list[float], list[float]]] = []

        async def run() -> None:
            addresses = [f"127.0.0.1:{ports[3 + i]}" for i in range(3)]
            task = asyncio.ensure_future(load(addresses, args.rate, deadline, counter))
            start = time.monotonic()
            while not task.done():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(task), 30)
                mem = [rss_mib(p.pid) for p in procs]
                disk = [du_mib(tmp / f"n{i}") for i in range(3)]
                samples.append((time.monotonic() - start, counter[0], mem, disk))
                t, n, m, d = samples[-1]
                print(
                    f"{t:6.0f}s writes={n:>9,} rss MiB={[round(x, 1) for x in m]} "
                    f"disk MiB={[round(x, 1) for x in d]}",
                    flush=True,
                )

        asyncio.run(run())
        first = next((s for s in samples if s[0] >= 60), samples[0])
        last = samples[-1]
        print(
            f"total writes {last[1]:,}; from t={first[0]:.0f}s to t={last[0]:.0f}s: "
            f"rss {max(first[2]):.1f} -> {max(last[2]):.1f} MiB, "
            f"disk {max(first[3]):.1f} -> {max(last[3]):.1f} MiB (largest node)"
        )
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    main()
