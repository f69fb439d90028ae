"""What a command's handler gets: the state it may read and change, and how to run commands.

One ``MachineContext`` per machine, reused by every apply (no allocation per command): the
keyspace (with the log time ``keyspace.now`` and the event list ``keyspace.events``), the
leases, the limits, and the revision of the command being applied. ``run`` is the
dispatch of one command through the table: it is how the machine applies an entry, and
how ``EXEC`` applies the commands it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from random import Random

from rabia.kv import resp
from rabia.kv.acl.user import User
from rabia.kv.acl.users import DEFAULT, Users
from rabia.kv.blocking import Blocking
from rabia.kv.commands.acl_categories import catalog
from rabia.kv.commands.spec import BlockRequest, CommandSpec, Limits
from rabia.kv.leases import Leases
from rabia.kv.scripting import ScriptEngine
from rabia.kv.store import Keyspace
from rabia.kv.values.base import WrongType

ELECTION_PREFIX = b"__election__:"
"""Election ``name``'s holder is the key ``ELECTION_PREFIX + name``: written only by the
ELECT commands and lease expiry/revocation (ordinary writes to it are refused)."""

ERR_ELECTION_KEY = resp.error(
    b"keys starting with '%s' are written only by ELECT.* and LEASE.*" % ELECTION_PREFIX
)


def refusal(spec: CommandSpec | None, args: list[bytes]) -> bytes | None:
    """The error log command ``args`` (not empty) gets before running, given its row
    (None: unknown): unknown name or connection-level only, wrong arity, or an unknown
    subcommand or one of the wrong arity; else None."""
    if spec is None or spec.handler is None:
        return resp.unknown_command(args)
    if not spec.accepts(len(args)):
        return resp.arity_error(args[0])
    return spec.subcommand_error(args)


class MachineContext:
    """The state a handler works on (``spec.Context``), shared by every command of one
    machine."""

    __slots__ = (
        *("acl", "acl_name", "acl_user"),
        *("block_request", "blocking", "blocking_call", "commands", "keyspace", "leases"),
        *("limits", "nested", "random_salt", "revision", "scripts"),
    )

    def __init__(
        self,
        commands: Mapping[bytes, CommandSpec],
        limits: Limits,
        scripts: ScriptEngine | None = None,
    ) -> None:
        self.commands = commands
        """The command table, by lower-case name."""
        self.limits = limits
        self.keyspace = Keyspace()
        self.leases = Leases()
        self.revision = 0
        """The revision of the command being applied (the machine's apply counter)."""
        self.nested = False
        """True while EXEC or a script runs commands: blocking commands do not block."""
        self.block_request: BlockRequest | None = None
        """What the blocking command just applied waits for (``block``), if it blocked."""
        self.blocking = Blocking()
        self.blocking_call = False
        self.scripts = ScriptEngine() if scripts is None else scripts
        """The script cache (replicated) and the Lua runtime (ADR 0016)."""
        self.random_salt = 0
        self.acl = Users(catalog(commands))
        """The ACL users (replicated: changed by ACL SETUSER and DELUSER entries)."""
        self.acl_user: User | None = None
        """The user of the entry being applied when its commands must be checked."""
        self.acl_name = DEFAULT
        """The name of the entry's user (ACL WHOAMI)."""

    def block(
        self,
        keys: list[bytes],
        timeout_us: int,
        nil: bytes = resp.NULL_ARRAY,
        args: list[bytes] | None = None,
    ) -> bytes:
        """Called by a blocking command's handler that has nothing to serve now (having
        changed nothing): returns ``resp.BLOCK`` and records what it waits for (ADR
        0014); outside a blocking call (EXEC, scripts, a bare entry) it does not block
        and answers ``nil`` instead."""
        if self.nested or not self.blocking_call:
            return nil
        self.block_request = BlockRequest(keys, timeout_us, nil, args)
        return resp.BLOCK

    def run(self, args: list[bytes]) -> bytes:
        """Apply one command: refused when unknown, of the wrong arity, or writing an
        election key; else its handler's reply."""
        # The hot path of every replica: refusal() inlined.
        spec = self.commands.get(args[0].lower()) if args else None
        if spec is None or spec.handler is None:
            return resp.unknown_command(args) if args else resp.ERR_EMPTY
        arity = spec.arity
        count = len(args)
        if count != arity and (arity >= 0 or count < -arity):
            return resp.arity_error(args[0])
        written = spec.written_key
        if written and (
            args[written].startswith(ELECTION_PREFIX)
            if written > 0
            else any(k.startswith(ELECTION_PREFIX) for k in spec.keys.of(args))
        ):
            return ERR_ELECTION_KEY
        try:
            return spec.handler(self, args)
        except WrongType:
            return resp.WRONGTYPE

    def random(self) -> Random:
        """A random source seeded by the entry being applied (its revision and log time)
        and ``random_salt``: every replica draws the same numbers for the same entry."""
        return Random(self.revision * 1_000_003 + self.keyspace.now + self.random_salt * 7_919)

    def check_new_key(self, key: bytes) -> bytes | None:
        """The error for creating ``key`` (key too long, keyspace full), if any."""
        if len(key) > self.limits.max_key_size:
            return resp.ERR_KEY_SIZE
        ks = self.keyspace
        max_keys = self.limits.max_keys
        if len(ks.data) >= max_keys and len(ks) >= max_keys:
            return resp.ERR_MAX_KEYS
        return None
