"""History parsing: Jepsen log lines, EDN maps, JSON lines, the recorder, EDN itself."""

from __future__ import annotations

import json

import pytest

from rabia.testing.linearizability import (
    Event,
    FormatError,
    History,
    Operation,
    RegisterModel,
    check,
    edn,
    operations_from_events,
    parse_edn,
    parse_jepsen,
    parse_jsonl,
)

JEPSEN = """\
INFO  jepsen.util - 0\t:invoke\t:read\tnil
INFO  jepsen.util - 1   :invoke :cas    [1 2]
INFO  jepsen.util - 0\t:ok\t:read\tnil
INFO  jepsen.util - :nemesis\t:info\t:start\tnil
INFO  jepsen.util - 1\t:fail\t:cas\t[1 2]
INFO  jepsen.util - 2\t:invoke\t:write\t3
INFO  jepsen.util - 2\t:info\t:write\t:timed-out
some other log line
"""


def test_jepsen_lines_become_operations() -> None:
    events = parse_jepsen(JEPSEN.splitlines())
    assert [(e.process, e.type, e.f) for e in events][:3] == [
        (0, "invoke", "read"),
        (1, "invoke", "cas"),
        (0, "ok", "read"),
    ]
    assert events[1].value == (1, 2)
    ops = operations_from_events(events)
    assert ops == [
        Operation(0, "read", None, None, 0.0, 2.0),
        Operation(2, "write", 3, None, 4.0, None),  # :info: unknown, value from the call
    ]


def test_edn_lines_become_operations() -> None:
    lines = [
        '{:process 0, :type :invoke, :f :append, :key "k", :value "x 0 0 y"}',
        '{:process 1, :type :invoke, :f :get, :key "k", :value nil}',
        '{:process 0, :type :ok, :f :append, :key "k", :value "x 0 0 y"}',
        "",
        '{:process 1, :type :ok, :f :get, :key "k", :value "x 0 0 y"}',
    ]
    ops = operations_from_events(parse_edn(lines))
    assert ops == [
        Operation(0, "append", "x 0 0 y", "x 0 0 y", 0.0, 2.0, "k"),
        Operation(1, "get", None, "x 0 0 y", 1.0, 3.0, "k"),
    ]


def test_jsonl_lines_with_times() -> None:
    lines = [
        json.dumps({"process": "a", "type": "invoke", "f": "cas", "value": [1, 2], "time": 1.5}),
        json.dumps({"process": "a", "type": "ok", "f": "cas", "value": [1, 2], "time": 2.5}),
    ]
    (operation,) = operations_from_events(parse_jsonl(lines))
    assert operation == Operation("a", "cas", (1, 2), (1, 2), 1.5, 2.5)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"process": 1, "type": "invoke"}', "missing 'f'"),
        ('{"process": 1, "type": "begin", "f": "read"}', "unknown type"),
        ('{"process": 1, "type": "ok", "f": "read", "time": "x"}', "time must be a number"),
        ("[1, 2]", "expected an object"),
        ("{nope", "line 1"),
    ],
)
def test_bad_jsonl_lines_are_reported(line: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_jsonl([line])


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


def test_edn_reader() -> None:
    value = edn.read('{:a [1 -2 3.5 nil true], :b "q\\"\\n", :c #{:x}, :d (sym 7N)} ; note')
    assert value == {
        "a": (1, -2, 3.5, None, True),
        "b": 'q"\n',
        "c": frozenset({"x"}),
        "d": ("sym", 7),
    }
    assert isinstance(edn.read(":timed-out"), edn.Keyword)
    assert repr(edn.read(":x")) == ":x"
    for bad in ("[1 2", '"open', "{:a}", "1 2", "", "1x2"):
        with pytest.raises(edn.EDNError):
            edn.read(bad)
