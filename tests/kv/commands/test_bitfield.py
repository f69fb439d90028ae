"""BITFIELD and BITFIELD_RO applied by the machine, with Redis's replies."""

from __future__ import annotations

from tests.kv.conftest import Driver
from tests.kv.replies import RespError, p

TYPE = (
    "Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)


def test_get_set_incrby(r: Driver) -> None:
    assert p(r, "BITFIELD", "k", "SET", "i8", "0", "100", "GET", "u4", "0") == [0, 6]
    assert p(r, "BITFIELD", "k", "INCRBY", "i8", "0", "27") == [127]
    assert p(r, "BITFIELD", "k", "INCRBY", "i8", "0", "1") == [-128]  # WRAP by default
    assert p(r, "BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000") == [-128]
    assert p(r, "BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "-1") == [None]
    assert p(r, "BITFIELD", "k", "SET", "u8", "#1", "255", "GET", "u16", "0") == [0, 0x80FF]
    assert p(r, "BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "8", "-1") == [255]
    assert p(r, "BITFIELD", "k", "GET", "u8", "8") == [255]
    assert p(r, "BITFIELD", "k", "SET", "u8", "8", "-1") == [255]  # WRAP: 255
    assert p(r, "BITFIELD", "k", "INCRBY", "u2", "100", "5") == [1]
    assert p(r, "BITFIELD", "k", "SET", "i64", "0", str(2**63 - 1)) == [-9151595917793558528]
    assert p(r, "BITFIELD", "k", "INCRBY", "i64", "0", "1") == [-(2**63)]
    assert p(r, "BITFIELD", "k", "GET", "i5", "1000") == [0]  # past the end: zeros
    assert p(r, "BITFIELD_RO", "k", "GET", "u63", "0") == [2**62]
    assert p(r, "BITFIELD", "k") == []
    assert p(r, "BITFIELD", "none", "GET", "u8", "0") == [0]
    assert r("EXISTS", "none") == b":0\r\n"  # reads create nothing


def test_a_failed_write_still_grows_the_string(r: Driver) -> None:
    assert p(r, "BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "20", "9") == [None]
    assert r("GET", "k") == b"$3\r\n\x00\x00\x00\r\n"


def errors(r: Driver, *args: str) -> str:
    try:
        p(r, *args)
    except RespError as exc:
        return str(exc)
    raise AssertionError("no error")


def test_errors(r: Driver) -> None:
    assert errors(r, "BITFIELD", "k", "GET", "u64", "0") == "ERR " + TYPE
    assert errors(r, "BITFIELD", "k", "GET", "x8", "0") == "ERR " + TYPE
    assert errors(r, "BITFIELD", "k", "GET", "i8", "-1") == (
        "ERR bit offset is not an integer or out of range"
    )
    assert errors(r, "BITFIELD", "k", "SET", "i8", "0") == "ERR syntax error"
    assert errors(r, "BITFIELD", "k", "SET", "i8", "0", "x") == (
        "ERR value is not an integer or out of range"
    )
    assert errors(r, "BITFIELD", "k", "OVERFLOW", "NO") == "ERR Invalid OVERFLOW type specified"
    assert errors(r, "BITFIELD", "k", "FOO") == "ERR syntax error"
    assert errors(r, "BITFIELD_RO", "k", "SET", "i8", "0", "1") == (
        "ERR BITFIELD_RO only supports the GET subcommand"
    )
    assert errors(r, "BITFIELD", "k", "GET", "i8", "0", "SET", "u1", "0", "x") == (
        "ERR value is not an integer or out of range"  # all parsed before any runs
    )
    assert r("EXISTS", "k") == b":0\r\n"
