"""``rabia bench``: its options, and the JSON line of short runs of real worker processes
on loopback (structure only, never speed), with no worker left behind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from rabia.cli import main
from tests.bench.helpers import check_result, needs_pysyncobj, worker_children


@pytest.fixture(autouse=True)
def no_orphans() -> None:
    assert worker_children() == []
    yield
    assert worker_children() == [], "bench workers outlived the run"


def _bench_json(*options: str) -> dict[str, Any]:
    """``rabia bench OPTIONS`` for a short, light run; its last line as JSON."""
    short = ["--duration", "0.6", "--warmup", "0.3", "--concurrency", "20", "--json"]
    result = CliRunner().invoke(main, ["bench", *options, *short])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return doc


@needs_pysyncobj
def test_cli_pysyncobj_json_last_line() -> None:
    doc = _bench_json("--system", "pysyncobj")
    check_result(doc, 3)
    assert doc["system"] == "pysyncobj"
    assert doc["fast_path_ratio"] is None


def test_cli_rejects_same_peer() -> None:
    result = CliRunner().invoke(main, ["bench", "--system", "pysyncobj", "--vs", "pysyncobj"])
    assert result.exit_code != 0
    assert "--vs" in result.output


@needs_pysyncobj
def test_cli_rabia_vs_pysyncobj_json() -> None:
    doc = _bench_json("--vs", "pysyncobj")
    check_result(doc, 3)
    assert doc["system"] == "rabia"
    assert 0.0 <= doc["fast_path_ratio"] <= 1.0
    assert 0.0 <= doc["null_ratio"] <= 1.0
    peer = doc["peer"]
    assert peer["name"] == "pysyncobj"
    assert peer["throughput_ops"] > 0 and peer["p50_ms"] > 0
    assert doc["ratio"] == pytest.approx(doc["throughput_ops"] / peer["throughput_ops"], rel=0.01)
