"""The Redis-protocol (RESP2 and RESP3) front end of a node whose state machine is ``KVMachine``.

Every data command becomes one log entry (linearizable reads included) whose reply the
machine produces as RESP bytes; the connection writes replies in request order, so a
pipelining client gets its answers in order while its commands are batched into
consensus together. Connection-level commands (PING, ECHO, SELECT 0, CLIENT, AUTH, QUIT,
COMMAND, INFO) and transactions (MULTI/EXEC/DISCARD/WATCH/UNWATCH: queued here, applied
as one log entry) are handled by the connection. Requests are RESP arrays or, as in Redis,
inline lines (telnet, ``redis-cli --pipe``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Callable
from typing import cast

from rabia.errors import RabiaError
from rabia.kv import resp
from rabia.kv import unsafe as broken
from rabia.kv.hub import WatchHub
from rabia.kv.machine import KVMachine, check_command, encode_command, encode_exec
from rabia.kv.request import MAX_INLINE, RequestError, RequestParser
from rabia.kv.subscriptions import Subscriptions
from rabia.runtime import unsafe as unsafe_builds
from rabia.runtime.listener import Listener
from rabia.runtime.node import Node
from rabia.runtime.pending import Outcome
from rabia.runtime.topology import TopologyEvent

log = logging.getLogger("rabia.resp")

_client_ids = itertools.count(1)


def _simple(text: bytes) -> bytes:
    return b"+" + text + b"\r\n"


def _error(text: bytes) -> bytes:
    """An error reply whose ``text`` starts with its code (``ERR``, ``NOAUTH``, ...);
    unlike ``resp.error``, which adds ``ERR`` itself."""
    return b"-" + text.replace(b"\r", b" ").replace(b"\n", b" ") + b"\r\n"


def to_resp3(reply: bytes) -> bytes:
    """Re-encode RESP2 replies (as the KV machine writes them) for a RESP3 connection:
    the null bulk string and the null array become RESP3's null; everything else is the
    same on both protocols. ``reply`` may hold several complete replies."""
    out: list[bytes] = []
    pos = 0
    while pos < len(reply):
        pos = _convert_one(reply, pos, out)
    return b"".join(out)


def _convert_one(data: bytes, pos: int, out: list[bytes]) -> int:
    end = data.index(b"\r\n", pos)
    kind = data[pos : pos + 1]
    header = data[pos : end + 2]
    if kind == b"$":
        length = int(data[pos + 1 : end])
        if length < 0:
            out.append(b"_\r\n")
            return end + 2
        stop = end + 2 + length + 2
        out.append(data[pos:stop])
        return stop
    if kind in (b"*", b"%"):
        count = int(data[pos + 1 : end])
        if count < 0:
            out.append(b"_\r\n")
            return end + 2
        out.append(header)
        position = end + 2
        for _ in range(count * (2 if kind == b"%" else 1)):
            position = _convert_one(data, position, out)
        return position
    out.append(header)  # +simple, -error, :integer
    return end + 2


MAX_SUBSCRIBER_BUFFER = 32 * 1024 * 1024
"""A subscribed connection whose unsent output exceeds this is dropped (slow consumer)."""

_SUBSCRIBED_RESP2 = frozenset(
    [
        *(b"subscribe", b"psubscribe", b"unsubscribe", b"punsubscribe"),
        *(b"ping", b"quit", b"reset", b"rabia.watch", b"rabia.unwatch"),
    ]
)


def _ignore_outcome(outcome: Outcome) -> None:
    pass


def _rabia_error(exc: RabiaError) -> bytes:
    """The reply for a command the node failed: TRYAGAIN when it may still apply."""
    return _error((b"TRYAGAIN " if exc.may_have_applied else b"ERR ") + str(exc).encode())


class _Slot:
    """The place of one reply in a connection's answer order, filled once known."""

    __slots__ = ("_connection", "reply", "transform")

    def __init__(
        self, connection: RespConnection, transform: Callable[[bytes], bytes] | None = None
    ) -> None:
        self._connection = connection
        self.reply: bytes | None = None
        self.transform = transform
        """Turns the machine's reply into the client's (e.g. WATCH recording revisions)."""

    def __call__(self, outcome: Outcome) -> None:
        if isinstance(outcome, bytes):
            self.reply = outcome if self.transform is None else self.transform(outcome)
        else:
            self.reply = _rabia_error(outcome)
        self._connection._reply_ready()


class RespServer(Listener):
    """Listens for Redis clients on behalf of one node whose machine is ``KVMachine``."""

    def __init__(
        self,
        node: Node,
        host: str,
        port: int,
        *,
        password: bytes | None = None,
        watch_history: int = 100_000,
    ):
        super().__init__(host, port)
        self.node = node
        self.password = password
        machine = node.machine
        if not isinstance(machine, KVMachine):
            raise TypeError("the Redis protocol needs the KV machine (rabia.kv:KVMachine)")
        self.machine = machine
        unsafe = node.config.unsafe
        self.stale_reads = unsafe_builds.STALE_READS in unsafe
        self.ack_before_decide = unsafe_builds.ACK_BEFORE_DECIDE in unsafe
        """Deliberately broken builds, for tests only (``rabia.kv.unsafe``)."""
        self.hub = WatchHub(watch_history)
        """Change notifications in commit order, for SUBSCRIBE and RABIA.WATCH."""
        self.hub.reset(machine.revision)  # whatever was applied before has no history here
        machine.event_sink = self.hub
        self._unsubscribe_topology = node.topology.subscribe(self._topology)

    def _topology(self, event: TopologyEvent) -> None:
        self.hub.topology(event.text().encode())

    async def close(self) -> None:
        """Stop serving; the machine stops publishing to this server's hub."""
        self._unsubscribe_topology()
        self._unsubscribe_topology = _nothing
        if self.machine.event_sink is self.hub:
            self.machine.event_sink = None
        await super().close()

    def _protocol(self) -> asyncio.Protocol:
        return RespConnection(self)


def _nothing() -> None:
    pass


class RespConnection(asyncio.Protocol):
    """One client: parses its requests (``rabia.kv.request``), answers in order."""

    def __init__(self, server: RespServer) -> None:
        self._server = server
        self._node = server.node
        # A request over 3x max_command_bytes could never be applied (its log entry is
        # at least a third of its RESP size): refused before it is buffered.
        self._parser = RequestParser(3 * self._node.config.max_command_bytes + MAX_INLINE)
        self._transport: asyncio.Transport | None = None
        self._pending: deque[_Slot | bytes] = deque()
        self._authenticated = server.password is None
        self._name = b""
        self._id = next(_client_ids)
        self._multi: list[list[bytes]] | None = None
        self._multi_error = False
        self._watched: dict[bytes, int] = {}
        self._closing = False
        self._proto = 2
        self._subs: Subscriptions | None = None
        self._push_scheduled = False

    # ---------------------------------------------------------------- transport
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; same interface.
        self._transport = cast(asyncio.Transport, transport)
        self._server.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None
        if self._subs is not None:
            self._subs.close()
        self._pending.clear()

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return  # after QUIT or a protocol error input is ignored, as in Redis
        parser = self._parser
        parser.feed(data)
        while not self._closing:
            try:
                args = parser.next()
            except RequestError as exc:
                self._reply(resp.error(b"Protocol error: " + str(exc).encode()))
                self._closing = True
                break
            if args is None:
                break
            self._command(args)
        self._flush()

    # ------------------------------------------------------------------ replies
    def _reply(self, data: bytes) -> None:
        self._pending.append(data)

    def _reply_ready(self) -> None:
        # Many replies complete in one apply: write them with one flush.
        if not self._push_scheduled and self._transport is not None:
            self._push_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_flush)

    def _flush(self) -> None:
        out = []
        pending = self._pending
        while pending:
            head = pending[0]
            if type(head) is bytes:
                out.append(head)
            else:
                reply = head.reply  # type: ignore[union-attr]
                if reply is None:
                    break
                out.append(reply)
            pending.popleft()
        transport = self._transport
        if out and transport is not None:
            data = b"".join(out)
            transport.write(to_resp3(data) if self._proto == 3 else data)
            if self._subs is not None and transport.get_write_buffer_size() > MAX_SUBSCRIBER_BUFFER:
                log.warning("dropping client %d: it does not read its notifications", self._id)
                transport.abort()
                return
        if self._closing and not pending and self._transport is not None:
            self._transport.close()

    def _submit(self, entry: bytes, transform: Callable[[bytes], bytes] | None = None) -> None:
        """Replicate ``entry``; its reply takes the next place in the answer order."""
        slot = _Slot(self, transform)
        try:
            self._node.submit_callback(entry, slot)
        except RabiaError as exc:
            self._pending.append(_rabia_error(exc))
        else:
            self._pending.append(slot)

    # ----------------------------------------------------------------- commands
    def _command(self, args: list[bytes]) -> None:
        if not args:
            return
        name = args[0].lower()
        if not self._authenticated and name not in (b"auth", b"hello", b"quit", b"ping"):
            self._reply(_error(b"NOAUTH Authentication required."))
            return
        subs = self._subs
        if subs is not None and subs.active and self._proto == 2 and name not in _SUBSCRIBED_RESP2:
            self._reply(
                resp.error(
                    b"Can't execute '%s': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / RABIA.(UN)WATCH"
                    b" / PING / QUIT / RESET are allowed in this context" % name
                )
            )
            return
        if self._multi is not None and name not in (b"exec", b"discard", b"multi", b"watch"):
            problem = check_command(args)
            if problem is not None:
                self._multi_error = True
                self._reply(problem)
            else:
                self._multi.append(args)
                self._reply(_simple(b"QUEUED"))
            return
        local = _LOCAL.get(name)
        if local is not None:
            local(self, args)
        elif self._server.stale_reads and (early := broken.stale_read(self._machine, args)):
            self._reply(early)
        elif self._server.ack_before_decide and (early := broken.early_reply(self._machine, args)):
            self._in_background(encode_command(args), early)
        else:
            self._submit(encode_command(args))

    @property
    def _machine(self) -> KVMachine:
        return self._server.machine

    def _in_background(self, entry: bytes, reply: bytes) -> None:
        """Answer ``reply`` now and submit ``entry`` unobserved (a broken build)."""
        with contextlib.suppress(RabiaError):
            self._node.submit_callback(entry, _ignore_outcome)
        self._reply(reply)

    def _ping(self, args: list[bytes]) -> None:
        if len(args) > 2:
            self._reply(resp.arity_error(args[0]))
        elif self._subs is not None and self._subs.active and self._proto == 2:
            self._reply(self._subs.push([b"pong", args[1] if len(args) == 2 else b""]))
        else:
            self._reply(_simple(b"PONG") if len(args) == 1 else resp.bulk(args[1]))

    # ------------------------------------------------------- pub/sub and watch
    def _subscriptions(self) -> Subscriptions:
        if self._subs is None:
            self._subs = Subscriptions(self._server.hub, self._push, self._proto == 3)
        return self._subs

    def _push(self, data: bytes) -> None:
        """Queue a message in reply order; one write per loop iteration at most."""
        self._reply(data)
        if not self._push_scheduled:
            self._push_scheduled = True
            asyncio.get_running_loop().call_soon(self._scheduled_flush)

    def _scheduled_flush(self) -> None:
        self._push_scheduled = False
        self._flush()

    def _subscribe(self, args: list[bytes]) -> None:
        if len(args) < 2:
            self._reply(resp.arity_error(args[0]))
        else:
            self._subscriptions().subscribe(args[1:])

    def _psubscribe(self, args: list[bytes]) -> None:
        if len(args) < 2:
            self._reply(resp.arity_error(args[0]))
        else:
            self._subscriptions().psubscribe(args[1:])

    def _unsubscribe(self, args: list[bytes]) -> None:
        self._subscriptions().unsubscribe(args[1:], patterns=False)

    def _punsubscribe(self, args: list[bytes]) -> None:
        self._subscriptions().unsubscribe(args[1:], patterns=True)

    def _rabia_watch(self, args: list[bytes]) -> None:
        """RABIA.WATCH prefix [revision]: every change under prefix from revision on
        (default: the next revision this node applies)."""
        if len(args) not in (2, 3):
            self._reply(resp.arity_error(args[0]))
            return
        start = self._server.machine.revision + 1
        if len(args) == 3:
            parsed = resp.parse_int(args[2])
            if parsed is None or parsed < 1:
                self._reply(resp.error(b"revision must be a positive integer"))
                return
            start = parsed
        self._subscriptions().watch(args[1], start)

    def _rabia_unwatch(self, args: list[bytes]) -> None:
        self._subscriptions().unwatch(args[1:])

    def _reset(self, args: list[bytes]) -> None:
        if self._subs is not None:
            self._subs.close()
        self._multi = None
        self._watched = {}
        self._reply(_simple(b"RESET"))

    def _echo(self, args: list[bytes]) -> None:
        self._reply(resp.bulk(args[1]) if len(args) == 2 else resp.arity_error(args[0]))

    def _quit(self, args: list[bytes]) -> None:
        self._reply(resp.OK)
        self._closing = True

    def _select(self, args: list[bytes]) -> None:
        if len(args) != 2:
            self._reply(resp.arity_error(args[0]))
        elif args[1] == b"0":
            self._reply(resp.OK)
        else:
            self._reply(_error(b"ERR DB index is out of range"))

    def _auth(self, args: list[bytes]) -> None:
        password = self._server.password
        given = args[-1] if len(args) in (2, 3) else None
        if given is None:
            self._reply(resp.arity_error(args[0]))
        elif password is None:
            self._reply(_error(b"ERR AUTH called without any password configured"))
        elif given == password:
            self._authenticated = True
            self._reply(resp.OK)
        else:
            self._reply(_error(b"WRONGPASS invalid username-password pair"))

    def _hello(self, args: list[bytes]) -> None:
        """HELLO [protover [AUTH username password] [SETNAME name]]."""
        proto = self._proto
        if len(args) > 1:
            if args[1] not in (b"2", b"3"):
                self._reply(_error(b"NOPROTO unsupported protocol version"))
                return
            proto = int(args[1])
        options = args[2:]
        while options:
            option = options[0].lower()
            if option == b"auth" and len(options) >= 3:
                if self._server.password is not None and options[2] != self._server.password:
                    self._reply(_error(b"WRONGPASS invalid username-password pair"))
                    return
                self._authenticated = True
                options = options[3:]
            elif option == b"setname" and len(options) >= 2:
                self._name = options[1]
                options = options[2:]
            else:
                self._reply(resp.ERR_SYNTAX)
                return
        if not self._authenticated:
            self._reply(_error(b"NOAUTH HELLO must be called with the client's password"))
            return
        self._proto = proto
        fields = [
            (b"server", resp.bulk(b"rabia")),
            (b"version", resp.bulk(b"0.1.0")),
            (b"proto", resp.integer(proto)),
            (b"id", resp.integer(self._id)),
            (b"mode", resp.bulk(b"cluster")),
            (b"role", resp.bulk(b"master")),
            (b"modules", b"*0\r\n"),
        ]
        if proto == 3:
            body = b"".join(resp.bulk(k) + v for k, v in fields)
            self._reply(b"%" + str(len(fields)).encode() + b"\r\n" + body)
        else:
            self._reply(resp.array(x for k, v in fields for x in (resp.bulk(k), v)))

    def _client(self, args: list[bytes]) -> None:
        sub = args[1].lower() if len(args) > 1 else b""
        if sub == b"setname" and len(args) == 3:
            self._name = args[2]
            self._reply(resp.OK)
        elif sub == b"getname":
            self._reply(resp.bulk_or_nil(self._name or None))
        elif sub == b"id":
            self._reply(resp.integer(self._id))
        elif sub in (b"setinfo", b"no-evict", b"no-touch"):
            self._reply(resp.OK)
        else:
            self._reply(_error(b"ERR unknown subcommand for 'client'"))

    def _command_cmd(self, args: list[bytes]) -> None:
        self._reply(b"*0\r\n")  # enough for redis-cli: no command docs or hints

    def _info(self, args: list[bytes]) -> None:
        stats = self._node.stats()
        lines = [b"# Server", b"rabia_version:0.1.0", b"redis_mode:rabia", b"# Consensus"]
        lines += [f"{k}:{v}".encode() for k, v in sorted(stats.items())]
        self._reply(resp.bulk(b"\r\n".join(lines) + b"\r\n"))

    def _multi_cmd(self, args: list[bytes]) -> None:
        if self._multi is not None:
            self._reply(_error(b"ERR MULTI calls can not be nested"))
            return
        self._multi = []
        self._multi_error = False
        self._reply(resp.OK)

    def _discard(self, args: list[bytes]) -> None:
        if self._multi is None:
            self._reply(_error(b"ERR DISCARD without MULTI"))
            return
        self._multi = None
        self._watched = {}
        self._reply(resp.OK)

    def _exec(self, args: list[bytes]) -> None:
        if self._multi is None:
            self._reply(_error(b"ERR EXEC without MULTI"))
            return
        queued, self._multi = self._multi, None
        watched, self._watched = self._watched, {}
        if self._multi_error:
            self._reply(resp.EXECABORT)
            return
        entry = encode_exec(sorted(watched.items()), queued)
        if self._server.ack_before_decide and (early := broken.early_exec(self._machine, queued)):
            self._in_background(entry, early)
        else:
            self._submit(entry)

    def _watch(self, args: list[bytes]) -> None:
        if self._multi is not None:
            self._reply(_error(b"ERR WATCH inside MULTI is not allowed"))
            return
        if len(args) < 2:
            self._reply(resp.arity_error(args[0]))
            return
        keys = args[1:]

        def record(reply: bytes) -> bytes:
            if not reply.startswith(b"*"):
                return reply
            revisions = [int(x[1:]) for x in reply.split(b"\r\n")[1:-1]]
            self._watched.update(zip(keys, revisions, strict=True))
            return resp.OK

        self._submit(encode_command([b"WATCHREV", *keys]), record)

    def _unwatch(self, args: list[bytes]) -> None:
        self._watched = {}
        self._reply(resp.OK)


_LOCAL = {
    b"ping": RespConnection._ping,
    b"echo": RespConnection._echo,
    b"quit": RespConnection._quit,
    b"select": RespConnection._select,
    b"auth": RespConnection._auth,
    b"hello": RespConnection._hello,
    b"client": RespConnection._client,
    b"command": RespConnection._command_cmd,
    b"info": RespConnection._info,
    b"multi": RespConnection._multi_cmd,
    b"discard": RespConnection._discard,
    b"exec": RespConnection._exec,
    b"watch": RespConnection._watch,
    b"unwatch": RespConnection._unwatch,
    b"subscribe": RespConnection._subscribe,
    b"psubscribe": RespConnection._psubscribe,
    b"unsubscribe": RespConnection._unsubscribe,
    b"punsubscribe": RespConnection._punsubscribe,
    b"rabia.watch": RespConnection._rabia_watch,
    b"rabia.unwatch": RespConnection._rabia_unwatch,
    b"reset": RespConnection._reset,
}
