"""AUTH against a one-node `rabia up --password-file`: NOAUTH before it, WRONGPASS for a
wrong password, through redis-py, redis-py's asyncio client and redis-cli."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError

from tests.e2e.redis_up import (
    AsyncConn,
    CliConn,
    Conn,
    Err,
    RabiaUp,
    SyncConn,
    close_conns,
    matches,
    no_retry,
    no_retry_async,
    quiet_connect,
    require_redis_cli,
    run_cli,
)

PASSWORD = "s3same"
NOAUTH = Err("NOAUTH Authentication required.")
WRONGPASS = Err("WRONGPASS invalid username-password pair or user is disabled.")


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root = tmp_path_factory.mktemp("auth")
    (root / "password").write_text(PASSWORD + "\n")
    up = RabiaUp(root / "data", 1, ["--password-file", str(root / "password")])
    up.start()
    try:
        yield up.ports[0]
    finally:
        up.assert_clean_stop()


def check(conn: Conn, steps: list[tuple[list[str], object]]) -> None:
    for args, expected in steps:
        got = conn.call(*args)
        assert matches(expected, got), f"{conn.kind}: {args} -> {got!r}, expected {expected!r}"


def login_steps(key: str) -> list[tuple[list[str], object]]:
    return [
        (["GET", key], NOAUTH),
        (["SET", key, "x"], NOAUTH),
        (["AUTH", "wrong"], WRONGPASS),
        (["HELLO", "3", "AUTH", "default", "wrong"], WRONGPASS),
        (["HELLO", "2"], Err("NOAUTH HELLO must be called with the client's password")),
        (["GET", key], NOAUTH),
        (["AUTH", PASSWORD], "OK"),
        (["SET", key, "v"], "OK"),
        (["GET", key], "v"),
        (["AUTH", "default", PASSWORD], "OK"),
    ]


# (redis-py drops a connection on WRONGPASS; redis-cli keeps it)
STILL_IN = [
    (["AUTH", "wrong"], WRONGPASS),
    (["GET", "cli"], "v"),  # a failed AUTH does not log an authenticated client out
]


def test_auth_with_each_client(port: int) -> None:
    # redis-py without CLIENT SETINFO on connect (NOAUTH would fail the connection)
    quiet = quiet_connect()
    sync = SyncConn(port, **quiet)
    check(sync, login_steps("sync"))
    close_conns([sync])
    asynchronous = AsyncConn(asyncio.new_event_loop(), port, protocol=2, **quiet)
    check(asynchronous, login_steps("async"))
    close_conns([asynchronous])
    session = CliConn(require_redis_cli(), port, "-2")
    try:
        check(session, login_steps("cli") + STILL_IN)
    finally:
        session.close()


def test_redis_py_password_option(port: int) -> None:
    for protocol in (2, 3):  # AUTH, or HELLO 3 AUTH, on connect
        kw: dict[str, Any] = {"port": port, "protocol": protocol, "retry": no_retry()}
        good = redis.Redis(password=PASSWORD, **kw)
        bad = redis.Redis(password="wrong", **kw)
        none = redis.Redis(**kw)
        try:
            assert good.set("k", protocol) and good.get("k") == str(protocol).encode()
            with pytest.raises(AuthenticationError, match="invalid username-password pair"):
                bad.get("k")
            # RESP2: NOAUTH for the first command; RESP3: for HELLO 3 without AUTH
            with pytest.raises(AuthenticationError, match=r"Authentication required|HELLO must"):
                none.get("k")
        finally:
            for client in (good, bad, none):
                client.close()

    async def main() -> None:
        good = aioredis.Redis(port=port, password=PASSWORD, retry=no_retry_async())
        bad = aioredis.Redis(port=port, password="wrong", retry=no_retry_async())
        try:
            assert await good.incr("n") == 1
            with pytest.raises(AuthenticationError, match="invalid username-password pair"):
                await bad.incr("n")
            assert await good.get("n") == b"1"
        finally:
            await good.aclose()
            await bad.aclose()

    asyncio.run(main())


def test_redis_cli_password_option(port: int) -> None:
    cli = require_redis_cli()
    assert run_cli(cli, port, "SET", "c", "1").startswith("NOAUTH Authentication required.\n")
    assert run_cli(cli, port, "-a", "wrong", "--no-auth-warning", "GET", "c").startswith("NOAUTH")
    assert run_cli(cli, port, "-a", PASSWORD, "--no-auth-warning", "SET", "c", "1") == "OK\n"
    assert run_cli(cli, port, "--user", "default", "--pass", PASSWORD, "GET", "c") == "1\n"
    assert run_cli(cli, port, "-3", "-a", PASSWORD, "--no-auth-warning", "GET", "c") == "1\n"
