"""Every workload by name (``rotate`` draws one per run)."""

from __future__ import annotations

from rabia.testing.nemesis.queue import Queue
from rabia.testing.nemesis.workloads import Append, Register, SetWorkload, Workload

WORKLOADS: dict[str, type[Workload]] = {w.name: w for w in (Register, SetWorkload, Append, Queue)}
"""Every workload by name."""
