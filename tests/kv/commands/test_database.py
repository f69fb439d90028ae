"""Database commands (DBSIZE, FLUSHDB) applied by the machine."""

from __future__ import annotations

from tests.kv.conftest import Driver


def test_flushdb(r: Driver) -> None:
    r("MSET", "a", "1", "b", "2")
    assert r("FLUSHDB", "FOO") == b"-ERR syntax error\r\n"
    assert r("FLUSHDB", "ASYNC") == b"+OK\r\n"
    assert r("DBSIZE") == b":0\r\n"
    r("SET", "a", "1")
    assert r("FLUSHDB") == b"+OK\r\n"
    assert r("KEYS", "*") == b"*0\r\n"


def test_flushall_and_swapdb(r: Driver) -> None:
    r("MSET", "a", "1", "b", "2")
    assert r("FLUSHALL", "SYNC") == b"+OK\r\n"
    assert r("DBSIZE") == b":0\r\n"
    assert r("FLUSHALL", "NOW") == b"-ERR syntax error\r\n"
    assert r("SWAPDB", "0", "0") == b"+OK\r\n"
    assert r("SWAPDB", "0", "1") == b"-ERR DB index is out of range\r\n"
    assert r("SWAPDB", "x", "0") == b"-ERR invalid first DB index\r\n"
    assert r("SWAPDB", "0", str(2**31)) == b"-ERR invalid second DB index\r\n"
