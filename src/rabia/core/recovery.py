"""What the previous runs of a replica left in its storage (protocol §5b, ADR 0010).

``Recovered.read`` sorts the stored records; the replica then installs the snapshot,
replays the decided slots above it, and either resumes the slot it was speaking in
(every message it sent is on record) or abstains up to its reservation mark.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import assert_never

from rabia.core.messages import Batch, SlotMessage
from rabia.core.ready import (
    DecidedRecord,
    IncarnationRecord,
    Record,
    ReservedRecord,
    SentRecord,
    SnapshotRecord,
)


@dataclass(slots=True)
class Recovered:
    """The records of a replica's previous runs, sorted by what they say."""

    incarnation: int = -1
    """The latest incarnation on record (-1: none, this is the replica's first run)."""
    inherited_abstain: int = 0
    """The highest abstain mark an earlier incarnation started with."""
    reserved: int = 0
    """The highest reservation mark: the previous run may have spoken in every slot below."""
    snapshot: SnapshotRecord | None = None
    """The latest snapshot on record."""
    decided: dict[int, Batch | None] = field(default_factory=dict)
    """slot -> decided value (None is NULL)."""
    sent: dict[int, list[SlotMessage]] = field(default_factory=dict)
    """slot -> the messages the replica spoke in it, in the order they were stored."""

    @classmethod
    def read(cls, records: Iterable[Record]) -> Recovered:
        """Sort ``records`` (in the order they were stored)."""
        recovered = cls()
        for record in records:
            match record:
                case SnapshotRecord():
                    latest = recovered.snapshot
                    if latest is None or record.slot > latest.slot:
                        recovered.snapshot = record
                case DecidedRecord():
                    recovered.decided[record.slot] = record.batch
                case SentRecord():
                    recovered.sent.setdefault(record.message.slot, []).append(record.message)
                case ReservedRecord():
                    recovered.reserved = max(recovered.reserved, record.slot)
                case IncarnationRecord():
                    recovered.incarnation = max(recovered.incarnation, record.incarnation)
                    recovered.inherited_abstain = max(
                        recovered.inherited_abstain, record.abstain_below
                    )
                case _:
                    assert_never(record)
        return recovered

    def abstain_below(self, complete: bool) -> int:
        """The slot below which the new incarnation stays silent.

        ``complete``: the records hold every message the previous run sent, so only an
        earlier incarnation's window still holds; else every slot up to the mark.
        """
        if complete:
            return self.inherited_abstain
        return max(self.reserved, self.inherited_abstain)
