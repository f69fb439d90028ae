"""The KV store's deliberately broken builds, for proving the nemesis suite catches bugs.

A ``RespServer`` given one of these names (``RespServer(unsafe=...)``; ``rabia node``
passes what ``RABIA_UNSAFE`` names, see ``rabia.runtime.unsafe``) breaks linearizability
on purpose. Never outside a test.

``stale-reads``: ``GET`` is answered from this replica's state as it is, skipping the
log. ``ack-before-decide``: ``SET``, ``APPEND`` and ``EXEC`` are answered as soon as they
are queued, with the reply they would get if nothing else happened first.
``read-skips-writes``: with barrier reads, a read does not wait for the earlier commands
of its connection (a pipelined ``SET k v; GET k`` may miss v; ADR 0017).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rabia.kv import resp

if TYPE_CHECKING:
    from rabia.kv.machine import KVMachine

STALE_READS = "stale-reads"
ACK_BEFORE_DECIDE = "ack-before-decide"
READ_SKIPS_WRITES = "read-skips-writes"
NAMES = (STALE_READS, ACK_BEFORE_DECIDE, READ_SKIPS_WRITES)
"""The KV server's broken builds (``RABIA_UNSAFE`` names, next to the runtime's)."""


def stale_read(machine: KVMachine, args: list[bytes]) -> bytes | None:
    """The local answer to a ``GET``, or None for any other command."""
    if len(args) == 2 and args[0].lower() == b"get":
        return resp.bulk_or_nil(machine.peek(args[1]))
    return None


def early_reply(machine: KVMachine, args: list[bytes]) -> bytes | None:
    """A guessed success for ``SET``/``APPEND``, or None for any other command."""
    name = args[0].lower()
    if name == b"set" and len(args) == 3:
        return resp.OK
    if name == b"append" and len(args) == 3:
        return resp.integer(len(machine.peek(args[1]) or b"") + len(args[2]))
    return None


def early_exec(machine: KVMachine, queued: list[list[bytes]]) -> bytes | None:
    """A guessed success for a transaction of ``SET``/``APPEND`` only, else None."""
    replies = [early_reply(machine, command) for command in queued]
    if not queued or any(r is None for r in replies):
        return None
    return resp.array(r for r in replies if r is not None)
