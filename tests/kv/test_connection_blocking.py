"""Blocking commands through the sans-IO connection, on a real machine (no sockets, no
node): a pop served at once or by another client's push, in the order clients blocked,
timeouts, pipelining behind a blocked command, clients that leave, MULTI, RESP3."""

from __future__ import annotations

from tests.kv.fakes import Client, FakeLog


def _pair(key: bytes, value: bytes) -> bytes:
    return b"*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value)


def test_blpop_is_served_at_once_when_the_list_has_an_element() -> None:
    c = Client()
    assert c("RPUSH q a b", "BLPOP q 0", "LRANGE q 0 -1") == (
        b":2\r\n" + _pair(b"q", b"a") + b"*1\r\n$1\r\nb\r\n"
    )
    assert c.log.calls == {}  # nothing left waiting, the delivery was acknowledged


def test_a_blocked_client_is_served_by_another_clients_push() -> None:
    log = FakeLog()
    waiting, pusher = Client(log, client_id=1), Client(log, client_id=2)
    assert waiting("BLPOP q other 0") == b""
    assert log.blocked_clients() == 1
    assert pusher("LPUSH other x") == b":1\r\n"  # the push is consumed by the waiter...
    assert waiting.conn.data_to_send() == _pair(b"other", b"x")
    assert pusher("EXISTS other") == b":0\r\n"  # ...inside the push itself
    assert waiting.notified >= 1 and log.blocked_clients() == 0


def test_clients_are_served_in_the_order_they_blocked() -> None:
    log = FakeLog()
    first, second, third = (Client(log, client_id=i) for i in (1, 2, 3))
    assert second("BRPOP q 0") == b"" and first("BRPOP q 0") == b"" and third("BLPOP q 0") == b""
    pusher = Client(log, client_id=4)
    pusher("RPUSH q a b")
    assert second.conn.data_to_send() == _pair(b"q", b"b")  # BRPOP: the tail
    assert first.conn.data_to_send() == _pair(b"q", b"a")
    assert third.conn.data_to_send() == b""  # nothing left for the third
    pusher("RPUSH q c")
    assert third.conn.data_to_send() == _pair(b"q", b"c")


def test_a_timeout_answers_nil_and_leaves_the_element_to_others() -> None:
    log = FakeLog()
    waiting, pusher = Client(log, client_id=1), Client(log, client_id=2)
    assert waiting("BLPOP q 1.5", "PING") == b""  # replies stay in order behind it
    log.advance(1.0)
    assert waiting.conn.data_to_send() == b""
    log.advance(0.5)
    assert waiting.conn.data_to_send() == b"*-1\r\n+PONG\r\n"
    assert pusher("RPUSH q a", "LLEN q") == b":1\r\n:1\r\n"  # nobody takes it now


def test_blmove_moves_into_the_destination_for_a_waiter_and_chains() -> None:
    log = FakeLog()
    mover, popper = Client(log, client_id=1), Client(log, client_id=2)
    assert mover("BLMOVE src dst RIGHT LEFT 0") == b""
    assert popper("BLPOP dst 0") == b""
    Client(log, client_id=3)("RPUSH src job")
    assert mover.conn.data_to_send() == b"$3\r\njob\r\n"
    assert popper.conn.data_to_send() == _pair(b"dst", b"job")  # dst was made ready in turn


def test_a_client_that_leaves_takes_nothing() -> None:
    log = FakeLog()
    leaving, pusher = Client(log, client_id=1), Client(log, client_id=2)
    assert leaving("BLPOP q 0") == b""
    leaving.conn.close()
    assert pusher("RPUSH q a", "LRANGE q 0 -1") == b":1\r\n*1\r\n$1\r\na\r\n"
    assert log.calls == {}


def test_inside_multi_a_blocking_command_does_not_block() -> None:
    c = Client()
    assert c("MULTI", "BLPOP q 0", "BLMOVE q d LEFT LEFT 0", "EXEC") == (
        b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*-1\r\n$-1\r\n"
    )


def test_resp3_clients_get_resp3_forms_when_served_later() -> None:
    log = FakeLog()
    waiting = Client(log, client_id=1)
    waiting("HELLO 3")
    assert waiting("BLPOP q 0") == b""
    Client(log, client_id=2)("RPUSH q a")
    assert waiting.conn.data_to_send() == _pair(b"q", b"a")
    assert waiting("BLPOP q 0.01") == b""
    log.advance(0.02)
    assert waiting.conn.data_to_send() == b"_\r\n"  # RESP3's null
