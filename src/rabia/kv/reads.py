"""Read-only commands answered without the log, through the read barrier (ADR 0017).

Which commands: the table's ``READONLY`` log commands, except those whose answer
depends on more than the state: time (TIME, LEASE.TTL, ELECT.LEADER, OBJECT, XINFO,
XPENDING), chance (RANDOMKEY and the other random picks), a script (EVAL_RO, EVALSHA_RO),
blocking (XREAD), or the log position itself (WATCHREV, what WATCH records). Outside
MULTI and scripts only: a transaction or a script is one log entry.

When: the command runs on this node's machine as it is, changing nothing, only if its
answer cannot depend on time either: none of its keys has a TTL or belongs to a lease
(for commands whose key positions do not name every key they read, no key of the
keyspace may). Such a key is hidden by log time, which only an entry carries: the read
then goes through the log like any command (``read_now`` answers None).

Order (``ConnectionOrder``): a connection's read waits until every earlier log command
of the connection has been applied at this node, and a log command waits until every
earlier read is answered, so a pipelined ``SET k v; GET k; INCR k`` answers v, as Redis
does, never the value after INCR. Reads do not wait for each other (pipelined reads
share barriers), nor log commands for each other (the log keeps their order).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Protocol

from rabia.errors import RabiaError
from rabia.kv.commands.context import MachineContext
from rabia.kv.commands.spec import Flag
from rabia.kv.commands.table import COMMANDS
from rabia.kv.entries import encode_command
from rabia.runtime.pending import OnOutcome, Outcome

Read = Callable[[Callable[[], bytes], OnOutcome], None]
"""Run a function of the state once a read barrier released it (``Node.read_callback``)."""
Submit = Callable[[bytes, OnOutcome], None]
"""Replicate a log entry (``Node.submit_callback``)."""
ReadNow = Callable[[list[bytes]], "bytes | None"]
"""``KVMachine.read``: a barrier read's reply from the state, or None (use the log)."""

READ_MODES = ("barrier", "log")
"""How a node answers read-only commands: through the read barrier or through the log."""
DEFAULT_READS = "barrier"
"""The default read mode (``rabia node|up|jepsen --reads``, ``RespServer``)."""

NOT_BARRIER_READS = frozenset(
    {
        *(b"time", b"lease.ttl", b"elect.leader", b"object", b"xinfo", b"xpending"),
        *(b"randomkey", b"srandmember", b"hrandfield", b"zrandmember"),
        *(b"eval_ro", b"evalsha_ro", b"xread", b"watchrev"),
    }
)
"""``READONLY`` commands that always go through the log (see the module docstring)."""

BARRIER_READS = frozenset(
    name
    for name, spec in COMMANDS.items()
    if spec.handler is not None
    and spec.flags & Flag.READONLY
    and not spec.flags & (Flag.BLOCKING | Flag.NOSCRIPT | Flag.WRITE)
    and spec.at_node is None
    and name not in NOT_BARRIER_READS
)
"""The commands a node may answer through the read barrier, by lower-case name."""

WHOLE_KEYSPACE = frozenset(
    name
    for name in BARRIER_READS
    if not COMMANDS[name].keys.first
    or name in (b"sort_ro", b"sintercard", b"zunion", b"zinter", b"zdiff", b"zintercard")
)
"""Barrier reads whose key positions do not name every key they may read."""


def read_now(ctx: MachineContext, args: list[bytes]) -> bytes | None:
    """The reply of barrier read ``args`` from the state as it is, changing nothing; None
    when it must go through the log (not a barrier read, or its answer could depend on
    time)."""
    name = args[0].lower()
    if name not in BARRIER_READS:
        return None
    ks = ctx.keyspace
    owners = ctx.leases.owner
    if name in WHOLE_KEYSPACE:
        if ks.expires or owners:
            return None
    else:
        expires = ks.expires
        for key in COMMANDS[name].keys.of(args):
            if key in expires or key in owners:
                return None
    return ctx.run(args)


class Numbered(Protocol):
    """A log command's reply place (``PendingReply``): the number the order gives it."""

    number: int


class ConnectionOrder:
    """The order of one connection's log commands and barrier reads (see the module
    docstring): a read starts once every log command before it has its outcome, a log
    command once every read before it is answered; reads do not wait for reads, nor
    commands for commands (the log keeps their order). A read goes through ``read`` on
    ``read_now``, or is ``submit``-ted to the log when ``read_now`` says so."""

    __slots__ = (
        *("_held", "_next", "_open_commands", "_open_reads", "_read", "_read_now"),
        *("_skip_writes", "_submit"),
    )

    def __init__(
        self, read: Read, submit: Submit, read_now: ReadNow, *, skip_writes: bool = False
    ) -> None:
        self._read = read
        self._submit = submit
        self._read_now = read_now
        self._skip_writes = skip_writes
        """The broken ``read-skips-writes`` build (``rabia.kv.unsafe``): reads never wait."""
        self._next = 0
        """Log commands numbered so far."""
        self._open_commands: set[int] = set()
        """Log commands started and without an outcome yet, by number."""
        self._open_reads = 0
        """Reads started and not answered yet."""
        self._held: deque[tuple[bool, Callable[[], None]]] = deque()
        """(is a read, start) of what waits, in the connection's order."""

    # Continuations are bound methods with partial(), not nested functions: a nested
    # function compiled by mypyc (ADR 0018) and its environment reference each other, a
    # cycle left to the garbage collector, on every command and read.

    def may_start(self, pending: Numbered) -> bool:
        """Number the log command whose reply goes to ``pending``: True when it may be
        submitted now (then do so), False when it waits for earlier reads (then ``hold``
        it); ``command_done`` when it has its outcome."""
        number = pending.number = self._next
        self._next = number + 1
        if self._held or self._open_reads:
            return False
        self._open_commands.add(number)
        return True

    def hold(self, pending: Numbered, start: Callable[[], None]) -> None:
        """Start the command ``may_start`` refused once the reads before it are answered."""
        self._held.append((False, partial(self._counted, pending.number, start)))

    def _counted(self, number: int, start: Callable[[], None]) -> None:
        self._open_commands.add(number)
        start()

    def command_done(self, number: int) -> None:
        """The log command ``number`` has its outcome (applied at this node, or failed)."""
        self._open_commands.discard(number)
        self._pump()

    def read(self, args: list[bytes], pending: OnOutcome, alive: Callable[[], bool]) -> None:
        """Answer read ``args`` into ``pending`` through the barrier, now or once every
        log command before it has its outcome (not at all once ``alive()`` is false)."""
        if self._skip_writes or not (self._held or self._open_commands):
            self._start_read(args, pending, alive)
        else:
            self._held.append((True, partial(self._start_read, args, pending, alive)))

    def _start_read(self, args: list[bytes], pending: OnOutcome, alive: Callable[[], bool]) -> None:
        self._open_reads += 1
        if not alive():
            return
        try:
            self._read(partial(self._query, args), partial(self._answered, args, pending))
        except RabiaError as exc:
            self._answer(pending, exc)

    def _query(self, args: list[bytes]) -> bytes:
        return self._read_now(args) or b""

    def _answered(self, args: list[bytes], pending: OnOutcome, outcome: Outcome) -> None:
        if outcome != b"":
            self._answer(pending, outcome)
            return
        try:  # its answer depends on time: the log's
            self._submit(encode_command(args), partial(self._answer, pending))
        except RabiaError as exc:
            self._answer(pending, exc)

    def _answer(self, pending: OnOutcome, outcome: Outcome) -> None:
        self._open_reads -= 1
        pending(outcome)
        self._pump()

    def _pump(self) -> None:
        """Start what waited, in order, as far as the rules allow."""
        held = self._held
        while held:
            is_read, start = held[0]
            if self._open_commands if is_read else self._open_reads:
                return
            held.popleft()
            start()
