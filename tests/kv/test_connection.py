"""The sans-IO client connection: bytes in, bytes out, no socket and no node (a
``FakeLog`` backend applies entries to a real ``KVMachine``)."""

from __future__ import annotations

import pytest

from rabia.errors import Rejected, Timeout
from rabia.kv import encode_command
from rabia.kv.request import MAX_INLINE
from rabia.kv.unsafe import ACK_BEFORE_DECIDE, STALE_READS
from tests.kv.fakes import Client, FakeLog

NOAUTH = b"-NOAUTH Authentication required.\r\n"
WRONGPASS = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
NO_DEFAULT_PASSWORD = (
    b"-ERR AUTH <password> called without any password configured for the default user. "
    b"Are you sure your configuration is correct?\r\n"
)


def test_auth_is_required_when_configured() -> None:
    c = Client(password=b"sesame")
    assert c("GET x", "NOSUCH", "MULTI") == NOAUTH * 3
    assert c("PING", "AUTH wrong", "AUTH a b c") == (
        b"+PONG\r\n" + WRONGPASS + b"-ERR syntax error\r\n"  # as Redis 7.0
    )
    assert c("GET x") == NOAUTH
    assert c("AUTH default sesame", "GET x") == b"+OK\r\n$-1\r\n"
    assert Client()("AUTH pw") == NO_DEFAULT_PASSWORD
    assert c.log.machine.revision == 1  # only the GET after AUTH reached the log


def test_hello_3_authenticates_and_switches_to_resp3() -> None:
    c = Client(password=b"sesame")
    assert c("HELLO 3") == b"-NOAUTH HELLO must be called with the client's password\r\n"
    assert c("HELLO 3 AUTH default nope") == WRONGPASS
    assert c("HELLO 4") == b"-NOPROTO unsupported protocol version\r\n"
    assert c("HELLO 3 AUTH default sesame BOGUS") == b"-ERR syntax error\r\n"
    hello = c("HELLO 3 AUTH default sesame SETNAME app")
    assert hello.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nrabia\r\n")
    assert b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:7\r\n" in hello
    assert c("CLIENT GETNAME", "CLIENT ID") == b"$3\r\napp\r\n:7\r\n"
    assert c("GET missing", "MGET missing missing") == b"_\r\n*2\r\n_\r\n_\r\n"
    assert c("HELLO 2", "GET missing").endswith(b"$-1\r\n")


def test_a_reply_keeps_the_protocol_of_its_request() -> None:
    log = FakeLog(deferred=True)
    c = Client(log)
    assert c("GET missing", "HELLO 3", "GET missing") == b""
    log.release(1, 0)
    assert c.conn.data_to_send().startswith(b"$-1\r\n%7\r\n")
    log.release()
    assert c.conn.data_to_send() == b""  # each reply is written once
    assert c("GET missing") == b""
    log.release(2)
    assert c.conn.data_to_send() == b"_\r\n"


def test_pipelined_replies_come_in_request_order_whatever_completes_first() -> None:
    log = FakeLog(deferred=True)
    c = Client(log)
    assert c("SET a 1", "GET a", "PING", "INCR a", "ECHO hi") == b""
    assert len(log.held) == 3
    log.release(2, 1)
    assert c.notified == 2 and c.conn.data_to_send() == b""  # the SET is still owed
    log.release(0)
    assert c.conn.data_to_send() == b"+OK\r\n$1\r\n1\r\n+PONG\r\n:2\r\n$2\r\nhi\r\n"


def test_multi_exec_applies_the_queue_as_one_entry() -> None:
    c = Client()
    assert c("MULTI", "SET a 1", "INCR a", "GET a") == b"+OK\r\n" + b"+QUEUED\r\n" * 3
    assert c.log.machine.revision == 0
    assert c("EXEC") == b"*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n"
    assert c.log.machine.revision == 1
    assert c("MULTI", "INCR a", "DISCARD", "GET a") == b"+OK\r\n+QUEUED\r\n+OK\r\n$1\r\n2\r\n"
    assert c("EXEC", "DISCARD") == (b"-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n")
    assert c("MULTI", "MULTI", "EXEC") == (b"+OK\r\n-ERR MULTI calls can not be nested\r\n*0\r\n")


def test_a_command_refused_when_queued_aborts_the_transaction() -> None:
    c = Client()
    replies = c("MULTI", "SET a 1", "NOSUCH x", "GET", "PING", "EXEC")
    assert replies == (
        b"+OK\r\n+QUEUED\r\n"
        b"-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n"
        b"-ERR wrong number of arguments for 'get' command\r\n"
        b"+QUEUED\r\n"  # connection commands are queued too, as in Redis
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    )
    assert c.log.machine.revision == 0 and c("GET a") == b"$-1\r\n"


def test_watch_conflict_makes_exec_fail() -> None:
    log = FakeLog()
    c, other = Client(log), Client(log)
    assert c("WATCH k") == b"+OK\r\n"
    assert other("SET k theirs") == b"+OK\r\n"
    assert c("MULTI", "SET k mine", "EXEC") == b"+OK\r\n+QUEUED\r\n*-1\r\n"
    assert c("GET k") == b"$6\r\ntheirs\r\n"
    assert c("WATCH k", "MULTI", "WATCH k", "SET k mine", "EXEC") == (
        b"+OK\r\n+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n+QUEUED\r\n*1\r\n+OK\r\n"
    )
    assert c("WATCH k", "UNWATCH") == b"+OK\r\n+OK\r\n"
    other("SET k again")
    assert c("MULTI", "GET k", "EXEC") == b"+OK\r\n+QUEUED\r\n*1\r\n$5\r\nagain\r\n"


def test_resp2_subscribe_mode_allows_only_subscription_commands() -> None:
    log = FakeLog()
    c, writer = Client(log), Client(log)
    assert c("SUBSCRIBE __keyspace@0__:k") == (
        b"*3\r\n$9\r\nsubscribe\r\n$16\r\n__keyspace@0__:k\r\n:1\r\n"
    )
    assert c("GET k") == (
        b"-ERR Can't execute 'get': only (P)SUBSCRIBE / (P)UNSUBSCRIBE / RABIA.(UN)WATCH"
        b" / PING / QUIT / RESET are allowed in this context\r\n"
    )
    assert c("PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    c.notified = 0
    writer("SET k v")
    assert c.notified == 1  # pushed outside receive(): the owner must flush
    assert (
        c.conn.data_to_send() == b"*3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n"
    )
    assert c("RESET", "GET k") == b"+RESET\r\n$1\r\nv\r\n"
    resp3 = Client(log)
    resp3("HELLO 3", "SUBSCRIBE ch")
    assert resp3("GET k") == b"$1\r\nv\r\n"  # RESP3 clients may mix commands and pushes
    assert resp3("PUNSUBSCRIBE") == b">3\r\n$12\r\npunsubscribe\r\n_\r\n:1\r\n"


def test_rabia_watch_starts_after_the_last_applied_revision() -> None:
    log = FakeLog()
    c, writer = Client(log), Client(log)
    writer("SET a 1")
    assert c("RABIA.WATCH a") == b"*3\r\n$5\r\nwatch\r\n$1\r\na\r\n:2\r\n"
    assert c("RABIA.WATCH a 0") == b"-ERR revision must be a positive integer\r\n"
    assert c("RABIA.WATCH a 1 2") == b"-ERR wrong number of arguments for 'rabia.watch' command\r\n"
    writer("SET ab 2")
    assert c.conn.data_to_send() == (
        b"*4\r\n$5\r\nwatch\r\n$1\r\na\r\n:2\r\n*2\r\n$3\r\nset\r\n$2\r\nab\r\n"
    )


def test_unknown_commands_and_wrong_arity_never_reach_the_log() -> None:
    c = Client()
    assert c("NOSUCH a", "GET", "SET k", "ECHO", "SUBSCRIBE") == (
        b"-ERR unknown command 'NOSUCH', with args beginning with: 'a' \r\n"
        b"-ERR wrong number of arguments for 'get' command\r\n"
        b"-ERR wrong number of arguments for 'set' command\r\n"
        b"-ERR wrong number of arguments for 'echo' command\r\n"
        b"-ERR wrong number of arguments for 'subscribe' command\r\n"
    )
    assert c.log.machine.revision == 0


def test_connection_errors_carry_their_own_code() -> None:
    assert Client()("SELECT 1", "SELECT 0", "CLIENT BOGUS", "CLIENT", "INFO x").startswith(
        b"-ERR DB index is out of range\r\n+OK\r\n"
        b"-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\r\n"
        b"-ERR wrong number of arguments for 'client' command\r\n$"
    )


def test_a_node_refusing_or_timing_out_is_an_error_reply() -> None:
    c = Client()
    c.log.refuse = Rejected("command of 99 bytes exceeds max_command_bytes")
    assert c("SET k v") == b"-ERR command of 99 bytes exceeds max_command_bytes\r\n"
    c.log.refuse = Timeout("no decision\r\nin time")
    assert c("SET k v") == b"-TRYAGAIN no decision  in time\r\n"


def test_quit_answers_then_ignores_everything() -> None:
    c = Client()
    assert c.raw(b"PING\r\nQUIT\r\nSET after quit\r\n*1\r\n$4\r\nPING\r\n") == b"+PONG\r\n+OK\r\n"
    assert c.conn.closing and c.conn.finished
    assert c.raw(b"SET a 1\r\n") == b"" and c.log.machine.revision == 0


def test_quit_waits_for_the_replies_before_it() -> None:
    log = FakeLog(deferred=True)
    c = Client(log)
    assert c("SET a 1", "QUIT") == b""
    assert not c.conn.finished
    log.release()
    assert c.conn.data_to_send() == b"+OK\r\n+OK\r\n" and c.conn.finished


def test_protocol_errors_answer_and_close() -> None:
    c = Client()
    assert c.raw(b"PING\r\n*x\r\nPING\r\n") == (
        b"+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"
    )
    assert c.conn.finished
    c = Client()
    assert c.raw(b"x" * (MAX_INLINE + 1)) == b"-ERR Protocol error: too big inline request\r\n"
    assert c.conn.finished


# RESP requests, inline ones (telnet; redis-cli --pipe ends its input with "\r\n" and a
# RESP ECHO), blank lines, in any mix and cut anywhere.
STREAM = (
    b"PING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n\r\n*1\r\n$4\r\nPING\r\n  echo  x \n"
    b"\r\n\n*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\necho y\r\n"
)
EXPECTED = b"+PONG\r\n$2\r\nhi\r\n+PONG\r\n$1\r\nx\r\n$4\r\na\r\nb\r\n$1\r\ny\r\n"


def test_inline_and_resp_requests_mix_at_any_cut() -> None:
    for cut in range(len(STREAM) + 1):
        c = Client()
        assert c.raw(STREAM[:cut]) + c.raw(STREAM[cut:]) == EXPECTED, cut
    c = Client()
    assert b"".join(c.raw(STREAM[i : i + 1]) for i in range(len(STREAM))) == EXPECTED


def test_reset_leaves_transactions_and_subscriptions() -> None:
    log = FakeLog()
    c, other = Client(log), Client(log)
    assert c("WATCH k", "RESET", "MULTI", "SET k v") == b"+OK\r\n+RESET\r\n+OK\r\n+QUEUED\r\n"
    other("SET k theirs")  # no longer watched: no conflict
    assert c("EXEC") == b"*1\r\n+OK\r\n"
    assert c("MULTI", "RESET", "DISCARD") == (  # inside MULTI, RESET runs at once
        b"+OK\r\n+RESET\r\n-ERR DISCARD without MULTI\r\n"
    )
    c("PSUBSCRIBE *", "RESET")
    assert not c.conn.subscribed and not c.log.hub.subscribers


def test_a_closed_connection_forgets_what_it_was_owed() -> None:
    log = FakeLog(deferred=True)
    c = Client(log)
    c("SUBSCRIBE ch", "WATCH k")
    c.notified = 0
    c.conn.close()
    assert not log.hub.subscribers
    log.release()  # the WATCH's outcome arrives after the client left
    assert c.notified == 0 and c.conn.data_to_send() == b""


@pytest.mark.parametrize("unsafe", [STALE_READS, ACK_BEFORE_DECIDE])
def test_broken_builds_answer_before_the_log(unsafe: str) -> None:
    log = FakeLog(deferred=True)
    log.machine.apply_at(encode_command([b"SET", b"k", b"old"]), 1)
    c = Client(log, unsafe=frozenset([unsafe]))
    if unsafe == STALE_READS:
        assert c("GET k") == b"$3\r\nold\r\n" and not log.held
    else:
        assert c("SET k new", "APPEND k !") == b"+OK\r\n:4\r\n"
        assert c("MULTI", "SET k v", "EXEC") == b"+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n"
        log.release()
        assert c.conn.data_to_send() == b""  # the real outcomes are ignored


def test_connection_commands_are_queued_and_answered_in_exec() -> None:
    c = Client()
    assert c("MULTI", "SET a 1", "PING", "ECHO x", "CLIENT SETNAME foo", "UNWATCH", "GET a") == (
        b"+OK\r\n" + b"+QUEUED\r\n" * 6
    )
    assert c("CLIENT GETNAME") == b"+QUEUED\r\n"
    assert c("PING a b") == b"+QUEUED\r\n"  # arity -1 fits: the error comes from EXEC
    assert c("EXEC") == (
        b"*8\r\n+OK\r\n+PONG\r\n$1\r\nx\r\n+OK\r\n+OK\r\n$1\r\n1\r\n$3\r\nfoo\r\n"
        b"-ERR wrong number of arguments for 'ping' command\r\n"
    )
    assert c("MULTI", "ECHO", "EXEC") == (
        b"+OK\r\n-ERR wrong number of arguments for 'echo' command\r\n"
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    )
    assert c("MULTI", "PING", "EXEC") == b"+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n"  # no log command


def test_queued_connection_commands_do_not_run_when_exec_fails() -> None:
    log = FakeLog()
    c, other = Client(log), Client(log)
    c("WATCH k", "MULTI", "CLIENT SETNAME changed", "GET k")
    other("SET k theirs")
    assert c("EXEC") == b"*-1\r\n"
    assert c("CLIENT GETNAME") == b"$-1\r\n"


def test_exec_replies_take_their_resp3_forms() -> None:
    c = Client()
    c("HELLO 3", "MSET a ohmytext b mynewtext")
    reply = c("MULTI", "LCS a b IDX", "PING", "GET none", "EXEC")
    assert reply.startswith(b"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n%2\r\n$7\r\nmatches")
    assert reply.endswith(b"$3\r\nlen\r\n:6\r\n+PONG\r\n_\r\n")


def test_quit_inside_multi_runs_at_once() -> None:
    c = Client()
    assert c("MULTI", "SET a 1", "QUIT", "EXEC") == b"+OK\r\n+QUEUED\r\n+OK\r\n"
    assert c.conn.finished and c.log.machine.revision == 0


def test_unknown_subcommands_are_refused_when_queued() -> None:
    c = Client()
    assert c("MULTI", "OBJECT NOPE k", "CLIENT GETNAME x", "CONFIG GET", "EXEC") == (
        b"+OK\r\n-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n"
        b"-ERR wrong number of arguments for 'client|getname' command\r\n"
        b"-ERR wrong number of arguments for 'config|get' command\r\n"
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    )
