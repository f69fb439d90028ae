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
