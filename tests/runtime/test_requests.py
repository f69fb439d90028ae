"""RequestTracker (``rabia.runtime.requests``): numbering, acknowledged marks, deadlines, the one
reply path (every waiting caller gets exactly one outcome)."""

from __future__ import annotations

from rabia.core.apply import Reply, SessionTable
from rabia.core.messages import Command
from rabia.errors import Rejected, Timeout, Unavailable
from rabia.runtime.pending import ALREADY_ACKNOWLEDGED, Outcome
from rabia.runtime.requests import RequestTracker

SESSION = 77


def _reply(seq: int, result: bytes, *, client: int = SESSION, expired: bool = False) -> Reply:
    return Reply(5, (0, 0, 0), client, seq, result, False, expired)


def test_local_commands_are_numbered_and_carry_the_lowest_open_seq() -> None:
    tracker = RequestTracker(SESSION)
    got: list[Outcome] = []
    commands = [tracker.new_local(b"op%d" % i, got.append, 1.0, 0.0) for i in range(3)]
    assert [(c.client_id, c.seq, c.acked_below) for c in commands] == [
        (SESSION, 0, 0),
        (SESSION, 1, 0),
        (SESSION, 2, 0),
    ]
    tracker.resolve([_reply(0, b"a"), _reply(1, b"b")])
    assert got == [b"a", b"b"]
    assert tracker.new_local(b"x", got.append, 1.0, 0.0).acked_below == 2
    assert len(tracker) == 2


def test_each_caller_gets_exactly_one_outcome() -> None:
    tracker = RequestTracker(SESSION)
    got: list[Outcome] = []
    tracker.new_local(b"op", got.append, 1.0, 0.0)
    tracker.resolve([_reply(0, b"first")])
    tracker.resolve([_reply(0, b"again")])  # a duplicate apply reply: nobody waits any more
    tracker.expire(10.0)
    tracker.fail_all(Unavailable("stopped"))
    assert got == [b"first"]


def test_deadlines_fail_with_timeout_in_order_and_only_once() -> None:
    tracker = RequestTracker(SESSION)
    got: list[tuple[int, Outcome]] = []
    for i, wait in enumerate((1.0, 5.0, 1.0)):
        tracker.new_local(b"op", lambda o, i=i: got.append((i, o)), wait, float(i))
    tracker.expire(2.5)  # deadlines: 1.0, 6.0, 3.0
    assert [i for i, _ in got] == [0]
    assert isinstance(got[0][1], Timeout) and got[0][1].may_have_applied
    tracker.expire(3.0)
    assert [i for i, _ in got] == [0, 2]
    tracker.resolve([_reply(1, b"late but in time")])
    tracker.expire(100.0)
    assert got[2] == (1, b"late but in time")
    assert len(tracker) == 0


def test_remote_commands_wait_without_deadline_and_expired_replies_are_rejections() -> None:
    tracker = RequestTracker(SESSION)
    got: list[Outcome] = []
    tracker.wait(Command(9, 4, b"op", 0), got.append)
    tracker.wait(Command(9, 5, b"op", 0), got.append)
    tracker.expire(1e9)
    assert got == []
    tracker.resolve([_reply(4, b"ok", client=9), _reply(5, b"", client=9, expired=True)])
    assert got[0] == b"ok"
    assert isinstance(got[1], Rejected) and str(got[1]) == ALREADY_ACKNOWLEDGED


def test_stop_fails_every_waiting_caller() -> None:
    tracker = RequestTracker(SESSION)
    got: list[Outcome] = []
    tracker.new_local(b"op", got.append, 1.0, 0.0)
    tracker.wait(Command(9, 0, b"op", 0), got.append)
    tracker.fail_all(Unavailable("node stopped"))
    assert len(got) == 2 and all(isinstance(o, Unavailable) for o in got)
    assert len(tracker) == 0


def test_commands_applied_inside_an_installed_snapshot_are_answered_from_its_table() -> None:
    tracker = RequestTracker(SESSION)
    got: list[Outcome] = []
    tracker.new_local(b"op", got.append, 1.0, 0.0)
    tracker.new_local(b"op", got.append, 1.0, 0.0)
    sessions = SessionTable()
    sessions.record(SESSION, 0, 0, b"from the snapshot", 1)
    tracker.answer_from(sessions, slot=40)
    assert got == [b"from the snapshot"]
    assert len(tracker) == 1
