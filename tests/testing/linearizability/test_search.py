"""The search of one partition (``rabia.testing.linearizability.search``), through
``check``: concurrent calls in either order, calls of unknown outcome, the bounded cache."""

from __future__ import annotations

from rabia.testing.linearizability import KVModel, Operation, RegisterModel, check
from tests.testing.linearizability.lin_support import hard_history, op

REG = RegisterModel()
KV = KVModel()


def test_concurrent_operations_may_take_effect_in_either_order() -> None:
    history = [
        op(1, "write", 1, None, 0, 5),
        op(2, "write", 2, None, 1, 6),  # overlaps write 1: may come first
        op(3, "read", None, 1, 7, 8),
    ]
    assert check(history, REG).verdict == "linearizable"
    # Without the overlap, write 2 comes after write 1 and the read is stale.
    history[1] = op(2, "write", 2, None, 5.5, 6)
    assert check(history, REG).verdict == "not linearizable"


def test_touching_intervals_count_as_concurrent() -> None:
    history = [op(1, "write", 1, None, 0, 1), op(2, "read", None, None, 1, 2)]
    assert check(history, REG).verdict == "linearizable"


def test_an_info_write_may_take_effect_late() -> None:
    history = [
        op(1, "write", 1, None, 0, 1),
        op(2, "write", 2, None, 2, None),  # :info, still open at the end
        op(3, "read", None, 1, 3, 4),
        op(3, "read", None, 2, 10, 11),  # it took effect after the first read
    ]
    assert check(history, REG).verdict == "linearizable"


def test_an_info_write_may_never_take_effect() -> None:
    history = [
        op(1, "write", 1, None, 0, 1),
        op(2, "write", 2, None, 2, None),
        op(3, "read", None, 1, 3, 4),
        op(3, "read", None, 1, 10, 11),
    ]
    assert check(history, REG).verdict == "linearizable"


def test_an_info_write_cannot_take_effect_before_its_call() -> None:
    history = [op(1, "read", None, 2, 0, 1), op(2, "write", 2, None, 2, None)]
    assert check(history, REG).verdict == "not linearizable"


def test_a_bounded_cache_costs_time_not_correctness() -> None:
    small = hard_history(6)
    assert check(small, KV, cache_limit=10).verdict == "not linearizable"
    appended = "".join(str(o.input) for o in small[:-1])
    fine = [*small[:-1], Operation("reader", "get", None, appended, 200, 201, "k")]
    assert check(fine, KV, cache_limit=10).verdict == "linearizable"
