"""The linearizability checker on tiny hand-made histories."""

from __future__ import annotations

import time

from rabia.testing.linearizability import (
    Event,
    KVModel,
    Operation,
    RegisterModel,
    check,
    operations_from_events,
)
from tests.testing.linearizability.lin_support import hard_history, op

REG = RegisterModel()
KV = KVModel()


def test_empty_and_sequential_histories_are_linearizable() -> None:
    assert check([], REG).verdict == "linearizable"
    history = [
        op(1, "read", None, None, 0, 1),
        op(1, "write", 3, None, 2, 3),
        op(2, "read", None, 3, 4, 5),
        op(2, "cas", (3, 4), True, 6, 7),
        op(1, "read", None, 4, 8, 9),
    ]
    assert check(history, REG).verdict == "linearizable"


def test_a_stale_read_is_caught_and_located() -> None:
    history = [
        op(1, "write", 1, None, 0, 1),
        op(2, "write", 2, None, 2, 3),
        op(3, "read", None, 1, 4, 5),  # 2 was written before this read began
    ]
    result = check(history, REG)
    assert result.verdict == "not linearizable"
    (failure,) = result.failures
    assert failure.stuck == 2
    assert failure.prefix == (0, 1)
    assert failure.state == 2
    assert 2 in result.window(failure)


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


def test_failed_and_timed_out_calls_constrain_nothing() -> None:
    events = [
        Event(1, "invoke", "write", 1),
        Event(1, "ok", "write", 1),
        Event(2, "invoke", "cas", (5, 6)),
        Event(2, "fail", "cas", (5, 6)),  # definitely did not happen: dropped
        Event(3, "invoke", "read"),
        Event(3, "fail", "read", "timed-out"),  # says nothing: dropped
        Event(4, "invoke", "read"),
        Event(4, "info", "read"),  # unknown read: dropped by the model
        Event(5, "invoke", "read"),
        Event(5, "ok", "read", 1),
    ]
    ops = operations_from_events(events)
    assert [o.process for o in ops] == [1, 4, 5]
    result = check(ops, REG)
    assert result.verdict == "linearizable"
    assert result.partitions[0].operations == (0, 2)


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


def test_keys_are_checked_independently() -> None:
    history = [
        op(1, "put", "1", None, 0, 1, key="x"),
        op(2, "get", None, "", 2, 3, key="y"),  # another key: unaffected
        op(2, "get", None, "1", 4, 5, key="x"),
        op(3, "get", None, "", 6, 7, key="z"),
    ]
    result = check(history, KV)
    assert result.verdict == "linearizable"
    assert {p.key for p in result.partitions} == {"x", "y", "z"}


def test_the_first_failing_key_stops_the_check_unless_keep_going() -> None:
    bad = [op(1, "get", None, "?", 0, 1, key=k) for k in "abc"]
    result = check(bad, KV)
    assert result.verdict == "not linearizable"
    assert len(result.failures) == 1
    assert len(result.skipped) == 2
    result = check(bad, KV, keep_going=True)
    assert len(result.failures) == 3
    assert result.skipped == ()


def test_a_quick_failure_is_found_next_to_a_partition_that_is_slow_to_refute() -> None:
    history = [*hard_history(), op("r", "get", None, "?", 0, 1, key="other")]
    started = time.monotonic()
    result = check(history, KV, timeout=20)
    assert result.verdict == "not linearizable"
    assert time.monotonic() - started < 5


def test_running_out_of_time_gives_unknown() -> None:
    started = time.monotonic()
    result = check(hard_history(), KV, timeout=0.3)
    elapsed = time.monotonic() - started
    assert result.verdict == "unknown"
    assert 0.3 <= elapsed < 3
    (partition,) = result.partitions
    assert partition.verdict == "unknown"
    assert partition.explored > 0


def test_a_bounded_cache_costs_time_not_correctness() -> None:
    small = hard_history(6)
    assert check(small, KV, cache_limit=10).verdict == "not linearizable"
    appended = "".join(str(o.input) for o in small[:-1])
    fine = [*small[:-1], Operation("reader", "get", None, appended, 200, 201, "k")]
    assert check(fine, KV, cache_limit=10).verdict == "linearizable"
