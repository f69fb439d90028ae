"""The replica's output (``rabia.core.ready``)."""

from __future__ import annotations

from rabia.core.ready import (
    Committed,
    Decided,
    InstalledSnapshot,
    Outbox,
    Ready,
    ReservedRecord,
)


def test_a_ready_is_empty_until_it_holds_some_work() -> None:
    assert not Ready()
    assert not Ready(sync=True, peers=(1, 2))  # flags alone are no work
    assert Ready(records=[ReservedRecord(3)])
    assert Ready(messages=[(1, object())])  # type: ignore[list-item]
    assert Ready(committed=[Committed(0, None)])
    assert Ready(events=[Decided(0, None, 1, "votes")])
    assert Ready(install=InstalledSnapshot(1, b"", b""))


def test_the_outbox_hands_out_what_was_filled_and_starts_afresh() -> None:
    outbox = Outbox()
    outbox.ready.records.append(ReservedRecord(3))
    first = outbox.take()
    assert first.records == [ReservedRecord(3)]
    assert outbox.ready is not first and not outbox.ready
    assert not outbox.take()
