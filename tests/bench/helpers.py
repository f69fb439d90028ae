"""Shared by the bench package's and ``rabia bench``'s tests: live worker processes, the
result check, the mark for runs that need pysyncobj, fixed results, and reading an SVG's
text back."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from xml.etree import ElementTree

import pytest

from rabia.bench.results import BenchResult

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


SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str) -> list[str]:
    """The text of every ``<text>`` element of an SVG document (or of the first inline
    ``<svg>`` of an HTML page), in document order."""
    start, end = svg.index("<svg"), svg.rindex("</svg>") + len("</svg>")
    root = ElementTree.fromstring(svg[start:end])
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


def svg_ids(svg: str) -> set[str]:
    """The ids of an SVG document's elements."""
    start, end = svg.index("<svg"), svg.rindex("</svg>") + len("</svg>")
    return {
        node.attrib["id"]
        for node in ElementTree.fromstring(svg[start:end]).iter()
        if "id" in node.attrib
    }


def result(system: str, concurrency: int, writes_s: float, p50: float, p99: float) -> BenchResult:
    """Fixed figures of one throughput run (p99.9 = 1.5 x p99, mean = 1.1 x p50)."""
    return BenchResult(
        system=system,
        mode="throughput",
        nodes=3,
        concurrency=concurrency,
        duration_s=10.0,
        completed=int(writes_s * 10),
        errors=0,
        throughput_ops=writes_s,
        p50_ms=p50,
        p99_ms=p99,
        p999_ms=p99 * 1.5,
        mean_ms=p50 * 1.1,
        fast_path_ratio=None,
        null_ratio=None,
        loop="uvloop",
    )
