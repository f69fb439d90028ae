"""A blocked call's course at its node (rabia.kv.blocked_call), against a real machine
(with the test bag type): served at once, served later, timed out, racing, abandoned,
and a served pop handed out only after its ACK."""

from __future__ import annotations

import pytest

from rabia.kv import resp
from rabia.kv.blocked_call import BlockedCall, Stage
from rabia.kv.commands import blocking as log_side
from rabia.runtime.pending import Outcome
from tests.kv import blockfakes
from tests.kv.fakes import FakeLog


def _call(log: FakeLog, *command: bytes) -> tuple[BlockedCall, list[Outcome]]:
    got: list[Outcome] = []
    call = BlockedCall(log.new_waiter_id(), list(command), got.append, log)
    call.start()
    return call, got


def _log(deferred: bool = False) -> FakeLog:
    return FakeLog(deferred=deferred, machine=blockfakes.machine())


def _add(log: FakeLog, *items: bytes) -> None:
    log.submit(_entry(b"BAGADD", b"q", *items), lambda outcome: None)


def _entry(*args: bytes) -> bytes:
    from rabia.kv.entries import encode_command

    return encode_command(list(args))


def test_served_at_once() -> None:
    log = _log()
    _add(log, b"x")
    call, got = _call(log, b"BBAGPOP", b"q", b"0")
    assert got == [resp.bulk_array([b"q", b"x"])] and call.stage is Stage.DONE
    assert log.calls == {}


def test_waits_then_a_write_serves_it() -> None:
    log = _log()
    call, got = _call(log, b"BBAGPOP", b"q", b"1")
    assert call.stage is Stage.WAITING and got == [] and len(log.timers) == 1
    _add(log, b"x")
    assert got == [resp.bulk_array([b"q", b"x"])]
    assert log.timers == [] and log.calls == {}


def test_times_out_with_its_nil_reply_and_leaves_no_waiter() -> None:
    log = _log()
    call, got = _call(log, b"BBAGPOP", b"q", b"1")
    log.advance(1.0)
    assert got == [resp.NULL_ARRAY] and call.stage is Stage.DONE
    _add(log, b"x")
    assert got == [resp.NULL_ARRAY]
    assert log.machine.apply_at(_entry(b"EXISTS", b"q"), log.now + 1) == resp.ONE


def test_served_while_its_unblock_is_on_the_way_gets_the_element() -> None:
    log = _log()
    _, got = _call(log, b"BBAGPOP", b"q", b"1")
    log.in_flight = []
    log.advance(1.0)  # timed out: UNBLOCK submitted, not decided yet
    log.now -= 5000  # this node's timer ran a little ahead of log time
    log.apply(_entry(b"BAGADD", b"q", b"x"), lambda outcome: None)  # decided first
    assert got == [resp.bulk_array([b"q", b"x"])]
    log.decide()  # UNBLOCK finds nothing: ignored
    assert got == [resp.bulk_array([b"q", b"x"])]


def test_a_write_applied_before_the_calls_answer_is_delivered_still_serves_it() -> None:
    log = _log(deferred=True)
    _, got = _call(log, b"BBAGPOP", b"q", b"0")
    _add(log, b"x")  # the same batch: served before BCALL's answer reached the call
    log.release()
    assert got == [resp.bulk_array([b"q", b"x"])]


def test_an_abandoned_waiter_is_removed_and_takes_nothing() -> None:
    log = _log()
    call, got = _call(log, b"BBAGPOP", b"q", b"0")
    call.abandon()
    _add(log, b"x")
    assert got == [] and call.stage is Stage.DONE
    assert log.machine.apply_at(_entry(b"EXISTS", b"q"), log.now + 1) == resp.ONE


@pytest.fixture
def bag_pops_consume(monkeypatch: pytest.MonkeyPatch) -> None:
    """Treat BBAGPOP as a pop that needs its ACK, put back with BAGADD."""
    monkeypatch.setattr(log_side, "CONSUMING", frozenset([b"bbagpop"]))

    def undo(args: list[bytes], reply: bytes) -> list[bytes]:
        key, item = reply.split(b"\r\n")[2], reply.split(b"\r\n")[4]
        return [b"BAGADD", key, item]

    monkeypatch.setattr(log_side, "undo_command", undo)
    import rabia.kv.blocked_call as node_side

    monkeypatch.setattr(node_side, "undo_command", undo)


@pytest.mark.usefixtures("bag_pops_consume")
def test_a_served_pop_is_handed_out_after_its_ack() -> None:
    log = _log(deferred=True)
    call, got = _call(log, b"BBAGPOP", b"q", b"0")
    log.release()
    log.held.clear()
    _add(log, b"x")
    assert call.stage is Stage.ACKING and got == []
    log.release(*range(len(log.held)))
    assert got == [resp.bulk_array([b"q", b"x"])]


@pytest.mark.usefixtures("bag_pops_consume")
def test_a_pop_served_to_a_client_that_left_goes_back() -> None:
    log = _log(deferred=True)
    call, got = _call(log, b"BBAGPOP", b"q", b"0")
    log.release()
    log.held.clear()
    _add(log, b"x")  # served; its ACK is on the way
    call.abandon()
    log.release(*range(len(log.held)))  # the ACK took it: the call puts it back
    log.release(*range(len(log.held)))
    assert got == []
    reply = log.machine.apply_at(_entry(b"BBAGPOP", b"q", b"0"), log.now + 1)
    assert reply == resp.bulk_array([b"q", b"x"])


def test_times_out_when_log_time_dropped_its_waiter_before_the_unblock() -> None:
    log = _log()
    call, got = _call(log, b"BBAGPOP", b"q", b"1")
    log.now += 2_000_000  # the UNBLOCK applies after the waiter's deadline in log time
    log.advance(1.0)
    assert got == [resp.NULL_ARRAY] and call.stage is Stage.DONE and log.calls == {}
