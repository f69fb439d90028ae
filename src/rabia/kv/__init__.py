"""A deterministic Redis-compatible keyspace replicated as a rabia state machine."""

from rabia.kv.machine import KVMachine, check_command, encode_command, encode_exec

__all__ = ["KVMachine", "check_command", "encode_command", "encode_exec"]
