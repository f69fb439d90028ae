"""CLIENT at the connection: names, INFO and LIST lines, KILL across connections."""

from __future__ import annotations

from tests.fuzz.harness import resp_request
from tests.kv.fakes import Client, FakeLog
from tests.kv.replies import parse


def fields(line: bytes) -> dict[bytes, bytes]:
    return dict(item.split(b"=", 1) for item in line.split(b" "))


def test_names_and_ids() -> None:
    c = Client()
    assert c("CLIENT SETNAME app", "CLIENT GETNAME", "CLIENT ID") == b"+OK\r\n$3\r\napp\r\n:7\r\n"
    assert c("CLIENT SETNAME", "CLIENT GETNAME x") == (
        b"-ERR wrong number of arguments for 'client|setname' command\r\n"
        b"-ERR wrong number of arguments for 'client|getname' command\r\n"
    )
    assert c.raw(resp_request([b"CLIENT", b"SETNAME", b"a b"])) == (
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    )
    assert c("CLIENT SETINFO LIB-NAME redis-py", "CLIENT SETINFO lib-ver 5.0") == b"+OK\r\n+OK\r\n"
    assert c("CLIENT SETINFO color red") == b"-ERR Unrecognized option 'color'\r\n"
    assert c("CLIENT NO-EVICT on", "CLIENT NO-TOUCH maybe") == b"+OK\r\n-ERR syntax error\r\n"
    assert c("CLIENT HELP").startswith(b"*")


def test_info_and_list() -> None:
    log = FakeLog()
    first, second = Client(log, client_id=1), Client(log, client_id=2)
    first.conn.addr, first.conn.laddr = b"10.0.0.1:5000", b"10.0.0.9:6379"
    first("CLIENT SETNAME one", "CLIENT SETINFO lib-name py", "MULTI", "PING")
    first.clock += 12
    info = parse(first("CLIENT INFO"))
    assert info == b"QUEUED"  # inside MULTI, CLIENT is queued
    assert parse(first("DISCARD")) == b"OK"
    info = parse(first("CLIENT INFO"))
    assert isinstance(info, bytes) and info.endswith(b"\n")
    found = fields(info.strip())
    assert found[b"id"] == b"1" and found[b"name"] == b"one" and found[b"addr"] == b"10.0.0.1:5000"
    assert found[b"age"] == b"12" and found[b"idle"] == b"0" and found[b"flags"] == b"N"
    assert found[b"cmd"] == b"client|info" and found[b"lib-name"] == b"py"
    second("SUBSCRIBE ch")
    listing = parse(first("CLIENT LIST"))
    assert isinstance(listing, bytes)
    lines = [fields(line) for line in listing.splitlines()]
    assert [line[b"id"] for line in lines] == [b"1", b"2"]
    assert lines[1][b"flags"] == b"P" and lines[1][b"sub"] == b"1" and lines[1][b"age"] == b"12"
    only = parse(first("CLIENT LIST TYPE pubsub"))
    assert isinstance(only, bytes) and only.startswith(b"id=2 ")
    assert parse(first("CLIENT LIST ID 2 99")) == only
    assert first("CLIENT LIST TYPE x") == b"-ERR Unknown client type 'x'\r\n"
    assert first("CLIENT LIST ID x") == b"-ERR Invalid client ID\r\n"
    assert first("CLIENT LIST FOO") == b"-ERR syntax error\r\n"


def test_kill() -> None:
    log = FakeLog()
    one, two, three, four = (Client(log, client_id=i) for i in (1, 2, 3, 4))
    four.conn.addr = b"10.0.0.4:1234"
    assert one("CLIENT KILL ID 2") == b":1\r\n"
    assert two.conn.finished and two.notified  # closed: the transport closes it
    assert one("CLIENT KILL ID 2") == b":0\r\n"  # gone
    assert one("CLIENT KILL 10.0.0.4:1234") == b"+OK\r\n"
    assert one("CLIENT KILL 10.0.0.4:1234") == b"-ERR No such client\r\n"
    assert one("CLIENT KILL ID 1") == b":0\r\n"  # SKIPME yes by default
    assert one("CLIENT KILL ID 0") == b"-ERR client-id should be greater than 0\r\n"
    assert one("CLIENT KILL USER bob") == b"-ERR No such user 'bob'\r\n"
    assert one("CLIENT KILL TYPE master") == b":0\r\n"
    assert one("CLIENT KILL SKIPME maybe") == b"-ERR syntax error\r\n"
    assert one("CLIENT KILL ID 3 TYPE") == b"-ERR syntax error\r\n"
    assert one("CLIENT KILL ID") == b"-ERR No such client\r\n"  # the old form: an address
    assert not three.conn.closing
    assert one("CLIENT KILL USER default SKIPME no", "PING") == b":2\r\n"
    assert one.conn.closing and three.conn.finished  # the caller closes after its reply
