"""redis.log: levels, the rate bound, long lines."""

from __future__ import annotations

import logging

import pytest

from rabia.kv.scripting.log import BURST, MAX_LINE, RATE, ScriptLog


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_levels_map_to_logging(caplog: pytest.LogCaptureFixture) -> None:
    log = ScriptLog(logging.getLogger("test.script.levels"), Clock())
    with caplog.at_level(logging.DEBUG, logger="test.script.levels"):
        for level in range(4):
            log.log(level, b"line %d" % level)
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "script: line 0"),
        (logging.DEBUG, "script: line 1"),
        (logging.INFO, "script: line 2"),
        (logging.WARNING, "script: line 3"),
    ]


def test_a_flood_is_cut_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    log = ScriptLog(logging.getLogger("test.script.flood"), clock)
    with caplog.at_level(logging.WARNING, logger="test.script.flood"):
        for i in range(10_000):
            log.log(3, b"flood %d" % i)
        assert len(caplog.records) == BURST
        clock.now += 1.0
        for i in range(10_000):
            log.log(3, b"again %d" % i)
    assert len(caplog.records) == BURST + int(RATE)
    resumed = caplog.records[BURST].getMessage()
    assert resumed == f"script: again 0 ({10_000 - BURST} script log lines dropped before this one)"


def test_long_lines_are_cut(caplog: pytest.LogCaptureFixture) -> None:
    log = ScriptLog(logging.getLogger("test.script.long"), Clock())
    with caplog.at_level(logging.WARNING, logger="test.script.long"):
        log.log(3, b"x" * (MAX_LINE * 3))
    message = caplog.records[0].getMessage()
    assert message.endswith(f"... ({MAX_LINE * 3} bytes)") and len(message) < MAX_LINE + 100


def test_nothing_is_done_for_a_disabled_level() -> None:
    log = ScriptLog(logging.getLogger("test.script.quiet"), Clock())
    logging.getLogger("test.script.quiet").setLevel(logging.ERROR)
    for _ in range(BURST * 2):
        log.log(0, b"debug")
    assert log.dropped == 0
