"""An asyncio client for a rabia cluster's client ports.

Requests are pipelined on one connection. When the connection breaks or a node stops,
the client moves to the next address and re-sends every pending request with the same
(client_id, seq): the cluster applies each at most once and answers retries with the
first outcome.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import ssl
from collections.abc import Callable, Sequence

from rabia.codec import DEFAULT_MAX_FRAME, CodecError, FrameReader
from rabia.errors import AuthenticationFailed, Rejected, Timeout, Unavailable
from rabia.runtime.addresses import parse_address
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

log = logging.getLogger("rabia.client")


class Client:
    """Submit commands to a cluster; ``await client.submit(op)`` returns the result.

    With ``secret`` (the nodes' ``--secret-file`` content) the client proves it to every
    node it connects to and requires the node's proof in return; without it, it can only
    talk to nodes that have no secret. A mismatch raises ``AuthenticationFailed``. With
    ``tls`` (an ``ssl.SSLContext`` trusting the nodes' CA, with a certificate of its own
    for nodes that ask for one) it speaks TLS, to nodes started with ``--client-tls-*``.
    """

    def __init__(
        self,
        addresses: Sequence[str],
        *,
        client_id: int | None = None,
        timeout: float = 10.0,
        connect_timeout: float = 2.0,
        secret: bytes | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        if not addresses:
            raise ValueError("need at least one node address")
        self._addresses = [parse_address(a) for a in addresses]
        self.secret = secret
        self._tls = tls
        self.client_id = client_id if client_id is not None else secrets.randbits(62)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._target = 0
        self._seq = 0
        self._pending: dict[int, tuple[ClientRequest | ClientRead, asyncio.Future[bytes]]] = {}
        self._protocol: _ClientProtocol | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False
        self._nonce = 0
        self._status_waiters: dict[int, asyncio.Future[StatusReply]] = {}
        self._member_waiters: dict[int, asyncio.Future[MemberReply]] = {}

    async def __aenter__(self) -> Client:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Connect to the first reachable address (tries each once)."""
        last: Exception | None = None
        loop = asyncio.get_running_loop()
        for _ in range(len(self._addresses)):
            host, port = self._addresses[self._target]
            opened: list[_ClientProtocol] = []
            try:
                _, protocol = await asyncio.wait_for(
                    loop.create_connection(
                        lambda: _ClientProtocol(self), host, port, ssl=self._tls
                    ),
                    self._connect_timeout,
                )
                opened.append(protocol)
                await asyncio.wait_for(asyncio.shield(protocol.ready), self._connect_timeout)
            except (OSError, TimeoutError, Unavailable, Rejected) as exc:
                for failed in opened:
                    failed.close()
                if isinstance(exc, AuthenticationFailed):
                    raise
                last = exc
                self._target = (self._target + 1) % len(self._addresses)
                continue
            self._protocol = protocol
            for _, (request, _) in sorted(self._pending.items()):
                if isinstance(request, ClientRequest):  # with the mark as it is now
                    request = ClientRequest(
                        request.client_id, request.seq, request.op, self._acked_below()
                    )
                protocol.send(request)
            return
        if isinstance(last, TimeoutError):  # says nothing itself
            last_text = f"no greeting within {self._connect_timeout}s (a TLS port? pass tls=)"
        else:
            last_text = str(last)
        raise Unavailable(f"no node reachable: {last_text}")

    async def close(self) -> None:
        """Close the connection; pending requests fail with Unavailable."""
        self._closed = True
        if self._protocol is not None:
            self._protocol.close()
            self._protocol = None
        for _, future in self._pending.values():
            if not future.done():
                future.set_exception(Unavailable("client closed"))
        self._pending.clear()

    def _acked_below(self) -> int:
        return min(self._pending, default=self._seq)

    async def submit(self, op: bytes, *, timeout: float | None = None) -> bytes:
        """Apply ``op`` exactly once on the cluster and return its result."""
        return await self._call(
            lambda seq: ClientRequest(self.client_id, seq, op, self._acked_below()),
            timeout,
            "the command may still apply",
        )

    async def read(self, query: bytes, *, timeout: float | None = None) -> bytes:
        """The connected node's ``StateMachine.query(query)``, linearizable without the
        log (a read barrier, ADR 0017); a read changes nothing and is re-sent freely."""
        return await self._call(
            lambda seq: ClientRead(self.client_id, seq, query), timeout, "nothing was changed"
        )

    async def _call(
        self,
        request_for: Callable[[int], ClientRequest | ClientRead],
        timeout: float | None,
        on_timeout: str,
    ) -> bytes:
        if self._closed:
            raise Unavailable("client closed")
        if self._protocol is None:
            await self._reconnect()
        seq = self._seq
        self._seq += 1
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        request = request_for(seq)
        self._pending[seq] = (request, future)
        if self._protocol is not None:
            self._protocol.send(request)
        wait = self._timeout if timeout is None else timeout
        try:
            return await asyncio.wait_for(asyncio.shield(future), wait)
        except TimeoutError:
            raise Timeout(f"no reply within {wait}s; {on_timeout}") from None
        finally:
            self._pending.pop(seq, None)

    async def status(self, *, timeout: float = 5.0) -> dict[str, int | float | str | None]:
        """Counters and hashes of the node this client is connected to."""
        if self._protocol is None:
            await self._reconnect()
        assert self._protocol is not None
        self._nonce += 1
        future: asyncio.Future[StatusReply] = asyncio.get_running_loop().create_future()
        self._status_waiters[self._nonce] = future
        self._protocol.send(StatusRequest(self._nonce))
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise Timeout("no status reply") from None
        finally:
            self._status_waiters.pop(self._nonce, None)
        return reply.stats

    async def reconfigure(
        self,
        add: list[tuple[int, str]] | None = None,
        remove: list[int] | None = None,
        *,
        timeout: float = 30.0,
    ) -> list[int]:
        """Ask the connected node to add or remove one member; returns the new member ids."""
        if self._protocol is None:
            await self._reconnect()
        assert self._protocol is not None
        self._nonce += 1
        nonce = self._nonce
        future: asyncio.Future[MemberReply] = asyncio.get_running_loop().create_future()
        self._member_waiters[nonce] = future
        self._protocol.send(MemberRequest(nonce, add or [], remove or []))
        try:
            reply = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise Timeout("no answer to the membership change (it may still happen)") from None
        finally:
            self._member_waiters.pop(nonce, None)
        if not reply.ok:
            raise Rejected(reply.error)
        return reply.members

    def _on_status(self, reply: StatusReply) -> None:
        future = self._status_waiters.get(reply.nonce)
        if future is not None and not future.done():
            future.set_result(reply)

    # ------------------------------------------------------------ connection events
    def _on_reply(self, reply: ClientReply) -> None:
        entry = self._pending.get(reply.seq)
        if entry is None or reply.client_id != self.client_id:
            return
        future = entry[1]
        if future.done():
            return
        if reply.ok:
            future.set_result(reply.result)
        elif reply.retryable:
            self._lost()  # that node cannot serve: move on, the request is re-sent
        else:
            future.set_exception(Rejected(reply.error))

    def _lost(self) -> None:
        if self._protocol is not None:
            self._protocol.close()
        self._protocol = None
        if self._closed or self._connecting is not None:
            return
        self._target = (self._target + 1) % len(self._addresses)
        self._connecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        try:
            delay = 0.02
            while not self._closed:
                try:
                    await self.connect()
                    return
                except AuthenticationFailed as exc:  # retrying cannot help: fail the waits
                    for _, future in self._pending.values():
                        if not future.done():
                            future.set_exception(exc)
                    raise
                except Unavailable:
                    await asyncio.sleep(delay)  # back-off between rounds over all nodes
                    delay = min(delay * 2, 1.0)
        finally:
            self._connecting = None


class _ClientProtocol(FramedProtocol):
    """One connection: ``ready`` once the node greeted it (and, with a secret, both
    sides proved it; ``rabia.runtime.client_auth``)."""

    def __init__(self, client: Client) -> None:
        super().__init__()
        self._client = client
        self._reader = FrameReader(DEFAULT_MAX_FRAME)
        self._closing = False
        self._nonce = new_nonce()
        self._node_nonce: bytes | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if not self.ready.done():
            # Closed after our proof and before the node's: it refused the proof.
            self._not_ready(
                Unavailable("the node closed the connection")
                if self._node_nonce is None
                else AuthenticationFailed("the node refused our proof of the cluster secret")
            )
            return
        if not self._closing:
            self._client._lost()

    def _greeted(self, hello: ServerHello) -> None:
        """The node's greeting: prove the secret when it asks (and it must, if we have one)."""
        secret = self._client.secret
        if hello.version != CLIENT_PROTOCOL_VERSION:
            self._not_ready(Rejected(f"node speaks client protocol {hello.version}"))
        elif hello.auth and secret is None:
            self._not_ready(
                AuthenticationFailed(
                    "the node asks for the cluster secret: give the client the nodes' secret "
                    "(Client(secret=...), --secret-file)"
                )
            )
        elif not hello.auth and secret is not None:
            self._not_ready(AuthenticationFailed("the node has no cluster secret to prove"))
        elif secret is not None:
            self._node_nonce = hello.nonce
            self.send(
                ClientProof(self._nonce, proof(secret, ROLE_CLIENT, hello.nonce, self._nonce))
            )
        else:
            self.ready.set_result(None)

    def _proven(self, reply: ServerProof) -> None:
        """The node's proof: now the connection carries requests."""
        secret = self._client.secret
        if secret is None or self._node_nonce is None or self.ready.done():
            self._not_ready(Rejected("unexpected proof from the node"))
            return
        problem = proof_problem(secret, ROLE_NODE, self._node_nonce, self._nonce, reply.mac)
        if problem is not None:
            self._not_ready(AuthenticationFailed(f"the node failed to prove the secret: {problem}"))
        else:
            self.ready.set_result(None)

    def _not_ready(self, error: Exception) -> None:
        if not self.ready.done():
            self.ready.set_exception(error)
            self.ready.exception()  # retrieved: connect() may have stopped waiting
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def close(self) -> None:
        self._closing = True
        if self._transport is not None:
            self._transport.close()

    def send(
        self, request: ClientRequest | ClientRead | StatusRequest | MemberRequest | ClientProof
    ) -> None:
        self.send_frame(request)

    def data_received(self, data: bytes) -> None:
        try:
            frames = self._reader.feed(data)
            for payload in frames:
                reply = decode_client(payload)
                if isinstance(reply, ServerHello):
                    self._greeted(reply)
                elif isinstance(reply, ServerProof):
                    self._proven(reply)
                elif isinstance(reply, ClientReply):
                    self._client._on_reply(reply)
                elif isinstance(reply, StatusReply):
                    self._client._on_status(reply)
                elif isinstance(reply, MemberReply):
                    future = self._client._member_waiters.get(reply.nonce)
                    if future is not None and not future.done():
                        future.set_result(reply)
        except (CodecError, ValueError) as exc:
            log.warning("bad reply from node: %s", exc)
            self.close()
            self._client._lost()
