"""SORT and SORT_RO over the value interface of lists, sets and sorted sets (stand-ins
here: ``fake_values``), with Redis's replies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rabia.kv.values import VALUE_TYPES
from tests.kv.commands.fake_values import FakeHash, FakeList, FakeSet, FakeZSet, put
from tests.kv.conftest import Driver
from tests.kv.replies import p

NOT_INT = b"-ERR value is not an integer or out of range\r\n"


@pytest.fixture
def lists() -> Iterator[None]:
    """The list type registered, as the list module will (STORE builds lists)."""
    saved = VALUE_TYPES.get(b"list")
    VALUE_TYPES[b"list"] = FakeList
    yield
    if saved is None:
        del VALUE_TYPES[b"list"]
    else:
        VALUE_TYPES[b"list"] = saved


def test_numbers_alpha_desc_limit(r: Driver) -> None:
    put(r, "l", FakeList([b"3", b"10", b"1", b"2.5", b"-1"]))
    assert p(r, "SORT", "l") == [b"-1", b"1", b"2.5", b"3", b"10"]
    assert p(r, "SORT", "l", "DESC") == [b"10", b"3", b"2.5", b"1", b"-1"]
    assert p(r, "SORT", "l", "ALPHA") == [b"-1", b"1", b"10", b"2.5", b"3"]
    assert p(r, "SORT", "l", "LIMIT", "1", "2") == [b"1", b"2.5"]
    assert p(r, "SORT", "l", "LIMIT", "-5", "1") == [b"-1"]
    assert p(r, "SORT", "l", "LIMIT", "10", "1") == []
    assert p(r, "SORT_RO", "l", "ALPHA", "DESC", "LIMIT", "0", "2") == [b"3", b"2.5"]
    put(r, "ties", FakeList([b"b", b"1", b"a", b"01"]))
    assert r("SORT", "ties") == b"-ERR One or more scores can't be converted into double\r\n"
    put(r, "ties", FakeList([b"1.0", b"1", b"01", b" 1"]))
    assert p(r, "SORT", "ties") == [b" 1", b"01", b"1", b"1.0"]  # equal: by bytes
    put(r, "empty", FakeList([b"1", b"", b"-1"]))
    assert p(r, "SORT", "empty") == [b"-1", b"", b"1"]  # an empty element reads as 0


def test_by_and_get_patterns(r: Driver) -> None:
    put(r, "s", FakeSet([b"a", b"b", b"c"]))
    r("MSET", "w_a", "3", "w_b", "1", "w_c", "2", "v_a", "A", "v_c", "C")
    put(r, "h_a", FakeHash([b"f", b"x"]))
    assert p(r, "SORT", "s", "BY", "w_*") == [b"b", b"c", b"a"]
    assert p(r, "SORT", "s", "BY", "w_*", "GET", "v_*", "GET", "#") == [
        None,
        b"b",
        b"C",
        b"c",
        b"A",
        b"a",
    ]
    assert p(r, "SORT", "s", "BY", "nosort", "GET", "h_*->f") == [b"x", None, None]
    assert p(r, "SORT", "s", "BY", "v_*", "ALPHA") == [b"b", b"a", b"c"]  # missing first
    assert p(r, "SORT", "s", "BY", "v_*", "ALPHA", "DESC") == [b"c", b"a", b"b"]
    assert p(r, "SORT", "s", "ALPHA", "GET", "constant") == [None, None, None]
    assert r("SORT", "s").startswith(b"-ERR One or more scores")


def test_no_sort_keeps_the_type_order(r: Driver) -> None:
    put(r, "l", FakeList([b"c", b"a", b"b"]))
    assert p(r, "SORT", "l", "BY", "x") == [b"c", b"a", b"b"]
    assert p(r, "SORT", "l", "BY", "x", "DESC", "LIMIT", "0", "2") == [b"b", b"a"]
    put(r, "z", FakeZSet([b"low", b"high"]))
    assert p(r, "SORT", "z", "BY", "x", "DESC") == [b"high", b"low"]
    put(r, "s", FakeSet([b"c", b"a"]))
    assert p(r, "SORT", "s", "BY", "x", "DESC") == [b"c", b"a"]  # sets have no order


def test_store(r: Driver, lists: None) -> None:
    put(r, "s", FakeSet([b"c", b"a", b"b"]))
    assert r("SORT", "s", "BY", "x", "STORE", "d") == b":3\r\n"  # a set is sorted to store
    stored = r.m._context.keyspace.data[b"d"]
    assert isinstance(stored, FakeList) and stored.items == [b"a", b"b", b"c"]
    assert r("SORT", "s", "ALPHA", "GET", "nothing_*", "STORE", "d") == b":3\r\n"
    assert stored is not r.m._context.keyspace.data[b"d"]
    assert r("SORT", "none", "STORE", "d") == b":0\r\n"
    assert r("EXISTS", "d") == b":0\r\n"
    assert r("SORT", "s", "STORE", "__election__:x").startswith(b"-ERR keys starting with")
    assert r("SORT_RO", "s", "STORE", "d") == b"-ERR syntax error\r\n"


def test_errors(r: Driver) -> None:
    assert p(r, "SORT", "none") == []
    r("SET", "str", "1")
    assert r("SORT", "str").startswith(b"-WRONGTYPE")
    assert r("SORT", "str", "FOO") == b"-ERR syntax error\r\n"  # options come first
    assert r("SORT", "none", "LIMIT", "x", "1") == NOT_INT
    assert r("SORT", "none", "LIMIT", "1") == b"-ERR syntax error\r\n"
    put(r, "h", FakeHash([]))
    assert r("SORT", "h").startswith(b"-WRONGTYPE")
