"""Worker hosting one PySyncObj (Raft) node plus a closed-loop load, for ``--vs pysyncobj``.

PySyncObj's own tick thread drives it (``autoTick``). Writes are non-blocking calls of a
``@replicated`` method with ``callback=``; each callback records the write's latency and
issues the next write right away (on the tick thread), which keeps exactly
``concurrency`` writes in flight with no thread hand-off: PySyncObj's fastest client,
and the same shape as the rabia worker, whose clients share the node's event loop.
With ``peer_client="thread"`` a one-at-a-time load instead runs on the main thread and
waits on an event per write, like PySyncObj's own blocking ``sync=True`` call.
Throughput mode uses PySyncObj's defaults (batched appends); latency mode sets
``appendEntriesUseBatch=False``, its best setting for one write at a time.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from pysyncobj import FAIL_REASON, SyncObj, SyncObjConf, replicated  # type: ignore[import-untyped]

from rabia.bench.histogram import Histogram
from rabia.bench.protocol import (
    CommandReader,
    ExitCommand,
    PhaseResult,
    Ready,
    RunCommand,
    WorkerSpec,
    bench_value,
    emit,
    window_ns,
)

_SUCCESS: int = FAIL_REASON.SUCCESS
_LOOP = "pysyncobj-threads"


class _Counter(SyncObj):  # type: ignore[misc]
    """The replicated object: counts writes and keeps the last value."""

    def __init__(self, self_addr: str, others: list[str], conf: Any) -> None:
        super().__init__(self_addr, others, conf=conf)
        self._count = 0
        self._last = b""

    @replicated  # type: ignore[untyped-decorator]
    def write(self, value: bytes) -> int:
        self._count += 1
        self._last = value
        return self._count

    def has_leader(self) -> bool:
        """This node knows a leader."""
        return self._getLeader() is not None

    def is_leader(self) -> bool:
        """This node is the leader."""
        return bool(self._isLeader())


class _Load:
    """Closed-loop writers for one phase; callbacks run on PySyncObj's tick thread."""

    def __init__(self, obj: _Counter, value: bytes, window_start: int, window_end: int) -> None:
        self.obj = obj
        self.value = value
        self.window_start = window_start
        self.window_end = window_end
        self.hist = Histogram()
        self.completed = 0
        self.errors = 0
        self.in_flight = 0
        self.lock = threading.Lock()
        self.drained = threading.Event()

    def start(self, concurrency: int) -> None:
        with self.lock:
            self.in_flight = concurrency
        for _ in range(concurrency):
            self._issue()

    def run_blocking(self) -> None:
        """One write at a time from this (non-tick) thread, waiting on an event each."""
        done = threading.Event()
        errors: list[int] = []

        def callback(_res: object, err: int) -> None:
            if err != _SUCCESS:
                errors.append(err)
            done.set()

        while True:
            done.clear()
            t0 = time.perf_counter_ns()
            self.obj.write(self.value, callback=callback)
            if not done.wait(30.0):
                self.errors += 1
                return
            now = time.perf_counter_ns()
            if errors:
                self.errors += len(errors)
                errors.clear()
            elif self.window_start <= now < self.window_end:
                self.hist.record(now - t0)
                self.completed += 1
            if now >= self.window_end:
                return

    def _issue(self) -> None:
        t0 = time.perf_counter_ns()
        self.obj.write(self.value, callback=lambda _res, err: self._done(t0, err))

    def _done(self, t0: int, err: int) -> None:
        now = time.perf_counter_ns()
        if err != _SUCCESS:
            self.errors += 1
        elif self.window_start <= now < self.window_end:
            self.hist.record(now - t0)
            self.completed += 1
        if now < self.window_end:
            self._issue()
            return
        with self.lock:
            self.in_flight -= 1
            if self.in_flight == 0:
                self.drained.set()


def _conf(spec: WorkerSpec) -> Any:
    if spec.mode == "latency":
        return SyncObjConf(appendEntriesUseBatch=False)
    return SyncObjConf()


def _wait_ready(obj: _Counter, spec: WorkerSpec, value: bytes) -> None:
    deadline = time.monotonic() + spec.ready_timeout
    while time.monotonic() < deadline:
        if obj.has_leader() and obj.isReady():
            try:
                obj.write(value, sync=True, timeout=2.0)
                return
            except Exception:  # no leader yet, timeout: PySyncObj raises its own kinds
                pass
        time.sleep(0.05)
    raise TimeoutError(f"pysyncobj node {spec.node_id} not ready in {spec.ready_timeout} s")


def _cpu_over(window_start: int, window_end: int) -> Callable[[float], float | None]:
    """Samples this process's CPU time (every thread) at ``window_start`` and
    ``window_end`` on a thread of its own, whatever the main thread does meanwhile;
    returns a function that waits (bounded) for the difference."""
    samples: list[float] = []

    def sample() -> None:
        for at in (window_start, window_end):
            time.sleep(max(0.0, (at - time.perf_counter_ns()) / 1e9))
            samples.append(time.process_time())

    thread = threading.Thread(target=sample, name="bench-cpu", daemon=True)
    thread.start()

    def result(timeout: float) -> float | None:
        thread.join(timeout)
        return samples[1] - samples[0] if len(samples) == 2 else None

    return result


def _run_phase(obj: _Counter, spec: WorkerSpec, value: bytes, cmd: RunCommand) -> PhaseResult:
    load_start, window_start, window_end = window_ns(cmd)
    load = _Load(obj, value, window_start, window_end)
    cpu = _cpu_over(window_start, window_end)
    time.sleep(max(0.0, (load_start - time.perf_counter_ns()) / 1e9))
    if cmd.concurrency == 1 and spec.peer_client == "thread":
        load.run_blocking()
    elif cmd.concurrency > 0:
        load.start(cmd.concurrency)
        time.sleep(max(0.0, (window_end - time.perf_counter_ns()) / 1e9))
        load.drained.wait(spec.submit_timeout)
    else:
        time.sleep(max(0.0, (window_end - time.perf_counter_ns()) / 1e9))
    # Callbacks that are still missing only decrement a counter of this phase's _Load.
    return PhaseResult(
        node_id=spec.node_id,
        concurrency=cmd.concurrency,
        completed=load.completed,
        errors=load.errors,
        window_s=cmd.duration,
        hist=load.hist.to_pairs(),
        stats={},
        loop=_LOOP,
        leader=obj.is_leader(),
        cpu_s=cpu(spec.submit_timeout),
    )


def serve(spec: WorkerSpec) -> None:
    """Host the node until the harness says exit (or goes away); then exit the process."""
    commands = CommandReader()
    members = dict(sorted(spec.members.items()))
    others = [addr for node_id, addr in members.items() if node_id != spec.node_id]
    obj = _Counter(members[spec.node_id], others, _conf(spec))
    value = bench_value(spec.value_size)
    code = 1
    try:
        _wait_ready(obj, spec, value)
        emit(Ready(node_id=spec.node_id, pid=os.getpid(), loop=_LOOP, leader=obj.is_leader()))
        while True:
            cmd = commands.get()
            if isinstance(cmd, ExitCommand):
                break
            emit(_run_phase(obj, spec, value, cmd))
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        obj.destroy()
        sys.stderr.flush()
        # PySyncObj's tick thread and sockets need no orderly teardown: leave at once.
        os._exit(code)
