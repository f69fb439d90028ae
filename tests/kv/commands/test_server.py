"""Server commands: TIME by the log's time; INFO, CONFIG and WAIT at the connection."""

from __future__ import annotations

from redis._parsers.helpers import parse_info

from tests.kv.conftest import SEC, Driver
from tests.kv.fakes import Client, FakeLog
from tests.kv.replies import parse


def test_time_is_the_log_time(r: Driver) -> None:
    r.now = 1_700_000_000 * SEC + 123_456
    assert parse(r("TIME")) == [b"1700000000", b"123456"]
    r.now -= SEC  # the log time never goes back
    assert parse(r("TIME")) == [b"1700000000", b"123456"]


def test_info_sections_parse_as_redis_py_parses_them() -> None:
    c = Client()
    c("SET a 1", "SET b 2 EX 100")
    reply = c("INFO")
    body = parse(reply)
    assert isinstance(body, bytes)
    info = parse_info(body.decode())
    assert info["redis_version"] == "7.0.15"
    assert info["db0"] == {"keys": 2, "expires": 1, "avg_ttl": 0}
    assert info["role"] == "master" and info["node_id"] == 0 and info["cluster_enabled"] == 0
    for section in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats"):
        assert section in body.decode()
    assert "# Replication" in body.decode() and "# CPU" in body.decode()
    only = parse(c("INFO KEYSPACE CPU"))
    assert isinstance(only, bytes) and only.startswith(b"# CPU\r\n") and b"db0:" in only
    assert parse(c("INFO nosuch")) == b""
    subscriber = Client(c.log)
    subscriber("SUBSCRIBE x y", "PSUBSCRIBE p*")
    stats = parse(c("INFO stats"))
    assert isinstance(stats, bytes)
    assert parse_info(stats.decode())["pubsub_channels"] == 2
    assert parse_info(stats.decode())["pubsub_patterns"] == 1


def test_config_get_and_set() -> None:
    c = Client()
    assert parse(c("CONFIG GET maxmemory*")) == [
        b"maxmemory",
        b"0",
        b"maxmemory-policy",
        b"noeviction",
    ]
    assert parse(c("CONFIG GET SAVE appendonly")) == [b"appendonly", b"no", b"save", b""]
    assert parse(c("CONFIG GET databases")) == [b"databases", b"1"]
    assert parse(c("CONFIG GET nosuch")) == []
    assert c("CONFIG SET notify-keyspace-events KEx") == b"+OK\r\n"
    assert c("CONFIG SET notify-keyspace-events Q") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
        b"Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"
    )
    assert c("CONFIG SET maxmemory-policy noeviction") == b"+OK\r\n"
    assert c("CONFIG SET maxmemory 100mb").startswith(
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory') - "
    )
    assert c("CONFIG SET nosuch 1") == (
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"
    )
    assert c("CONFIG SET timeout") == b"-ERR wrong number of arguments for 'config|set' command\r\n"
    assert c("CONFIG SET timeout 0 save") == b"-ERR syntax error\r\n"
    assert c("CONFIG FOO") == b"-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n"
    assert c("CONFIG RESETSTAT") == b"+OK\r\n"
    c("HELLO 3")
    assert c("CONFIG GET timeout") == b"%1\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"  # a map


def test_wait_answers_at_once() -> None:
    log = FakeLog()
    c = Client(log)
    assert c("SET k v", "WAIT 1 0") == b"+OK\r\n:2\r\n"
    log.members = 5
    assert c("WAIT 0 100") == b":4\r\n"
    assert c("WAIT x 0") == b"-ERR value is not an integer or out of range\r\n"
    assert c("WAIT 1 -1") == b"-ERR timeout is negative\r\n"
    assert c("WAIT 1 x") == b"-ERR timeout is not an integer or out of range\r\n"
