"""redis-benchmark against one redis-server and against a `rabia up` cluster, in one run.

Both on loopback, one after the other: a single redis-server (no persistence) and a
3-node `rabia up` (durability ``always``, data in a temporary directory), the latter
measured at node 0's Redis port. Prints a table of requests per second (redis, rabia,
rabia / redis) and, last, one JSON line.

    .venv/bin/python benchmarks/redis_bench.py [-n 200000] [-c 50] [-P 16] [-t set,get]
        [--profile SECONDS]   # also py-spy node 0 during the rabia run: top functions

Needs redis-server and redis-benchmark (Debian: redis-server, redis-tools; `make tools`).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rabia.cli.up import free_port_base

ROOT = Path(__file__).resolve().parents[1]
RESULT = re.compile(r"^([A-Za-z_ ]+): ([0-9.]+) requests per second", re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"nothing serves port {port}")
        time.sleep(0.05)


def redis_benchmark(port: int, args: argparse.Namespace) -> dict[str, float]:
    """requests per second per test, e.g. {"SET": 1.2e6, "GET": 1.5e6}."""
    cmd = ["redis-benchmark", "-p", str(port), "-t", args.tests, "-n", str(args.requests)]
    cmd += ["-c", str(args.clients), "-P", str(args.pipeline), "-q"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    text = done.stdout.replace("\r", "\n")
    found = {name.strip(): float(rps) for name, rps in RESULT.findall(text)}
    if done.returncode != 0 or not found:
        raise SystemExit(f"redis-benchmark failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return found


def run_redis(args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen(
        [
            *("redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(tmp), "--logfile", str(tmp / "redis.log")),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, server)
        return redis_benchmark(port, args)
    finally:
        server.terminate()
        server.wait(timeout=30)


def node_pid(up_pid: int, node: int) -> int | None:
    """The pid of `rabia node --id NODE` among `rabia up`'s children (Linux /proc)."""
    try:
        children = Path(f"/proc/{up_pid}/task/{up_pid}/children").read_text().split()
    except OSError:
        return None
    for child in children:
        try:
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--id" in argv and argv[argv.index(b"--id") + 1] == str(node).encode():
            return int(child)
    return None


def top_functions(raw: Path, count: int = 10) -> list[tuple[str, float]]:
    """From py-spy's raw (collapsed) stacks: the functions with the most own samples."""
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        if not stack or not samples.isdigit():
            continue
        leaf = stack.split(";")[-1]
        own[leaf] += int(samples)
        total += int(samples)
    return [(name, 100 * n / total) for name, n in own.most_common(count)] if total else []


def run_rabia(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, float], list[str]]:
    base = free_port_base(args.nodes, 31000 + (os.getpid() % 300) * 10, 39000)
    up = subprocess.Popen(
        [
            *(sys.executable, "-m", "rabia", "up", "--nodes", str(args.nodes)),
            *("--resp-port", str(base), "--data-dir", str(tmp / "rabia")),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    lines: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert up.stdout is not None
        for raw in up.stdout:
            line = raw.decode(errors="replace")
            lines.append(line)
            if line.startswith("ready"):
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    spy: subprocess.Popen[bytes] | None = None
    profile = tmp / "node0.txt"
    try:
        if not ready.wait(60) or up.poll() is not None:
            raise SystemExit("rabia up did not start:\n" + "".join(lines))
        wait_for_port(base, up)  # type: ignore[arg-type]
        pid = node_pid(up.pid, 0)
        venv_spy = Path(sys.executable).with_name("py-spy")
        py_spy = shutil.which("py-spy") or (str(venv_spy) if venv_spy.exists() else None)
        if args.profile and pid is not None and py_spy is not None:
            spy = subprocess.Popen(
                [
                    *(py_spy, "record", "-d", str(args.profile), "-p", str(pid), "-r", "200"),
                    *("-f", "raw", "--function", "-o", str(profile), "--nonblocking"),
                ],
                stdout=subprocess.DEVNULL,
            )
        elif args.profile:
            print("(no profile: py-spy not installed or node 0 not found)", file=sys.stderr)
        result = redis_benchmark(base, args)
    finally:
        if spy is not None:
            spy.wait(timeout=args.profile + 60)
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            up.kill()
    top = []
    if spy is not None and profile.exists():
        top = [f"{share:5.1f} %  {name}" for name, share in top_functions(profile)]
    return result, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=200_000)
    parser.add_argument("-c", "--clients", type=int, default=50)
    parser.add_argument("-P", "--pipeline", type=int, default=16)
    parser.add_argument("-t", "--tests", default="set,get")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--tmp", default=None, help="Parent of the temporary data directory.")
    parser.add_argument(
        "--profile", type=int, default=0, help="py-spy node 0 for this many seconds."
    )
    args = parser.parse_args()
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: `make tools` (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="redis-bench-", dir=args.tmp) as name:
        tmp = Path(name)
        redis = run_redis(args, tmp)
        rabia, top = run_rabia(args, tmp)
    setting = f"-n {args.requests} -c {args.clients} -P {args.pipeline}"
    print(f"redis-benchmark {setting} (requests per second; rabia: {args.nodes} nodes, node 0)")
    print(f"{'test':<6} {'redis':>12} {'rabia':>12} {'rabia/redis':>12}")
    ratio = {}
    for test in redis:
        ratio[test] = rabia.get(test, 0.0) / redis[test]
        print(f"{test:<6} {redis[test]:>12,.0f} {rabia.get(test, 0):>12,.0f} {ratio[test]:>12.3f}")
    if top:
        print(f"node 0, top {len(top)} functions by own time (py-spy, {args.profile:g} s):")
        for line in top:
            print("  " + line)
    summary = {
        "requests": args.requests,
        "clients": args.clients,
        "pipeline": args.pipeline,
        "nodes": args.nodes,
        "redis": redis,
        "rabia": rabia,
        "ratio": {k: round(v, 4) for k, v in ratio.items()},
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
