"""Shared by the harness's and ``rabia bench``'s tests: live worker processes, the result
check, and the mark for runs that need pysyncobj."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

HAS_PYSYNCOBJ = importlib.util.find_spec("pysyncobj") is not None
needs_pysyncobj = pytest.mark.skipif(
    not HAS_PYSYNCOBJ, reason="pysyncobj not installed (pip install 'rabia[bench]')"
)


def worker_children() -> list[int]:
    """Pids of live bench workers whose parent is this test process (Linux /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    found = []
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        if ppid == me and b"rabia.bench.worker" in cmdline:
            found.append(int(entry.name))
    return found


def check_result(doc: dict[str, object], nodes: int) -> None:
    for key in ("throughput_ops", "p50_ms", "p99_ms", "p999_ms", "per_node", "loop"):
        assert key in doc, key
    assert isinstance(doc["throughput_ops"], float) and doc["throughput_ops"] > 0
    assert isinstance(doc["p50_ms"], float) and doc["p50_ms"] > 0
    assert isinstance(doc["p99_ms"], float) and doc["p99_ms"] >= doc["p50_ms"]
    assert isinstance(doc["per_node"], list) and len(doc["per_node"]) == nodes
