"""rabia: leaderless state machine replication with the Rabia consensus protocol."""

from rabia.core import Command, Replica, ReplicaConfig

__all__ = ["Command", "Replica", "ReplicaConfig"]
__version__ = "0.1.0"
