"""``KVMachine``: a deterministic Redis-compatible string keyspace as a state machine.

A log entry is ``encode_command([name, *args])`` (msgpack list of bytes, exactly as the
client sent them); the result is the RESP2 reply. Time comes only from ``log_time``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from rabia.api import StateMachine
from rabia.kv import resp
from rabia.kv.events import EventSink
from rabia.kv.glob import matcher
from rabia.kv.leases import Lease, Leases, LeaseState
from rabia.kv.options import parse_expire_options, parse_set_options
from rabia.kv.resp import (
    ERR_KEY_SIZE,
    ERR_MAX_KEYS,
    ERR_NOT_INT,
    ERR_SYNTAX,
    ERR_VALUE_SIZE,
    INT64_MAX,
    INT64_MIN,
    NIL,
    OK,
    ONE,
    ZERO,
    bulk_or_nil,
    integer,
    parse_int,
)
from rabia.kv.scan import scan
from rabia.kv.store import Keyspace, KeyspaceState


class _Snapshot(msgspec.Struct, frozen=True, array_like=True):
    """Wire form of ``KVMachine.snapshot()``."""

    keyspace: KeyspaceState
    leases: LeaseState


_encode = msgspec.msgpack.Encoder().encode
_decode_args = msgspec.msgpack.Decoder(list[bytes]).decode
_decode_watched = msgspec.msgpack.Decoder(list[tuple[bytes, int]]).decode
_decode_snapshot = msgspec.msgpack.Decoder(_Snapshot).decode

SWEEP_PER_APPLY = 16
"""Expired keys purged (at most) before each command."""

ELECTION_PREFIX = b"__election__:"
"""Election ``name``'s holder is the key ``ELECTION_PREFIX + name``: written only by the
ELECT commands and lease expiry/revocation (ordinary writes to it are refused)."""

MAX_LEASE_TTL_MS = 365 * 24 * 3600 * 1000
"""Largest ``LEASE.GRANT`` TTL (one year)."""

ERR_LEASE_TTL = resp.error(b"invalid lease TTL, must be 1 to %d ms" % MAX_LEASE_TTL_MS)
ERR_MAX_LEASES = resp.error(b"max number of leases reached")
ERR_ELECTION_KEY = resp.error(
    b"keys starting with '%s' are written only by ELECT.* and LEASE.*" % ELECTION_PREFIX
)

Handler = Callable[["KVMachine", list[bytes]], bytes]


def _no_lease(lease_id: int) -> bytes:
    return b"-NOLEASE lease %d not found or expired\r\n" % lease_id


def encode_command(args: Sequence[bytes]) -> bytes:
    """The log entry of one Redis command: name and arguments as the client sent them."""
    return _encode(list(args))


def encode_exec(watched: Sequence[tuple[bytes, int]], commands: Sequence[Sequence[bytes]]) -> bytes:
    """The log entry of a transaction: ``(key, revision)`` pairs from ``WATCHREV`` and
    the queued commands. Applies to a RESP array of replies, or ``*-1`` on a conflict."""
    return _encode([b"EXEC", _encode(list(watched)), *(_encode(list(c)) for c in commands)])


def check_command(args: Sequence[bytes]) -> bytes | None:
    """The error a command gets before running (unknown name, wrong arity), else None;
    for the server to reject commands at MULTI queue time, as Redis does."""
    if not args:
        return resp.ERR_EMPTY
    entry = _COMMANDS.get(args[0].lower())
    if entry is None:
        return resp.unknown_command(list(args))
    arity = entry[0]
    if (arity >= 0 and len(args) != arity) or len(args) < -arity:
        return resp.arity_error(args[0])
    return None


class KVMachine(StateMachine):
    """Strings with TTLs and per-key revisions, leases and elections (ADR 0008); replies
    are RESP2 bytes.

    Revisions are the machine's apply counter (every ``apply_at`` call, reads included,
    increments it); a key's revision is that of its last modification, and an absent
    key reports the revision of the last removal of any key (conservative for WATCH).
    """

    def __init__(
        self,
        *,
        max_key_size: int = 64 * 1024,
        max_value_size: int = 64 * 1024 * 1024,
        max_keys: int = 50_000_000,
        max_leases: int = 1_000_000,
    ) -> None:
        self.max_key_size = max_key_size
        self.max_value_size = max_value_size
        self.max_keys = max_keys
        self.max_leases = max_leases
        self._ks = Keyspace()
        self._leases = Leases()
        self._revision = 0
        self.event_sink: EventSink | None = None
        """Where the notifications of each applied command go (None: nowhere)."""

    # -- StateMachine ------------------------------------------------------------------

    def apply(self, command: bytes) -> bytes:
        """Apply at the last log time seen (for callers without a log clock)."""
        return self.apply_at(command, self._ks.now)

    def apply_at(self, command: bytes, log_time: int) -> bytes:
        """Apply one encoded command at ``log_time`` (microseconds) and return the reply."""
        self._revision += 1
        ks = self._ks
        ks.begin(self._revision, log_time)
        ks.purge(SWEEP_PER_APPLY)
        heap = self._leases.heap
        if heap and heap[0][0] <= ks.now:
            for keys in self._leases.expire(ks.now):
                self._drop_keys(keys, b"expired")
        try:
            args = _decode_args(command)
        except msgspec.DecodeError:
            reply = resp.ERR_MALFORMED
        else:
            reply = self._exec(args) if args and args[0].upper() == b"EXEC" else self._run(args)
        if ks.events:
            events, ks.events = ks.events, []
            if self.event_sink is not None:
                self.event_sink.publish(self._revision, events)
        return reply

    @property
    def revision(self) -> int:
        """The revision of the last applied command (0 before the first)."""
        return self._revision

    def peek(self, key: bytes) -> bytes | None:
        """``key``'s value as this replica holds it now, applying nothing (no expiry, no
        revision): for the deliberately broken ``stale-reads`` build only."""
        raw = self._ks.data.get(key)
        return None if raw is None else raw[8:]

    def snapshot(self) -> bytes:
        """Deterministic msgpack of keys, values, revisions, expiries, the counters, and
        the leases with their attached keys."""
        return _encode(_Snapshot(self._ks.state(self._revision), self._leases.state()))

    def restore(self, data: bytes) -> None:
        """Replace the state by a ``snapshot()``; ``ValueError`` on malformed bytes."""
        try:
            state = _decode_snapshot(data)
        except msgspec.DecodeError as exc:
            raise ValueError(f"malformed kv snapshot: {exc}") from None
        self._ks = Keyspace.from_state(state.keyspace)
        self._leases = Leases.from_state(state.leases)
        self._revision = state.keyspace.revision
        if self.event_sink is not None:
            self.event_sink.reset(self._revision)

    # -- dispatch ----------------------------------------------------------------------

    def _run(self, args: list[bytes]) -> bytes:
        entry = _COMMANDS.get(args[0].lower()) if args else None
        if entry is None:
            return resp.unknown_command(args) if args else resp.ERR_EMPTY
        arity, handler, writes = entry
        if (arity >= 0 and len(args) != arity) or len(args) < -arity:
            return resp.arity_error(args[0])
        if writes and (
            args[1].startswith(ELECTION_PREFIX)
            if writes == _ONE_KEY
            else any(k.startswith(ELECTION_PREFIX) for k in _written_keys(args, writes))
        ):
            return ERR_ELECTION_KEY
        return handler(self, args)

    def _exec(self, args: list[bytes]) -> bytes:
        try:
            watched = _decode_watched(args[1]) if len(args) > 1 else []
            commands = [_decode_args(blob) for blob in args[2:]]
        except msgspec.DecodeError:
            return resp.ERR_MALFORMED
        for command in commands:
            if command and command[0].upper() == b"EXEC":
                return resp.ERR_NESTED_EXEC
            if check_command(command) is not None:
                return resp.EXECABORT
        ks = self._ks
        if any(ks.key_revision(key) != rev for key, rev in watched):
            return resp.NULL_ARRAY
        return resp.array(self._run(command) for command in commands)

    # -- limits ------------------------------------------------------------------------

    def _check_new(self, key: bytes) -> bytes | None:
        """The error for creating ``key`` (key too long, keyspace full), if any."""
        if len(key) > self.max_key_size:
            return ERR_KEY_SIZE
        if len(self._ks.data) >= self.max_keys and len(self._ks) >= self.max_keys:
            return ERR_MAX_KEYS
        return None

    # -- strings -----------------------------------------------------------------------

    def _get(self, args: list[bytes]) -> bytes:
        return bulk_or_nil(self._ks.get(args[1]))

    def _set(self, args: list[bytes]) -> bytes:
        ks = self._ks
        parsed = parse_set_options(args, ks.now)
        if isinstance(parsed, bytes):
            return parsed
        flags, at = parsed
        key, value = args[1], args[2]
        if len(value) > self.max_value_size:
            return ERR_VALUE_SIZE
        old = ks.get(key)
        reply = bulk_or_nil(old) if b"GET" in flags else OK
        if (b"NX" in flags and old is not None) or (b"XX" in flags and old is None):
            return reply if b"GET" in flags else NIL
        if old is None and (error := self._check_new(key)) is not None:
            return error
        ks.put(key, value, keep_ttl=b"KEEPTTL" in flags)
        ks.events.append((b"set", key))
        if at is not None:
            if at <= ks.now:
                ks.delete(key)
                ks.events.append((b"del", key))
            else:
                ks.set_expiry(key, at)
                ks.events.append((b"expire", key))
        return reply

    def _getdel(self, args: list[bytes]) -> bytes:
        value = self._ks.get(args[1])
        if value is not None:
            self._ks.delete(args[1])
            self._ks.events.append((b"del", args[1]))
        return bulk_or_nil(value)

    def _mget(self, args: list[bytes]) -> bytes:
        get = self._ks.get
        return resp.bulk_array(get(k) for k in args[1:])

    def _mset(self, args: list[bytes]) -> bytes:
        if len(args) % 2 == 0:
            return resp.arity_error(args[0])
        pairs = list(zip(args[1::2], args[2::2], strict=True))
        ks = self._ks
        new = {k for k, _ in pairs if ks.get(k) is None}
        if any(len(v) > self.max_value_size for _, v in pairs):
            return ERR_VALUE_SIZE
        if any(len(k) > self.max_key_size for k in new):
            return ERR_KEY_SIZE
        if new and len(ks) + len(new) > self.max_keys:
            return ERR_MAX_KEYS
        for key, value in pairs:
            ks.put(key, value)
            ks.events.append((b"set", key))
        return OK

    def _append(self, args: list[bytes]) -> bytes:
        key, ks = args[1], self._ks
        old = ks.get(key)
        if old is None and (error := self._check_new(key)) is not None:
            return error
        value = args[2] if old is None else old + args[2]
        if len(value) > self.max_value_size:
            return ERR_VALUE_SIZE
        ks.put(key, value, keep_ttl=True)
        ks.events.append((b"append", key))
        return integer(len(value))

    def _strlen(self, args: list[bytes]) -> bytes:
        value = self._ks.get(args[1])
        return integer(0 if value is None else len(value))

    def _incr_by(self, key: bytes, delta: int, event: bytes = b"incrby") -> bytes:
        ks = self._ks
        old = ks.get(key)
        if old is None:
            if (error := self._check_new(key)) is not None:
                return error
            current = 0
        else:
            parsed = parse_int(old)
            if parsed is None:
                return ERR_NOT_INT
            current = parsed
        value = current + delta
        if not INT64_MIN <= value <= INT64_MAX:
            return resp.ERR_OVERFLOW
        ks.put(key, b"%d" % value, keep_ttl=True)
        ks.events.append((event, key))
        return integer(value)

    def _incr(self, args: list[bytes]) -> bytes:
        return self._incr_by(args[1], 1)

    def _decr(self, args: list[bytes]) -> bytes:
        return self._incr_by(args[1], -1, b"decrby")

    def _incrby(self, args: list[bytes]) -> bytes:
        delta = parse_int(args[2])
        return ERR_NOT_INT if delta is None else self._incr_by(args[1], delta)

    def _decrby(self, args: list[bytes]) -> bytes:
        delta = parse_int(args[2])
        if delta is None:
            return ERR_NOT_INT
        if delta == INT64_MIN:
            return resp.ERR_DECR_OVERFLOW
        return self._incr_by(args[1], -delta, b"decrby")

    # -- keys --------------------------------------------------------------------------

    def _del(self, args: list[bytes]) -> bytes:
        ks = self._ks
        removed = 0
        for key in args[1:]:
            if ks.delete(key):
                ks.events.append((b"del", key))
                removed += 1
        return integer(removed)

    def _exists(self, args: list[bytes]) -> bytes:
        get = self._ks.get
        return integer(sum(get(k) is not None for k in args[1:]))

    def _expire_generic(self, args: list[bytes], scale: int) -> bytes:
        flags = parse_expire_options(args)
        if isinstance(flags, bytes):
            return flags
        n = parse_int(args[2])
        if n is None:
            return ERR_NOT_INT
        ks = self._ks
        at = n * scale + ks.now
        seconds_overflow = scale == 1_000_000 and not INT64_MIN // 1000 <= n <= INT64_MAX // 1000
        if seconds_overflow or at > INT64_MAX:
            return resp.expire_time_error(args[0])
        key = args[1]
        if ks.get(key) is None:
            return ZERO
        current = ks.expiry(key)
        if (
            (b"NX" in flags and current is not None)
            or (b"XX" in flags and current is None)
            or (b"GT" in flags and (current is None or at <= current))
            or (b"LT" in flags and current is not None and at >= current)
        ):
            return ZERO
        if at <= ks.now:
            ks.delete(key)
            ks.events.append((b"del", key))
        else:
            ks.set_expiry(key, at)
            ks.events.append((b"expire", key))
        return ONE

    def _expire(self, args: list[bytes]) -> bytes:
        return self._expire_generic(args, 1_000_000)

    def _pexpire(self, args: list[bytes]) -> bytes:
        return self._expire_generic(args, 1000)

    def _remaining_ms(self, key: bytes) -> int:
        ks = self._ks
        if ks.get(key) is None:
            return -2
        at = ks.expiry(key)
        return -1 if at is None else (at - ks.now + 999) // 1000

    def _ttl(self, args: list[bytes]) -> bytes:
        ms = self._remaining_ms(args[1])
        return integer(ms if ms < 0 else (ms + 500) // 1000)

    def _pttl(self, args: list[bytes]) -> bytes:
        return integer(self._remaining_ms(args[1]))

    def _persist(self, args: list[bytes]) -> bytes:
        ks = self._ks
        if ks.get(args[1]) is None or ks.expiry(args[1]) is None:
            return ZERO
        ks.set_expiry(args[1], None)
        ks.events.append((b"persist", args[1]))
        return ONE

    def _keys(self, args: list[bytes]) -> bytes:
        match = matcher(args[1])
        return resp.bulk_array(k for k in self._ks.sorted_keys() if match(k))

    def _scan(self, args: list[bytes]) -> bytes:
        return scan(self._ks, args)

    def _dbsize(self, args: list[bytes]) -> bytes:
        return integer(len(self._ks))

    def _flushdb(self, args: list[bytes]) -> bytes:
        if len(args) > 2 or (len(args) == 2 and args[1].upper() not in (b"ASYNC", b"SYNC")):
            return ERR_SYNTAX
        self._ks.flush()
        self._leases.clear()
        self._ks.events.append((b"flushdb", b""))
        return OK

    def _watchrev(self, args: list[bytes]) -> bytes:
        rev = self._ks.key_revision
        return resp.array(integer(rev(k)) for k in args[1:])

    # -- leases (ADR 0008) -------------------------------------------------------------

    def _drop_keys(self, keys: list[bytes], event: bytes) -> None:
        """Delete the keys of a revoked or expired lease, each with ``event``."""
        ks = self._ks
        for key in keys:
            if ks.delete(key):
                ks.events.append((event, key))

    def _live_lease(self, arg: bytes) -> tuple[int, Lease] | bytes:
        """The id and live lease named by ``arg``, or the error reply."""
        lease_id = parse_int(arg)
        if lease_id is None:
            return ERR_NOT_INT
        lease = self._leases.get(lease_id)
        return _no_lease(lease_id) if lease is None else (lease_id, lease)

    def _lease_grant(self, args: list[bytes]) -> bytes:
        ttl_ms = parse_int(args[1])
        if ttl_ms is None:
            return ERR_NOT_INT
        now = self._ks.now
        if not 0 < ttl_ms <= MAX_LEASE_TTL_MS or now + ttl_ms * 1000 > INT64_MAX:
            return ERR_LEASE_TTL
        leases = self._leases
        if len(leases) >= self.max_leases:
            return ERR_MAX_LEASES
        lease_id = leases.token(self._revision)
        leases.grant(lease_id, ttl_ms * 1000, now)
        return integer(lease_id)

    def _lease_keepalive(self, args: list[bytes]) -> bytes:
        lease_id = parse_int(args[1])
        if lease_id is None:
            return ERR_NOT_INT
        lease = self._leases.keepalive(lease_id, self._ks.now)
        return _no_lease(lease_id) if lease is None else integer(lease.ttl // 1000)

    def _lease_revoke(self, args: list[bytes]) -> bytes:
        lease_id = parse_int(args[1])
        if lease_id is None:
            return ERR_NOT_INT
        if self._leases.get(lease_id) is None:
            return ZERO
        self._drop_keys(self._leases.remove(lease_id), b"del")
        return ONE

    def _lease_ttl(self, args: list[bytes]) -> bytes:
        lease_id = parse_int(args[1])
        if lease_id is None:
            return ERR_NOT_INT
        lease = self._leases.get(lease_id)
        if lease is None:
            return integer(-2)
        return integer((lease.deadline - self._ks.now + 999) // 1000)

    def _holder(self, key: bytes) -> tuple[int, int] | None:
        """The (lease id, term) holding election key ``key``, if any."""
        lease_id = self._leases.owner.get(key)
        if lease_id is None:
            return None
        return lease_id, self._leases.table[lease_id].keys[key]

    def _elect_campaign(self, args: list[bytes]) -> bytes:
        key, candidate = ELECTION_PREFIX + args[1], args[2]
        found = self._live_lease(args[3])
        if isinstance(found, bytes):
            return found
        lease_id = found[0]
        ks = self._ks
        holder = self._holder(key)
        if holder is not None:
            if holder[0] == lease_id:
                return resp.array((ONE, integer(holder[1])))
            return resp.array((ZERO, bulk_or_nil(ks.get(key)), integer(holder[1])))
        if len(candidate) > self.max_value_size:
            return ERR_VALUE_SIZE
        if ks.get(key) is None and (error := self._check_new(key)) is not None:
            return error
        term = self._leases.token(self._revision)
        ks.put(key, candidate)
        self._leases.attach(key, lease_id, term)
        ks.events.append((b"set", key))
        return resp.array((ONE, integer(term)))

    def _elect_resign(self, args: list[bytes]) -> bytes:
        lease_id = parse_int(args[2])
        if lease_id is None:
            return ERR_NOT_INT
        key = ELECTION_PREFIX + args[1]
        holder = self._holder(key)
        if holder is None or holder[0] != lease_id:
            return ZERO
        self._leases.detach(key)
        self._drop_keys([key], b"del")
        return ONE

    def _elect_leader(self, args: list[bytes]) -> bytes:
        key = ELECTION_PREFIX + args[1]
        holder = self._holder(key)
        if holder is None:
            return resp.NULL_ARRAY
        return resp.array((bulk_or_nil(self._ks.get(key)), integer(holder[0]), integer(holder[1])))


_READ = 0
_ONE_KEY = 1
_ALL_KEYS = 2
_PAIRS = 3


def _written_keys(args: list[bytes], writes: int) -> list[bytes]:
    """The keys a command writes, by its ``_COMMANDS`` code."""
    return args[1:] if writes == _ALL_KEYS else args[1::2]


_COMMANDS: dict[bytes, tuple[int, Handler, int]] = {
    b"get": (2, KVMachine._get, _READ),
    b"set": (-3, KVMachine._set, _ONE_KEY),
    b"getdel": (2, KVMachine._getdel, _ONE_KEY),
    b"mget": (-2, KVMachine._mget, _READ),
    b"mset": (-3, KVMachine._mset, _PAIRS),
    b"append": (3, KVMachine._append, _ONE_KEY),
    b"strlen": (2, KVMachine._strlen, _READ),
    b"incr": (2, KVMachine._incr, _ONE_KEY),
    b"decr": (2, KVMachine._decr, _ONE_KEY),
    b"incrby": (3, KVMachine._incrby, _ONE_KEY),
    b"decrby": (3, KVMachine._decrby, _ONE_KEY),
    b"del": (-2, KVMachine._del, _ALL_KEYS),
    b"exists": (-2, KVMachine._exists, _READ),
    b"expire": (-3, KVMachine._expire, _ONE_KEY),
    b"pexpire": (-3, KVMachine._pexpire, _ONE_KEY),
    b"ttl": (2, KVMachine._ttl, _READ),
    b"pttl": (2, KVMachine._pttl, _READ),
    b"persist": (2, KVMachine._persist, _ONE_KEY),
    b"keys": (2, KVMachine._keys, _READ),
    b"scan": (-2, KVMachine._scan, _READ),
    b"dbsize": (1, KVMachine._dbsize, _READ),
    b"flushdb": (-1, KVMachine._flushdb, _READ),
    b"watchrev": (-2, KVMachine._watchrev, _READ),
    b"lease.grant": (2, KVMachine._lease_grant, _READ),
    b"lease.keepalive": (2, KVMachine._lease_keepalive, _READ),
    b"lease.revoke": (2, KVMachine._lease_revoke, _READ),
    b"lease.ttl": (2, KVMachine._lease_ttl, _READ),
    b"elect.campaign": (4, KVMachine._elect_campaign, _READ),
    b"elect.resign": (3, KVMachine._elect_resign, _READ),
    b"elect.leader": (2, KVMachine._elect_leader, _READ),
}
"""lower-case name -> (Redis arity: exact if >= 0, else minimum of -arity; handler; the
keys it writes (``_READ``: none, ``_ONE_KEY``: the first argument, ``_ALL_KEYS``, ``_PAIRS``:
every other argument from the first), checked against ``ELECTION_PREFIX``)."""
