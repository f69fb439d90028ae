"""Transports carry protocol messages between replicas: TCP, in-memory, fault-injecting."""

from rabia.transport.base import Deliver, PeerEvent, Transport
from rabia.transport.faults import FaultyTransport
from rabia.transport.memory import MemoryNetwork, MemoryTransport
from rabia.transport.tcp import TcpTransport

__all__ = [
    "Deliver",
    "FaultyTransport",
    "MemoryNetwork",
    "MemoryTransport",
    "PeerEvent",
    "TcpTransport",
    "Transport",
]
