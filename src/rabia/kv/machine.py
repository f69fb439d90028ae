"""``KVMachine``: a deterministic Redis-compatible string keyspace as a state machine.

A log entry is ``encode_command([name, *args])`` (msgpack list of bytes, exactly as the
client sent them); the result is the RESP2 reply. Time comes only from ``log_time``.
The commands themselves are in ``rabia.kv.commands`` (one module per kind); the machine
counts revisions, runs expiry, dispatches through the command table, and takes and
restores snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec

from rabia.api import StateMachine
from rabia.kv import resp
from rabia.kv.acl.users import Users
from rabia.kv.blocking import Blocking, ServedSink
from rabia.kv.commands.acl_gate import run_entry
from rabia.kv.commands.blocking import expire_blocking, serve_ready
from rabia.kv.commands.context import MachineContext, refusal
from rabia.kv.commands.leases import expire_leases
from rabia.kv.commands.server import REDIS_VERSION
from rabia.kv.commands.spec import CommandSpec, Limits
from rabia.kv.commands.table import COMMANDS, MACHINE_COMMANDS
from rabia.kv.entries import decode_args, encode_command, encode_exec
from rabia.kv.events import EventSink
from rabia.kv.leases import Leases
from rabia.kv.reads import read_now
from rabia.kv.scripting import DEFAULT_BUDGET, DEFAULT_MEMORY, ScriptEngine
from rabia.kv.snapshot_state import MachineState
from rabia.kv.store import Keyspace
from rabia.kv.values import VALUE_TYPES

__all__ = ["KVMachine", "check_command", "encode_command", "encode_exec"]


_encode = msgspec.msgpack.Encoder().encode
_decode_snapshot = msgspec.msgpack.Decoder(MachineState).decode

SWEEP_PER_APPLY = 16
"""Expired keys purged (at most) before each command."""


def check_command(args: Sequence[bytes]) -> bytes | None:
    """The error a command gets before running (unknown name, wrong arity), else None;
    what the connection refuses at MULTI queue time, as Redis does."""
    if not args:
        return resp.ERR_EMPTY
    command = list(args)
    return refusal(COMMANDS.get(command[0].lower()), command)


class KVMachine(StateMachine):
    """Strings with TTLs and per-key revisions, leases and elections (ADR 0008); replies
    are RESP2 bytes.

    Revisions are the machine's apply counter (every ``apply_at`` call, reads included,
    increments it); a key's revision is that of its last modification, and an absent
    key reports the revision of the last removal of any key (conservative for WATCH).
    """

    def __init__(
        self,
        *,
        max_key_size: int = 64 * 1024,
        max_value_size: int = 64 * 1024 * 1024,
        max_keys: int = 50_000_000,
        max_leases: int = 1_000_000,
        script_budget: int = DEFAULT_BUDGET,
        script_memory: int = DEFAULT_MEMORY,
        commands: Mapping[bytes, CommandSpec] = MACHINE_COMMANDS,
    ) -> None:
        self._context = MachineContext(
            commands,
            Limits(max_key_size, max_value_size, max_keys, max_leases),
            ScriptEngine(budget=script_budget, memory=script_memory, version=REDIS_VERSION),
        )
        self.event_sink: EventSink | None = None
        """Where the notifications of each applied command go (None: nowhere)."""

    # -- limits (settable, as ``rabia node --max-keys`` does) ------------------------------

    def _set_limit(self, **change: int) -> None:
        self._context.limits = self._context.limits._replace(**change)

    @property
    def max_key_size(self) -> int:
        return self._context.limits.max_key_size

    @max_key_size.setter
    def max_key_size(self, value: int) -> None:
        self._set_limit(max_key_size=value)

    @property
    def max_value_size(self) -> int:
        return self._context.limits.max_value_size

    @max_value_size.setter
    def max_value_size(self, value: int) -> None:
        self._set_limit(max_value_size=value)

    @property
    def max_keys(self) -> int:
        return self._context.limits.max_keys

    @max_keys.setter
    def max_keys(self, value: int) -> None:
        self._set_limit(max_keys=value)

    @property
    def max_leases(self) -> int:
        return self._context.limits.max_leases

    @max_leases.setter
    def max_leases(self, value: int) -> None:
        self._set_limit(max_leases=value)

    @property
    def script_budget(self) -> int:
        """Lua instructions a script may run (the same on every replica: ADR 0016)."""
        return self._context.scripts.budget

    @script_budget.setter
    def script_budget(self, value: int) -> None:
        self._context.scripts.budget = value

    @property
    def script_memory(self) -> int:
        """Bytes a script may allocate beyond what its Lua runtime holds already."""
        return self._context.scripts.memory

    @script_memory.setter
    def script_memory(self, value: int) -> None:
        self._context.scripts.memory = value

    # -- StateMachine ------------------------------------------------------------------

    def apply(self, command: bytes) -> bytes:
        """Apply at the last log time seen (for callers without a log clock)."""
        return self.apply_at(command, self._context.keyspace.now)

    def apply_at(self, command: bytes, log_time: int) -> bytes:
        """Apply one encoded command at ``log_time`` (microseconds) and return the reply."""
        ctx = self._context
        ctx.revision = revision = ctx.revision + 1
        ks = ctx.keyspace
        ks.begin(revision, log_time)
        ks.purge(SWEEP_PER_APPLY)
        heap = ctx.leases.heap
        if heap and heap[0][0] <= ks.now:
            expire_leases(ctx)
        blocking = ctx.blocking
        if blocking.waiters or blocking.deliveries:
            expire_blocking(ctx)
        try:
            args = decode_args(command)
        except msgspec.DecodeError:
            reply = resp.ERR_MALFORMED
        else:
            reply = run_entry(ctx, args)
            if ks.ready:
                serve_ready(ctx)
        if reply == resp.BLOCK:  # a blocking command outside RABIA.BCALL cannot block
            reply = resp.NULL_ARRAY
        if ks.events or ks.published:
            self._notify(ks, revision)
        return reply

    def _notify(self, ks: Keyspace, revision: int) -> None:
        """Hand the events and messages of the command just applied to the sink."""
        events, ks.events = ks.events, []
        messages, ks.published = ks.published, []
        sink = self.event_sink
        if sink is not None:
            if messages:
                sink.publish(revision, events, messages)
            else:
                sink.publish(revision, events)

    @property
    def acl(self) -> Users:
        """The replicated ACL users (read by the node's connections: AUTH, checks)."""
        return self._context.acl

    @property
    def default_password(self) -> bytes | None:
        """What the initial ``default`` user's password is (None: nopass)."""
        return self._context.acl.default_password

    @default_password.setter
    def default_password(self, password: bytes | None) -> None:
        """Set it while the ACL is pristine (every node must be given the same)."""
        self._context.acl.configure_default(password)

    @property
    def served_sink(self) -> ServedSink | None:
        """Where waiters served by a write are announced (the node's RESP server)."""
        return self._context.blocking.sink

    @served_sink.setter
    def served_sink(self, sink: ServedSink | None) -> None:
        self._context.blocking.sink = sink

    @property
    def revision(self) -> int:
        """The revision of the last applied command (0 before the first)."""
        return self._context.revision

    def key_counts(self) -> tuple[int, int]:
        """(keys, keys with a TTL) as this replica holds them now, applying nothing
        (expired keys not purged yet included, as Redis counts them): for INFO."""
        ks = self._context.keyspace
        return len(ks.data), len(ks.expires)

    def read(self, args: list[bytes]) -> bytes | None:
        """The reply of read-only command ``args`` from the state as it is, changing
        nothing (no revision, no expiry), or None when it must go through the log
        (``rabia.kv.reads``: not a barrier read, or its answer could depend on time)."""
        return read_now(self._context, args)

    def query(self, query: bytes) -> bytes:
        """``read`` of an encoded command (``Node.read``); ``ValueError`` when it must go
        through the log."""
        try:
            args = decode_args(query)
        except msgspec.DecodeError:
            raise ValueError("not an encoded command") from None
        reply = self.read(args) if args else None
        if reply is None:
            raise ValueError("not a read the barrier may answer now: use the log")
        return reply

    def peek(self, key: bytes) -> bytes | None:
        """``key``'s value as this replica holds it now, applying nothing (no expiry, no
        revision): for the deliberately broken ``stale-reads`` build only."""
        raw = self._context.keyspace.data.get(key)
        return raw[8:] if isinstance(raw, bytes) else None

    def snapshot(self) -> bytes:
        """Deterministic msgpack of keys, values, revisions, expiries, the counters, the
        leases with their attached keys, the blocked calls and the script cache."""
        ctx = self._context
        return _encode(
            MachineState(
                ctx.keyspace.state(ctx.revision),
                ctx.leases.state(),
                ctx.blocking.state(),
                ctx.scripts.state(),
                ctx.acl.state(),
            )
        )

    def restore(self, data: bytes) -> None:
        """Replace the state by a ``snapshot()``; ``ValueError`` on malformed bytes."""
        try:
            state = _decode_snapshot(data)
        except msgspec.DecodeError as exc:
            raise ValueError(f"malformed kv snapshot: {exc}") from None
        ctx = self._context
        ctx.keyspace = Keyspace.from_state(state.keyspace, VALUE_TYPES)
        ctx.leases = Leases.from_state(state.leases)
        sink = ctx.blocking.sink
        ctx.blocking = Blocking.from_state(state.blocking)
        ctx.blocking.sink = sink
        ctx.keyspace.blocked.update(ctx.blocking.keys())
        ctx.scripts.restore(state.scripts)
        try:
            ctx.acl.restore(state.acl)
        except ValueError as exc:
            raise ValueError(f"malformed kv snapshot: {exc}") from None
        ctx.revision = state.keyspace.revision
        if self.event_sink is not None:
            self.event_sink.reset(ctx.revision)
