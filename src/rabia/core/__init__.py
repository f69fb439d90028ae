"""The pure Rabia protocol core: deterministic, sans-IO, driven by step/tick/submit."""

from rabia.core.apply import Applier, Reply, SessionTable
from rabia.core.coin import common_coin
from rabia.core.config import ReplicaConfig, UnsafeSwitches
from rabia.core.messages import (
    BROADCAST,
    Batch,
    BatchId,
    Command,
    Decision,
    Fetch,
    FetchReply,
    Message,
    Proposal,
    Request,
    Snapshot,
    State,
    Status,
    Vote,
)
from rabia.core.ready import (
    CoinFlipped,
    Committed,
    Decided,
    DecidedRecord,
    Event,
    IncarnationRecord,
    InstalledSnapshot,
    Ready,
    Record,
    ReservedRecord,
    SentRecord,
    SnapshotRecord,
    SnapshotWanted,
)
from rabia.core.replica import Replica
from rabia.core.snapshot import SlotCompacted
from rabia.core.stats import ReplicaStats

__all__ = [
    "BROADCAST",
    "Applier",
    "Batch",
    "BatchId",
    "CoinFlipped",
    "Command",
    "Committed",
    "Decided",
    "DecidedRecord",
    "Decision",
    "Event",
    "Fetch",
    "FetchReply",
    "IncarnationRecord",
    "InstalledSnapshot",
    "Message",
    "Proposal",
    "Ready",
    "Record",
    "Replica",
    "ReplicaConfig",
    "ReplicaStats",
    "Reply",
    "Request",
    "ReservedRecord",
    "SentRecord",
    "SessionTable",
    "SlotCompacted",
    "Snapshot",
    "SnapshotRecord",
    "SnapshotWanted",
    "State",
    "Status",
    "UnsafeSwitches",
    "Vote",
    "common_coin",
]
