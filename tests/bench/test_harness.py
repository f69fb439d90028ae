"""Short smoke runs of the harness (``run_bench``, and through ``rabia bench``): real
worker processes on loopback.

They check structure and positivity only, never speed, and that no worker survives.
The command-line runs are here because they drive the harness end to end.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from rabia.bench import BenchConfig, BenchError, run_bench
from rabia.cli import main

HAS_PYSYNCOBJ = importlib.util.find_spec("pysyncobj") is not None
needs_pysyncobj = pytest.mark.skipif(
    not HAS_PYSYNCOBJ, reason="pysyncobj not installed (pip install 'rabia[bench]')"
)
SHORT = {"duration": 0.6, "warmup": 0.3, "ready_timeout": 20.0}


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


@pytest.fixture(autouse=True)
def no_orphans() -> None:
    assert worker_children() == []
    yield
    assert worker_children() == [], "bench workers outlived the run"


def check_result(doc: dict[str, object], nodes: int) -> None:
    for key in ("throughput_ops", "p50_ms", "p99_ms", "p999_ms", "per_node", "loop"):
        assert key in doc, key
    assert isinstance(doc["throughput_ops"], float) and doc["throughput_ops"] > 0
    assert isinstance(doc["p50_ms"], float) and doc["p50_ms"] > 0
    assert isinstance(doc["p99_ms"], float) and doc["p99_ms"] >= doc["p50_ms"]
    assert isinstance(doc["per_node"], list) and len(doc["per_node"]) == nodes


@needs_pysyncobj
def test_cli_pysyncobj_json_last_line() -> None:
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "--system",
            "pysyncobj",
            "--duration",
            "0.6",
            "--warmup",
            "0.3",
            "--concurrency",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output.strip().splitlines()[-1])
    check_result(doc, 3)
    assert doc["system"] == "pysyncobj"
    assert doc["fast_path_ratio"] is None


@needs_pysyncobj
def test_pysyncobj_latency_mode_reports_every_node() -> None:
    result = run_bench(BenchConfig(system="pysyncobj", mode="latency", **SHORT))
    check_result(result.to_json(), 3)
    assert result.concurrency == 1
    assert all(n.p50_ms > 0 and n.completed > 0 for n in result.per_node)
    assert sum(1 for n in result.per_node if n.leader) <= 1


def test_cli_rejects_same_peer() -> None:
    result = CliRunner().invoke(main, ["bench", "--system", "pysyncobj", "--vs", "pysyncobj"])
    assert result.exit_code != 0
    assert "--vs" in result.output


@needs_pysyncobj
def test_cli_rabia_vs_pysyncobj_json() -> None:
    result = CliRunner().invoke(
        main,
        [
            "bench",
            "--vs",
            "pysyncobj",
            "--duration",
            "0.6",
            "--warmup",
            "0.3",
            "--concurrency",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output.strip().splitlines()[-1])
    check_result(doc, 3)
    assert doc["system"] == "rabia"
    assert 0.0 <= doc["fast_path_ratio"] <= 1.0
    assert 0.0 <= doc["null_ratio"] <= 1.0
    peer = doc["peer"]
    assert peer["name"] == "pysyncobj"
    assert peer["throughput_ops"] > 0 and peer["p50_ms"] > 0
    assert doc["ratio"] == pytest.approx(doc["throughput_ops"] / peer["throughput_ops"], rel=0.01)


def test_rabia_latency_mode() -> None:
    result = run_bench(BenchConfig(system="rabia", mode="latency", **SHORT))
    check_result(result.to_json(), 3)
    assert result.errors == 0
    assert all(n.completed > 0 for n in result.per_node)


def test_failing_worker_is_reported_and_the_others_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rabia.bench.harness as harness

    real = harness.free_ports
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(harness, "free_ports", lambda n, host: [busy, *real(n - 1, host)])
        with pytest.raises(BenchError, match="node 0"):
            run_bench(BenchConfig(system="rabia", **SHORT))
