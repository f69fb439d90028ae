"""One row of the command table: what a command is, modelled on Redis's command reference.

A row names the command, its arity and flags, where its keys are among its arguments,
and who answers it: a ``handler`` that applies it on every replica (a log command), a
``local`` handler that answers it at the client's connection (a connection-level
command), or both (``EXEC``: the client's EXEC at the connection, the transaction's log
entry on every replica).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from random import Random
from typing import TYPE_CHECKING, NamedTuple, Protocol

from rabia.kv.leases import Leases
from rabia.kv.store import Keyspace

if TYPE_CHECKING:
    from rabia.kv.acl.user import User
    from rabia.kv.acl.users import Users
    from rabia.kv.blocking import Blocking
    from rabia.kv.hub import WatchHub
    from rabia.kv.scripting import ScriptEngine
    from rabia.kv.subscriptions import Subscriptions


class BlockRequest(NamedTuple):
    """What a blocked command waits for: any of ``keys`` to be written, for at most
    ``timeout_us`` of log time (0: forever); ``nil`` is its reply on timeout; ``args``
    the command to re-run when served (None: the one that blocked)."""

    keys: list[bytes]
    timeout_us: int
    nil: bytes
    args: list[bytes] | None = None


class Limits(NamedTuple):
    """The machine's limits: a command over one gets an ``-ERR`` and changes nothing."""

    max_key_size: int
    max_value_size: int
    max_keys: int
    max_leases: int


class Context(Protocol):
    """What a log command's handler works on, on every replica (``MachineContext``)."""

    keyspace: Keyspace
    """The keys, with the log time (``now``) and the events of the command applied."""
    leases: Leases
    limits: Limits
    revision: int
    """The revision of the command being applied (the machine's apply counter)."""
    nested: bool
    """True while EXEC (or a script) runs commands: blocking commands do not block."""
    blocking_call: bool
    """True while a blocking call (``RABIA.BCALL``, or serving a waiter) runs: only then
    may a blocking command block; anywhere else it answers its timeout reply."""
    blocking: Blocking
    """The waiters and served pops (ADR 0014)."""
    block_request: BlockRequest | None
    """What the blocking command just run waits for, if it blocked."""
    scripts: ScriptEngine
    """The script cache (replicated) and the Lua runtime (ADR 0016)."""
    acl: Users
    """The ACL users (replicated)."""
    acl_user: User | None
    """The user of the entry being applied, when its commands must be checked."""
    acl_name: bytes
    """The name of the entry's user."""
    random_salt: int
    """Mixed into ``random()``'s seed: 0, except while a script runs, where each command
    it calls gets its own (two SRANDMEMBER in one script draw independently)."""

    @property
    def commands(self) -> Mapping[bytes, CommandSpec]:
        """The command table, by lower-case name."""

    def run(self, args: list[bytes]) -> bytes:
        """Apply one command through the table (how EXEC runs what it holds)."""

    def check_new_key(self, key: bytes) -> bytes | None:
        """The error for creating ``key`` (too long, keyspace full), if any."""

    def random(self) -> Random:
        """A random source seeded by the log entry being applied (and ``random_salt``):
        the same draws on every replica (SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY...)."""

    def block(
        self,
        keys: list[bytes],
        timeout_us: int,
        nil: bytes = ...,
        args: list[bytes] | None = None,
    ) -> bytes:
        """For a blocking command with nothing to serve (and nothing changed): wait for
        ``keys`` (returns ``resp.BLOCK``), or outside a blocking call (EXEC, scripts)
        answer ``nil``. ``args``: the command to re-run when served, if not the one
        given (XREAD turns ``$`` into the last id it saw)."""


class MachineView(Protocol):
    """What INFO and CONFIG read of the node's replica of the machine (``KVMachine``)."""

    @property
    def revision(self) -> int:
        """The revision of the last command applied."""

    @property
    def max_value_size(self) -> int:
        """The longest string a key may hold."""

    def key_counts(self) -> tuple[int, int]:
        """(keys, keys with a TTL) now, applying nothing."""

    @property
    def acl(self) -> Users:
        """The replicated ACL users (AUTH and HELLO read them)."""


class ServerView(Protocol):
    """What the connection-level server commands (INFO, CONFIG, CLIENT, WAIT) read of
    the node serving the connection (``rabia.kv.server.RespServer``)."""

    @property
    def machine(self) -> MachineView:
        """This node's replica of the machine (read only: INFO's key counts)."""

    @property
    def port(self) -> int:
        """The port clients connect to."""

    @property
    def started(self) -> float:
        """When the server started, on the connections' ``clock``."""

    def stats(self) -> Mapping[str, object]:
        """The node's statistics, for INFO."""

    def clients(self) -> Sequence[Session]:
        """The open client connections of this node (CLIENT LIST, CLIENT KILL)."""

    def replicas(self) -> int:
        """The other members of the cluster (WAIT's answer)."""

    def blocked_clients(self) -> int:
        """This node's clients waiting in a blocking command now."""


class Session(Protocol):
    """What a connection-level command's handler works on: one client's connection
    (``rabia.kv.connection.Connection``)."""

    client_id: int
    user: bytes
    """The ACL user the client is authenticated as."""
    authenticated: bool
    protocol: int
    name: bytes
    multi: list[list[bytes]] | None
    multi_error: bool
    watched: dict[bytes, int]
    subs: Subscriptions | None
    closing: bool
    addr: bytes
    """The client's address, ``ip:port``."""
    laddr: bytes
    """The server's address of the connection, ``ip:port``."""
    fd: int
    created: float
    """When the connection opened (``clock``)."""
    last_active: float
    """When its last command came (``clock``)."""
    last_command: bytes
    library: dict[bytes, bytes]
    """CLIENT SETINFO's ``lib-name`` and ``lib-ver``."""

    @property
    def server(self) -> ServerView:
        """The node serving this connection."""

    def clock(self) -> float:
        """Seconds on a monotonic clock (connection ages, idle times)."""

    def kill(self) -> None:
        """Close the connection now (CLIENT KILL): replies still owed are dropped."""

    @property
    def subscribed_resp2(self) -> bool:
        """In subscribe mode on RESP2."""

    @property
    def revision(self) -> int:
        """The revision the node's machine applied last."""

    @property
    def hub(self) -> WatchHub:
        """The node's change notifications."""

    def stats(self) -> Mapping[str, object]:
        """The node's statistics, for INFO."""

    def reply(self, data: bytes) -> None:
        """Queue a reply known now."""

    def submit(self, entry: bytes, transform: Callable[[bytes], bytes] | None = None) -> None:
        """Replicate ``entry``; its reply takes the next place in the answer order."""

    def submit_transaction(self, watched: dict[bytes, int], queued: list[list[bytes]]) -> None:
        """Replicate a transaction as one log entry."""

    def subscriptions(self) -> Subscriptions:
        """This connection's channels, patterns and watches."""


Handler = Callable[[Context, list[bytes]], bytes]
"""Applies a command (its arguments, name first) on a replica; returns the RESP2 reply."""

LocalHandler = Callable[[Session, list[bytes]], None]
"""Answers a connection-level command by queueing replies on the connection."""


class Flag(enum.IntFlag):
    """What kind of command a row is (Redis's command flags, and the connection's gates)."""

    WRITE = enum.auto()
    """May change the keyspace or the leases."""
    READONLY = enum.auto()
    """Reads data and never changes it (expiry by log time aside): a candidate for
    answering without the log."""
    DENYOOM = enum.auto()
    """May use more memory (a key, a value, a lease): refused first at a limit."""
    ADMIN = enum.auto()
    """Administrative (none yet)."""
    PUBSUB = enum.auto()
    """Pub/sub or watch: changes what the connection is pushed."""
    NOSCRIPT = enum.auto()
    """Not allowed inside a script."""
    BLOCKING = enum.auto()
    """May block the client until something happens (none yet)."""
    FAST = enum.auto()
    """O(1) or O(log n) in the size of the keyspace."""
    LOCAL = enum.auto()
    """Answered by the connection, never a log entry of its own."""
    TRANSACTION = enum.auto()
    """Transaction control: run even inside MULTI, never queued."""
    NO_AUTH = enum.auto()
    """Allowed before the client has authenticated."""
    SUBSCRIBED = enum.auto()
    """Allowed on a RESP2 connection in subscribe mode."""
    INTERNAL = enum.auto()
    """Written by the node itself (blocking commands' entries), never by a client: in
    the machine's table only."""


class KeyPositions(NamedTuple):
    """Where a command's keys are among its arguments (name at 0), as Redis's legacy key
    spec: from ``first`` to ``last`` every ``step``; a negative ``last`` counts from the
    end (-1: the last argument). ``first == 0``: no keys."""

    first: int
    last: int
    step: int

    def of(self, args: list[bytes]) -> list[bytes]:
        """The keys among ``args``."""
        if not self.first:
            return []
        stop = len(args) + self.last + 1 if self.last < 0 else self.last + 1
        return args[self.first : stop : self.step]


NO_KEYS = KeyPositions(0, 0, 0)
FIRST_KEY = KeyPositions(1, 1, 1)
ALL_KEYS = KeyPositions(1, -1, 1)
KEY_VALUE_PAIRS = KeyPositions(1, -1, 2)


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command of the table."""

    name: bytes
    """Lower case, as looked up."""
    arity: int
    """Redis's convention, name included: exactly ``arity`` arguments if >= 0, else at
    least ``-arity``."""
    flags: Flag
    keys: KeyPositions = NO_KEYS
    handler: Handler | None = None
    """Applies the command on every replica; None for connection-level commands."""
    local: LocalHandler | None = None
    """Answers the command at the connection (the ``LOCAL`` commands, and EXEC)."""
    resp3: Callable[[bytes], bytes] | None = None
    """Turns the machine's (RESP2) reply into its RESP3 form for a RESP3 client, when the
    two differ beyond nulls (maps, sets, doubles: ``rabia.kv.resp``); None: same."""
    resp3_of: Callable[[list[bytes]], Callable[[bytes], bytes] | None] | None = None
    """When the RESP3 form depends on the arguments (HRANDFIELD ... WITHVALUES): picks
    the transform for a command's arguments (None: same as RESP2); overrides ``resp3``."""
    at_node: Callable[[Session, list[bytes], bytes], bytes] | None = None
    """Rewrites a log command's reply at the client's node from what only that node
    knows (PUBLISH: the subscribers it reached there), in EXEC's array too; the machine's
    own reply (what scripts see) must not depend on the node."""
    blocks: bool = field(init=False, repr=False, compare=False)
    """Derived: a client's blocking command (``BLOCKING``, not internal), which the
    connection runs as a ``BlockedCall``."""
    subcommands: Mapping[bytes, int] | None = None
    """A container command's subcommands (lower case) and their arities, name and
    subcommand included (Redis's ``object|encoding`` rows): an unknown one or a wrong
    arity is refused like an unknown command (before consensus, EXECABORT in MULTI)."""
    written_key: int = field(init=False, repr=False, compare=False)
    """Derived, for the election-key guard: 0 if the command writes no key (not
    ``WRITE``, or no keys), the position of its key if it writes exactly one, -1 if it
    writes the keys at ``keys`` positions."""

    def __post_init__(self) -> None:
        first, last, _ = self.keys
        writes = bool(self.flags & Flag.WRITE) and first > 0
        object.__setattr__(self, "written_key", (first if first == last else -1) if writes else 0)
        blocks = bool(self.flags & Flag.BLOCKING) and not self.flags & Flag.INTERNAL
        object.__setattr__(self, "blocks", blocks)

    def accepts(self, count: int) -> bool:
        """Whether ``count`` arguments (name included) fit the arity."""
        arity = self.arity
        return count == arity if arity >= 0 else count >= -arity

    def subcommand_error(self, args: list[bytes]) -> bytes | None:
        """Redis's error for an unknown subcommand or one of the wrong arity (``args``
        fit the command's own arity); None when fine or not a container command."""
        table = self.subcommands
        if table is None:
            return None
        sub = args[1].lower()
        arity = table.get(sub)
        if arity is None:
            text = b"unknown subcommand '%s'. Try %s HELP." % (args[1][:128], self.name.upper())
            return b"-ERR %s\r\n" % text.replace(b"\r", b" ").replace(b"\n", b" ")
        count = len(args)
        if count == arity if arity >= 0 else count >= -arity:
            return None
        return b"-ERR wrong number of arguments for '%s|%s' command\r\n" % (self.name, sub)
