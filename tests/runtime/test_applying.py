"""ApplyStage: committed entries through the exactly-once applier into the machine, the
log clock for machines that want it, and the application half of snapshots."""

from __future__ import annotations

from rabia.api import StateMachine
from rabia.core.messages import Batch, Command
from rabia.core.ready import Committed
from rabia.runtime.applying import ApplyStage


class Log(StateMachine):
    def __init__(self) -> None:
        self.entries: list[bytes] = []

    def apply(self, command: bytes) -> bytes:
        self.entries.append(command)
        return b"%d" % len(self.entries)

    def snapshot(self) -> bytes:
        return b",".join(self.entries)

    def restore(self, data: bytes) -> None:
        self.entries = data.split(b",") if data else []


class Timed(Log):
    def apply_at(self, command: bytes, log_time: int) -> bytes:
        self.entries.append(command + b"@%d" % log_time)
        return b"ok"


def _entry(slot: int, *commands: Command, key: int = 1000) -> Committed:
    return Committed(slot, Batch.of((1, slot, 0), key, commands))


def test_each_client_seq_applies_once_and_retries_get_the_cached_reply() -> None:
    stage = ApplyStage(Log())
    first = stage.apply(_entry(0, Command(5, 0, b"a", 0), Command(5, 1, b"b", 0)))
    again = stage.apply(_entry(1, Command(5, 1, b"b", 0)))
    assert [r.result for r in first] == [b"1", b"2"]
    assert [(r.result, r.duplicate) for r in again] == [(b"2", True)]
    assert stage.machine.entries == [b"a", b"b"]  # type: ignore[attr-defined]
    assert stage.applied_slot == 1
    assert stage.sessions.lookup(5, 0) == b"1"


def test_the_broken_build_without_exactly_once_applies_every_copy() -> None:
    stage = ApplyStage(Log(), exactly_once=False)
    stage.apply(_entry(0, Command(5, 0, b"a", 0)))
    stage.apply(_entry(1, Command(5, 0, b"a", 0)))
    assert stage.machine.entries == [b"a", b"a"]  # type: ignore[attr-defined]


def test_machines_overriding_apply_at_get_the_log_clock() -> None:
    stage = ApplyStage(Timed())
    stage.apply(_entry(0, Command(5, 0, b"a", 0), key=4242))
    assert stage.machine.entries == [b"a@4242"]  # type: ignore[attr-defined]


def test_a_snapshot_restores_machine_sessions_and_chain_elsewhere() -> None:
    source = ApplyStage(Log())
    source.apply(_entry(0, Command(5, 0, b"a", 0)))
    source.apply(_entry(1, Command(6, 0, b"b", 0)))
    target = ApplyStage(Log())
    target.restore(source.snapshot_state())
    assert target.machine.entries == [b"a", b"b"]  # type: ignore[attr-defined]
    assert (target.applied_slot, target.chain) == (source.applied_slot, source.chain)
    assert target.sessions.lookup(6, 0) == b"2"
    retry = target.apply(_entry(2, Command(6, 0, b"b", 0)))
    assert retry[0].duplicate and target.machine.entries == [b"a", b"b"]  # type: ignore[attr-defined]
