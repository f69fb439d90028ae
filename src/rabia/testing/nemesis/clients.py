"""Clients of the cluster under test, each classifying outcomes the way a history needs.

``RespClient`` speaks RESP to one node at a time and moves to the next one after a
failure. A request that was never written (no connection) certainly did not happen; an
error reply other than ``TRYAGAIN`` (Redis' "may still apply") certainly did not either;
a timeout or a broken connection after the request was written is unknown. (A
``TRYAGAIN ... no quorum`` comes from a node that refused the command before proposing
it: a ``fail``.)
``SessionClient`` uses the client port: when its node does not answer it re-sends the
request to the next node with the same ``(client_id, seq)``, which is what the
exactly-once table exists for.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import hiredis

from rabia.codec import CodecError, FrameReader, frame
from rabia.kv.machine import encode_command
from rabia.runtime.client_protocol import ClientReply, ClientRequest, decode_client, encode_client

Outcome = Literal["ok", "fail", "info"]


class RequestFailed(Exception):
    """A request's outcome is known or unknown, but it produced no reply."""

    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome: Outcome = outcome


class ErrorReply(Exception):
    """The server answered with an error."""


class Caller(Protocol):
    """What a workload needs from a client."""

    async def call(self, *args: bytes | str | int) -> Any:
        """The decoded reply, or ``RequestFailed``."""

    async def aclose(self) -> None:
        """Close the connection."""


NOT_PROPOSED = "no quorum"
"""In a ``TRYAGAIN`` reply: the node refused the command before proposing it."""


def _classify(error: str) -> Outcome:
    """``info`` for ``TRYAGAIN`` (may still apply) unless it was never proposed, else
    ``fail``: any other error reply means the command changed nothing."""
    if error.startswith("TRYAGAIN") and NOT_PROPOSED not in error:
        return "info"
    return "fail"


class RespClient:
    """One RESP connection at a time, to ``addresses[home]`` first, then the next ones."""

    def __init__(
        self,
        addresses: Sequence[tuple[str, int]],
        home: int,
        timeout: float,
        sticky: bool = False,
    ) -> None:
        self._addresses = list(addresses)
        self._target = home % len(addresses)
        self._timeout = timeout
        self._sticky = sticky
        """Stay on the home node after failures (reconnect to it) instead of moving on."""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._parser = hiredis.Reader(replyError=ErrorReply)
        self.pinned = False
        """Inside a transaction (after WATCH): a lost connection fails the call instead of
        connecting again, since a new connection would carry none of the WATCH or MULTI
        state and an EXEC there would run unconditionally."""

    @property
    def node(self) -> int:
        """Index of the node this client talks to (or will connect to next)."""
        return self._target

    async def call(self, *args: bytes | str | int) -> Any:
        """Send one command and return its reply; ``RequestFailed`` when there is none
        (``fail``: certainly not applied, ``info``: unknown). Error replies raise
        ``RequestFailed`` too: ``TRYAGAIN`` as ``info``, any other as ``fail``."""
        if self._reader is not None and self._reader.at_eof():
            self._move_on()  # the node closed it (died?) since the last call: never sent
        if self._writer is None:
            if self.pinned:
                raise RequestFailed("fail", "connection lost inside a transaction: not sent")
            await self._connect()
        assert self._writer is not None
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        out = [b"*%d\r\n" % len(parts)]
        for part in parts:
            out.append(b"$%d\r\n%s\r\n" % (len(part), part))
        try:
            self._writer.write(b"".join(out))
            reply = await asyncio.wait_for(self._read(), self._timeout)
        except (OSError, TimeoutError, EOFError) as exc:
            self._move_on()
            raise RequestFailed("info", f"{type(exc).__name__} after sending") from None
        if isinstance(reply, ErrorReply):
            text = str(reply)
            if text.startswith("TRYAGAIN"):
                self._move_on()  # this node cannot serve now
            raise RequestFailed(_classify(text), text)
        return reply

    async def _connect(self) -> None:
        host, port = self._addresses[self._target]
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(host, port), self._timeout
            )
        except (OSError, TimeoutError) as exc:
            self._move_on()
            raise RequestFailed("fail", f"cannot connect: {type(exc).__name__}") from None
        self._parser = hiredis.Reader(replyError=ErrorReply)

    async def _read(self) -> Any:
        assert self._reader is not None
        while True:
            reply = self._parser.gets()
            if reply is not False:
                return reply
            data = await self._reader.read(65536)
            if not data:
                raise EOFError("connection closed by the server")
            self._parser.feed(data)

    def _move_on(self) -> None:
        self.close()
        if not self._sticky:
            self._target = (self._target + 1) % len(self._addresses)

    def close(self) -> None:
        """Drop the connection (the next call reconnects to the same node)."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    async def aclose(self) -> None:
        """Close the connection."""
        self.close()


class SessionClient:
    """One request at a time through the client port, each under its own
    ``(client_id, seq)``: after a timeout, a broken connection or a retryable reply it
    moves to the next node and sends the same request again, as the exactly-once
    protocol allows, until it gets an answer (or ``attempts`` run out: unknown)."""

    def __init__(
        self,
        addresses: Sequence[tuple[str, int]],
        home: int,
        timeout: float,
        attempts: int = 3,
    ) -> None:
        self._addresses = list(addresses)
        self._target = home % len(addresses)
        self._timeout = timeout
        self._attempts = attempts
        self.client_id = secrets.randbits(62)
        self._seq = 0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._frames = FrameReader()

    async def call(self, *args: bytes | str | int) -> Any:
        """The command's decoded reply; ``RequestFailed`` as for ``RespClient``."""
        parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
        seq = self._seq
        self._seq += 1
        request = ClientRequest(self.client_id, seq, encode_command(parts), acked_below=seq)
        sent = False
        for _ in range(self._attempts):
            try:
                if self._writer is None:
                    host, port = self._addresses[self._target]
                    self._reader, self._writer = await asyncio.wait_for(
                        asyncio.open_connection(host, port), self._timeout
                    )
                    self._frames = FrameReader()
                assert self._writer is not None
                self._writer.write(frame(encode_client(request)))
                sent = True
                reply = await asyncio.wait_for(self._reply(seq), self._timeout)
            except (OSError, TimeoutError, EOFError, CodecError, ValueError):
                self._move_on()
                continue
            if reply.ok:
                return _decode_resp(reply.result)
            if reply.retryable:
                self._move_on()
                continue
            raise RequestFailed("fail", reply.error)
        raise RequestFailed("info" if sent else "fail", f"no answer in {self._attempts} tries")

    async def _reply(self, seq: int) -> ClientReply:
        assert self._reader is not None
        while True:
            data = await self._reader.read(65536)
            if not data:
                raise EOFError("connection closed by the node")
            for payload in self._frames.feed(data):
                reply = decode_client(payload)
                if isinstance(reply, ClientReply) and reply.seq == seq:
                    return reply

    def _move_on(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
        self._target = (self._target + 1) % len(self._addresses)

    async def aclose(self) -> None:
        """Close the connection."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def _decode_resp(raw: bytes) -> Any:
    """A KV machine's RESP reply, decoded; ``RequestFailed`` for an error reply."""
    parser = hiredis.Reader(replyError=ErrorReply)
    parser.feed(raw)
    reply = parser.gets()
    if isinstance(reply, ErrorReply):
        text = str(reply)
        raise RequestFailed(_classify(text), text)
    return reply
