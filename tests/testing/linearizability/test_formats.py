"""History files (``rabia.testing.linearizability.formats``): Jepsen log lines, EDN maps,
JSON lines."""

from __future__ import annotations

import json

import pytest

from rabia.testing.linearizability import (
    FormatError,
    Operation,
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
