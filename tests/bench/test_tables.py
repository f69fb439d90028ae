"""Number formats, ratios, and the tables of a run and of a sweep."""

from __future__ import annotations

from rabia.bench.tables import millis, rate, ratio, run_table, sweep_table
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
