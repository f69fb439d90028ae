"""SCAN cursors as Redis reads them, SCAN options, the draws of the random commands."""

from __future__ import annotations

from random import Random

from rabia.kv.commands.elements import (
    ERR_COUNT_RANGE,
    ScanOptions,
    draw,
    element_at,
    parse_count,
    parse_cursor,
    parse_scan_options,
    scan_table,
)
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX
from rabia.kv.values.packed import Table


def test_cursors_read_as_strtoul() -> None:
    assert parse_cursor(b"") == 0 and parse_cursor(b"007") == 7 and parse_cursor(b"+5") == 5
    assert parse_cursor(b"-1") == (1 << 64) - 1
    assert parse_cursor(b"18446744073709551615") == (1 << 64) - 1
    for bad in (b"18446744073709551616", b" 1", b"x", b"1x", b"-", b"1" * 30):
        assert parse_cursor(bad) is None


def test_options() -> None:
    head = [b"HSCAN", b"k", b"0"]
    options = parse_scan_options([*head, b"count", b"5", b"MATCH", b"a*"], novalues=False)
    assert isinstance(options, ScanOptions) and options.batch == 5
    assert options.match is not None and options.match(b"ab") and not options.match(b"b")
    assert parse_scan_options([*head, b"NOVALUES"], novalues=True) == ScanOptions(10, None, True)
    assert parse_scan_options([*head, b"NOVALUES"], novalues=False) == ERR_SYNTAX
    assert parse_scan_options([*head, b"COUNT", b"x"], novalues=False) == ERR_NOT_INT
    assert parse_scan_options([*head, b"COUNT"], novalues=False) == ERR_SYNTAX


def test_scan_table_visits_everything_once_in_crc_order() -> None:
    table = Table({b"e%d" % i: b"" for i in range(100)})
    seen: list[bytes] = []
    cursor = 0
    while True:
        cursor, batch = scan_table(table, cursor, 7)
        seen += batch
        if cursor == 0:
            break
    assert sorted(seen) == sorted(table)
    assert element_at(table, 5) == b"e5"


def test_draws() -> None:
    rng = Random(1)
    assert draw(rng, [1, 2, 3], 5) == [1, 2, 3]
    assert len(set(draw(rng, list(range(10)), 4))) == 4
    assert len(draw(rng, [1, 2], -5)) == 5
    assert parse_count(b"-9223372036854775807") == -9223372036854775807
    assert parse_count(b"-9223372036854775808") == ERR_COUNT_RANGE
