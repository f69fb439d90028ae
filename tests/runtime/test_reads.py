"""Reads waiting for their read barrier (``rabia.runtime.reads``): release in ticket
order after the apply stage, deadlines, stop."""

from __future__ import annotations

from rabia.errors import RabiaError, Rejected, Timeout, Unavailable
from rabia.runtime.pending import Outcome
from rabia.runtime.reads import ReadStage


class Answers:
    def __init__(self) -> None:
        self.got: dict[str, Outcome] = {}

    def to(self, name: str) -> object:
        return lambda outcome: self.got.setdefault(name, outcome)


def test_released_reads_run_in_ticket_order_and_later_ones_wait() -> None:
    stage, answers, state = ReadStage(), Answers(), [b"v1"]
    for ticket, name in enumerate("abc"):
        stage.add(ticket, lambda: state[0], answers.to(name), 5.0, now=0.0)  # type: ignore[arg-type]
    state[0] = b"v2"  # the apply stage ran before the release
    stage.release(2)
    assert answers.got == {"a": b"v2", "b": b"v2"} and len(stage) == 1
    stage.release(3)
    assert answers.got["c"] == b"v2" and len(stage) == 0


def test_a_read_not_released_in_time_times_out_and_is_skipped_later() -> None:
    stage, answers = ReadStage(), Answers()
    stage.add(0, lambda: b"x", answers.to("slow"), 1.0, now=0.0)  # type: ignore[arg-type]
    stage.add(1, lambda: b"x", answers.to("patient"), 9.0, now=0.0)  # type: ignore[arg-type]
    stage.expire(0.5)
    assert answers.got == {}
    stage.expire(1.0)
    assert isinstance(answers.got["slow"], Timeout) and len(stage) == 1
    stage.release(2)
    assert answers.got["patient"] == b"x" and isinstance(answers.got["slow"], Timeout)


def test_a_query_that_raises_is_its_callers_error() -> None:
    stage, answers = ReadStage(), Answers()

    def broken() -> bytes:
        raise NotImplementedError("no query here")

    stage.add(0, broken, answers.to("a"), 1.0, now=0.0)  # type: ignore[arg-type]
    stage.release(1)
    outcome = answers.got["a"]
    assert isinstance(outcome, Rejected) and "NotImplementedError" in str(outcome)


def test_stop_ends_every_wait() -> None:
    stage, answers = ReadStage(), Answers()
    stage.add(0, lambda: b"x", answers.to("a"), 1.0, now=0.0)  # type: ignore[arg-type]
    stage.fail_all(Unavailable("stopped"))
    assert isinstance(answers.got["a"], RabiaError) and len(stage) == 0
    stage.release(1)
    stage.expire(10.0)
    assert isinstance(answers.got["a"], Unavailable)
