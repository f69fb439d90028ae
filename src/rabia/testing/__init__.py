"""Deterministic simulation testing for rabia: seeded clusters, faults and safety checks.

Everything here is driven by one integer seed, runs in virtual time and replays byte
for byte, so a failure found by a sweep is a reproducible test case::

    from rabia.testing import run_seed, run_many

    result = run_seed(1234, nodes=3, ops=60, faults="swarm")
    assert result.ok, (result.violations, result.replay_command)

    failing = [r for r in run_many(range(100), nodes=5) if not r.ok]

The same runs are available from the shell::

    rabia sim --nodes 3 --seeds 300            # a sweep, with a summary
    rabia sim --nodes 3 --seed 1234 --ops 60   # one run, in detail

The pieces can be used on their own: :class:`Network` (seeded loss, duplication,
reordering and partitions), :class:`MemoryStorage` (a record log whose unsynced tail a
crash loses), :class:`SafetyMonitor` (online invariant checks you can feed from your
own driver loop) and the closed-loop :class:`Client` workload. ``docs/simulator.md``
describes the run shape, the fault model and every check.
"""

from rabia.testing.faults import FaultPlan, plan_faults
from rabia.testing.invariants import SafetyMonitor
from rabia.testing.network import PARTITION_KINDS, Network, PartitionKind, partition_links
from rabia.testing.sim import UNSAFE_NAMES, Cluster, SimResult, replay_command, run_many, run_seed
from rabia.testing.storage import SYNC_MODES, MemoryStorage, SyncMode
from rabia.testing.workload import AppendMachine, Client, append_op, make_clients

__all__ = [
    "PARTITION_KINDS",
    "SYNC_MODES",
    "UNSAFE_NAMES",
    "AppendMachine",
    "Client",
    "Cluster",
    "FaultPlan",
    "MemoryStorage",
    "Network",
    "PartitionKind",
    "SafetyMonitor",
    "SimResult",
    "SyncMode",
    "append_op",
    "make_clients",
    "partition_links",
    "plan_faults",
    "replay_command",
    "run_many",
    "run_seed",
]
