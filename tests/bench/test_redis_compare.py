"""redis-benchmark's CSV read back, and the rabia-vs-redis-server chart built from fixed
figures: bars, values and ratios read back from the SVG's text, the table in HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from rabia.bench.plotting import Caption
from rabia.bench.redis_compare import (
    CommandFigures,
    Comparison,
    comparison_table,
    has_latency,
    parse_csv,
    plot_comparison,
    short_name,
)
from tests.bench.helpers import svg_texts

CSV = (
    '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",'
    '"p99_latency_ms","max_latency_ms"\r\n'
    '"SET","377358.50","1.732","0.464","1.463","2.919","5.351","5.535"\r\n'
    '"LRANGE_100 (first 100 elements)","45000.00","","","","","",""\r\n'
)
CAPTION = Caption(command="benchmarks/redis_bench.py -P 16", machine="2 CPUs", date="today")
NAMES = ("rabia", "redis-server")
ROWS = [
    Comparison("SET", CommandFigures(51_059, 31.7, 65.3), CommandFigures(1_769_912, 1.5, 5.5)),
    Comparison("GET", CommandFigures(62_539, 26.2, 74.8), CommandFigures(2_150_538, 1.4, 8.4)),
]


def test_parse_csv() -> None:
    found = parse_csv(CSV)
    assert found["SET"] == CommandFigures(377_358.5, 1.463, 5.351)
    assert found["LRANGE_100 (first 100 elements)"] == CommandFigures(45_000.0)
    assert parse_csv(CSV.splitlines()[0]) == {}
    assert short_name("LRANGE_100 (first 100 elements)") == "LRANGE_100"


def test_table() -> None:
    table = comparison_table(ROWS, NAMES)
    assert table.headers[:4] == (
        "command",
        "rabia req/s",
        "redis-server req/s",
        "rabia / redis-server",
    )
    assert table.rows[0] == ("SET", "51,059", "1,769,912", "0.0288x", "31.7", "1.5", "65.3", "5.5")
    bare = comparison_table([Comparison("X", CommandFigures(1), CommandFigures(2))], NAMES)
    assert bare.rows[0][3:] == ("0.5x", "-", "-", "-", "-")


def test_svg_has_both_servers_values_and_ratios(tmp_path: Path) -> None:
    path = tmp_path / "redis.svg"
    plot_comparison(ROWS, CAPTION, path)
    texts = set(svg_texts(path.read_text()))
    assert {"rabia", "redis-server", "SET", "GET"} <= texts
    assert {"51,059", "1,769,912", "62,539", "2,150,538"} <= texts  # bar values
    assert {"0.0288x", "0.0291x"} <= texts  # the ratio under each command
    assert {"rabia p50", "rabia p99", "redis-server p50", "redis-server p99"} <= texts
    assert {"31.7", "65.3", "1.5", "8.4"} <= texts  # latency bar values
    assert {"requests per second", "latency (ms, log scale)", CAPTION.command} <= texts


def test_without_latency_only_throughput(tmp_path: Path) -> None:
    rows = [Comparison("SET", CommandFigures(10), CommandFigures(40, 1.0, 2.0))]
    assert not has_latency(rows) and has_latency(ROWS)
    path = tmp_path / "redis.html"
    plot_comparison(rows, CAPTION, path, names=("ours", "theirs"))
    page = path.read_text()
    texts = set(svg_texts(page))
    assert {"ours", "theirs", "0.25x"} <= texts
    assert "Latency percentiles" not in texts
    assert "<td>SET</td><td>10</td><td>40</td><td>0.25x</td>" in page
    with pytest.raises(ValueError):
        plot_comparison([], CAPTION, path)
