"""One Redis client's connection as a sans-IO object: bytes in, bytes out.

``receive`` takes what the client sent; ``data_to_send`` gives what to write back, every
reply in request order. All per-connection state lives here: authentication, protocol
version, name and id, the MULTI queue (and whether a queued command was refused), the
WATCHed revisions, subscriptions and watches, QUIT, and the in-order queue of replies
still owed. The world comes in through a ``Backend`` (log submission, the node's stats,
the watch hub, the machine's revision) and an ``on_output`` callback, called when output
becomes ready outside ``receive`` (a decided command, a notification). The asyncio
protocol in ``rabia.kv.server`` only moves bytes; tests drive this object directly.

Commands are looked up once in the command table (``rabia.kv.commands.table``): what can
never apply (unknown name, wrong arity) is refused here, before consensus; connection-
level commands run their ``local`` handler; every other command becomes one log entry.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Mapping
from functools import partial
from typing import Protocol

from rabia.errors import RabiaError
from rabia.kv import acl_session, resp
from rabia.kv import unsafe as broken
from rabia.kv.acl.users import DEFAULT
from rabia.kv.blocked_call import BlockedCall, Stage, Waits
from rabia.kv.commands.spec import CommandSpec, Flag, ServerView, Session
from rabia.kv.commands.table import COMMANDS
from rabia.kv.entries import encode_command, encode_exec
from rabia.kv.hub import WatchHub
from rabia.kv.machine import KVMachine
from rabia.kv.pending_reply import PendingReply
from rabia.kv.reads import BARRIER_READS, ConnectionOrder
from rabia.kv.refusals import not_subscribed, refusal
from rabia.kv.request import RequestError, RequestParser
from rabia.kv.subscriptions import Subscriptions
from rabia.runtime.pending import OnOutcome, Outcome

Submit = Callable[[bytes, OnOutcome], None]
"""Replicate a log entry (``Node.submit_callback``); the callback gets its reply or
error once, now or later. May raise ``RabiaError`` when the entry is refused at once."""

ERR_NOAUTH = resp.coded_error(b"NOAUTH Authentication required.")


class Backend(Waits, ServerView, Protocol):
    """The node side of a connection (a ``RespServer``, or a fake in tests): what the
    server commands read (``ServerView``: stats, clients, ...), the machine, the watch
    hub, and as ``Waits`` log submission and what blocked calls need (announcements of
    served waiters, timers)."""

    @property
    def machine(self) -> KVMachine:
        """The node's machine: its revision, and its state for the broken builds."""

    @property
    def hub(self) -> WatchHub:
        """The node's change notifications, for SUBSCRIBE and RABIA.WATCH."""

    def new_waiter_id(self) -> bytes:
        """A waiter id no other call of the cluster has (``node.session.counter``)."""

    def read(self, query: Callable[[], bytes], on_outcome: OnOutcome) -> None:
        """``Node.read_callback``: run ``query`` after a read barrier (ADR 0017)."""


def _ignore(outcome: Outcome) -> None:
    pass


class Connection:
    """The state and command handling of one Redis client connection, without I/O.

    ``max_request``: the largest request accepted, in bytes (larger ones are a protocol
    error; users and passwords are the machine's ACL, ``rabia.kv.acl``);
    ``unsafe``: deliberately broken builds (``rabia.kv.unsafe``), for tests only;
    ``clock``: seconds, for the connection's age and idle time (CLIENT LIST);
    ``barrier_reads``: answer read-only commands through the read barrier (ADR 0017).
    """

    def __init__(
        self,
        backend: Backend,
        on_output: Callable[[], None],
        *,
        client_id: int,
        max_request: int,
        unsafe: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.monotonic,
        barrier_reads: bool = False,
    ) -> None:
        self.backend = backend
        self.user = DEFAULT
        """The ACL user the client is authenticated as (every entry it sends runs as it)."""
        self._submit = acl_session.submitter(self, backend.submit)
        self._waits = acl_session.WaitsAs(backend, self._submit)
        """The node's waits, submitting as this connection's user (blocked calls)."""
        skip = broken.READ_SKIPS_WRITES in unsafe
        self._reads = (
            ConnectionOrder(
                backend.read,
                self._submit,
                acl_session.checked_reads(self, backend.machine.acl, backend.machine.read),
                skip_writes=skip,
            )
            if barrier_reads
            else None
        )
        self._on_output = on_output
        self._parser = RequestParser(max_request)
        self._replies: deque[PendingReply | bytes] = deque()
        self._lost = False
        self._calls: list[BlockedCall] = []
        """Blocking commands of this client (done ones are pruned now and then)."""
        self._stale_reads = broken.STALE_READS in unsafe
        self._ack_before_decide = broken.ACK_BEFORE_DECIDE in unsafe
        self._broken = self._stale_reads or self._ack_before_decide
        self.client_id = client_id
        default = backend.machine.acl.get(DEFAULT)
        self.authenticated = default is not None and default.on and default.nopass
        """Authenticated as ``user`` (new connections are, as ``default``, if it is on
        with ``nopass``)."""
        self.protocol = 2
        """The RESP version of the replies: 2, or 3 after ``HELLO 3``."""
        self.name = b""
        self.multi: list[list[bytes]] | None = None
        """The commands queued since MULTI (None: not in a transaction)."""
        self.multi_error = False
        """A command was refused while queued: EXEC aborts."""
        self.watched: dict[bytes, int] = {}
        """WATCHed key -> its revision when watched."""
        self.subs: Subscriptions | None = None
        self.closing = False
        """QUIT or a protocol error was seen: input is ignored, the connection closes
        once every reply before it is sent."""
        self._clock = clock
        self.created = self.last_active = clock()
        self.last_command = b"NULL"
        self.addr = self.laddr = b""
        """The peer's and the server's ``ip:port`` (set by the transport)."""
        self.fd = -1
        self.library: dict[bytes, bytes] = {}
        self._captured: list[bytes] | None = None
        """Replies of a connection-level command run inside EXEC go here."""

    # -- bytes in, bytes out ------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        """Take bytes from the client: run every complete request in them."""
        if self.closing:
            return  # after QUIT or a protocol error input is ignored, as in Redis
        parser = self._parser
        parser.feed(data)
        while not self.closing:
            try:
                args = parser.next()
            except RequestError as exc:
                self.reply(resp.error(b"Protocol error: " + str(exc).encode()))
                self.closing = True
                break
            if args is None:
                break
            if args:
                self._dispatch(args)

    def data_to_send(self) -> bytes:
        """The replies ready to be written, in request order, up to the first still owed."""
        out = []
        replies = self._replies
        while replies:
            head = replies[0]
            if type(head) is bytes:
                out.append(head)
            else:
                reply = head.reply  # type: ignore[union-attr]
                if reply is None:
                    break
                out.append(reply)
            replies.popleft()
        return b"".join(out)

    @property
    def finished(self) -> bool:
        """Closing, with every reply sent: the transport should be closed now."""
        return self.closing and not self._replies

    @property
    def subscribed(self) -> bool:
        """In subscribe or watch mode: pushed messages the client does not ask for."""
        return self.subs is not None and self.subs.active

    def close(self) -> None:
        """The client is gone: end its subscriptions, forget the replies it is owed."""
        self._lost = True
        if self.subs is not None:
            self.subs.close()
        for call in self._calls:
            call.abandon()
        self._calls = []
        self._replies.clear()

    # -- what connection-level commands read (``spec.Session``) -------------------------

    @property
    def server(self) -> ServerView:
        """The node serving this connection."""
        return self.backend

    def clock(self) -> float:
        """Seconds on the connection's clock."""
        return self._clock()

    def kill(self) -> None:
        """Close now (CLIENT KILL from another connection): owed replies are dropped and
        subscriptions end; the transport closes at its next flush."""
        self.closing = True
        self._replies.clear()
        if self.subs is not None:
            self.subs.close()
        if not self._lost:
            self._on_output()

    @property
    def revision(self) -> int:
        """The revision the node's machine applied last."""
        return self.backend.machine.revision

    @property
    def hub(self) -> WatchHub:
        """The node's change notifications."""
        return self.backend.hub

    def stats(self) -> Mapping[str, object]:
        """The node's statistics, for INFO."""
        return self.backend.stats()

    # -- replies (for the command handlers) ---------------------------------------------

    def reply(self, data: bytes) -> None:
        """Queue a reply known now (RESP2 bytes; converted for a RESP3 client)."""
        if self.protocol == 3:
            data = resp.to_resp3(data)
        if self._captured is None:
            self._replies.append(data)
        else:
            self._captured.append(data)

    def submit(self, entry: bytes, transform: Callable[[bytes], bytes] | None = None) -> None:
        """Replicate ``entry``; its reply takes the next place in the answer order."""
        self._owed(self.protocol == 3, transform, partial(self._send, entry))  # no closure

    def _send(self, entry: bytes, pending: PendingReply) -> None:
        try:
            self._submit(entry, pending)
        except RabiaError as exc:
            pending(exc)

    def submit_transaction(self, watched: dict[bytes, int], queued: list[list[bytes]]) -> None:
        """Replicate a transaction as one log entry (EXEC). Connection-level commands
        queued in it (PING, ECHO, CLIENT...) are not logged: they run when the entry's
        reply comes, their replies spliced into its array in queue order (none run if
        the transaction fails)."""
        specs = [COMMANDS[command[0].lower()] for command in queued]
        logged = [c for c, spec in zip(queued, specs, strict=True) if spec.local is None]
        entry = encode_exec(sorted(watched.items()), logged)
        if self._ack_before_decide and (early := broken.early_exec(self.backend.machine, logged)):
            self._in_background(entry, early)
        elif (
            len(logged) == len(queued) and self.protocol == 2 and not any(s.at_node for s in specs)
        ):
            self.submit(entry)
        else:
            exec_reply = lambda r: self._exec_reply(queued, specs, r)  # noqa: E731
            self._owed(False, exec_reply, partial(self._send, entry))

    def _exec_reply(
        self, queued: list[list[bytes]], specs: list[CommandSpec], reply: bytes
    ) -> bytes:
        """EXEC's reply: the log entry's array with the connection-level commands' replies
        in their places, each in the client's protocol (RESP3 forms included)."""
        items = resp.array_elements(reply)
        if items is None:  # an error, or a watched key changed
            return resp.to_resp3(reply) if self.protocol == 3 else reply
        logged = iter(items)
        out: list[bytes] = []
        for command, spec in zip(queued, specs, strict=True):
            if spec.local is not None:
                captured: list[bytes] = []
                self._captured = captured
                try:
                    spec.local(self, command)
                finally:
                    self._captured = None
                out.append(b"".join(captured))
            else:
                item = next(logged)
                if spec.at_node is not None:
                    item = spec.at_node(self, command, item)
                if self.protocol == 3:
                    item = resp.to_resp3(item if spec.resp3 is None else spec.resp3(item))
                out.append(item)
        return b"*%d\r\n%s" % (len(out), b"".join(out))

    def subscriptions(self) -> Subscriptions:
        """This connection's channels, patterns and watches (created on first use)."""
        if self.subs is None:
            self.subs = Subscriptions(self.backend.hub, self._push, self.protocol == 3)
        return self.subs

    @property
    def subscribed_resp2(self) -> bool:
        """In subscribe mode on RESP2, where only a few commands are allowed."""
        return self.protocol == 2 and self.subs is not None and self.subs.active

    def _push(self, data: bytes) -> None:
        """Queue a message of the subscriptions in reply order, and say so."""
        self.reply(data)
        if not self._lost:
            self._on_output()

    def _owed(
        self,
        resp3: bool,
        transform: Callable[[bytes], bytes] | None,
        start: Callable[[PendingReply], None],
    ) -> None:
        """A log command's reply place; ``start`` submits it (after earlier reads)."""
        pending = PendingReply(self, resp3, transform)
        self._replies.append(pending)
        if self._reads is None or self._reads.may_start(pending):
            start(pending)
        else:
            self._reads.hold(pending, partial(start, pending))

    def _completed(self, number: int = -1) -> None:
        if number >= 0 and self._reads is not None:
            self._reads.command_done(number)
        if not self._lost:
            self._on_output()

    # -- dispatch -----------------------------------------------------------------------

    def _dispatch(self, args: list[bytes]) -> None:
        name = args[0].lower()
        spec = COMMANDS.get(name)
        self.last_active = self._clock()
        if spec is not None:
            self.last_command = name
        if not self.authenticated and (spec is None or not spec.flags & Flag.NO_AUTH):
            self.reply(ERR_NOAUTH)
            return
        subs = self.subs
        if (
            subs is not None
            and subs.active
            and self.protocol == 2
            and (spec is None or not spec.flags & Flag.SUBSCRIBED)
        ):
            self.reply(refusal(spec, args) or not_subscribed(spec, args))
            return
        if self.multi is not None and (spec is None or not spec.flags & Flag.TRANSACTION):
            problem = refusal(spec, args)
            if problem is None and spec is not None:
                problem = self._acl_refusal(spec, args)
            self._queue(args, problem)  # queued too, as in Redis
            return
        if spec is None:
            self.reply(resp.unknown_command(args))
            return
        arity = spec.arity
        count = len(args)
        if count != arity and (arity >= 0 or count < -arity):
            self.reply(resp.arity_error(args[0]))
        elif (denied := self._acl_refusal(spec, args)) is not None:
            self.reply(denied)
        elif spec.local is not None:
            spec.local(self, args)
        elif spec.at_node is not None:
            self._at_node(spec.at_node, args)
        elif self._reads is not None and name in BARRIER_READS and not self._broken:
            self._barrier_read(spec, args)
        elif self.protocol == 3:
            self._resp3_command(spec, args)
        elif spec.blocks:
            self._blocking_call(args, None)
        elif self._broken:
            self._submit_broken(args)
        else:
            self.submit(encode_command(args))

    def _resp3_command(self, spec: CommandSpec, args: list[bytes]) -> None:
        """A log command from a RESP3 client: its reply in RESP3 form."""
        transform = spec.resp3 if spec.resp3_of is None else spec.resp3_of(args)
        if spec.blocks:
            self._blocking_call(args, transform)
        elif self._broken:
            self._submit_broken(args)
        else:
            self.submit(encode_command(args), transform)

    def _barrier_read(self, spec: CommandSpec, args: list[bytes]) -> None:
        """A read-only command through the read barrier (``rabia.kv.reads``)."""
        assert self._reads is not None
        transform = spec.resp3 if spec.resp3_of is None else spec.resp3_of(args)
        pending = PendingReply(self, self.protocol == 3, transform if self.protocol == 3 else None)
        self._replies.append(pending)
        self._reads.read(args, pending, lambda: not self._lost)

    def _at_node(
        self, rewrite: Callable[[Session, list[bytes], bytes], bytes], args: list[bytes]
    ) -> None:
        """A log command whose reply this node rewrites (``CommandSpec.at_node``)."""
        self.submit(encode_command(args), lambda reply: rewrite(self, args, reply))

    def _blocking_call(self, args: list[bytes], transform: Callable[[bytes], bytes] | None) -> None:
        """A blocking command: its reply's place is kept while it waits (ADR 0014)."""

        def start(pending: PendingReply) -> None:
            if self._lost:  # gone while earlier reads were answered: nothing to wait for
                return
            calls = self._calls
            if len(calls) > 32:
                self._calls = calls = [c for c in calls if c.stage is not Stage.DONE]
            call = BlockedCall(self.backend.new_waiter_id(), args, pending, self._waits)
            calls.append(call)
            call.start()

        self._owed(self.protocol == 3, transform, start)

    def _submit_broken(self, args: list[bytes]) -> None:
        """A log command in a deliberately broken build (``rabia.kv.unsafe``)."""
        machine = self.backend.machine
        if self._stale_reads and (early := broken.stale_read(machine, args)):
            self.reply(early)
        elif self._ack_before_decide and (early := broken.early_reply(machine, args)):
            self._in_background(encode_command(args), early)
        else:
            self.submit(encode_command(args))

    def _acl_refusal(self, spec: CommandSpec, args: list[bytes]) -> bytes | None:
        """NOPERM for ``args`` at this node now (empty: the user is gone, closing)."""
        return acl_session.refusal(self, self.backend.machine.acl, spec, args)

    def _queue(self, args: list[bytes], problem: bytes | None) -> None:
        """Queue a command inside MULTI, or refuse it as EXEC would (and doom the EXEC)."""
        assert self.multi is not None
        if problem is not None:
            self.multi_error = True
            if problem:
                self.reply(problem)
        else:
            self.multi.append(args)
            self.reply(resp.QUEUED)

    def _in_background(self, entry: bytes, reply: bytes) -> None:
        """Answer ``reply`` now and submit ``entry`` unobserved (a broken build)."""
        with contextlib.suppress(RabiaError):
            self._submit(entry, _ignore)
        self.reply(reply)
