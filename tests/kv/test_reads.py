"""Read-only commands without the log (``rabia.kv.reads``, ADR 0017): which, when, the
same replies as through the log, nothing changed; a connection's reads after its writes."""

from __future__ import annotations

import pytest

from rabia.kv import KVMachine
from rabia.kv.entries import encode_command
from rabia.kv.reads import BARRIER_READS, NOT_BARRIER_READS, WHOLE_KEYSPACE
from rabia.kv.unsafe import READ_SKIPS_WRITES
from tests.kv.fakes import Client, FakeLog

STATE = [
    "SET s1 hello",
    "SET s2 help",
    "HSET h f1 a f2 bb",
    "RPUSH l c b a b",
    "SADD st a b c",
    "SADD st2 b c d",
    "ZADD z 1 a 2 b 3 c",
    "ZADD z2 2 b 5 e",
    "XADD x 1-1 f v",
    "XADD x 2-1 g w",
]

READS = [
    "GET s1", "MGET s1 s2 nope", "STRLEN s1", "GETRANGE s1 0 2", "SUBSTR s1 1 3",
    "EXISTS s1 h nope", "TYPE h", "TOUCH s1 nope", "BITCOUNT s1", "BITPOS s1 1",
    "GETBIT s1 3", "BITFIELD_RO s1 GET u8 0", "LCS s1 s2", "GET h",
    "HGET h f1", "HMGET h f1 nope", "HGETALL h", "HKEYS h", "HVALS h", "HLEN h",
    "HEXISTS h f1", "HSTRLEN h f2", "HSCAN h 0",
    "LRANGE l 0 -1", "LINDEX l 1", "LLEN l", "LPOS l b",
    "SMEMBERS st", "SCARD st", "SISMEMBER st a", "SMISMEMBER st a z", "SINTER st st2",
    "SUNION st st2", "SDIFF st st2", "SINTERCARD 2 st st2", "SSCAN st 0",
    "ZRANGE z 0 -1 WITHSCORES", "ZCARD z", "ZSCORE z a", "ZMSCORE z a q", "ZRANK z b",
    "ZREVRANK z b", "ZCOUNT z -inf +inf", "ZLEXCOUNT z - +", "ZRANGEBYSCORE z 0 10",
    "ZREVRANGEBYSCORE z 10 0", "ZRANGEBYLEX z - +", "ZREVRANGEBYLEX z + -",
    "ZREVRANGE z 0 -1", "ZUNION 2 z z2", "ZINTER 2 z z2", "ZDIFF 2 z z2",
    "ZINTERCARD 2 z z2", "ZSCAN z 0",
    "XRANGE x - +", "XREVRANGE x + -", "XLEN x",
    "SORT_RO l ALPHA", "KEYS *", "SCAN 0", "DBSIZE",
    "TTL s1", "PTTL s1", "EXPIRETIME s1", "PEXPIRETIME s1",
]  # fmt: skip


def _machine() -> KVMachine:
    machine = KVMachine()
    for t, command in enumerate(STATE):
        machine.apply_at(encode_command(command.encode().split()), 1_000_000 + t)
    return machine


def test_every_barrier_read_is_covered_here_and_the_rest_go_through_the_log() -> None:
    covered = {r.split()[0].lower().encode() for r in READS}
    assert covered == set(BARRIER_READS), "review a new read-only command, then list it"
    assert not BARRIER_READS & NOT_BARRIER_READS
    assert {b"get", b"hgetall", b"zrange"} <= BARRIER_READS
    assert not {b"set", b"eval_ro", b"xread", b"randomkey", b"time"} & BARRIER_READS
    assert {b"keys", b"scan", b"dbsize", b"sort_ro", b"zunion"} <= WHOLE_KEYSPACE
    assert b"get" not in WHOLE_KEYSPACE


@pytest.mark.parametrize("command", READS)
def test_a_barrier_read_answers_as_the_log_would_and_changes_nothing(command: str) -> None:
    read, logged = _machine(), _machine()
    before = read.snapshot()
    revision = read.revision
    args = command.encode().split()
    reply = read.read(args)
    assert reply is not None
    assert reply == logged.apply_at(encode_command(args), 1_000_000 + len(STATE))
    assert read.snapshot() == before and read.revision == revision
    assert read.query(encode_command(args)) == reply


def test_a_read_whose_answer_depends_on_time_goes_through_the_log() -> None:
    machine = _machine()
    machine.apply_at(encode_command([b"SET", b"t", b"v", b"PX", b"100"]), 2_000_000)
    assert machine.read([b"GET", b"t"]) is None, "only log time may hide an expired key"
    assert machine.read([b"MGET", b"s1", b"t"]) is None
    assert machine.read([b"GET", b"s1"]) == b"$5\r\nhello\r\n"
    assert machine.read([b"KEYS", b"*"]) is None, "some key of the keyspace has a TTL"
    assert machine.read([b"TIME"]) is None and machine.read([b"SET", b"a", b"b"]) is None
    with pytest.raises(ValueError, match="use the log"):
        machine.query(encode_command([b"GET", b"t"]))


def test_a_key_held_by_a_lease_goes_through_the_log() -> None:
    machine = _machine()
    lease = machine.apply_at(encode_command([b"LEASE.GRANT", b"5000"]), 2_000_000)
    lease_id = lease[1:-2]
    machine.apply_at(encode_command([b"ELECT.CAMPAIGN", b"e", b"me", lease_id]), 2_000_001)
    assert machine.read([b"GET", b"__election__:e"]) is None
    assert machine.read([b"DBSIZE"]) is None


def test_a_pipelined_read_waits_for_the_connections_earlier_write() -> None:
    log = FakeLog()
    log.in_flight = []  # entries wait until decided
    client = Client(log, barrier_reads=True)
    assert client("SET k v", "GET k", "GET other") == b""
    assert log.reads == 0, "the reads wait for the SET"
    log.decide()
    assert log.reads == 2
    assert client.conn.data_to_send() == b"+OK\r\n$1\r\nv\r\n$-1\r\n"


def test_the_broken_build_reads_before_the_write_and_misses_it() -> None:
    log = FakeLog()
    log.in_flight = []
    client = Client(log, barrier_reads=True, unsafe=frozenset({READ_SKIPS_WRITES}))
    client("SET k v", "GET k")
    log.decide()
    assert client.conn.data_to_send() == b"+OK\r\n$-1\r\n", "caught: GET missed the SET"


def test_reads_share_barriers_and_keep_their_order() -> None:
    log = FakeLog()
    log.reads_wait = True
    client = Client(log, barrier_reads=True)
    client("SET a 1")
    assert client("GET a", "PING", "GET b") == b""
    assert log.reads == 2, "reads do not wait for each other"
    log.finish_reads()
    assert client.conn.data_to_send() == b"$1\r\n1\r\n+PONG\r\n$-1\r\n"


def test_transactions_time_and_resp3() -> None:
    log = FakeLog()
    client = Client(log, barrier_reads=True)
    client("SET t v PX 100000", "HSET h f x")
    assert client("GET t") == b"$1\r\nv\r\n" and log.reads == 1, "asked, then the log's"
    assert client("MULTI", "GET t", "EXEC") == b"+OK\r\n+QUEUED\r\n*1\r\n$1\r\nv\r\n"
    assert log.reads == 1
    assert client("HELLO 3")
    assert client("HGETALL h") == b"%1\r\n$1\r\nf\r\n$1\r\nx\r\n" and log.reads == 2


def test_log_reads_ask_for_no_barrier() -> None:
    log = FakeLog()
    client = Client(log)
    assert client("SET k v", "GET k") == b"+OK\r\n$1\r\nv\r\n" and log.reads == 0


def test_a_log_command_waits_for_the_reads_before_it() -> None:
    log = FakeLog()
    log.reads_wait = True
    client = Client(log, barrier_reads=True)
    client("SET k 1")
    revision = log.machine.revision
    assert client("GET k", "INCR k", "GET k") == b""
    assert log.machine.revision == revision and log.reads == 1, "INCR waits for the GET"
    log.finish_reads()  # answers the first GET, then INCR applies, then the second GET asks
    assert log.reads == 2
    log.finish_reads()
    assert client.conn.data_to_send() == b"$1\r\n1\r\n:2\r\n$1\r\n2\r\n"
