"""The charts of ``rabia bench`` built from fixed figures: the series, labels and values
read back from the SVG's text, and the HTML page's table."""

from __future__ import annotations

from pathlib import Path

import pytest

from rabia.bench.plots import plot_run, plot_sweep, slug
from rabia.bench.plotting import Caption
from tests.bench.helpers import result, svg_ids, svg_texts

CAPTION = Caption(
    command="rabia bench --sweep 100,1000,5000 --vs pysyncobj",
    machine="2 CPUs, Linux x86_64",
    date="2026-01-02 03:04 UTC",
)
SERIES = {
    "rabia": [
        result("rabia", 100, 120_000, 2.1, 9.0),
        result("rabia", 1000, 183_600, 15.0, 40.0),
        result("rabia", 5000, 171_800, 88.0, 200.0),
    ],
    "pysyncobj": [
        result("pysyncobj", 100, 3_000, 100.0, 140.0),
        result("pysyncobj", 1000, 12_700, 142.0, 180.0),
        result("pysyncobj", 5000, 45_600, 146.0, 300.0),
    ],
}


def test_helpers() -> None:
    assert slug("rabia (always)") == "rabia-always"


def test_sweep_svg_has_a_curve_per_system_and_percentile(tmp_path: Path) -> None:
    path = tmp_path / "sweep.svg"
    plot_sweep(SERIES, CAPTION, path)
    svg = path.read_text()
    texts = svg_texts(svg)
    for label in ("rabia p50", "rabia p99", "pysyncobj p50", "pysyncobj p99"):
        assert label in texts
    assert {"rabia-p50", "rabia-p99", "pysyncobj-p50", "pysyncobj-p99"} <= svg_ids(svg)
    assert "throughput (writes/s, all nodes)" in texts
    assert "latency (ms, log scale)" in texts
    assert CAPTION.command in texts
    assert "2 CPUs, Linux x86_64, 2026-01-02 03:04 UTC" in texts
    # every point is labelled with its writes in flight, once per system
    assert sorted(t for t in texts if t in ("100", "1,000", "5,000")).count("5,000") == 2


def test_sweep_html_has_the_table(tmp_path: Path) -> None:
    path = tmp_path / "sweep.html"
    plot_sweep(SERIES, CAPTION, path)
    page = path.read_text()
    assert "rabia p50" in svg_texts(page)
    row = "<tr><td>1,000</td><td>183,600</td><td>15</td><td>40</td>"
    assert row + "<td>12,700</td><td>142</td><td>180</td><td>14.5x</td></tr>" in page
    assert "<td>5,000</td><td>171,800</td>" in page


def test_sweep_refuses_an_empty_series(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        plot_sweep({"rabia": []}, CAPTION, tmp_path / "x.svg")
    with pytest.raises(ValueError):
        plot_sweep({}, CAPTION, tmp_path / "x.svg")


def test_run_svg_has_bars_values_and_the_ratio(tmp_path: Path) -> None:
    path = tmp_path / "run.svg"
    plot_run([SERIES["rabia"][1], SERIES["pysyncobj"][1]], CAPTION, path)
    texts = svg_texts(path.read_text())
    assert {"183,600", "12,700"} <= set(texts)  # throughput bars
    assert {"15", "40", "60", "142", "180", "270"} <= set(texts)  # p50, p99, p99.9 bars
    assert {"p50", "p99", "p99.9", "rabia", "pysyncobj"} <= set(texts)
    assert any("rabia / pysyncobj = 14.5x" in t for t in texts)
    assert CAPTION.command in texts


def test_run_of_one_system_has_no_ratio(tmp_path: Path) -> None:
    path = tmp_path / "run.html"
    plot_run([SERIES["rabia"][0]], CAPTION, path)
    page = path.read_text()
    assert "120,000" in svg_texts(page)
    assert " / " not in "".join(svg_texts(page))
    assert "<td>rabia</td><td>120,000</td>" in page
    with pytest.raises(ValueError):
        plot_run([], CAPTION, path)
