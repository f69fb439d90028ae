"""PUBLISH (a log command: the machine carries the message to every node's subscribers,
placed among its command's events) and PUBSUB (this node's subscriptions)."""

from __future__ import annotations

from collections.abc import Sequence

from rabia.kv.events import Published
from tests.kv.conftest import Driver
from tests.kv.fakes import Client, FakeLog


class Sink:
    """Records what the machine hands its event sink, revision by revision."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, list[tuple[bytes, bytes]], list[Published]]] = []

    def publish(
        self, revision: int, events: list[tuple[bytes, bytes]], messages: Sequence[Published] = ()
    ) -> None:
        self.seen.append((revision, events, list(messages)))

    def reset(self, revision: int) -> None:
        pass


def test_the_machine_answers_0_and_hands_the_message_to_the_sink(r: Driver) -> None:
    sink = Sink()
    r.m.event_sink = sink
    assert r("PUBLISH", "ch", "hello") == b":0\r\n"
    assert r("publish", "ch") == b"-ERR wrong number of arguments for 'publish' command\r\n"
    assert sink.seen == [(1, [], [(0, b"ch", b"hello")])]
    twin = Driver()
    twin("GET", "x"), twin("GET", "x")
    assert r.m.snapshot() == twin.m.snapshot()  # nothing kept but the revision


def test_messages_keep_their_place_among_a_transactions_events() -> None:
    log, sink = FakeLog(), Sink()
    log.machine.event_sink = sink
    c = Client(log)
    c("MULTI", "PUBLISH a 1", "SET k v", "PUBLISH b 2", "PUBLISH c 3", "DEL k", "EXEC")
    ((_, events, messages),) = sink.seen
    assert events == [(b"set", b"k"), (b"del", b"k")]
    assert messages == [(0, b"a", b"1"), (1, b"b", b"2"), (1, b"c", b"3")]


def test_subscribers_get_messages_and_notifications_in_command_order() -> None:
    log = FakeLog()
    sub, pub = Client(log), Client(log)
    sub("SUBSCRIBE a __keyspace@0__:k")
    assert pub("MULTI", "PUBLISH a 1", "SET k v", "PUBLISH a 2", "EXEC").endswith(
        b"*3\r\n:1\r\n+OK\r\n:1\r\n"
    )
    assert sub.conn.data_to_send() == (
        b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\n1\r\n"
        b"*3\r\n$7\r\nmessage\r\n$16\r\n__keyspace@0__:k\r\n$3\r\nset\r\n"
        b"*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\n2\r\n"
    )


def test_publish_answers_the_subscriptions_it_reached_at_this_node() -> None:
    log = FakeLog()
    a, b, pub = Client(log), Client(log), Client(log)
    a("SUBSCRIBE ch", "PSUBSCRIBE c* ch*")
    b("PSUBSCRIBE c*")
    assert pub("PUBLISH ch x") == b":4\r\n"  # a's channel and two patterns, b's pattern
    assert pub("PUBLISH other x") == b":0\r\n"
    assert b.conn.data_to_send() == b"*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$1\r\nx\r\n"
    resp3 = Client(log)
    resp3("HELLO 3", "SUBSCRIBE me")
    assert resp3("PUBLISH me hi") == b":1\r\n>3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$2\r\nhi\r\n"


def test_pubsub_reports_this_nodes_subscriptions() -> None:
    log = FakeLog()
    a, b, c = Client(log), Client(log), Client(log)
    a("SUBSCRIBE ch ch2", "PSUBSCRIBE p*")
    b("SUBSCRIBE ch", "PSUBSCRIBE p* q*")
    assert c("PUBSUB CHANNELS") == b"*2\r\n$2\r\nch\r\n$3\r\nch2\r\n"
    assert c("PUBSUB CHANNELS *2") == b"*1\r\n$3\r\nch2\r\n"
    assert c("PUBSUB NUMSUB ch ch2 zz ch") == (
        b"*8\r\n$2\r\nch\r\n:2\r\n$3\r\nch2\r\n:1\r\n$2\r\nzz\r\n:0\r\n$2\r\nch\r\n:2\r\n"
    )
    assert c("PUBSUB NUMSUB") == b"*0\r\n"
    assert c("PUBSUB NUMPAT") == b":2\r\n"  # distinct patterns
    assert c("PUBSUB SHARDCHANNELS") == b"*0\r\n"
    assert c("PUBSUB SHARDNUMSUB x") == b"*2\r\n$1\r\nx\r\n:0\r\n"
    assert c("PUBSUB HELP").startswith(b"*11\r\n+PUBSUB <subcommand>")
    assert c("PUBSUB CHANNELS a b") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n"
    )
    assert c("PUBSUB NOPE") == b"-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n"
    assert c("PUBSUB NUMPAT x") == (
        b"-ERR wrong number of arguments for 'pubsub|numpat' command\r\n"
    )
    a("UNSUBSCRIBE", "PUNSUBSCRIBE")
    b.conn.close()
    assert c("PUBSUB CHANNELS", "PUBSUB NUMPAT") == b"*0\r\n:0\r\n"


def test_subscribe_mode_refuses_after_the_checks_every_command_gets() -> None:
    c = Client()
    c("SUBSCRIBE ch")
    assert c("NOSUCH").startswith(b"-ERR unknown command 'NOSUCH'")
    assert c("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert c("PUBSUB NOPE") == b"-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n"
    assert c("PUBSUB NUMPAT").startswith(b"-ERR Can't execute 'pubsub|numpat': only")
    assert c("EXEC").startswith(
        b"-EXECABORT Transaction discarded because of: Can't execute 'exec'"
    )
