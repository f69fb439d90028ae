"""Every workload by name (``rotate`` draws one per run)."""

from __future__ import annotations

from rabia.testing.nemesis.queue import Queue
from rabia.testing.nemesis.scripted import LuaRegister
from rabia.testing.nemesis.workloads import Append, Register, SetWorkload, Workload

_ALL: tuple[type[Workload], ...] = (Register, SetWorkload, Append, Queue, LuaRegister)
WORKLOADS: dict[str, type[Workload]] = {w.name: w for w in _ALL}
"""Every workload by name."""
