"""EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT on the machine: the cache as replicated
state (snapshots, restores), scripts inside EXEC, the nested context, what a script's
commands do to the rest of the machine (events, blocked clients, election keys)."""

from __future__ import annotations

import hashlib

import msgspec

from rabia.kv import KVMachine, encode_command, encode_exec
from rabia.kv.events import EventSink
from tests.kv.conftest import Driver
from tests.kv.fakes import Client, resp_request

INCR = b"return redis.call('incr', KEYS[1])"


def sha(body: bytes) -> bytes:
    return hashlib.sha1(body).hexdigest().encode()


def test_eval_runs_and_caches(r: Driver) -> None:
    assert r("EVAL", INCR, "1", "n") == b":1\r\n"
    assert r("SCRIPT", "EXISTS", sha(INCR), sha(INCR).upper(), "nosuch") == (
        b"*3\r\n:1\r\n:1\r\n:0\r\n"
    )
    assert r("EVALSHA", sha(INCR), "1", "n") == b":2\r\n"
    assert r("EVALSHA_RO", sha(INCR), "1", "n").startswith(
        b"-ERR Write commands are not allowed from read-only scripts. script: "
    )
    assert r("GET", "n") == b"$1\r\n2\r\n"


def test_script_load_flush_and_noscript(r: Driver) -> None:
    assert r("SCRIPT", "LOAD", INCR) == b"$40\r\n%s\r\n" % sha(INCR)
    assert r("EVALSHA", sha(INCR), "1", "n") == b":1\r\n"
    assert r("SCRIPT", "FLUSH", "ASYNC") == b"+OK\r\n"
    assert (
        r("EVALSHA", sha(INCR), "1", "n") == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    )
    assert r("SCRIPT", "LOAD") == b"-ERR wrong number of arguments for 'script|load' command\r\n"
    assert r("SCRIPT", "NOPE") == b"-ERR unknown subcommand 'NOPE'. Try SCRIPT HELP.\r\n"
    assert r("SCRIPT", "KILL") == b"-NOTBUSY No scripts in execution right now.\r\n"
    assert r("SCRIPT", "DEBUG", "YES").startswith(b"-ERR SCRIPT DEBUG YES/SYNC")
    assert r("SCRIPT", "HELP").startswith(b"*17\r\n+SCRIPT <subcommand>")


def test_the_cache_travels_in_snapshots() -> None:
    a = Driver()
    a("SCRIPT", "LOAD", INCR)
    a("EVAL", b"return 'evaluated'", "0")
    a("EVAL", b"return 1 +", "0")  # does not compile: not cached
    snapshot = a.m.snapshot()
    b = Driver(KVMachine())
    b.m.restore(snapshot)
    assert b.m.snapshot() == snapshot
    assert b("EVALSHA", sha(INCR), "1", "n") == b":1\r\n"
    assert b("EVALSHA", sha(b"return 'evaluated'"), "0") == b"$9\r\nevaluated\r\n"
    assert b("SCRIPT", "EXISTS", sha(b"return 1 +")) == b"*1\r\n:0\r\n"


def test_a_snapshot_of_an_older_version_has_no_scripts() -> None:
    a = Driver()
    a("SET", "k", "v")
    a("SCRIPT", "LOAD", INCR)
    fields = msgspec.msgpack.decode(a.m.snapshot())
    older = msgspec.msgpack.encode(fields[:3])  # before the script cache was in it
    b = Driver(KVMachine())
    b.m.restore(older)
    assert b("GET", "k") == b"$1\r\nv\r\n"
    assert b("SCRIPT", "EXISTS", sha(INCR)) == b"*1\r\n:0\r\n"


def test_a_script_is_one_atomic_entry_inside_exec_too(r: Driver) -> None:
    entry = encode_exec(
        [],
        [
            [
                b"EVAL",
                b"redis.call('set', KEYS[1], 'a') return redis.call('get', KEYS[1])",
                b"1",
                b"k",
            ],
            [b"SCRIPT", b"LOAD", INCR],
            [b"EVALSHA", sha(INCR), b"1", b"n"],
            [b"EVAL", b"return redis.call('blmpop', 0, 1, 'q', 'LEFT')", b"0"],
        ],
    )
    assert r.m.apply_at(entry, r.now) == b"*4\r\n$1\r\na\r\n$40\r\n%s\r\n:1\r\n$-1\r\n" % sha(INCR)
    assert r("EVAL", b"return redis.call('exec')", "0").startswith(
        b"-ERR This Redis command is not allowed from script script: "
    )


def test_blocking_commands_answer_their_nil_and_the_context_is_restored(r: Driver) -> None:
    assert r("EVAL", b"return redis.call('blmpop', 0, 1, 'q', 'LEFT')", "0") == b"$-1\r\n"
    context = r.m._context
    assert context.nested is False and context.random_salt == 0


def test_election_keys_cannot_be_written_from_a_script(r: Driver) -> None:
    assert r("EVAL", b"return redis.call('set', KEYS[1], 'me')", "1", "__election__:x").startswith(
        b"-ERR keys starting with '__election__:' are written only by ELECT.* and LEASE.* script: "
    )
    assert r("EVAL", b"return redis.pcall('del', 'a', '__election__:x')", "0") == (
        b"-ERR keys starting with '__election__:' are written only by ELECT.* and LEASE.*\r\n"
    )
    assert r("EVAL", b"return redis.call('get', '__election__:x')", "0") == b"$-1\r\n"


def test_a_scripts_commands_notify_and_serve_blocked_clients(r: Driver) -> None:
    events: list[tuple[int, list[tuple[bytes, bytes]]]] = []

    class Sink(EventSink):
        def publish(self, revision: int, batch: list[tuple[bytes, bytes]]) -> None:
            events.append((revision, list(batch)))

        def reset(self, revision: int) -> None:
            pass

    r.m.event_sink = Sink()
    r(
        "EVAL",
        b"redis.call('set', 'a', '1') redis.call('rpush', 'l', 'x') redis.call('del', 'a')",
        "0",
    )
    assert [batch for _, batch in events] == [[(b"set", b"a"), (b"rpush", b"l"), (b"del", b"a")]]


def test_draws_in_one_script_differ_and_every_replica_draws_the_same() -> None:
    script = (
        b"redis.call('sadd', 's', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h') local t = {} "
        b"for i = 1, 8 do t[i] = redis.call('srandmember', 's') end "
        b"return {t, math.random(1000000)}"
    )
    replies = {KVMachine().apply_at(encode_command([b"EVAL", script, b"0"]), 5) for _ in range(3)}
    (reply,) = replies
    members = reply.split(b"\r\n")[3:18:2]
    assert len(set(members)) > 1


def test_numkeys(r: Driver) -> None:
    assert r("EVAL", b"return {#KEYS, #ARGV}", "2", "a", "b", "c") == b"*2\r\n:2\r\n:1\r\n"
    assert r("EVAL", b"return 1", "-1") == b"-ERR Number of keys can't be negative\r\n"
    assert r("EVAL", b"return 1", "2", "a") == (
        b"-ERR Number of keys can't be greater than number of args\r\n"
    )
    assert r("EVAL", b"return 1", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert r("EVALSHA", "nosuch", "x") == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"


def test_the_budget_and_memory_are_machine_settings() -> None:
    machine = KVMachine(script_budget=50_000, script_memory=1 << 20)
    assert (machine.script_budget, machine.script_memory) == (50_000, 1 << 20)
    r = Driver(machine)
    assert r("EVAL", b"redis.call('set', 'k', 'before') while true do end", "0").startswith(
        b"-ERR Script exceeded its instruction budget (50000 instructions) script: "
    )
    assert r("GET", "k") == b"$6\r\nbefore\r\n"  # what it wrote before it was stopped stays
    assert r("EVAL", b"return #string.rep('x', 2000000)", "0").startswith(
        b"-ERR Script exceeded its memory limit (1048576 bytes)"
    )
    machine.script_budget, machine.script_memory = 10**8, 8 << 20
    assert r("EVAL", b"return #string.rep('x', 2000000)", "0") == b":2000000\r\n"


def test_at_the_connection_eval_is_queued_in_multi_and_resp3_gets_nulls() -> None:
    client = Client()
    request = b"".join(
        resp_request(args)
        for args in (
            [b"MULTI"],
            [b"EVAL", b"return redis.call('incr', KEYS[1])", b"1", b"n"],
            [b"SCRIPT", b"NOPE"],
        )
    )
    assert client.raw(request) == (
        b"+OK\r\n+QUEUED\r\n-ERR unknown subcommand 'NOPE'. Try SCRIPT HELP.\r\n"
    )
    assert client.raw(resp_request([b"EXEC"])) == (
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    )
    request = b"".join(
        resp_request(args)
        for args in (
            [b"MULTI"],
            [b"EVAL", b"return redis.call('incr', KEYS[1])", b"1", b"n"],
            [b"EVAL", b"return redis.call('incr', KEYS[1])", b"1", b"n"],
            [b"EXEC"],
            [b"HELLO", b"3"],
        )
    )
    assert client.raw(request).startswith(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n:1\r\n:2\r\n")
    assert client.raw(resp_request([b"EVAL", b"return nil", b"0"])) == b"_\r\n"
