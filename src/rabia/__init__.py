"""rabia: leaderless state machine replication with the Rabia consensus protocol."""

from rabia.api import StateMachine
from rabia.client import Client
from rabia.errors import (
    AuthenticationFailed,
    Indeterminate,
    RabiaError,
    Rejected,
    Timeout,
    Unavailable,
)
from rabia.runtime import Node, NodeConfig
from rabia.transport.tls import TlsFiles

__all__ = [
    "AuthenticationFailed",
    "Client",
    "Indeterminate",
    "Node",
    "NodeConfig",
    "RabiaError",
    "Rejected",
    "StateMachine",
    "Timeout",
    "TlsFiles",
    "Unavailable",
]
__version__ = "0.1.0"
