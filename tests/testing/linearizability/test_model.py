"""The sequential models (``rabia.testing.linearizability.model``): the register's cas, the
KV map's get, put and append."""

from __future__ import annotations

from rabia.testing.linearizability import KVModel, ListAppendModel, RegisterModel, check
from tests.testing.linearizability.lin_support import op

REG = RegisterModel()
KV = KVModel()


def test_an_info_cas_may_or_may_not_have_swapped() -> None:
    base = [op(1, "write", 1, None, 0, 1), op(2, "cas", (1, 2), None, 2, None)]
    for seen in (1, 2):
        history = [*base, op(3, "read", None, seen, 5, 6)]
        assert check(history, REG).verdict == "linearizable"
    history = [*base, op(3, "read", None, 2, 5, 6), op(3, "read", None, 1, 7, 8)]
    assert check(history, REG).verdict == "not linearizable"


def test_cas_swaps_only_from_the_expected_value() -> None:
    history = [op(1, "write", 1, None, 0, 1), op(2, "cas", (0, 2), True, 2, 3)]
    assert check(history, REG).verdict == "not linearizable"
    # An output of False is a cas that reported "not swapped": the value was not 0.
    history[1] = op(2, "cas", (0, 2), False, 2, 3)
    assert check(history, REG).verdict == "linearizable"
    history[1] = op(2, "cas", (1, 2), False, 2, 3)
    assert check(history, REG).verdict == "not linearizable"


def test_kv_get_of_a_never_written_key_is_empty() -> None:
    history = [op(1, "get", None, "", 0, 1, key="a"), op(1, "get", None, None, 2, 3, key="b")]
    assert check(history, KV).verdict == "linearizable"
    assert check([op(1, "get", None, "x", 0, 1, key="a")], KV).verdict == "not linearizable"


def test_kv_appends_concatenate_in_a_linearizable_order() -> None:
    history = [
        op(1, "append", "a", None, 0, 4, key="k"),
        op(2, "append", "b", None, 1, 5, key="k"),
        op(3, "get", None, "ba", 6, 7, key="k"),
        op(3, "put", "z", None, 8, 9, key="k"),
        op(1, "append", "y", None, 10, 11, key="k"),
        op(2, "get", None, "zy", 12, 13, key="k"),
    ]
    assert check(history, KV).verdict == "linearizable"
    history[2] = op(3, "get", None, "b", 6, 7, key="k")
    assert check(history, KV).verdict == "not linearizable"


LISTS = ListAppendModel()


def test_list_reads_pin_the_order_of_concurrent_appends() -> None:
    appends = [op(1, "append", 7, 1, 0, 10), op(2, "append", 8, 2, 0, 10)]
    assert check([*appends, op(3, "read", None, (7, 8), 11, 12)], LISTS).verdict == ("linearizable")
    assert check([*appends, op(3, "read", None, (8, 7), 11, 12)], LISTS).verdict == (
        "not linearizable"
    ), "the lengths say 7 went first"
    stale = [op(1, "append", 7, 1, 0, 1), op(3, "read", None, [], 2, 3)]
    assert check(stale, LISTS).verdict == "not linearizable"


def test_list_append_of_unknown_outcome_may_land_later_or_never() -> None:
    history = [op(1, "append", 7, None, 0, None), op(2, "read", None, (), 1, 2)]
    assert check(history, LISTS).verdict == "linearizable"
    history.append(op(2, "read", None, (7,), 3, 4))
    assert check(history, LISTS).verdict == "linearizable"
    history.append(op(2, "read", None, (), 5, 6))
    assert check(history, LISTS).verdict == "not linearizable"
