"""What the harness and its worker processes say to each other: one JSON object per line.

The harness starts a worker with a :class:`WorkerSpec` (JSON, as the only argument),
then talks over the worker's stdin (:class:`RunCommand`, :class:`ExitCommand`) and
reads its stdout (:class:`Ready`, :class:`PhaseResult`). A worker whose stdin closes
(the harness died) exits at once, so no worker outlives its harness for long.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from typing import Literal

import msgspec

Mode = Literal["throughput", "latency"]
System = Literal["rabia", "pysyncobj"]
PeerClient = Literal["callback", "thread"]
Op = Literal["write", "barrier-read", "log-read"]
"""What the load does: writes, reads through the read barrier (``Node.read``, ADR 0017)
or reads through the log (a command the machine answers without changing)."""
Api = Literal["raw", "objects"]
"""How rabia's load writes: ``node.submit(bytes)`` to a raw ``StateMachine``, or
``await counter.add(1)`` on a ``local()`` proxy of a replicated object (``ReplCounter``)."""


class WorkerSpec(msgspec.Struct, frozen=True):
    """Everything a worker needs to host one node of the system under test."""

    system: System
    node_id: int
    members: dict[int, str]
    """node id -> "host:port" for every member, this node included."""
    mode: Mode
    value_size: int = 10
    ready_timeout: float = 30.0
    submit_timeout: float = 10.0
    cluster_id: str = "bench"
    use_uvloop: bool = True
    peer_client: PeerClient = "callback"
    """PySyncObj only: how a one-at-a-time client waits (see ``rabia.bench.pysyncobj_worker``)."""
    data_dir: str | None = None
    """rabia only: keep the node's records here (None: in memory)."""
    durability: str = "always"
    """rabia only, with ``data_dir``: always, batch or off."""
    op: Op = "write"
    """rabia only: what the load does."""
    api: Api = "raw"
    """rabia only: the raw StateMachine path or a replicated object's command."""


class RunCommand(msgspec.Struct, frozen=True, tag="run"):
    """Run a closed-loop load: warm up from ``start_at``, then measure ``duration`` s."""

    start_at: float
    """Wall-clock (``time.time()``) instant the load starts, the same for every worker."""
    warmup: float
    duration: float
    concurrency: int
    """Operations kept in flight by this worker; 0 keeps it idle (it still serves its
    peers)."""


class ExitCommand(msgspec.Struct, frozen=True, tag="exit"):
    """Stop the node and exit."""


class Ready(msgspec.Struct, frozen=True, tag="ready"):
    """The node is up and a probe write went through the cluster."""

    node_id: int
    pid: int
    loop: str
    leader: bool | None = None


class PhaseResult(msgspec.Struct, frozen=True, tag="result"):
    """What one worker measured during one :class:`RunCommand`."""

    node_id: int
    concurrency: int
    completed: int
    """Writes that completed inside the measured window."""
    errors: int
    window_s: float
    hist: list[list[int]]
    """Latency histogram of the completed writes, in ns, as ``[bucket, count]`` pairs."""
    stats: dict[str, int]
    """Counters of the node that advanced during the window (e.g. ``slots_decided``)."""
    loop: str
    leader: bool | None = None
    cpu_s: float | None = None
    """CPU seconds this process (every thread) used over the measured window."""


Command = RunCommand | ExitCommand
Report = Ready | PhaseResult

_command_decoder: msgspec.json.Decoder[Command] = msgspec.json.Decoder(Command)
_report_decoder: msgspec.json.Decoder[Report] = msgspec.json.Decoder(Report)
_encoder = msgspec.json.Encoder()


def encode(message: Command | Report | WorkerSpec) -> bytes:
    """One message as a JSON line (with its trailing newline)."""
    return _encoder.encode(message) + b"\n"


def decode_report(line: bytes) -> Report:
    """Parse a line a worker printed."""
    return _report_decoder.decode(line)


def decode_spec(text: str) -> WorkerSpec:
    """Parse the worker's command-line argument."""
    return msgspec.json.decode(text.encode(), type=WorkerSpec)


def emit(report: Report) -> None:
    """Print one report line on stdout (the only thing a worker prints there)."""
    sys.stdout.buffer.write(encode(report))
    sys.stdout.buffer.flush()


class CommandReader:
    """Reads commands from stdin on a daemon thread; exits the process on EOF."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Command] = queue.Queue()
        threading.Thread(target=self._run, name="bench-stdin", daemon=True).start()

    def _run(self) -> None:
        for line in sys.stdin.buffer:
            if line.strip():
                self._queue.put(_command_decoder.decode(line))
        os._exit(0)  # the harness is gone: nobody will read our results

    def get(self) -> Command:
        """Block until the next command."""
        return self._queue.get()


def window_ns(command: RunCommand) -> tuple[int, int, int]:
    """``(load_start, window_start, window_end)`` on this process's ``perf_counter_ns``."""
    load_start = time.perf_counter_ns() + int((command.start_at - time.time()) * 1e9)
    window_start = load_start + int(command.warmup * 1e9)
    return load_start, window_start, window_start + int(command.duration * 1e9)


def bench_value(size: int) -> bytes:
    """The value every benchmark write carries."""
    return (b"0123456789" * (size // 10 + 1))[:size]
