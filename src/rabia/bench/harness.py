"""Runs one benchmark: a local cluster of real worker processes, driven and measured.

:func:`run_bench` picks free loopback ports, starts one worker process per node, waits
(bounded) until every node has pushed a probe write through the cluster, runs the load
phases, merges what the workers measured, and always stops its workers (exit command,
then terminate, then kill) however the run ends.

Throughput mode loads every node at once with ``concurrency`` operations (writes, or
reads: ``BenchConfig.op``) in flight each. Latency mode loads one node at a time with
one operation in flight, so every node's p50 is reported; each node gets
``warmup / nodes`` s of warm-up and ``duration / nodes`` s of measurement.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from typing import IO

from rabia.bench.config import BenchConfig as BenchConfig
from rabia.bench.protocol import (
    ExitCommand,
    PhaseResult,
    Ready,
    RunCommand,
    WorkerSpec,
    decode_report,
    encode,
)
from rabia.bench.results import BenchResult, merge_phases

ProgressFn = Callable[[str, float, float], None]
"""progress(description, seconds done, seconds in total) for the load timeline."""

_START_LEAD = 0.3
"""Seconds between sending a run command and the load starting (same instant everywhere)."""
_STOP_GRACE = 5.0
_TERM_GRACE = 2.0


class BenchError(RuntimeError):
    """A worker failed, or did not answer in time."""


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports that were free on ``host`` a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class _Worker:
    """One worker process, its pipes and its stderr log."""

    def __init__(self, node_id: int, proc: asyncio.subprocess.Process, log: IO[bytes]) -> None:
        self.node_id = node_id
        self.proc = proc
        self.log = log

    def stderr_tail(self, limit: int = 2000) -> str:
        with contextlib.suppress(OSError, ValueError):
            self.log.flush()
            self.log.seek(0, os.SEEK_END)
            size = self.log.tell()
            self.log.seek(max(0, size - limit))
            return self.log.read().decode(errors="replace")
        return ""

    def fail(self, what: str) -> BenchError:
        code = self.proc.returncode
        status = "running" if code is None else f"exit code {code}"
        tail = self.stderr_tail().strip()
        return BenchError(f"node {self.node_id}: {what} ({status})" + (f"\n{tail}" if tail else ""))

    async def send(self, message: RunCommand | ExitCommand) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            stdin.write(encode(message))
            await stdin.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise self.fail("cannot send a command") from exc

    async def receive(self) -> Ready | PhaseResult:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            line = await stdout.readline()
            if not line:
                await asyncio.sleep(0.05)  # let the exit code arrive for the message
                raise self.fail("worker exited")
            if line.startswith(b"{"):
                return decode_report(line)


async def _spawn(
    config: BenchConfig, members: dict[int, str], node_id: int, data_root: str | None
) -> _Worker:
    spec = WorkerSpec(
        system=config.system,
        node_id=node_id,
        members=members,
        mode=config.mode,
        value_size=config.value_size,
        ready_timeout=config.ready_timeout,
        submit_timeout=config.submit_timeout,
        use_uvloop=config.use_uvloop,
        peer_client=config.peer_client,
        data_dir=None if data_root is None else f"{data_root}/node{node_id}",
        durability=config.durability or "always",
        op=config.op,
        api=config.api,
    )
    # The log lives as long as the worker: _stop() closes it.
    log = tempfile.TemporaryFile(prefix=f"rabia-bench-{node_id}-")  # noqa: SIM115
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "rabia.bench.worker",
            encode(spec).decode().strip(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
    except BaseException:
        log.close()
        raise
    return _Worker(node_id, proc, log)


async def _stop(workers: list[_Worker], graceful: bool) -> None:
    """Exit command (if ``graceful``), then SIGTERM, then SIGKILL; reaps every process."""
    steps: list[tuple[str, float | None]] = [("terminate", _TERM_GRACE), ("kill", None)]
    if graceful:
        for worker in workers:
            if worker.proc.returncode is None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.send(ExitCommand()), 1.0)
        steps.insert(0, ("exit", _STOP_GRACE))
    for step, grace in steps:
        alive = [w for w in workers if w.proc.returncode is None]
        if not alive:
            break
        for worker in alive:
            with contextlib.suppress(ProcessLookupError):
                if step == "terminate":
                    worker.proc.terminate()
                elif step == "kill":
                    worker.proc.kill()
        waits = [asyncio.create_task(w.proc.wait()) for w in alive]
        await asyncio.wait(waits, timeout=grace)
    for worker in workers:
        worker.log.close()


async def _receive_all(
    workers: list[_Worker], timeout: float, tick: Callable[[], None] | None = None
) -> list[Ready | PhaseResult]:
    """One report from every worker, failing fast if any worker dies or times out."""
    tasks = [asyncio.create_task(w.receive()) for w in workers]
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                late = [w for w, t in zip(workers, tasks, strict=True) if not t.done()]
                raise late[0].fail(f"no answer within {timeout:.0f} s")
            done, pending = await asyncio.wait(
                tasks, timeout=min(0.1, remaining), return_when=asyncio.FIRST_EXCEPTION
            )
            for task in done:
                exc = task.exception()
                if exc is not None:
                    raise exc
            if not pending:
                return [t.result() for t in tasks]
            if tick is not None:
                tick()
    finally:
        for task in tasks:
            task.cancel()


def _phase_plan(config: BenchConfig) -> list[tuple[str, dict[int, int], float, float]]:
    """``(label, concurrency per node, warmup, duration)`` for each load phase."""
    everyone = range(config.nodes)
    if config.mode == "throughput":
        load = {i: config.concurrency for i in everyone}
        return [("all nodes", load, config.warmup, config.duration)]
    warmup = config.warmup / config.nodes
    duration = config.duration / config.nodes
    return [
        (f"node {i + 1}/{config.nodes}", {j: int(j == i) for j in everyone}, warmup, duration)
        for i in everyone
    ]


async def _run(config: BenchConfig, progress: ProgressFn | None) -> BenchResult:
    plan = _phase_plan(config)
    total = sum(warmup + duration for _, _, warmup, duration in plan)
    report = progress or (lambda _d, _done, _total: None)
    name = config.system
    report(f"{name}: starting {config.nodes} nodes", 0.0, total)
    ports = free_ports(config.nodes, config.host)
    members = {i: f"{config.host}:{port}" for i, port in enumerate(ports)}
    workers: list[_Worker] = []
    finished = False
    data_root = (
        tempfile.mkdtemp(prefix="rabia-bench-data-") if config.durability is not None else None
    )
    try:
        for node_id in range(config.nodes):
            workers.append(await _spawn(config, members, node_id, data_root))
        readies = await _receive_all(workers, config.ready_timeout + 5.0)
        loops = {r.loop for r in readies if isinstance(r, Ready)}
        results: list[tuple[int, list[PhaseResult]]] = []
        done_before = 0.0
        for label, load, warmup, duration in plan:
            start_at = time.time() + _START_LEAD
            for worker in workers:
                run = RunCommand(start_at, warmup, duration, load[worker.node_id])
                await worker.send(run)

            def tick(
                label: str = label,
                start_at: float = start_at,
                base: float = done_before,
                w: float = warmup,
                d: float = duration,
            ) -> None:
                elapsed = max(0.0, min(time.time() - start_at, w + d))
                stage = "warm-up" if elapsed < w else "measuring"
                report(f"{name}: {label} {stage}", base + elapsed, total)

            timeout = _START_LEAD + warmup + duration + config.submit_timeout + 10.0
            reports = await _receive_all(workers, timeout, tick)
            phase = [r for r in reports if isinstance(r, PhaseResult)]
            if len(phase) != len(workers):
                raise BenchError("a worker answered a run command with something else")
            active = next(i for i, c in load.items() if c) if config.mode == "latency" else -1
            results.append((active, phase))
            done_before += warmup + duration
            report(f"{name}: {label} done", done_before, total)
        finished = True
    finally:
        await _stop(workers, graceful=finished)
        if data_root is not None:
            shutil.rmtree(data_root, ignore_errors=True)
    result = merge_phases(config, results, ", ".join(sorted(loops)))
    if config.label is not None:
        result = dataclasses.replace(result, system=config.label)
    return result


def run_bench(config: BenchConfig, progress: ProgressFn | None = None) -> BenchResult:
    """Run one benchmark to the end and return its merged figures (blocking)."""
    if config.nodes < 1:
        raise ValueError("nodes must be >= 1")
    if config.duration <= 0 or config.warmup < 0:
        raise ValueError("duration must be > 0 and warmup >= 0")
    if config.mode == "throughput" and config.concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    return asyncio.run(_run(config, progress))
