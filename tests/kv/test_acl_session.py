"""ACL through a client's connection (a fake log that is a real machine): AUTH as a user,
NOPERM at the node and at apply, MULTI, scripts, pub/sub, deleted users."""

from __future__ import annotations

from tests.fuzz.harness import resp_request
from tests.kv.fakes import Client, FakeLog

NOPERM_FLUSHDB = b"-NOPERM this user has no permissions to run the 'flushdb' command\r\n"
NOPERM_KEYS = (
    b"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"
)
NOPERM_CHANNELS = (
    b"-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"
)


def admin_and_user(*rules: str) -> tuple[Client, Client]:
    log = FakeLog()
    admin, user = Client(log), Client(log, client_id=8)
    assert admin("ACL SETUSER u on >pw " + " ".join(rules)) == b"+OK\r\n"
    assert user("AUTH u pw") == b"+OK\r\n"
    return admin, user


def test_auth_as_a_user_and_whoami() -> None:
    admin, user = admin_and_user("+@all", "~*")
    assert user("ACL WHOAMI") == b"$1\r\nu\r\n"
    assert admin("ACL WHOAMI") == b"$7\r\ndefault\r\n"
    assert (
        user("AUTH u nope") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    )


def test_refused_commands_change_nothing() -> None:
    admin, user = admin_and_user("+@all", "-flushdb", "~a*")
    admin("SET b 1")
    assert user("FLUSHDB", "GET b", "SET a 1", "GET a") == (
        NOPERM_FLUSHDB + NOPERM_KEYS + b"+OK\r\n$1\r\n1\r\n"
    )
    assert admin("GET b") == b"$1\r\n1\r\n"


def test_the_machine_checks_entries_at_apply() -> None:
    admin, user = admin_and_user("+@all", "~*")
    user.log.in_flight = []  # the user's SET is submitted, not yet decided
    user("SET k v")
    entry, deliver = user.log.in_flight.pop()
    user.log.in_flight = None
    admin("ACL SETUSER u -set")  # applies first
    user.log.apply(entry, deliver)
    assert (
        user.conn.data_to_send()
        == b"-NOPERM this user has no permissions to run the 'set' command\r\n"
    )
    assert admin("EXISTS k") == b":0\r\n"


def test_multi_refuses_at_queue_time_and_exec_checks_again() -> None:
    admin, user = admin_and_user("+@all", "~a*")
    assert user("MULTI", "GET b", "EXEC") == (
        b"+OK\r\n"
        + NOPERM_KEYS
        + b"-EXECABORT Transaction discarded because of previous errors.\r\n"
    )
    assert user("MULTI", "SET a 1", "GET a") == b"+OK\r\n+QUEUED\r\n+QUEUED\r\n"
    admin("ACL SETUSER u -set")
    reply = user("EXEC")
    assert reply.startswith(b"*2\r\n-NOPERM ACLs rules changed") and reply.endswith(b"$-1\r\n")


def test_scripts_and_channels() -> None:
    _admin, user = admin_and_user("+@all", "-flushdb", "~a*", "&c*")
    reply = user.raw(resp_request([b"EVAL", b"return redis.pcall('get', 'b')", b"0"]))
    assert reply == (
        b"-ERR The user executing the script can't access at least one of the keys"
        b" mentioned in the command arguments\r\n"
    )
    reply = user.raw(resp_request([b"EVAL", b"return redis.pcall('flushdb')", b"0"]))
    assert reply == b"-ERR The user executing the script can't run this command or subcommand\r\n"
    assert user("PUBLISH d x") == NOPERM_CHANNELS
    assert user("PUBLISH c1 x") == b":0\r\n"
    assert user("SUBSCRIBE d") == NOPERM_CHANNELS


def test_a_deleted_users_connection_is_closed() -> None:
    admin, user = admin_and_user("+@all", "~*")
    assert admin("ACL DELUSER u") == b":1\r\n"
    user("GET a")
    assert user.conn.closing
