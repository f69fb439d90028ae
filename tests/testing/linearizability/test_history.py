"""Histories (``rabia.testing.linearizability.history``): events paired into operations,
the recorder, the JSON form of an event."""

from __future__ import annotations

import pytest

from rabia.testing.linearizability import (
    Event,
    FormatError,
    History,
    Operation,
    RegisterModel,
    check,
    event_to_json,
    operations_from_events,
    parse_edn,
    parse_jepsen,
    parse_jsonl,
)
from tests.testing.linearizability.lin_support import register_history

REG = RegisterModel()


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


def test_malformed_histories_are_rejected() -> None:
    with pytest.raises(ValueError, match="with no call"):
        operations_from_events([Event(1, "ok", "read", 1)])
    with pytest.raises(ValueError, match="invokes twice"):
        operations_from_events([Event(1, "invoke", "read"), Event(1, "invoke", "read")])
    with pytest.raises(ValueError, match="completes 'write'"):
        operations_from_events([Event(1, "invoke", "read"), Event(1, "ok", "write")])
    with pytest.raises(ValueError, match="every event has a time"):
        operations_from_events([Event(1, "invoke", "read", time=1.0), Event(1, "ok", "read")])
    with pytest.raises(FormatError, match="line 1"):
        parse_edn(["{:process 0 :type}"])
    with pytest.raises(FormatError, match="line 2"):
        parse_jepsen(["", "INFO  jepsen.util - 0\t:invoke"])


def test_the_recorder_round_trips_through_jsonl() -> None:
    ticks = iter(range(100))
    history = History(clock=lambda: float(next(ticks)))
    history.invoke(1, "write", 1, key="x")
    history.invoke(2, "cas", (1, 2), key="x")
    history.ok(1)
    history.info(2)
    history.invoke(1, "read", key="x")
    history.ok(1, 2)
    history.invoke(3, "read", key="x")  # still in flight
    with pytest.raises(ValueError, match="no call in flight"):
        history.fail(4)
    ops = history.operations()
    assert ops[1] == Operation(2, "cas", (1, 2), None, 1.0, None, "x")
    assert operations_from_events(parse_jsonl(history.to_jsonl().splitlines())) == ops
    assert check(ops, RegisterModel()).verdict == "linearizable"


def test_event_to_json_leaves_out_what_is_absent() -> None:
    history = register_history(read=2)
    assert event_to_json(history.events[0]) == {
        "process": "a",
        "type": "invoke",
        "f": "write",
        "key": "x",
        "value": 1,
        "time": 0.0,
    }
