"""A deterministic Redis-compatible keyspace replicated as a rabia state machine."""

from rabia.kv.entries import encode_command, encode_exec
from rabia.kv.machine import KVMachine, check_command

__all__ = ["KVMachine", "check_command", "encode_command", "encode_exec"]
