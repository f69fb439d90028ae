"""XCLAIM and XAUTOCLAIM: idle times and delivery times in log time."""

from __future__ import annotations

import pytest

from tests.kv.conftest import Driver
from tests.kv.replies import p


@pytest.fixture
def g(r: Driver) -> Driver:
    """Entries 1..4 of s, all pending for consumer c of group g since the log time T."""
    for ms in range(1, 5):
        r("XADD", "s", str(ms), "f", str(ms))
    r("XGROUP", "CREATE", "s", "g", "0")
    r("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")
    return r


def pending(r: Driver) -> object:
    return p(r, "XPENDING", "s", "g", "-", "+", "10")


def test_xclaim_respects_min_idle_time_in_log_time(g: Driver) -> None:
    g.now += 4_000_000  # 4000 ms later
    assert p(g, "XCLAIM", "s", "g", "d", "4001", "1") == []
    assert p(g, "XCLAIM", "s", "g", "d", "4000", "1", "2", "JUSTID") == [b"1-0", b"2-0"]
    assert p(g, "XCLAIM", "s", "g", "e", "0", "3", "IDLE", "1500", "RETRYCOUNT", "7") == [
        [b"3-0", [b"f", b"3"]]
    ]
    g.now += 500
    assert pending(g) == [
        [b"1-0", b"d", 0, 1],  # JUSTID: the count stays
        [b"2-0", b"d", 0, 1],
        [b"3-0", b"e", 1500, 7],
        [b"4-0", b"c", 4000, 1],
    ]


def test_xclaim_time_force_and_deleted_entries(g: Driver) -> None:
    now_ms = g.now // 1000
    assert p(g, "XCLAIM", "s", "g", "d", "0", "1", "TIME", str(now_ms - 250)) == [
        [b"1-0", [b"f", b"1"]]
    ]
    g("XADD", "s", "5", "f", "5")
    g("XDEL", "s", "2")
    assert p(g, "XCLAIM", "s", "g", "d", "0", "2", "5", "9", "JUSTID") == []  # 5 not pending
    assert p(g, "XCLAIM", "s", "g", "d", "0", "5", "9", "FORCE") == [[b"5-0", [b"f", b"5"]]]
    assert pending(g) == [
        [b"1-0", b"d", 250, 2],
        [b"3-0", b"c", 0, 1],  # 2-0 was deleted: dropped from the PEL
        [b"4-0", b"c", 0, 1],
        [b"5-0", b"d", 0, 2],  # FORCE: created, then counted as delivered again
    ]
    assert g("XCLAIM", "s", "g", "d", "0", "1", "BOGUS") == (
        b"-ERR Unrecognized XCLAIM option 'BOGUS'\r\n"
    )
    assert g("XCLAIM", "s", "g", "d", "x", "1") == (
        b"-ERR Invalid min-idle-time argument for XCLAIM\r\n"
    )


def test_xclaim_lastid_moves_the_group_forward_only(g: Driver) -> None:
    g("XCLAIM", "s", "g", "d", "0", "1", "LASTID", "9")
    g("XCLAIM", "s", "g", "d", "0", "1", "LASTID", "2")
    groups = p(g, "XINFO", "GROUPS", "s")
    assert isinstance(groups, list) and isinstance(groups[0], list)
    assert groups[0][7] == b"9-0"


def test_xautoclaim_pages_with_a_cursor_and_reports_deleted_ids(g: Driver) -> None:
    g("XDEL", "s", "2")
    g.now += 1_000_000
    assert p(g, "XAUTOCLAIM", "s", "g", "d", "1000", "0", "COUNT", "2") == [
        b"3-0",
        [[b"1-0", [b"f", b"1"]]],
        [b"2-0"],
    ]
    assert p(g, "XAUTOCLAIM", "s", "g", "d", "1000", "3", "COUNT", "2", "JUSTID") == [
        b"0-0",
        [b"3-0", b"4-0"],
        [],
    ]
    assert p(g, "XAUTOCLAIM", "s", "g", "e", "1", "0") == [b"0-0", [], []]  # just claimed
    assert g("XAUTOCLAIM", "s", "g", "e", "0", "0", "COUNT", "0") == (b"-ERR COUNT must be > 0\r\n")
    assert pending(g) == [[b"1-0", b"d", 0, 2], [b"3-0", b"d", 0, 1], [b"4-0", b"d", 0, 1]]
