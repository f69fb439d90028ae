"""The queue workload's checks on hand-written histories."""

from __future__ import annotations

from typing import Any

from rabia.testing.nemesis.history import History
from rabia.testing.nemesis.queue import check_queue


def _history(events: list[tuple[str, str, Any, str, Any]]) -> History:
    """(f, key, value, outcome, result) operations, one after the other."""
    history = History()
    for f, key, value, outcome, result in events:
        process = history.new_process()
        invocation = history.invoke(process, f, key, value)
        history.complete(invocation, outcome, result)
    return history


def _verdicts(history: History, final_from: float = 0.0) -> dict[str, bool | None]:
    return {check.name: check.ok for check in check_queue(history.ops, final_from)}


def test_a_clean_run_passes() -> None:
    history = _history(
        [
            ("enqueue", "queue", 1, "ok", None),
            ("enqueue", "queue", 2, "ok", None),
            ("dequeue", "queue", None, "ok", 1),
            ("dequeue", "processing:0", None, "ok", None),
            ("read", "queue", None, "ok", [2]),
            ("read", "queue", None, "ok", [2]),
        ]
    )
    assert set(_verdicts(history).values()) == {True}


def test_a_lost_element_a_double_delivery_and_a_disagreement_are_caught() -> None:
    history = _history(
        [
            ("enqueue", "queue", 1, "ok", None),
            ("enqueue", "queue", 2, "ok", None),
            ("enqueue", "queue", 3, "ok", None),
            ("dequeue", "queue", None, "ok", 2),
            ("dequeue", "processing:0", None, "ok", 2),
            ("read", "queue", None, "ok", [3]),
            ("read", "queue", None, "ok", []),
        ]
    )
    verdicts = _verdicts(history)
    assert verdicts["no lost elements"] is False  # 1 is nowhere
    assert verdicts["none delivered twice"] is False  # 2 twice
    assert verdicts["final reads agree"] is False


def test_an_element_a_pop_of_unknown_outcome_may_have_taken_is_not_lost() -> None:
    history = _history(
        [
            ("enqueue", "queue", 1, "ok", None),
            ("dequeue", "queue", None, "info", None),
            ("read", "queue", None, "ok", []),
        ]
    )
    assert _verdicts(history)["no lost elements"] is True


def test_delivered_and_still_queued_is_a_double_delivery() -> None:
    history = _history(
        [
            ("enqueue", "queue", 1, "ok", None),
            ("dequeue", "queue", None, "ok", 1),
            ("read", "queue", None, "ok", [1]),
        ]
    )
    assert _verdicts(history)["none delivered twice"] is False
