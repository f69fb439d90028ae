"""Transports carry protocol messages between replicas: TCP, in-memory, fault-injecting."""

from rabia.transport.base import Deliver, PeerEvent, Transport

__all__ = ["Deliver", "PeerEvent", "Transport"]
