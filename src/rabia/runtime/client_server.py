"""A node's client port: remote clients submit commands and get replies, pipelined."""

from __future__ import annotations

import asyncio
import logging
import ssl
from functools import partial

from rabia.codec import CodecError, FrameReader
from rabia.core.messages import Command
from rabia.errors import RabiaError, Unavailable
from rabia.runtime.client_auth import ROLE_CLIENT, ROLE_NODE, new_nonce, proof, proof_problem
from rabia.runtime.client_protocol import (
    CLIENT_PROTOCOL_VERSION,
    ClientProof,
    ClientRead,
    ClientReply,
    ClientRequest,
    MemberReply,
    MemberRequest,
    ServerHello,
    ServerProof,
    StatusReply,
    StatusRequest,
    decode_client,
)
from rabia.runtime.framed import FramedProtocol
from rabia.runtime.listener import Abortable, Listener
from rabia.runtime.node import Node
from rabia.runtime.pending import ALREADY_ACKNOWLEDGED, Outcome

log = logging.getLogger("rabia.clients")


class ClientServer(Listener):
    """Accepts client connections for one node (TLS only, given ``tls``)."""

    def __init__(
        self, node: Node, host: str, port: int, *, tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(host, port, tls=tls)
        self._node = node

    def _protocol(self) -> asyncio.Protocol:
        return _ClientConnection(self._node, self.connections)


MEMBERSHIP_NEEDS_SECRET = (
    "membership changes need a client that proved the cluster secret: start the nodes "
    "with --secret-file (the client with the same secret), or --insecure"
)


class _ClientConnection(FramedProtocol):
    """One client: greeted with a ``ServerHello``; with a cluster secret, heard only
    after its ``ClientProof`` (``rabia.runtime.client_auth``)."""

    def __init__(self, node: Node, registry: set[Abortable]) -> None:
        super().__init__()
        self._tasks: set[asyncio.Task[None]] = set()
        self._node = node
        self._registry = registry
        self._reader = FrameReader(node.config.max_frame)
        self._secret = node.config.secret
        self._nonce = new_nonce()
        self._proven = False
        """The client proved the cluster secret."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._registry.add(self)
        self.send_frame(ServerHello(CLIENT_PROTOCOL_VERSION, self._nonce, self._secret is not None))

    def connection_lost(self, exc: Exception | None) -> None:
        self._registry.discard(self)
        for task in self._tasks:
            task.cancel()
        self._transport = None

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
        except CodecError as exc:
            self._refuse(f"bad frame: {exc}")
            return
        for payload in frames:
            try:
                request = decode_client(payload)
            except Exception as exc:  # msgspec raises DecodeError / ValidationError
                self._refuse(f"undecodable request: {exc}")
                return
            if isinstance(request, ClientProof):
                if not self._prove(request):
                    return
            elif self._secret is not None and not self._proven:
                self._refuse("not authenticated: the first frame must prove the cluster secret")
                return
            elif isinstance(request, ClientRequest):
                self._handle(request)
            elif isinstance(request, ClientRead):
                self._read(request)
            elif isinstance(request, StatusRequest):
                self._send(StatusReply(request.nonce, self._node.status()))
            elif isinstance(request, MemberRequest):
                task = asyncio.get_running_loop().create_task(self._member_change(request))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self._refuse("a client may only send requests")
                return

    def _prove(self, request: ClientProof) -> bool:
        """Check a client's proof; answer with the node's, or refuse the client."""
        if self._secret is None or self._proven:
            self._refuse("unexpected proof (this node asked for none, or had it already)")
            return False
        problem = proof_problem(self._secret, ROLE_CLIENT, self._nonce, request.nonce, request.mac)
        if problem is not None:
            self._refuse(problem)
            return False
        self._proven = True
        self.send_frame(ServerProof(proof(self._secret, ROLE_NODE, self._nonce, request.nonce)))
        return True

    def _peer(self) -> object:
        return self._transport.get_extra_info("peername") if self._transport else None

    def _refuse(self, reason: str) -> None:
        log.warning("client %s refused: %s", self._peer(), reason)
        self.abort()

    def _handle(self, request: ClientRequest) -> None:
        node = self._node
        cid, seq = request.client_id, request.seq
        if not node.running:
            self._reply(ClientReply(cid, seq, False, error="node stopped", retryable=True))
            return
        if len(request.op) > node.config.max_command_bytes:
            self._reply(ClientReply(cid, seq, False, error="command too large"))
            return
        cached = node.sessions.lookup(cid, seq)
        if cached is not None:
            self._reply(ClientReply(cid, seq, True, cached))
            return
        if node.sessions.is_stale(cid, seq):
            self._reply(ClientReply(cid, seq, False, error=ALREADY_ACKNOWLEDGED))
            return
        node.submit_command(
            Command(cid, seq, request.op, request.acked_below), partial(self._on_outcome, cid, seq)
        )

    def _read(self, request: ClientRead) -> None:
        node = self._node
        cid, seq, query = request.client_id, request.seq, request.query
        on_outcome = partial(self._on_outcome, cid, seq)
        try:
            node.read_callback(lambda: node.machine.query(query), on_outcome)
        except RabiaError as exc:  # not running, or no quorum in reach: try another node
            on_outcome(exc if isinstance(exc, Unavailable) else Unavailable(str(exc)))

    async def _member_change(self, request: MemberRequest) -> None:
        if not self._proven and not self._node.config.insecure:
            self._send(MemberReply(request.nonce, False, error=MEMBERSHIP_NEEDS_SECRET))
            log.warning(
                "client %s refused a membership change: no proof of the secret", self._peer()
            )
            return
        try:
            members = await self._node.reconfigure(request.add, request.remove)
        except RabiaError as exc:
            self._send(MemberReply(request.nonce, False, error=f"{type(exc).__name__}: {exc}"))
        else:
            self._send(MemberReply(request.nonce, True, list(members)))

    def _on_outcome(self, cid: int, seq: int, outcome: Outcome) -> None:
        if isinstance(outcome, bytes):
            self._reply(ClientReply(cid, seq, True, outcome))
        elif isinstance(outcome, Unavailable):
            self._reply(ClientReply(cid, seq, False, error="node stopped", retryable=True))
        else:
            self._reply(ClientReply(cid, seq, False, error=str(outcome)))

    def _reply(self, reply: ClientReply) -> None:
        self._send(reply)

    def _send(self, reply: ClientReply | StatusReply | MemberReply) -> None:
        self.send_frame(reply)
