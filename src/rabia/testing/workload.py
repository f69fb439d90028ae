"""Simulated closed-loop clients and a tiny deterministic state machine for them.

A :class:`Client` issues its operations one at a time: appends and reads through the
log (each a ``Command(client_id, seq, op)``) and barrier reads (a :class:`BarrierRead`,
answered by the replica from its own state through the read barrier, ADR 0017). A
request goes to one replica; when no reply arrives within ``timeout_us`` the client
sends the *same* ``(client_id, seq)`` to another replica, so retries exercise
exactly-once apply. Clients draw from their own ``random.Random`` (think times, keys,
link delays, failover targets), so the workload does not shift when the network draws
differently.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from rabia.core.messages import Command

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(tuple[dict[int, list[int]], bytes, int]).decode


def append_op(key: int, value: int) -> bytes:
    """The op "append ``value`` to list ``key``"."""
    return b"%d:%d" % (key, value)


def read_op(key: int) -> bytes:
    """The op "read list ``key``" (through the log)."""
    return b"r:%d" % key


def decode_list(reply: bytes) -> tuple[int, ...]:
    """The values of a read's reply."""
    return tuple(int(v) for v in reply.split(b",")) if reply else ()


@dataclass(frozen=True, slots=True)
class BarrierRead:
    """A client's read of list ``key`` served through the read barrier, not the log."""

    client_id: int
    seq: int
    key: int


ClientRequest = Command | BarrierRead
"""What a client sends to a replica."""

APPEND, LOG_READ, BARRIER_READ = "append", "log-read", "barrier-read"
KINDS = (APPEND, LOG_READ, BARRIER_READ)
"""The kinds of operation a client draws."""
MIXES = ((0.8, 0.1, 0.1), (0.5, 0.15, 0.35), (0.15, 0.05, 0.8))
"""The odds of each kind a client may draw: mostly writes, balanced, mostly barrier
reads. Writers next to readers make stale reads likely where the barrier is broken."""


class AppendMachine:
    """A deterministic state machine: a few lists that ops append to.

    ``apply(b"k:v")`` appends ``v`` to list ``k`` and returns the new length (ASCII);
    ``apply(b"r:k")`` returns list ``k`` (``read``). ``digest`` is a running hash of
    every applied op, so two replicas that applied the same sequence hold the same
    digest.
    """

    __slots__ = ("applied", "digest", "lists")

    def __init__(self) -> None:
        self.lists: dict[int, list[int]] = {}
        self.digest = b"\x00" * 32
        self.applied = 0

    def apply(self, op: bytes) -> bytes:
        """Apply one op; returns the reply."""
        key_s, _, value_s = op.partition(b":")
        self.applied += 1
        self.digest = hashlib.sha256(self.digest + op).digest()
        if key_s == b"r":
            return self.read(int(value_s))
        values = self.lists.setdefault(int(key_s), [])
        values.append(int(value_s))
        return b"%d" % len(values)

    def read(self, key: int) -> bytes:
        """List ``key`` as comma-separated ASCII (changes nothing)."""
        return b",".join(b"%d" % v for v in self.lists.get(key, ()))

    def snapshot(self) -> bytes:
        """Deterministic bytes of the lists, the digest and the applied count."""
        return _encode(({k: self.lists[k] for k in sorted(self.lists)}, self.digest, self.applied))

    @classmethod
    def restore(cls, data: bytes) -> AppendMachine:
        """The machine a ``snapshot()`` describes."""
        machine = cls()
        machine.lists, machine.digest, machine.applied = _decode(data)
        return machine

    def ops(self) -> set[tuple[int, int]]:
        """The (client_id, seq) of every applied op (values are unique: see ``Client``)."""
        return {divmod(v, 1_000_000) for values in self.lists.values() for v in values}

    def state_hash(self) -> str:
        """Hash of the current contents (independent of how they were reached)."""
        h = hashlib.sha256()
        for key in sorted(self.lists):
            h.update(b"%d=%s;" % (key, b",".join(b"%d" % v for v in self.lists[key])))
        return h.hexdigest()


@dataclass(slots=True)
class Client:
    """One closed-loop client: at most one request outstanding, retried until answered."""

    client_id: int
    total: int
    """Operations this client issues."""
    target: int
    """Replica the next request through the log (or its retry) goes to."""
    rng: random.Random
    members: tuple[int, ...] = ()
    """Replicas the client may read from: each barrier read goes to one drawn at random
    (after a time-out, the members of the latest configuration but the silent one)."""
    read_target: int = 0
    """Replica the pending barrier read (or its retry) goes to."""
    think_us: int = 0
    """Upper bound of the pause between a reply and the next request."""
    keys: int = 4
    mix: tuple[float, ...] = MIXES[1]
    """The odds of an append, a log read and a barrier read."""
    next_seq: int = 0
    pending: ClientRequest | None = None
    attempts: int = 0
    """Sends of the pending request so far (1 = no retry yet)."""
    acked: dict[int, bytes] = field(default_factory=dict)
    retries: int = 0

    @property
    def done(self) -> bool:
        """All operations acknowledged."""
        return len(self.acked) >= self.total

    @property
    def acked_below(self) -> int:
        """The client's lowest seq without a reply."""
        return self.pending.seq if self.pending is not None else self.next_seq

    def issue(self) -> ClientRequest | None:
        """Create the next request (None when finished or one is outstanding)."""
        if self.pending is not None or self.next_seq >= self.total:
            return None
        seq = self.next_seq
        self.next_seq += 1
        rng = self.rng
        key = rng.randrange(self.keys)
        kind = rng.choices(KINDS, self.mix)[0]
        request: ClientRequest
        if kind == BARRIER_READ:
            request = BarrierRead(self.client_id, seq, key)
            self.read_target = rng.choice(self.members) if self.members else self.target
        else:
            op = read_op(key) if kind == LOG_READ else append_op(key, self.value(seq))
            request = Command(self.client_id, seq, op, acked_below=seq)
        self.pending = request
        self.attempts = 1
        return request

    def value(self, seq: int) -> int:
        """The value an append of ``seq`` adds: unique per (client, seq)."""
        return self.client_id * 1_000_000 + seq

    def retry(self, members: Sequence[int]) -> ClientRequest | None:
        """Time-out: fail over to another replica; returns the same request to resend."""
        if self.pending is None:
            return None
        silent = self.destination
        others = [m for m in members if m != silent]
        # Later barrier reads avoid the replica that did not answer (it may be down).
        self.members = tuple(others) or tuple(members)
        if others:
            if type(self.pending) is BarrierRead:
                self.read_target = self.rng.choice(others)
            else:
                self.target = self.rng.choice(others)
        self.attempts += 1
        self.retries += 1
        return self.pending

    @property
    def destination(self) -> int:
        """The replica the pending request goes to."""
        return self.read_target if type(self.pending) is BarrierRead else self.target

    def on_reply(self, seq: int, result: bytes) -> bool:
        """Take a reply; True when it answers the outstanding request."""
        if self.pending is None or seq != self.pending.seq:
            return False
        self.acked[seq] = result
        self.pending = None
        return True

    def think(self) -> int:
        """Pause before the next request, in µs."""
        return int(self.rng.random() * self.think_us) if self.think_us else 0

    def link_delay(self) -> int:
        """Client <-> replica one-way delay, in µs."""
        return 50 + int(self.rng.random() * 250)


def make_clients(
    rng: random.Random,
    ops: int,
    members: Sequence[int],
    *,
    count: int | None = None,
    spread_us: int = 0,
) -> list[Client]:
    """Draw 2-8 clients (or ``count``) sharing ``ops`` operations.

    With ``spread_us`` > 0 the clients think between requests so that their load
    spreads over roughly that much virtual time; with 0 they are back to back.
    """
    if count is None:
        count = rng.randint(2, 8)
    count = max(1, min(count, max(1, ops)))
    share, extra = divmod(ops, count)
    clients: list[Client] = []
    for i in range(count):
        total = share + (1 if i < extra else 0)
        think = 2 * spread_us // max(1, total) if spread_us else 0
        own = random.Random(rng.getrandbits(64))
        clients.append(
            Client(
                client_id=i + 1,
                total=total,
                target=rng.choice(list(members)),
                members=tuple(members),
                rng=own,
                think_us=think,
                mix=own.choice(MIXES),
            )
        )
    return clients
