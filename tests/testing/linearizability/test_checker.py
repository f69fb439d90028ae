"""``check`` (``rabia.testing.linearizability.checker``) on tiny hand-made histories:
verdicts, where a failure is, partitions by key, the time budget."""

from __future__ import annotations

import time

from rabia.testing.linearizability import (
    KVModel,
    RegisterModel,
    check,
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
