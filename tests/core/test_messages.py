"""Protocol messages (``rabia.core.messages``)."""

from __future__ import annotations

from rabia.core.membership import encode_change
from rabia.core.messages import (
    KIND_RECONFIGURE,
    VOTE_QUESTION,
    Batch,
    Command,
    Proposal,
    State,
    Vote,
    message_phase,
)


def test_a_batch_carries_its_commands_encoded_once() -> None:
    commands = (Command(1, 0, b"a"), Command(2, 5, b"b", acked_below=3))
    batch = Batch.of((0, 1, 2), 9, commands)
    assert batch.commands == commands
    assert Batch.of((0, 1, 2), 9, list(commands)) == batch
    assert batch.priority == (9, (0, 1, 2))


def test_a_reconfiguration_batch_holds_no_client_command() -> None:
    batch = Batch((0, 0, 0), 1, encode_change(((3, "h"),), ()), KIND_RECONFIGURE)
    assert batch.commands == ()


def test_proposals_are_phase_zero() -> None:
    batch = Batch.of((0, 0, 0), 1, ())
    assert message_phase(Proposal(0, 1, batch)) == 0
    assert message_phase(State(0, 1, 3, 0)) == 3
    assert message_phase(Vote(0, 1, 2, VOTE_QUESTION)) == 2
