"""``rabia bench``: its options, and the JSON line and plots of short runs of real worker
processes on loopback (structure only, never speed), with no worker left behind."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rabia.cli import main
from tests.bench.helpers import check_result, needs_pysyncobj, svg_texts, worker_children


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
def test_cli_rabia_vs_pysyncobj_json_and_plot(tmp_path: Path) -> None:
    plot = tmp_path / "run.svg"
    doc = _bench_json("--vs", "pysyncobj", "--plot", str(plot))
    check_result(doc, 3)
    assert doc["system"] == "rabia"
    assert 0.0 <= doc["fast_path_ratio"] <= 1.0
    assert 0.0 <= doc["null_ratio"] <= 1.0
    peer = doc["peer"]
    assert peer["name"] == "pysyncobj"
    assert peer["throughput_ops"] > 0 and peer["p50_ms"] > 0
    assert doc["ratio"] == pytest.approx(doc["throughput_ops"] / peer["throughput_ops"], rel=0.01)
    texts = svg_texts(plot.read_text())
    assert {"rabia", "pysyncobj", "p50", "p99", "p99.9"} <= set(texts)
    assert f"{doc['throughput_ops']:,.0f}" in texts
    assert "rabia bench --vs pysyncobj --duration 0.6 --warmup 0.3 --concurrency 20" in texts


@needs_pysyncobj
def test_cli_raw_beside_objects_beside_pysyncobj() -> None:
    doc = _bench_json("--api", "both", "--vs", "pysyncobj")
    runs = doc["runs"]
    assert [(r["system"], r["api"]) for r in runs] == [
        ("rabia (raw)", "raw"),
        ("rabia (objects)", "objects"),
        ("pysyncobj", None),
    ]
    for run in runs:
        check_result(run, 3)
        assert run["errors"] == 0 and run["cpu_us_per_op"] > 0
    assert (doc["system"], doc["peer"]["name"]) == ("rabia (raw)", "pysyncobj")
    assert list(doc["ratios"]) == [
        "rabia (objects) / rabia (raw)",
        "rabia (raw) / pysyncobj",
        "rabia (objects) / pysyncobj",
    ]
    raw, objects, _ = runs
    overhead = doc["ratios"]["rabia (objects) / rabia (raw)"]
    assert overhead["throughput"] == pytest.approx(
        objects["throughput_ops"] / raw["throughput_ops"], rel=0.01
    )
    assert overhead["p50"] == pytest.approx(objects["p50_ms"] / raw["p50_ms"], rel=0.01)
    assert overhead["cpu_per_op"] == pytest.approx(
        objects["cpu_us_per_op"] / raw["cpu_us_per_op"], rel=0.01
    )


def test_cli_objects_overhead_in_latency_mode_table() -> None:
    short = ["--duration", "0.6", "--warmup", "0.3"]
    result = CliRunner().invoke(main, ["bench", "--api", "both", "--mode", "latency", *short])
    assert result.exit_code == 0, result.output
    assert "rabia (objects) / rabia (raw)" in result.output
    assert "CPU per write, all nodes (µs)" in result.output
    assert "p50 at node 2 (ms)" in result.output


def test_cli_rounds_report_medians_and_each_rounds_ratios() -> None:
    short = ["--duration", "0.4", "--warmup", "0.2", "--concurrency", "20", "--rounds", "3"]
    result = CliRunner().invoke(main, ["bench", "--api", "both", *short, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output.strip().splitlines()[-1])
    raw_rounds, object_rounds = doc["rounds"]
    assert [r["api"] for r in raw_rounds] == ["raw"] * 3
    assert [r["api"] for r in object_rounds] == ["objects"] * 3
    rates = sorted(r["throughput_ops"] for r in raw_rounds)
    assert doc["throughput_ops"] == pytest.approx(rates[1], rel=0.001)
    assert doc["completed"] == sum(r["completed"] for r in raw_rounds)
    assert "median of 3 rounds" in result.output
    assert result.output.count("rabia (objects) / rabia (raw): throughput") == 1


def test_cli_barrier_reads_beside_log_reads() -> None:
    doc = _bench_json("--reads", "both", "--mode", "latency")
    check_result(doc, 3)
    assert (doc["system"], doc["op"], doc["errors"]) == ("rabia (barrier reads)", "barrier-read", 0)
    peer = doc["peer"]
    assert (peer["name"], peer["op"], peer["errors"]) == ("rabia (log reads)", "log-read", 0)
    assert peer["fast_path_ratio"] is not None, "log reads decide slots"


def test_cli_sweep_plot(tmp_path: Path) -> None:
    plot = tmp_path / "sweep.svg"
    short = ["--duration", "0.3", "--warmup", "0.1", "--json"]
    options = ["--sweep", "10,20", "--no-uvloop", "--plot", str(plot), *short]
    result = CliRunner().invoke(main, ["bench", *options])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output.strip().splitlines()[-1])
    assert doc["sweep"] == [10, 20] and doc["ratio"] == {}
    points = doc["series"]["rabia"]
    assert [p["concurrency"] for p in points] == [10, 20]
    for point in points:
        check_result(point, 3)
    texts = svg_texts(plot.read_text())
    assert {"rabia p50", "rabia p99", "10", "20"} <= set(texts)
    assert "rabia bench --sweep 10,20 --no-uvloop --duration 0.3 --warmup 0.1" in texts
    assert "latency (ms, log scale)" in texts


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--sweep", "10,10"], "given twice"),
        (["--sweep", "10,x"], "comma-separated"),
        (["--sweep", "10", "--mode", "latency"], "--mode throughput"),
        (["--plot", "x.png"], ".svg or .html"),
        (["--reads", "both", "--vs", "pysyncobj"], "--reads measures rabia"),
        (["--reads", "barrier", "--sweep", "10,20"], "no --sweep or --plot"),
        (["--api", "objects", "--system", "pysyncobj"], "--api picks how rabia writes"),
        (["--api", "both", "--reads", "barrier"], "--api picks how rabia writes"),
        (["--api", "both", "--vs-durability", "off"], "drop --vs-durability"),
        (["--rounds", "2", "--sweep", "10,20"], "drop --sweep"),
    ],
)
def test_cli_rejects_before_running(options: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["bench", *options])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_plot_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = CliRunner().invoke(main, ["bench", "--plot", "x.svg"])
    assert result.exit_code == 2
    assert "pip install 'rabia[plot]'" in result.output
