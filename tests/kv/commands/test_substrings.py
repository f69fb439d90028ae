"""GETRANGE, SUBSTR, SETRANGE and LCS applied by the machine, with Redis's replies."""

from __future__ import annotations

from rabia.kv import KVMachine
from tests.kv.commands.fake_values import FakeList, put
from tests.kv.conftest import Driver

NOT_INT = b"-ERR value is not an integer or out of range\r\n"
EMPTY = b"$0\r\n\r\n"


def test_getrange(r: Driver) -> None:
    r("SET", "k", "This is a string")
    assert r("GETRANGE", "k", "0", "3") == b"$4\r\nThis\r\n"
    assert r("GETRANGE", "k", "-3", "-1") == b"$3\r\ning\r\n"
    assert r("GETRANGE", "k", "0", "-1") == b"$16\r\nThis is a string\r\n"
    assert r("SUBSTR", "k", "10", "100") == b"$6\r\nstring\r\n"
    assert r("GETRANGE", "k", "-1", "-5") == EMPTY
    assert r("GETRANGE", "k", "5", "3") == EMPTY
    assert r("GETRANGE", "k", "-100", "0") == b"$1\r\nT\r\n"
    assert r("GETRANGE", "none", "0", "1") == EMPTY
    assert r("GETRANGE", "none", "x", "1") == NOT_INT
    r("SET", "e", "")
    assert r("GETRANGE", "e", "0", "-1") == EMPTY


def test_setrange(r: Driver) -> None:
    assert r("SETRANGE", "k", "5", "") == b":0\r\n"
    assert r("EXISTS", "k") == b":0\r\n"  # nothing to write: no key
    assert r("SETRANGE", "k", "3", "ab") == b":5\r\n"
    assert r("GET", "k") == b"$5\r\n\x00\x00\x00ab\r\n"
    assert r("SETRANGE", "k", "0", "xyz") == b":5\r\n"
    assert r("GET", "k") == b"$5\r\nxyzab\r\n"
    assert r("SETRANGE", "k", "1", "") == b":5\r\n"
    assert r("SETRANGE", "k", "-1", "x") == b"-ERR offset is out of range\r\n"
    assert r("SETRANGE", "k", "x", "x") == NOT_INT
    put(r, "l", FakeList([b"a"]))
    assert r("SETRANGE", "l", "0", "x").startswith(b"-WRONGTYPE")
    small = Driver(KVMachine(max_value_size=8))
    assert small("SETRANGE", "k", "7", "ab") == (
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    )
    assert small("SETRANGE", "k", "6", "ab") == b":8\r\n"


def test_lcs(r: Driver) -> None:
    r("MSET", "a", "ohmytext", "b", "mynewtext")
    assert r("LCS", "a", "b") == b"$6\r\nmytext\r\n"
    assert r("LCS", "a", "b", "LEN") == b":6\r\n"
    assert r("LCS", "a", "b", "IDX") == (
        b"*4\r\n$7\r\nmatches\r\n*2\r\n"
        b"*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
        b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
        b"$3\r\nlen\r\n:6\r\n"
    )
    assert r("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == (
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
        b"$3\r\nlen\r\n:6\r\n"
    )
    assert r("LCS", "a", "none") == EMPTY
    assert r("LCS", "a", "b", "LEN", "IDX") == (
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
    )
    assert r("LCS", "a", "b", "MINMATCHLEN", "x") == NOT_INT
    assert r("LCS", "a", "b", "FOO") == b"-ERR syntax error\r\n"
    put(r, "l", FakeList([b"a"]))
    assert r("LCS", "a", "l") == b"-ERR The specified keys must contain string values\r\n"


def test_lcs_is_bounded(r: Driver) -> None:
    r("MSET", "a", "x" * 5000, "b", "y" * 5000)
    assert r("LCS", "a", "b").startswith(b"-ERR LCS input too large")
    r("SET", "b", "y" * 3000)
    assert r("LCS", "a", "b", "LEN") == b":0\r\n"
