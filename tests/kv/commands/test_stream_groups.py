"""XGROUP, XACK, XPENDING: subcommands as a container command, idle times of log time."""

from __future__ import annotations

import pytest

from tests.kv.conftest import Driver
from tests.kv.replies import p


@pytest.fixture
def g(r: Driver) -> Driver:
    """A stream with entries 1..4 and a group g whose consumer c has 1..3 pending."""
    for ms in range(1, 5):
        r("XADD", "s", str(ms), "f", str(ms))
    r("XGROUP", "CREATE", "s", "g", "0")
    r("XREADGROUP", "GROUP", "g", "c", "COUNT", "3", "STREAMS", "s", ">")
    return r


def test_subcommands_answer_like_a_container_command(r: Driver) -> None:
    assert r("XGROUP", "nosuch", "s") == b"-ERR unknown subcommand 'nosuch'. Try XGROUP HELP.\r\n"
    assert r("XGROUP", "create", "s", "g") == (
        b"-ERR wrong number of arguments for 'xgroup|create' command\r\n"
    )
    assert r("XGROUP", "Destroy", "s", "g", "x") == (
        b"-ERR wrong number of arguments for 'xgroup|destroy' command\r\n"
    )
    assert r("XGROUP", "SETID", "s", "g", "$", "MKSTREAM").startswith(b"-ERR unknown subcommand")
    help_ = p(r, "XGROUP", "HELP")
    assert isinstance(help_, list) and help_[0].startswith(b"XGROUP <subcommand>")  # type: ignore[union-attr]
    assert r("XGROUP", "DESTROY", "s", "g").startswith(b"-ERR The XGROUP subcommand requires")


def test_create_setid_destroy(r: Driver) -> None:
    assert r("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM", "ENTRIESREAD", "3") == b"+OK\r\n"
    assert r("XGROUP", "CREATE", "s", "g", "$") == (
        b"-BUSYGROUP Consumer Group name already exists\r\n"
    )
    assert r("XGROUP", "SETID", "s", "nog", "0") == (
        b"-NOGROUP No such consumer group 'nog' for key name 's'\r\n"
    )
    r("XADD", "s", "5", "f", "v")
    assert r("XGROUP", "SETID", "s", "g", "$", "ENTRIESREAD", "1") == b"+OK\r\n"
    groups = p(r, "XINFO", "GROUPS", "s")
    assert groups == [
        [
            *(b"name", b"g", b"consumers", 0, b"pending", 0),
            *(b"last-delivered-id", b"5-0", b"entries-read", 1, b"lag", 0),
        ]
    ]
    assert p(r, "XGROUP", "DESTROY", "s", "g") == 1 and p(r, "XGROUP", "DESTROY", "s", "g") == 0


def test_consumers_come_and_go_with_their_pending_entries(g: Driver) -> None:
    assert p(g, "XGROUP", "CREATECONSUMER", "s", "g", "c") == 0
    assert p(g, "XGROUP", "CREATECONSUMER", "s", "g", "d") == 1
    assert p(g, "XPENDING", "s", "g") == [3, b"1-0", b"3-0", [[b"c", b"3"]]]
    assert p(g, "XGROUP", "DELCONSUMER", "s", "g", "c") == 3
    assert p(g, "XPENDING", "s", "g") == [0, None, None, None]
    assert p(g, "XGROUP", "DELCONSUMER", "s", "g", "c") == 0


def test_xack_is_all_or_nothing_on_bad_ids(g: Driver) -> None:
    assert g("XACK", "s", "g", "1", "nope") == (
        b"-ERR Invalid stream ID specified as stream command argument\r\n"
    )
    assert p(g, "XACK", "s", "g", "1", "1", "4", "9") == 1
    assert p(g, "XACK", "s", "nog", "nope") == 0  # no group: nothing to parse
    assert p(g, "XPENDING", "s", "g", "-", "+", "10") == [
        [b"2-0", b"c", 0, 1],
        [b"3-0", b"c", 0, 1],
    ]


def test_xpending_idle_is_log_time(g: Driver) -> None:
    g.now += 7_000_000
    g("XREADGROUP", "GROUP", "g", "d", "STREAMS", "s", ">")
    g.now += 3_000
    assert p(g, "XPENDING", "s", "g", "IDLE", "5000", "-", "+", "10") == [
        [b"1-0", b"c", 7003, 1],
        [b"2-0", b"c", 7003, 1],
        [b"3-0", b"c", 7003, 1],
    ]
    assert p(g, "XPENDING", "s", "g", "(1", "+", "2", "d") == [[b"4-0", b"d", 3, 1]]
    assert p(g, "XPENDING", "s", "g", "-", "+", "1", "nobody") == []
    assert g("XPENDING", "s", "g", "-", "+") == b"-ERR syntax error\r\n"
    assert g("XPENDING", "s", "nog").startswith(b"-NOGROUP No such key 's' or consumer group")
