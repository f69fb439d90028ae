"""Number formats, ratios, and the tables of a run and of a sweep."""

from __future__ import annotations

import dataclasses

from rabia.bench.tables import comparison_table, millis, rate, ratio, run_table, sweep_table
from tests.bench.helpers import result


def test_number_formats() -> None:
    assert rate(183_612.4) == "183,612"
    assert [millis(v) for v in (0.3142, 15.04, 146.2, 1712.0)] == ["0.314", "15", "146", "1,712"]
    assert ratio(183_600, 12_700) == "14.5x"
    assert ratio(51_059, 1_769_912) == "0.0288x"
    assert ratio(1.0, 0.0) == "-"


def test_sweep_table_rows_per_level_with_ratio_and_gaps() -> None:
    series = {
        "rabia": [result("rabia", 1000, 183_600, 15, 40), result("rabia", 100, 120_000, 2, 9)],
        "pysyncobj": [result("pysyncobj", 1000, 12_700, 142, 180)],
    }
    table = sweep_table(series)
    assert table.headers == (
        "in flight/node",
        "rabia writes/s",
        "rabia p50 ms",
        "rabia p99 ms",
        "pysyncobj writes/s",
        "pysyncobj p50 ms",
        "pysyncobj p99 ms",
        "rabia / pysyncobj",
    )
    assert table.rows == (
        ("100", "120,000", "2", "9", "-", "-", "-", "-"),
        ("1,000", "183,600", "15", "40", "12,700", "142", "180", "14.5x"),
    )


def test_run_table_has_a_ratio_row_per_other_system() -> None:
    table = run_table(
        [result("rabia", 1000, 183_600, 15, 40), result("psync", 1000, 12_700, 150, 200)]
    )
    assert table.headers[:4] == ("system", "writes/s", "p50 ms", "p99 ms")
    assert table.rows[0] == ("rabia", "183,600", "15", "40", "60", "16.5", "1,000")
    assert table.rows[1][:2] == ("psync", "12,700")
    assert table.rows[2] == ("rabia / psync", "14.5x", "0.1x", "0.2x", "0.2x", "0.1x", "")
    assert len(run_table([result("rabia", 1, 10, 1, 2)]).rows) == 1


def test_comparison_table_has_a_column_per_system_and_per_ratio() -> None:
    raw = dataclasses.replace(result("rabia (raw)", 50, 40_000, 4, 6), cpu_us_per_op=20.0)
    objects = dataclasses.replace(result("rabia (objects)", 50, 30_000, 5, 9), cpu_us_per_op=25.0)
    peer = dataclasses.replace(result("pysyncobj", 50, 1_000, 100, 200), api=None)
    table = comparison_table([raw, objects, peer], [(1, 0), (0, 2)])
    assert table.headers == (
        "metric",
        "rabia (raw)",
        "rabia (objects)",
        "pysyncobj",
        "rabia (objects) / rabia (raw)",
        "rabia (raw) / pysyncobj",
    )
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["throughput (writes/s)"] == ("40,000", "30,000", "1,000", "0.75x", "40.00x")
    assert rows["p50 (ms)"] == ("4.000", "5.000", "100.000", "1.25x", "0.04x")
    assert rows["CPU per write, all nodes (µs)"] == ("20.0", "25.0", "-", "1.25x", "-")
    assert rows["failed writes"] == ("0", "0", "0", "", "")
    only = comparison_table([result("rabia", 1, 10, 1, 2)])
    assert only.headers == ("metric", "rabia")
    assert "CPU per write, all nodes (µs)" not in {row[0] for row in only.rows}
