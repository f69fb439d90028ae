"""Benchmark worker process: hosts ONE node plus an in-process closed-loop load generator.

Run by the harness as ``python -m rabia.bench.worker '<WorkerSpec JSON>'``. This module
holds the rabia worker (asyncio, on uvloop when importable); a ``pysyncobj`` spec is
handed to :mod:`rabia.bench.pysyncobj_worker`. See :mod:`rabia.bench.protocol` for
the conversation with the harness.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rabia.api import StateMachine
from rabia.bench.histogram import Histogram
from rabia.bench.protocol import (
    Api,
    CommandReader,
    ExitCommand,
    PhaseResult,
    Ready,
    RunCommand,
    WorkerSpec,
    bench_value,
    decode_spec,
    emit,
    window_ns,
)
from rabia.objects import local
from rabia.objects.batteries import ReplCounter

if TYPE_CHECKING:
    from rabia.runtime import Node

_ERROR_BACKOFF = 0.01
"""Seconds a client waits after a failed write before the next one (no busy spin)."""


LOG_READ = b"?"
"""The command a log read submits: the machine answers it with the count, unchanged."""
QUERY = b"count"
"""The query a barrier read asks (``StateMachine.query``)."""


class CountingMachine(StateMachine):
    """The trivial replicated state: the number of writes applied (``LOG_READ`` and
    ``query`` read it)."""

    def __init__(self) -> None:
        self.count = 0

    def apply(self, command: bytes) -> bytes:
        if command != LOG_READ:
            self.count += 1
        return self.count.to_bytes(8, "big")

    def query(self, query: bytes) -> bytes:
        return self.count.to_bytes(8, "big")

    def snapshot(self) -> bytes:
        return self.count.to_bytes(8, "big")

    def restore(self, data: bytes) -> None:
        self.count = int.from_bytes(data, "big")


def bench_machine(api: Api) -> StateMachine:
    """The replicated state of a rabia worker: the raw ``CountingMachine``, or the
    ``ReplCounter`` object that the same count written as a replicated object is."""
    return ReplCounter() if api == "objects" else CountingMachine()


def loop_factory(use_uvloop: bool) -> tuple[Callable[[], asyncio.AbstractEventLoop] | None, str]:
    """The event loop to run on and its name: uvloop when wanted and importable."""
    if use_uvloop:
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop, "uvloop"
    return None, "asyncio"


_COUNTERS = (
    "slots_decided",
    "fast_path",
    "null_slots",
    "decided_by_votes",
    "applied_slot",
    "resends",
    "dropped",
)
"""Node counters whose advance over the measured window is reported."""


def _counters(stats: Mapping[str, object]) -> dict[str, int]:
    return {k: v for k in _COUNTERS if isinstance(v := stats.get(k), int)}


async def _sleep_until(deadline_ns: int) -> None:
    delay = (deadline_ns - time.perf_counter_ns()) / 1e9
    if delay > 0:
        await asyncio.sleep(delay)


async def _run_phase(
    node: Node, spec: WorkerSpec, value: bytes, cmd: RunCommand, loop_name: str
) -> PhaseResult:
    load_start, window_start, window_end = window_ns(cmd)
    hist = Histogram()
    record = hist.record
    perf_ns = time.perf_counter_ns
    timeout = spec.submit_timeout
    call = _operation(node, spec.op, value, timeout, spec.api)
    completed = errors = 0

    async def client() -> None:
        nonlocal completed, errors
        while True:
            t0 = perf_ns()
            try:
                await call()
            except Exception:
                errors += 1
                if perf_ns() >= window_end:
                    return
                await asyncio.sleep(_ERROR_BACKOFF)
                continue
            now = perf_ns()
            if now >= window_end:
                return
            if now >= window_start:
                record(now - t0)
                completed += 1

    await _sleep_until(load_start)
    tasks = [asyncio.create_task(client()) for _ in range(cmd.concurrency)]
    await _sleep_until(window_start)
    before = _counters(node.stats())
    cpu_before = time.process_time()
    await _sleep_until(window_end)
    cpu_s = time.process_time() - cpu_before
    after = _counters(node.stats())
    if tasks:
        _done, pending = await asyncio.wait(tasks, timeout=timeout + 1.0)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return PhaseResult(
        node_id=spec.node_id,
        concurrency=cmd.concurrency,
        completed=completed,
        errors=errors,
        window_s=cmd.duration,
        hist=hist.to_pairs(),
        stats={k: v - before.get(k, 0) for k, v in after.items()},
        loop=loop_name,
        cpu_s=cpu_s,
    )


def _operation(
    node: Node, op: str, value: bytes, timeout: float, api: Api = "raw"
) -> Callable[[], Awaitable[object]]:
    """One operation of the load: a write, a barrier read or a log read. With the
    ``objects`` api a write is ``ReplCounter.add(1)`` through a ``local()`` proxy
    (encode, submit, decode); its timeout is the node's ``default_timeout``."""
    if api == "objects":
        if op != "write":
            raise ValueError(f"the objects api measures writes, not {op}")
        return functools.partial(local(ReplCounter, node).add, 1)
    if op == "barrier-read":
        return lambda: node.read(QUERY, timeout=timeout)
    command = LOG_READ if op == "log-read" else value
    return lambda: node.submit_future(command, timeout=timeout)  # no coroutine per write


async def _probe(node: Node, spec: WorkerSpec, value: bytes) -> None:
    deadline = time.monotonic() + spec.ready_timeout
    wait = min(2.0, spec.ready_timeout)
    write = _operation(node, "write", value, wait, spec.api)
    while True:
        try:
            await asyncio.wait_for(write(), wait)
            return
        except Exception:
            if time.monotonic() >= deadline:
                raise
            await asyncio.sleep(0.05)


async def _serve_rabia(spec: WorkerSpec, loop_name: str) -> None:
    from rabia.runtime import Node, NodeConfig
    from rabia.runtime.process import tune_collector

    commands = CommandReader()
    config = NodeConfig(
        node_id=spec.node_id,
        members=spec.members,
        cluster_id=spec.cluster_id,
        data_dir=None if spec.data_dir is None else Path(spec.data_dir),
        durability="off"
        if spec.durability == "off"
        else ("batch" if spec.durability == "batch" else "always"),
        default_timeout=spec.submit_timeout,
    )
    node = Node(config, bench_machine(spec.api))
    value = bench_value(spec.value_size)
    await node.start()
    try:
        await _probe(node, spec, value)
        tune_collector()  # as a `rabia node` process does
        emit(Ready(node_id=spec.node_id, pid=os.getpid(), loop=loop_name))
        while True:
            cmd = await asyncio.to_thread(commands.get)
            if isinstance(cmd, ExitCommand):
                break
            emit(await _run_phase(node, spec, value, cmd, loop_name))
    finally:
        await node.stop()


def serve_rabia(spec: WorkerSpec) -> None:
    """Host one rabia node until the harness says exit."""
    factory, name = loop_factory(spec.use_uvloop)
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(_serve_rabia(spec, name))


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m rabia.bench.worker '<WorkerSpec JSON>'``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m rabia.bench.worker '<WorkerSpec JSON>'", file=sys.stderr)
        return 2
    # Ctrl-C reaches the whole process group; the harness stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    spec = decode_spec(args[0])
    try:
        if spec.system == "pysyncobj":
            from rabia.bench.pysyncobj_worker import serve

            serve(spec)
        else:
            serve_rabia(spec)
    except Exception:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: the stdin reader is a daemon thread blocked in a read.
    os._exit(code)
