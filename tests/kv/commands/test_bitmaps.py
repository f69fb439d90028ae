"""SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP applied by the machine, with Redis's replies."""

from __future__ import annotations

from rabia.kv import KVMachine
from tests.kv.commands.fake_values import FakeList, put
from tests.kv.conftest import Driver

OFFSET = b"-ERR bit offset is not an integer or out of range\r\n"
BIT = b"-ERR bit is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"


def test_setbit_getbit(r: Driver) -> None:
    assert r("SETBIT", "k", "7", "1") == b":0\r\n"
    assert r("GET", "k") == b"$1\r\n\x01\r\n"
    assert r("SETBIT", "k", "7", "0") == b":1\r\n"
    assert r("SETBIT", "k", "17", "1") == b":0\r\n"
    assert r("GET", "k") == b"$3\r\n\x00\x00\x40\r\n"
    assert r("GETBIT", "k", "17") == b":1\r\n"
    assert r("GETBIT", "k", "1000") == b":0\r\n"
    assert r("GETBIT", "none", "0") == b":0\r\n"
    assert r("SETBIT", "k", "-1", "1") == OFFSET
    assert r("SETBIT", "k", "1", "2") == BIT
    assert r("SETBIT", "k", "1", "x") == BIT
    assert r("GETBIT", "k", "x") == OFFSET
    small = Driver(KVMachine(max_value_size=4))
    assert small("SETBIT", "k", "32", "1") == OFFSET  # byte 4 is past 4 bytes
    assert small("GETBIT", "k", "32") == OFFSET
    assert small("SETBIT", "k", "31", "1") == b":0\r\n"


def test_setbit_writes_only_on_change(r: Driver) -> None:
    r("SETBIT", "k", "3", "1")
    revision = r.m._context.keyspace.key_revision(b"k")
    r("SETBIT", "k", "3", "1")
    r("SETBIT", "k", "4", "0")
    assert r.m._context.keyspace.key_revision(b"k") == revision
    r("SETBIT", "k", "4", "1")
    assert r.m._context.keyspace.key_revision(b"k") > revision


def test_bitcount(r: Driver) -> None:
    r("SET", "k", "foobar")
    assert r("BITCOUNT", "k") == b":26\r\n"
    assert r("BITCOUNT", "k", "0", "0") == b":4\r\n"
    assert r("BITCOUNT", "k", "1", "1") == b":6\r\n"
    assert r("BITCOUNT", "k", "1", "1", "BYTE") == b":6\r\n"
    assert r("BITCOUNT", "k", "5", "30", "BIT") == b":17\r\n"
    assert r("BITCOUNT", "k", "-2", "-1") == b":7\r\n"
    assert r("BITCOUNT", "k", "-1", "-2", "FOO") == b":0\r\n"  # checked before the unit
    assert r("BITCOUNT", "k", "0") == SYNTAX
    assert r("BITCOUNT", "k", "0", "1", "BAR") == SYNTAX
    assert r("BITCOUNT", "none", "x") == b":0\r\n"  # no key: arguments not read


def test_bitpos(r: Driver) -> None:
    r("SET", "k", b"\xff\xf0\x00")
    assert r("BITPOS", "k", "0") == b":12\r\n"
    assert r("BITPOS", "k", "1", "2") == b":-1\r\n"
    assert r("BITPOS", "k", "1", "7", "15", "BIT") == b":7\r\n"
    r("SET", "k", b"\xff\xff")
    assert r("BITPOS", "k", "0") == b":16\r\n"  # zero bits follow the string
    assert r("BITPOS", "k", "0", "0", "-1") == b":-1\r\n"  # not with an explicit end
    assert r("BITPOS", "k", "0", "1") == b":16\r\n"
    assert r("BITPOS", "none", "0") == b":0\r\n"
    assert r("BITPOS", "none", "1") == b":-1\r\n"
    assert r("BITPOS", "k", "2") == b"-ERR The bit argument must be 1 or 0.\r\n"
    assert r("BITPOS", "k", "1", "0", "1", "BIT", "x") == SYNTAX
    r("SET", "e", "")
    assert r("BITPOS", "e", "0") == b":-1\r\n"


def test_bitop(r: Driver) -> None:
    r("MSET", "a", "foobar", "b", "abcdef")
    assert r("BITOP", "AND", "d", "a", "b") == b":6\r\n"
    assert r("GET", "d") == b"$6\r\n`bc`ab\r\n"
    assert r("BITOP", "OR", "d", "a", "none") == b":6\r\n"
    assert r("GET", "d") == b"$6\r\nfoobar\r\n"
    assert r("BITOP", "XOR", "d", "a", "a") == b":6\r\n"
    assert r("GET", "d") == b"$6\r\n" + bytes(6) + b"\r\n"
    assert r("BITOP", "NOT", "d", "a") == b":6\r\n"
    assert r("GET", "d") == b"$6\r\n" + bytes(255 - c for c in b"foobar") + b"\r\n"
    assert r("BITOP", "NOT", "d", "a", "b") == (
        b"-ERR BITOP NOT must be called with a single source key.\r\n"
    )
    assert r("BITOP", "NAND", "d", "a") == SYNTAX
    assert r("BITOP", "AND", "d", "none", "none2") == b":0\r\n"
    assert r("EXISTS", "d") == b":0\r\n"  # an empty result deletes
    put(r, "l", FakeList([b"a"]))
    assert r("BITOP", "OR", "d", "a", "l").startswith(b"-WRONGTYPE")
    assert r("BITOP", "OR", "l", "a") == b":6\r\n"  # the destination may hold any type
    assert r("GET", "l") == b"$6\r\nfoobar\r\n"
