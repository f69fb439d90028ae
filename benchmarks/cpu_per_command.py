"""CPU time per command of a 3-node `rabia up` cluster under redis-benchmark.

Starts a `rabia up`-like cluster (durability ``always``, data in a temporary directory),
runs ``redis-benchmark -t set`` and then ``-t get`` against node 0, and reads each node
process's CPU time (user + system, every thread, from ``/proc/<pid>/stat``) before and
after each test: the CPU time of the 3 node processes per command, summed, and that of
the answering node (node 0) alone. A fresh cluster per run; medians over ``--runs``.

    .venv/bin/python benchmarks/cpu_per_command.py [--runs 3] [-n 200000] [-c 50] [-P 16]
        [--variant LABEL=DIR ...]   # compare checkouts side by side (runs interleaved)
        [--reads barrier]           # GET through the read barrier (ADR 0017)
        [--profile-dir DIR] [--native] [--profile-test get]
                                    # py-spy every node during SET (or GET): top 15, stages

A variant runs the nodes with ``PYTHONPATH=DIR/src`` (a checkout, e.g. `git archive` of
the base commit, or a compiled build); without ``--variant`` the installed ``rabia``
runs. Prints one table and, last, one JSON line. Linux only (``/proc``). Needs
redis-benchmark (Debian: redis-tools; `make tools`).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from rabia.cli.up import free_port_base

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
TESTS = ("set", "get")
COUNTERS = ("rabia_slots_decided_total", "rabia_null_slots_total", "rabia_storage_syncs_total")
"""Read from node 0's metrics port around each test: slots and fsyncs per command."""


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of every thread of ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) / TICKS, int(fields[12]) / TICKS  # utime, stime (fields 14, 15)


def node_pids(up_pid: int, nodes: int) -> list[int]:
    """The pids of `rabia node --id 0..nodes-1` among `rabia up`'s children."""
    children = Path(f"/proc/{up_pid}/task/{up_pid}/children").read_text().split()
    found: dict[int, int] = {}
    for child in children:
        argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"--id" in argv:
            found[int(argv[argv.index(b"--id") + 1])] = int(child)
    return [found[i] for i in range(nodes)]


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
        )
        if done.stdout.strip() == "PONG":
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing answers PING on port {port}")
        time.sleep(0.1)


def redis_benchmark(port: int, test: str, requests: int, args: argparse.Namespace) -> None:
    cmd = ["redis-benchmark", "-p", str(port), "-t", test, "-n", str(requests)]
    cmd += ["-c", str(args.clients), "-P", str(args.pipeline), "-q"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0 or "requests per second" not in done.stdout:
        raise SystemExit(f"redis-benchmark failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")


def build_of(port: int) -> str:
    """Which build node 0 runs (INFO's ``rabia_build``: pure, compiled or mixed; before
    the compiled build existed, pure)."""
    done = subprocess.run(
        ["redis-cli", "-p", str(port), "INFO", "server"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    found = re.search(r"^rabia_build:(\w+)", done.stdout, re.MULTILINE)
    return found[1] if found else "pure"


class Cluster:
    """A `rabia up` of ``nodes`` nodes, in ``data``, with ``pythonpath`` (or the installed
    rabia) on the nodes' path."""

    def __init__(
        self, nodes: int, data: Path, pythonpath: str | None, extra: tuple[str, ...] = ()
    ) -> None:
        # Below the tests' ports and below the kernel's ephemeral range (32768 and up), where
        # benchmarks leave many connections in TIME_WAIT.
        self.port = free_port_base(nodes, 11000 + (os.getpid() % 300) * 10, 18000)
        env = dict(os.environ)
        if pythonpath is not None:
            env["PYTHONPATH"] = pythonpath
        self._up = subprocess.Popen(
            [
                *(sys.executable, "-m", "rabia", "up", "--nodes", str(nodes)),
                *("--resp-port", str(self.port), "--data-dir", str(data)),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=data.parent,
            env=env,
            start_new_session=True,
        )
        self._lines: list[str] = []
        ready = threading.Event()

        def pump() -> None:
            assert self._up.stdout is not None
            for raw in self._up.stdout:
                line = raw.decode(errors="replace")
                self._lines.append(line)
                if line.startswith("ready"):
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(120) or self._up.poll() is not None:
            self.stop()
            raise SystemExit("rabia up did not start:\n" + "".join(self._lines))
        wait_for_port(self.port)
        self.pids = node_pids(self._up.pid, nodes)

    def cpu(self) -> list[tuple[float, float]]:
        return [cpu_seconds(pid) for pid in self.pids]

    def counters(self) -> dict[str, float]:
        """Node 0's slot and sync counters (Prometheus text at RESP port + 3000)."""
        url = f"http://127.0.0.1:{self.port + 3000}/metrics"
        with urllib.request.urlopen(url, timeout=10) as answer:
            text = answer.read().decode()
        found: dict[str, float] = {}
        for line in text.splitlines():
            name, _, value = line.partition(" ")
            name = name.partition("{")[0]
            if name in COUNTERS:
                found[name] = float(value)
        return found

    def stop(self) -> None:
        self._up.send_signal(signal.SIGTERM)
        try:
            self._up.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._up.kill()


def profile(pids: list[int], out: Path, label: str, native: bool) -> list[subprocess.Popen[bytes]]:
    """py-spy on every node until SIGINT: raw stacks (for the tables) per node. Native
    stacks (C functions too) need py-spy to stop the process at each sample: fewer."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out.mkdir(parents=True, exist_ok=True)
    how = ["--native", "-r", "100"] if native else ["--nonblocking", "-r", "250"]
    return [
        subprocess.Popen(
            [
                *(spy, "record", "-p", str(pid), "-f", "raw", *how),
                *("-o", str(out / f"{label}-node{i}.txt")),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i, pid in enumerate(pids)
    ]


WAITS = ("epoll_pwait", "epoll_wait", "fdatasync", "fsync")
"""Native leaves where a node waits (no CPU): left out of the tables of a native profile."""

STAGES = (
    ("gc", ("gc_collect_main",)),
    ("persist", ("Node._persist",)),
    ("apply: machine", ("KVMachine.apply_at",)),
    ("apply: replies", ("RequestTracker.resolve",)),
    ("apply: applier", ("Applier.apply",)),
    ("apply: other", ("Node._apply",)),
    ("consensus", ("Replica.step", "Replica.tick", "Replica.ready", "Replica.submit")),
    ("send", ("Sender.send", "TcpTransport.flush", "TcpTransport._scheduled_flush")),
    ("resp: parse", ("RequestParser.",)),
    ("resp: dispatch, submit", ("Connection.receive",)),
    ("resp: write replies", ("RespProtocol._flush", "RespProtocol._scheduled_flush")),
    ("peer receive", ("InboundLink.", "FrameReader.", "Node._deliver")),
    ("timers", ("Node._on_tick",)),
)
"""Where a sample's CPU goes: the first stage one of whose names is in its stack."""


COMPILED = re.compile(r"CPy(?:Def|Py)_(?:[a-z0-9_]+?)___([A-Z][A-Za-z0-9]*)___(\w+) ")
"""A method compiled by mypyc (``CPyDef_node___Node____drain (__native_...c:12)``)."""


def _frame(name: str) -> str:
    """``Class.method (file)`` for a method compiled by mypyc too."""
    found = COMPILED.match(name)
    return f"{found[1]}.{found[2]} (compiled)" if found else name


def _stacks(raw: Path) -> list[tuple[list[str], int]]:
    out = []
    for line in raw.read_text().splitlines():
        stack, _, samples = line.rpartition(" ")
        frames = [_frame(f) for f in stack.split(";")]
        if stack and samples.isdigit() and frames[-1].split(" ")[0] not in WAITS:
            out.append((frames, int(samples)))
    return out


def top_functions(raw: Path, count: int = 15) -> tuple[int, list[tuple[float, str]]]:
    """From py-spy's collapsed stacks: (samples, the functions with most own samples)."""
    own: collections.Counter[str] = collections.Counter()
    stacks = _stacks(raw)
    for frames, samples in stacks:
        own[frames[-1]] += samples
    total = sum(own.values())
    return total, [(100 * n / total, name) for name, n in own.most_common(count)]


def stages(raw: Path) -> list[tuple[float, str]]:
    """The share of the samples of each of ``STAGES`` (and "other": the event loop,
    system calls outside the stages)."""
    found: collections.Counter[str] = collections.Counter()
    stacks = _stacks(raw)
    for frames, samples in stacks:
        stage = next(
            (
                stage
                for stage, names in STAGES
                if any(f.startswith(name) for f in frames for name in names)
            ),
            "other",
        )
        found[stage] += samples
    total = sum(found.values()) or 1
    return [(100 * n / total, stage) for stage, n in found.most_common()]


def figures(
    test: str,
    before: list[tuple[float, float]],
    after: list[tuple[float, float]],
    counts: dict[str, float],
    requests: int,
) -> dict[str, float]:
    """µs of CPU per command (summed, node 0, the others' mean, system time summed),
    commands per batch and node 0's fsyncs per slot."""
    per = 1e6 / requests
    used = [(sum(b) - sum(a)) * per for a, b in zip(before, after, strict=True)]
    system = sum(b[1] - a[1] for a, b in zip(before, after, strict=True)) * per
    slots = counts.get("rabia_slots_decided_total", 0.0)
    nulls = counts.get("rabia_null_slots_total", 0.0)
    return {
        f"{test}_sum": sum(used),
        f"{test}_node0": used[0],
        f"{test}_others": sum(used[1:]) / max(1, len(used) - 1),
        f"{test}_sys_sum": system,
        f"{test}_per_batch": requests / max(1.0, slots - nulls),
        f"{test}_syncs_slot": counts.get("rabia_storage_syncs_total", 0.0) / max(1.0, slots),
    }


def one_run(label: str, pythonpath: str | None, args: argparse.Namespace) -> dict[str, float]:
    """A fresh cluster: warm-up, then each test; µs of CPU per command."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="cpu-bench-", dir=args.tmp) as name:
        extra = ("--reads", args.reads) if args.reads else ()
        cluster = Cluster(args.nodes, Path(name) / "data", pythonpath, extra)
        try:
            redis_benchmark(cluster.port, "set,get", args.warmup, args)
            print(f"{label}: {build_of(cluster.port)} build", file=sys.stderr, flush=True)
            for test in TESTS:
                spies = []
                if args.profile_dir and test == args.profile_test:
                    spies = profile(cluster.pids, Path(args.profile_dir), label, args.native)
                counted = cluster.counters()
                before = cluster.cpu()
                redis_benchmark(cluster.port, test, args.requests, args)
                after = cluster.cpu()
                counts = {k: v - counted.get(k, 0.0) for k, v in cluster.counters().items()}
                for spy in spies:
                    spy.send_signal(signal.SIGINT)
                    spy.wait(timeout=120)
                out.update(figures(test, before, after, counts, args.requests))
        finally:
            cluster.stop()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-n", "--requests", type=int, default=200_000)
    parser.add_argument("-c", "--clients", type=int, default=50)
    parser.add_argument("-P", "--pipeline", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=20_000, help="Requests before measuring.")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--variant", action="append", default=[], metavar="LABEL=DIR")
    parser.add_argument("--profile-dir", default=None)
    parser.add_argument("--native", action="store_true", help="Profile C functions too.")
    parser.add_argument("--profile-test", choices=TESTS, default="set")
    parser.add_argument(
        "--reads",
        choices=("log", "barrier"),
        default=None,
        help="rabia up --reads (checkouts from before ADR 0017 have no such option).",
    )
    parser.add_argument("--tmp", default=None, help="Parent of the temporary data directories.")
    args = parser.parse_args()
    if shutil.which("redis-benchmark") is None or shutil.which("redis-cli") is None:
        raise SystemExit("redis-benchmark not found: `make tools` (apt-get install redis-tools)")
    variants: list[tuple[str, str | None]] = [("installed", None)]
    if args.variant:
        variants = []
        for item in args.variant:
            label, _, folder = item.partition("=")
            variants.append((label, str(Path(folder).resolve() / "src")))
    results: dict[str, list[dict[str, float]]] = {label: [] for label, _ in variants}
    for run in range(args.runs):
        for label, pythonpath in variants:
            result = one_run(label if run == 0 else f"{label}-{run}", pythonpath, args)
            results[label].append(result)
            figures = "  ".join(f"{k} {v:6.2f}" for k, v in result.items())
            print(f"run {run + 1} {label}: {figures}", file=sys.stderr, flush=True)
    keys = list(results[variants[0][0]][0])
    medians = {
        label: {k: statistics.median(r[k] for r in runs) for k in keys}
        for label, runs in results.items()
    }
    setting = f"-n {args.requests} -c {args.clients} -P {args.pipeline}, {args.nodes} nodes"
    if args.reads:
        setting += f", --reads {args.reads}"
    print(f"µs of CPU per command, median of {args.runs} runs (redis-benchmark {setting})")
    first = variants[0][0]
    print(f"{'':<14}" + "".join(f"{label:>14}" for label, _ in variants))
    for key in keys:
        row = "".join(f"{medians[label][key]:>14.2f}" for label, _ in variants)
        ratios = "".join(
            f"  {label}/{first} {medians[label][key] / medians[first][key]:.3f}"
            for label, _ in variants[1:]
            if medians[first][key]  # no slots for barrier reads: no syncs per slot
        )
        print(f"{key:<14}{row}{ratios}")
    if args.profile_dir:
        for label, _ in variants:
            for i in range(args.nodes):
                raw = Path(args.profile_dir) / f"{label}-node{i}.txt"
                if raw.exists():
                    total, top = top_functions(raw)
                    during = f"during {args.profile_test.upper()}"
                    print(f"{label} node {i} {during}, own time ({total} samples):")
                    for share, function in top:
                        print(f"  {share:5.1f} %  {function}")
                    print(f"{label} node {i} {during}, by stage:")
                    for share, stage in stages(raw):
                        print(f"  {share:5.1f} %  {stage}")
    summary = {"setting": setting, "runs": args.runs, "median": medians, "all": results}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
