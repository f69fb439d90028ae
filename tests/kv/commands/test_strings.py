"""String commands applied by the machine: replies, options, limits, as Redis gives them."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine
from tests.kv.commands.fake_values import FakeList, put
from tests.kv.conftest import SEC, Driver

NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"


def test_get_set_basics(r: Driver) -> None:
    assert r("GET", "k") == b"$-1\r\n"
    assert r("SET", "k", "foo") == b"+OK\r\n"
    assert r("get", "k") == b"$3\r\nfoo\r\n"
    assert r("SET", "k", "") == b"+OK\r\n"
    assert r("GET", "k") == b"$0\r\n\r\n"
    assert r("SET", "bin", b"\r\n\x00") == b"+OK\r\n"
    assert r("GET", "bin") == b"$3\r\n\r\n\x00\r\n"


def test_set_nx_xx_get(r: Driver) -> None:
    assert r("SET", "k", "1", "XX") == b"$-1\r\n"
    assert r("GET", "k") == b"$-1\r\n"
    assert r("SET", "k", "1", "NX") == b"+OK\r\n"
    assert r("SET", "k", "2", "nx") == b"$-1\r\n"
    assert r("SET", "k", "3", "XX") == b"+OK\r\n"
    assert r("SET", "k", "4", "GET") == b"$1\r\n3\r\n"
    assert r("SET", "k", "5", "NX", "GET") == b"$1\r\n4\r\n"
    assert r("GET", "k") == b"$1\r\n4\r\n"
    assert r("SET", "new", "v", "GET") == b"$-1\r\n"
    assert r("SET", "k", "6", "NX", "NX") == b"$-1\r\n"


@pytest.mark.parametrize(
    "opts",
    [
        ["NX", "XX"],
        ["XX", "NX"],
        ["EX", "10", "PX", "100"],
        ["EX", "10", "KEEPTTL"],
        ["KEEPTTL", "PX", "5"],
        ["EX"],
        ["FOO"],
        ["EXAT", "1", "PXAT", "1"],
    ],
)
def test_set_syntax_errors(r: Driver, opts: list[str]) -> None:
    assert r("SET", "k", "v", *opts) == SYNTAX
    assert r("EXISTS", "k") == b":0\r\n"


def test_set_expire_arguments(r: Driver) -> None:
    assert r("SET", "k", "v", "EX", "x") == NOT_INT
    assert r("SET", "k", "v", "EX", "0") == b"-ERR invalid expire time in 'set' command\r\n"
    assert r("SET", "k", "v", "PX", "-5") == b"-ERR invalid expire time in 'set' command\r\n"
    assert r("SET", "k", "v", "EX", str(2**62)) == b"-ERR invalid expire time in 'set' command\r\n"
    assert r("EXISTS", "k") == b":0\r\n"
    assert r("SET", "k", "v", "EX", "10", "EX", "20") == b"+OK\r\n"
    assert r("TTL", "k") == b":20\r\n"
    assert r("SET", "k", "v", "PX", "1500") == b"+OK\r\n"
    assert r("PTTL", "k") == b":1500\r\n"
    assert r("SET", "k", "v", "EXAT", str(r.now // SEC + 30)) == b"+OK\r\n"
    assert r("TTL", "k") == b":30\r\n"
    assert r("SET", "k", "v", "PXAT", str(r.now // 1000 + 700)) == b"+OK\r\n"
    assert r("PTTL", "k") == b":700\r\n"
    assert r("SET", "k", "v2", "KEEPTTL") == b"+OK\r\n"
    assert r("PTTL", "k") == b":700\r\n"
    assert r("SET", "k", "v3") == b"+OK\r\n"
    assert r("TTL", "k") == b":-1\r\n"
    assert r("SET", "k", "v", "EXAT", "1") == b"+OK\r\n"  # in the past: gone at once
    assert r("GET", "k") == b"$-1\r\n"


def test_incr_family(r: Driver) -> None:
    assert r("INCR", "n") == b":1\r\n"
    assert r("INCRBY", "n", "10") == b":11\r\n"
    assert r("DECR", "n") == b":10\r\n"
    assert r("DECRBY", "n", "-5") == b":15\r\n"
    assert r("GET", "n") == b"$2\r\n15\r\n"
    assert r("INCRBY", "n", "1.5") == NOT_INT
    assert r("INCRBY", "n", "+1") == NOT_INT
    assert r("DECRBY", "n", str(-(2**63))) == b"-ERR decrement would overflow\r\n"
    for bad in ["abc", " 1", "01", "-0", "", "1e3", str(2**63)]:
        r("SET", "s", bad)
        assert r("INCR", "s") == NOT_INT, bad
        assert r("GET", "s") == b"$%d\r\n%s\r\n" % (len(bad), bad.encode())
    r("SET", "big", str(2**63 - 1))
    assert r("INCR", "big") == b"-ERR increment or decrement would overflow\r\n"
    r("SET", "small", str(-(2**63)))
    assert r("DECR", "small") == b"-ERR increment or decrement would overflow\r\n"
    assert r("INCRBY", "small", "-1") == b"-ERR increment or decrement would overflow\r\n"
    r("SET", "t", "5", "EX", "100")
    assert r("INCR", "t") == b":6\r\n"
    assert r("TTL", "t") == b":100\r\n"  # INCR keeps the TTL


def test_append_strlen_getdel_mget_mset(r: Driver) -> None:
    assert r("APPEND", "a", "hello") == b":5\r\n"
    assert r("APPEND", "a", " world") == b":11\r\n"
    assert r("STRLEN", "a") == b":11\r\n"
    assert r("STRLEN", "none") == b":0\r\n"
    assert r("GETDEL", "a") == b"$11\r\nhello world\r\n"
    assert r("GETDEL", "a") == b"$-1\r\n"
    assert r("MSET", "x", "1", "y", "2", "x", "3") == b"+OK\r\n"
    assert r("MGET", "x", "nope", "y") == b"*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n2\r\n"
    r("SET", "t", "v", "EX", "5")
    r("MSET", "t", "w")
    assert r("TTL", "t") == b":-1\r\n"


def test_limits_change_nothing() -> None:
    r = Driver(KVMachine(max_key_size=4, max_value_size=8, max_keys=3))
    key_err = b"-ERR key exceeds maximum allowed size\r\n"
    val_err = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    full = b"-ERR max number of keys reached\r\n"
    assert r("SET", "kkkkk", "v") == key_err
    assert r("SET", "k", "v" * 9) == val_err
    assert r("INCR", "kkkkk") == key_err
    assert r("APPEND", "kkkkk", "v") == key_err
    assert r("MSET", "a", "1", "kkkkk", "2") == key_err
    assert r("MSET", "a", "1", "b", "v" * 9) == val_err
    assert r("DBSIZE") == b":0\r\n"
    assert r("MSET", "a", "1", "b", "2", "c", "3", "d", "4") == full
    assert r("DBSIZE") == b":0\r\n"
    assert r("MSET", "a", "1", "b", "2", "c", "12345678") == b"+OK\r\n"
    assert r("APPEND", "c", "9") == val_err
    assert r("GET", "c") == b"$8\r\n12345678\r\n"
    assert r("SET", "d", "4") == full
    assert r("INCR", "d") == full
    assert r("SET", "d", "4", "XX") == b"$-1\r\n"
    assert r("SET", "a", "x") == b"+OK\r\n"  # overwriting is fine when full
    r("SET", "a", "x", "PX", "1")
    r.now += 1000
    assert r("SET", "d", "4") == b"+OK\r\n"  # expired keys do not count


def test_mset_is_atomic_under_limits() -> None:
    r = Driver(KVMachine(max_keys=2))
    r("SET", "a", "0")
    assert r("MSET", "a", "1", "b", "2", "c", "3") == b"-ERR max number of keys reached\r\n"
    assert r("MGET", "a", "b") == b"*2\r\n$1\r\n0\r\n$-1\r\n"


WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"


def typed(r: Driver, key: str) -> None:
    """Give ``key`` a value of another type (as the type modules will)."""
    put(r, key, FakeList([b"x"]))


def test_setnx_setex_psetex_getset(r: Driver) -> None:
    assert r("SETNX", "k", "1") == b":1\r\n"
    assert r("SETNX", "k", "2") == b":0\r\n"
    assert r("GETSET", "k", "3") == b"$1\r\n1\r\n"
    assert r("GETSET", "new", "x") == b"$-1\r\n"
    assert r("SETEX", "e", "10", "v") == b"+OK\r\n"
    assert r("TTL", "e") == b":10\r\n"
    assert r("GETSET", "e", "w") == b"$1\r\nv\r\n"
    assert r("TTL", "e") == b":-1\r\n"  # GETSET clears the TTL
    assert r("PSETEX", "p", "1500", "v") == b"+OK\r\n"
    assert r("PTTL", "p") == b":1500\r\n"
    assert r("SETEX", "e", "0", "v") == b"-ERR invalid expire time in 'setex' command\r\n"
    assert r("PSETEX", "e", "-1", "v") == b"-ERR invalid expire time in 'psetex' command\r\n"
    assert r("SETEX", "e", "x", "v") == NOT_INT
    assert r("PSETEX", "e", str(2**63 - 1), "v") == (
        b"-ERR invalid expire time in 'psetex' command\r\n"
    )


def test_replacing_commands_overwrite_any_type_and_readers_refuse_it(r: Driver) -> None:
    for command in (["SET", "t", "v"], ["SETEX", "t", "5", "v"], ["MSET", "t", "v"]):
        typed(r, "t")
        assert r(*command) == b"+OK\r\n"
        assert r("GET", "t") == b"$1\r\nv\r\n"
    typed(r, "t")
    assert r("SETNX", "t", "v") == b":0\r\n"
    assert r("MSETNX", "t", "v", "u", "w") == b":0\r\n"
    assert r("SET", "t", "v", "NX") == b"$-1\r\n"
    for command in (["GET", "t"], ["GETSET", "t", "v"], ["GETEX", "t"], ["INCRBYFLOAT", "t", "1"]):
        assert r(*command) == WRONGTYPE
    assert r("SET", "t", "v", "GET") == WRONGTYPE
    assert r("MGET", "t", "u") == b"*2\r\n$-1\r\n$-1\r\n"  # MGET: nil for other types


def test_getex(r: Driver) -> None:
    assert r("GETEX", "k") == b"$-1\r\n"
    assert r("GETEX", "k", "EX", "0") == b"$-1\r\n"  # no key: the time is not checked
    r("SET", "k", "v")
    assert r("GETEX", "k", "EX", "0") == b"-ERR invalid expire time in 'getex' command\r\n"
    assert r("GETEX", "k", "EX", "10") == b"$1\r\nv\r\n"
    assert r("TTL", "k") == b":10\r\n"
    assert r("GETEX", "k", "PX", "2000", "PX", "3000") == b"$1\r\nv\r\n"
    assert r("PTTL", "k") == b":3000\r\n"
    assert r("GETEX", "k", "PERSIST") == b"$1\r\nv\r\n"
    assert r("TTL", "k") == b":-1\r\n"
    assert r("GETEX", "k", "PXAT", str(r.now // 1000 + 500)) == b"$1\r\nv\r\n"
    assert r("PTTL", "k") == b":500\r\n"
    for bad in (["EX", "1", "PX", "1"], ["PERSIST", "EX", "1"], ["KEEPTTL"], ["NX"], ["EX"]):
        assert r("GETEX", "k", *bad) == SYNTAX, bad
    assert r("GETEX", "k", "EXAT", "1") == b"$1\r\nv\r\n"  # in the past: deleted
    assert r("EXISTS", "k") == b":0\r\n"


def test_msetnx(r: Driver) -> None:
    assert r("MSETNX", "a", "1", "b", "2") == b":1\r\n"
    assert r("MSETNX", "b", "3", "c", "4") == b":0\r\n"
    assert r("MGET", "a", "b", "c") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
    assert r("MSETNX", "a", "1", "b") == b"-ERR wrong number of arguments for 'msetnx' command\r\n"


def test_incrbyfloat(r: Driver) -> None:
    assert r("INCRBYFLOAT", "f", "10.5") == b"$4\r\n10.5\r\n"
    assert r("INCRBYFLOAT", "f", "0.1") == b"$4\r\n10.6\r\n"
    assert r("INCRBYFLOAT", "f", "-5.0e3") == b"$23\r\n-4989.39999999999999991\r\n"  # as Redis
    assert r("INCRBYFLOAT", "f", "x") == b"-ERR value is not a valid float\r\n"
    r("SET", "s", "abc", "EX", "100")
    assert r("INCRBYFLOAT", "s", "1") == b"-ERR value is not a valid float\r\n"
    r("SET", "s", "1", "EX", "100")
    assert r("INCRBYFLOAT", "s", "inf") == b"-ERR increment would produce NaN or Infinity\r\n"
    assert r("INCRBYFLOAT", "s", "1.5") == b"$3\r\n2.5\r\n"
    assert r("TTL", "s") == b":100\r\n"  # kept


def test_expiry_times_up_to_redis_limit(r: Driver) -> None:
    far = str(2**63 - 1)
    assert r("SET", "k", "v", "PXAT", far) == b"+OK\r\n"
    assert r("PEXPIRETIME", "k") == b":%s\r\n" % far.encode()
    assert r("EXPIRETIME", "k") == b":9223372036854776\r\n"  # rounded, as Redis does
    assert r("SET", "k", "v", "EXAT", str((2**63 - 1) // 1000)) == b"+OK\r\n"
    assert r("SET", "k", "v", "EXAT", str((2**63 - 1) // 1000 + 1)) == (
        b"-ERR invalid expire time in 'set' command\r\n"
    )
    assert r("SET", "k", "v", "PX", far) == b"-ERR invalid expire time in 'set' command\r\n"
    assert r("SET", "k", "v", "EX", str((2**63 - 1 - r.now // 1000) // 1000 + 1)) == (
        b"-ERR invalid expire time in 'set' command\r\n"
    )
    twin = KVMachine()
    twin.restore(r.m.snapshot())  # beyond msgpack's 64 bits: kept exactly
    assert twin.snapshot() == r.m.snapshot()
    assert Driver(twin)("PEXPIRETIME", "k") == r("PEXPIRETIME", "k")
