"""In-order apply with exactly-once semantics per (client_id, seq).

The session table is replicated state: it changes only when a decided entry is
applied, so every replica holds the same table at the same slot, and it travels in
snapshots. Sessions idle for longer than ``session_ttl`` (in the time units of batch
keys, which are stamped into the log by proposers) are expired at the same slot on
every replica; no local clock is read.
"""

from __future__ import annotations

import bisect
import hashlib
import struct
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import msgspec

from rabia.core.messages import Batch, BatchId, Command
from rabia.core.ready import Committed
from rabia.core.replies import ApplierState, SessionState

__all__ = ["Applier", "Reply", "SessionState", "SessionTable"]

_SLOT = struct.Struct(">Q")
_ID = struct.Struct(">QQQ")


_encode_state = msgspec.msgpack.Encoder().encode
_decode_state = msgspec.msgpack.Decoder(ApplierState).decode


class Reply:
    """The outcome of one command of a decided batch (a plain class: compiled, one is
    made per command for whoever waits on it, and a Struct cost twice as much)."""

    __slots__ = ("batch_id", "client_id", "duplicate", "expired", "result", "seq", "slot")

    def __init__(
        self,
        slot: int,
        batch_id: BatchId,
        client_id: int,
        seq: int,
        result: bytes,
        duplicate: bool,
        expired: bool = False,
    ) -> None:
        self.slot = slot
        self.batch_id = batch_id
        self.client_id = client_id
        self.seq = seq
        self.result = result
        self.duplicate = duplicate
        """True when (client_id, seq) was applied earlier: ``result`` is the cached reply."""
        self.expired = expired
        """True when the client had already acknowledged this seq; no reply is kept."""

    def __repr__(self) -> str:
        return (
            f"Reply(slot={self.slot}, batch_id={self.batch_id}, client_id={self.client_id}, "
            f"seq={self.seq}, result={self.result!r}, duplicate={self.duplicate}, "
            f"expired={self.expired})"
        )


@dataclass(slots=True)
class _Session:
    acked_below: int = 0
    replies: dict[int, bytes] = field(default_factory=dict)
    order: deque[int] = field(default_factory=deque)
    """The seqs in ``replies``, ascending: acknowledged ones are dropped from its front.
    A client's seqs mostly apply in order, so keeping it sorted is an append."""
    last_active: int = 0


def _remember(session: _Session, seq: int, result: bytes) -> None:
    """Keep the reply of a freshly applied ``seq`` in ``session``."""
    session.replies[seq] = result
    order = session.order
    if not order or seq > order[-1]:
        order.append(seq)
    else:  # a seq applied after a higher one of its client (rare): keep the order sorted
        bisect.insort(order, seq)


class SessionTable:
    """Per client: replies of applied seqs at or above the client's acknowledged mark."""

    def __init__(self, session_ttl: int | None = None) -> None:
        self._sessions: dict[int, _Session] = {}
        self._ttl = session_ttl
        self._last_sweep = 0

    def __len__(self) -> int:
        return len(self._sessions)

    def lookup(self, client_id: int, seq: int) -> bytes | None:
        """The cached reply of an applied (client_id, seq), if still kept."""
        session = self._sessions.get(client_id)
        return None if session is None else session.replies.get(seq)

    def is_stale(self, client_id: int, seq: int) -> bool:
        """True when the client already acknowledged ``seq`` (a very late retry)."""
        session = self._sessions.get(client_id)
        return session is not None and seq < session.acked_below

    def record(self, client_id: int, seq: int, acked_below: int, result: bytes, now: int) -> None:
        """Remember the reply of a freshly applied command."""
        _remember(self._session(client_id, acked_below, now), seq, result)

    def apply_batch(
        self,
        commands: Sequence[Command],
        slot: int,
        batch_id: BatchId,
        now: int,
        apply: Callable[[bytes], bytes],
        timed: Callable[[bytes, int], bytes] | None,
        replies_wanted: bool = True,
    ) -> list[Reply]:
        """Apply a decided batch's commands exactly once each, in order: a fresh (client,
        seq) runs (``timed(op, now)``, or ``apply(op)``) and its reply is recorded; an
        applied one gets its cached reply, an acknowledged one no reply (``expired``).

        ``lookup``, ``is_stale``, ``touch`` and ``record`` per command, with the session
        looked up once per run of commands of one client (a batch is mostly one). Without
        ``replies_wanted`` (nobody waits for them here) the list stays empty."""
        sessions = self._sessions
        replies: list[Reply] = []
        append = replies.append
        client = -1
        session: _Session | None = None
        for cmd in commands:
            client_id, seq, acked_below = cmd.client_id, cmd.seq, cmd.acked_below
            if client_id != client or session is None:
                client = client_id
                session = sessions.get(client_id)
            if session is not None:
                cached = session.replies.get(seq)
                if cached is not None:
                    self._advance(session, acked_below, now)
                    if replies_wanted:
                        append(Reply(slot, batch_id, client_id, seq, cached, True))
                    continue
                if seq < session.acked_below:
                    if replies_wanted:
                        append(Reply(slot, batch_id, client_id, seq, b"", True, True))
                    continue
            result = apply(cmd.op) if timed is None else timed(cmd.op, now)
            if session is None:
                session = sessions[client_id] = _Session()
            self._advance(session, acked_below, now)
            _remember(session, seq, result)
            if replies_wanted:
                append(Reply(slot, batch_id, client_id, seq, result, False))
        return replies

    def touch(self, client_id: int, acked_below: int, now: int) -> None:
        """Advance a client's acknowledged mark without applying anything."""
        self._session(client_id, acked_below, now)

    def _session(self, client_id: int, acked_below: int, now: int) -> _Session:
        session = self._sessions.get(client_id)
        if session is None:
            session = self._sessions[client_id] = _Session()
        self._advance(session, acked_below, now)
        return session

    @staticmethod
    def _advance(session: _Session, acked_below: int, now: int) -> None:
        """Raise the session's acknowledged mark (dropping the replies below it) and its
        last activity."""
        if acked_below > session.acked_below:
            session.acked_below = acked_below
            order = session.order
            replies = session.replies
            while order and order[0] < acked_below:
                replies.pop(order.popleft(), None)
        if now > session.last_active:
            session.last_active = now

    @property
    def last_sweep(self) -> int:
        """Log time of the last expiry sweep (part of the snapshot: sweeps stay in step)."""
        return self._last_sweep

    def export(self) -> list[SessionState]:
        """Every session, sorted by client id (for a snapshot)."""
        return [
            SessionState(c, s.acked_below, s.last_active, sorted(s.replies.items()))
            for c, s in sorted(self._sessions.items())
        ]

    def load(self, sessions: list[SessionState], last_sweep: int) -> None:
        """Replace every session by an ``export()`` and its ``last_sweep``."""
        self._sessions = {}
        for state in sessions:
            replies = dict(state.replies)
            order = deque(sorted(replies))
            self._sessions[state.client_id] = _Session(
                state.acked_below, replies, order, state.last_active
            )
        self._last_sweep = last_sweep

    def expire(self, now: int) -> None:
        """Drop sessions idle for longer than the TTL (deterministic: ``now`` is log time)."""
        if self._ttl is None or now - self._last_sweep < self._ttl // 4:
            return
        self._last_sweep = now
        cutoff = now - self._ttl
        for client_id in [c for c, s in self._sessions.items() if s.last_active < cutoff]:
            del self._sessions[client_id]


ORIGINATED = 64
"""Batches of its own an ``Applier`` keeps the commands of, until they are applied."""


class Applier:
    """Applies committed entries in slot order to a deterministic ``apply`` function.

    Keeps a hash chain over the decided log (slot, batch id or NULL) so replicas can
    compare applied prefixes cheaply.
    """

    def __init__(
        self,
        apply: Callable[[bytes], bytes],
        session_ttl: int | None = None,
        *,
        timed: Callable[[bytes, int], bytes] | None = None,
        exactly_once: bool = True,
    ) -> None:
        self._apply = apply
        self._exactly_once = exactly_once
        """False only in a deliberately broken test build: the session table is bypassed."""
        self._timed = timed
        """When given, called as ``timed(op, log_time)`` instead of ``apply(op)``."""
        self.sessions = SessionTable(session_ttl)
        self.applied_slot = -1
        self.chain = b"\x00" * 32
        self.log_time = 0
        """Largest batch key applied so far: the log's own clock."""
        self._originated: dict[BatchId, Sequence[Command]] = {}
        """Commands of batches this replica originated, by id (``originated``)."""

    def snapshot(self) -> bytes:
        """Deterministic bytes of the applied position, hash chain, log time and sessions."""
        sessions = self.sessions
        return _encode_state(
            ApplierState(
                self.applied_slot,
                self.chain,
                self.log_time,
                sessions.last_sweep,
                sessions.export(),
            )
        )

    def restore(self, data: bytes) -> None:
        """Replace this applier's state by a ``snapshot()`` (the state machine is the
        driver's to restore); raises ``ValueError`` on malformed bytes."""
        try:
            state = _decode_state(data)
        except msgspec.DecodeError as exc:
            raise ValueError(f"malformed applier snapshot: {exc}") from None
        self.applied_slot = state.applied_slot
        self.chain = state.chain
        self.log_time = state.log_time
        self.sessions.load(state.sessions, state.last_sweep)

    def apply(self, entry: Committed, replies_wanted: bool = True) -> list[Reply]:
        """Apply one committed slot; returns one reply per command of the batch (none
        without ``replies_wanted``: when nobody waits for them)."""
        if entry.slot != self.applied_slot + 1:
            raise ValueError(f"entry for slot {entry.slot} after slot {self.applied_slot}")
        self.applied_slot = entry.slot
        batch = entry.batch
        self.chain = _chain(self.chain, entry.slot, batch)
        if batch is None:
            return []
        if batch.key > self.log_time:
            self.log_time = batch.key
        now = self.log_time
        if not self._exactly_once:
            return self._apply_every_time(entry.slot, batch, now)
        commands = self._originated.pop(batch.id, None)
        if commands is None:
            commands = batch.commands
        replies = self.sessions.apply_batch(
            commands, entry.slot, batch.id, now, self._apply, self._timed, replies_wanted
        )
        self.sessions.expire(now)
        return replies

    def originated(self, batch_id: BatchId, commands: Sequence[Command]) -> None:
        """The commands of a batch this replica just originated: applied from here, not
        decoded again from the batch's payload (which encodes exactly these). Bounded: the
        oldest of more than ``ORIGINATED`` are forgotten (and decoded if ever decided)."""
        originated = self._originated
        originated[batch_id] = commands
        if len(originated) > ORIGINATED:
            del originated[next(iter(originated))]

    def _apply_every_time(self, slot: int, batch: Batch, now: int) -> list[Reply]:
        """The broken build without exactly-once: apply every copy, remember nothing."""
        replies: list[Reply] = []
        for cmd in batch.commands:
            result = self._apply(cmd.op) if self._timed is None else self._timed(cmd.op, now)
            replies.append(Reply(slot, batch.id, cmd.client_id, cmd.seq, result, False))
        return replies


def _chain(previous: bytes, slot: int, batch: Batch | None) -> bytes:
    h = hashlib.sha256(previous)
    h.update(_SLOT.pack(slot))
    if batch is not None:
        h.update(_ID.pack(*batch.id))
    return h.digest()
