"""redis-benchmark against one redis-server and against a `rabia up` cluster, in one run.

Both on loopback, one after the other: a single redis-server (no persistence) and a
3-node `rabia up` (durability ``always``, data in a temporary directory, read-only
commands through the read barrier unless ``--reads log``), the latter measured at node
0's Redis port. Prints a table of requests per second (redis, rabia,
rabia / redis) and, last, one JSON line.

    .venv/bin/python benchmarks/redis_bench.py [-n 200000] [-c 50] [-P 16] [-t set,get]
        [--redis-pipeline P]  # redis-server's -P (default: the same as rabia's)
        [--reads barrier|log] # rabia up --reads (default barrier, ADR 0017)
        [--profile SECONDS]   # also py-spy node 0 during the rabia run: top functions
        [--plot FILE]         # also draw it (.svg, or .html with the table): matplotlib

Needs redis-server and redis-benchmark (Debian: redis-server, redis-tools; `make tools`).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from rabia.bench.plotting import PlotUnavailable, caption_now, plot_format, require_matplotlib
from rabia.bench.redis_compare import CommandFigures, Comparison, parse_csv
from rabia.cli.up import free_port_base
from rabia.kv.reads import DEFAULT_READS, READ_MODES

ROOT = Path(__file__).resolve().parents[1]
Figures = dict[str, CommandFigures]


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


def redis_benchmark(port: int, args: argparse.Namespace, pipeline: int) -> Figures:
    """Figures per test (requests per second, p50, p99), e.g. {"SET": ..., "GET": ...}."""
    cmd = ["redis-benchmark", "-p", str(port), "-t", args.tests, "-n", str(args.requests)]
    cmd += ["-c", str(args.clients), "-P", str(pipeline), "--csv"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    found = parse_csv(done.stdout)
    if done.returncode != 0 or not found:
        raise SystemExit(f"redis-benchmark failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return found


def run_redis(args: argparse.Namespace, tmp: Path) -> Figures:
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
        return redis_benchmark(port, args, args.redis_pipeline)
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


def run_rabia(args: argparse.Namespace, tmp: Path) -> tuple[Figures, list[str]]:
    # Below the tests' ports and below the kernel's ephemeral range (32768 and up), where
    # benchmarks leave many connections in TIME_WAIT.
    base = free_port_base(args.nodes, 11000 + (os.getpid() % 300) * 10, 18000)
    up = subprocess.Popen(
        [
            *(sys.executable, "-m", "rabia", "up", "--nodes", str(args.nodes)),
            *("--resp-port", str(base), "--data-dir", str(tmp / "rabia")),
            *("--reads", args.reads),
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
        result = redis_benchmark(base, args, args.pipeline)
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
    parser.add_argument(
        "--redis-pipeline", type=int, default=None, help="redis-server's -P (default: -P)."
    )
    parser.add_argument("-t", "--tests", default="set,get")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--tmp", default=None, help="Parent of the temporary data directory.")
    parser.add_argument(
        "--reads",
        choices=READ_MODES,
        default=DEFAULT_READS,
        help="rabia up --reads: read-only commands through the read barrier or the log.",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="py-spy node 0 for this many seconds."
    )
    parser.add_argument(
        "--plot", default=None, help="Also draw the figures to this .svg or .html file."
    )
    args = parser.parse_args()
    if args.redis_pipeline is None:
        args.redis_pipeline = args.pipeline
    for tool in ("redis-server", "redis-benchmark"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: `make tools` (apt-get install redis-server)")
    if args.plot is not None:
        try:
            plot_format(args.plot)
            require_matplotlib()
        except (ValueError, PlotUnavailable) as exc:
            raise SystemExit(f"--plot: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="redis-bench-", dir=args.tmp) as name:
        tmp = Path(name)
        redis = run_redis(args, tmp)
        rabia, top = run_rabia(args, tmp)
    setting = f"-n {args.requests} -c {args.clients} -P {args.pipeline}"
    if args.redis_pipeline != args.pipeline:
        setting += f" (redis-server: -P {args.redis_pipeline})"
    where = f"rabia: {args.nodes} nodes, node 0, {args.reads} reads"
    print(f"redis-benchmark {setting} (requests per second; {where})")
    print(f"{'test':<6} {'redis':>12} {'rabia':>12} {'rabia/redis':>12} {'rabia p99 ms':>13}")
    ratio = {}
    missing = CommandFigures(0.0)
    for test, theirs in redis.items():
        ours = rabia.get(test, missing)
        ratio[test] = ours.rps / theirs.rps
        p99_ms = "-" if ours.p99_ms is None else f"{ours.p99_ms:.1f}"
        row = f"{test:<6} {theirs.rps:>12,.0f} {ours.rps:>12,.0f} {ratio[test]:>12.3f}"
        print(f"{row} {p99_ms:>13}")
    if top:
        print(f"node 0, top {len(top)} functions by own time (py-spy, {args.profile:g} s):")
        for line in top:
            print("  " + line)
    if args.plot is not None:
        plot(args, [Comparison(test, rabia.get(test, missing), redis[test]) for test in redis])
    summary = {
        "requests": args.requests,
        "clients": args.clients,
        "pipeline": args.pipeline,
        "redis_pipeline": args.redis_pipeline,
        "nodes": args.nodes,
        "reads": args.reads,
        "redis": {test: f.rps for test, f in redis.items()},
        "rabia": {test: f.rps for test, f in rabia.items()},
        "ratio": {k: round(v, 4) for k, v in ratio.items()},
        "p50_ms": {"redis": p50(redis), "rabia": p50(rabia)},
        "p99_ms": {"redis": p99(redis), "rabia": p99(rabia)},
    }
    print(json.dumps(summary))


def p50(figures: Figures) -> dict[str, float | None]:
    return {test: f.p50_ms for test, f in figures.items()}


def p99(figures: Figures) -> dict[str, float | None]:
    return {test: f.p99_ms for test, f in figures.items()}


def plot(args: argparse.Namespace, rows: list[Comparison]) -> None:
    from rabia.bench.redis_compare import plot_comparison

    command = (
        f"benchmarks/redis_bench.py -n {args.requests} -c {args.clients} -P {args.pipeline}"
        f" -t {args.tests} --nodes {args.nodes} --reads {args.reads}"
    )
    if args.redis_pipeline != args.pipeline:
        command += f" --redis-pipeline {args.redis_pipeline}"
    note = (
        f"rabia: node 0 of a {args.nodes}-node rabia up, on disk, durability always,"
        f" {args.reads} reads;"
        " redis-server: no persistence; same machine, one after the other"
    )
    plot_comparison(rows, caption_now(command, note), args.plot)
    print(f"plot: {args.plot}", file=sys.stderr)


if __name__ == "__main__":
    main()
