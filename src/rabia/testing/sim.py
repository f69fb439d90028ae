"""A seeded discrete-event simulation of a Rabia cluster, checked online.

One integer seed drives everything: :func:`plan_faults` draws the fault schedule,
the :class:`~rabia.testing.network.Network` draws delays and losses, and
:func:`~rabia.testing.workload.make_clients` draws the clients, each from its own
``random.Random`` derived from the seed, so a run replays byte for byte. Time is
virtual (integer microseconds); events sit in a heap keyed by (time, insertion
order), and every live node ticks once per virtual millisecond.

A run has three parts:

1. **faults**: clients issue their operations while the planned faults (loss,
   duplication, jitter, partitions, crash-stop, crash-restart, pauses) strike;
2. **heal**: partitions and loss stop, crashed nodes restart, paused nodes resume;
   every client operation must then be acknowledged within ``ack_deadline_us``;
3. **quiescence**: ``quiet_us`` without new requests, after which every live replica
   must have decided the same slots, be idle, and hold the same applied log and state.

A :class:`~rabia.testing.invariants.SafetyMonitor` watches every Ready; the first
violation ends the run. See ``docs/simulator.md``.

This module runs seeds; :mod:`~rabia.testing.sim_cluster` plays one run,
:mod:`~rabia.testing.sim_injector` strikes its faults and
:mod:`~rabia.testing.sim_result` describes its outcome.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator

from rabia.core.config import UnsafeSwitches
from rabia.testing.sim_cluster import TICK_US, Cluster, draw_compaction
from rabia.testing.sim_result import UNSAFE_NAMES, SimResult, replay_command
from rabia.testing.storage import SyncMode


def run_seed(
    seed: int,
    nodes: int = 3,
    ops: int = 60,
    faults: str = "swarm",
    unsafe: UnsafeSwitches | None = None,
    durability: SyncMode | None = None,
) -> SimResult:
    """Run one seeded simulation and return its result (violations empty when safe).

    ``durability`` forces one storage mode on every run, with crash-restarts enabled.
    """
    started = time.process_time()
    result = Cluster(seed, nodes, ops, faults, unsafe, durability=durability).run()
    return dataclasses.replace(result, cpu_seconds=time.process_time() - started)


def run_many(
    seeds: Iterable[int],
    nodes: int = 3,
    ops: int = 60,
    faults: str = "swarm",
    unsafe: UnsafeSwitches | None = None,
    durability: SyncMode | None = None,
) -> Iterator[SimResult]:
    """Run several seeds one after another, yielding each result."""
    for seed in seeds:
        yield run_seed(seed, nodes, ops, faults, unsafe, durability)


__all__ = [
    "TICK_US",
    "UNSAFE_NAMES",
    "Cluster",
    "SimResult",
    "draw_compaction",
    "replay_command",
    "run_many",
    "run_seed",
]
