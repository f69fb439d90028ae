"""Jepsen-style testing of real ``rabia node`` processes of the KV store.

A run starts n nodes (durable, ``--durability always``) with every directed peer link
behind its own proxy, loads them with clients that record a history, lets a nemesis
strike (kill -9, SIGSTOP, partitions, link delay and resets, clock jumps), heals, reads
everything at every node and checks the history::

    from rabia.testing.nemesis import RunConfig, run

    result = run(RunConfig(seed=7, nemesis="partition-one", workload="register"), path)
    assert result.ok, [check for check in result.checks if check.ok is False]

From the shell: ``rabia jepsen --runs 3 --duration 20``. ``docs/jepsen.md`` describes
the fault model, the workloads and every check.
"""

from rabia.testing.nemesis.catalog import WORKLOADS
from rabia.testing.nemesis.checks import Check
from rabia.testing.nemesis.cluster import NemesisCluster
from rabia.testing.nemesis.faults import NEMESES, Nemesis
from rabia.testing.nemesis.history import History, Op, read_jsonl
from rabia.testing.nemesis.linearizable import CheckerMissing, check_history
from rabia.testing.nemesis.runner import ROTATE, RunConfig, RunResult, execute, plan, run
from rabia.testing.nemesis.workloads import Workload

__all__ = [
    "NEMESES",
    "ROTATE",
    "WORKLOADS",
    "Check",
    "CheckerMissing",
    "History",
    "Nemesis",
    "NemesisCluster",
    "Op",
    "RunConfig",
    "RunResult",
    "Workload",
    "check_history",
    "execute",
    "plan",
    "read_jsonl",
    "run",
]
