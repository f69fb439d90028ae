"""`rabia up` as a test fixture, and the three kinds of Redis client the end-to-end tests
drive it with (redis-py, redis-py asyncio, redis-cli), behind one calling convention."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from rabia.cli.up import free_port_base
from tests.e2e.cluster import ROOT

READY_TIMEOUT = 30.0
CALL_TIMEOUT = 10.0


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_redis_cli() -> str:
    """redis-cli's path; skips the test when it is not installed, unless under CI."""
    path = shutil.which("redis-cli")
    if path is None:
        message = "redis-cli is not installed (`make tools`, or apt-get install redis-tools)"
        if in_ci():
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return path


class RabiaUp:
    """A `rabia up` process on a free port range; ``start`` returns once it is ready."""

    def __init__(self, data_dir: Path, nodes: int = 3, extra: Sequence[str] = ()) -> None:
        self.data_dir = data_dir
        self.nodes = nodes
        self.extra = list(extra)
        self.base = 0
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._process: subprocess.Popen[str] | None = None
        self._pump: threading.Thread | None = None

    @property
    def ports(self) -> list[int]:
        return [self.base + i for i in range(self.nodes)]

    def start(self) -> None:
        self.base = free_port_base(self.nodes, 21000 + (os.getpid() % 400) * 10)
        cmd = [sys.executable, "-m", "rabia", "up", "--nodes", str(self.nodes)]
        cmd += ["--resp-port", str(self.base), "--data-dir", str(self.data_dir), *self.extra]
        self._process = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
        )
        self._pump = threading.Thread(target=self._read, daemon=True)
        self._pump.start()
        deadline = time.monotonic() + READY_TIMEOUT
        with self._changed:
            while not any(line.startswith("ready") for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or self._process.poll() is not None:
                    self._process.kill()
                    raise AssertionError(f"rabia up not ready: {''.join(self.lines)}")
                self._changed.wait(left)

    def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for line in self._process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def stop(self) -> tuple[int, str]:
        """SIGTERM; the exit status and the whole output (killed after a bounded wait)."""
        process = self._process
        assert process is not None and self._pump is not None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait(timeout=10)
        self._pump.join(timeout=10)
        return code, "".join(self.lines)

    def assert_clean_stop(self) -> None:
        code, output = self.stop()
        assert code == 0 and output.rstrip().endswith("stopped"), output
        assert "Traceback" not in output and "exited with status" not in output, output


# ---------------------------------------------------------------- replies, normalized
@dataclass(frozen=True)
class Err:
    """An error reply: the full line as on the wire (``exact``), or as redis-py reports it
    (its code may be cut off: ``ERR syntax error`` -> ``syntax error``)."""

    text: str
    exact: bool = True

    def matches(self, wire_line: str) -> bool:
        if self.exact:
            return self.text == wire_line
        return bool(self.text) and wire_line.endswith(self.text)


def normalize(value: Any, *, exact: bool) -> Any:
    """bytes -> str, nested lists and maps too; error objects -> ``Err``."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list | tuple):
        return [normalize(v, exact=exact) for v in value]
    if isinstance(value, dict):
        return {normalize(k, exact=exact): normalize(v, exact=exact) for k, v in value.items()}
    if isinstance(value, BaseException):
        return Err(str(value), exact=exact)
    return value


def matches(expected: Any, got: Any) -> bool:
    """``expected``: a plain value, an ``Err`` holding the wire line, or a predicate."""
    if isinstance(expected, Err):
        return isinstance(got, Err) and got.matches(expected.text)
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(matches(e, g) for e, g in zip(expected, got, strict=True))
        )
    if callable(expected):
        return bool(expected(got))
    return bool(expected == got)


# ---------------------------------------------------------------- clients
class Conn:
    """One connection to one node: ``call(*args)`` returns the normalized reply."""

    kind = ""

    def call(self, *args: str | bytes | int) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        pass


def quiet_connect() -> dict[str, Any]:
    """redis-py options to skip CLIENT SETINFO on connect (before AUTH it gets NOAUTH,
    which redis-py raises as a connection failure, as against Redis)."""
    try:
        from redis.driver_info import DriverInfo
    except ImportError:  # redis-py < 7
        return {"lib_name": None, "lib_version": None}
    return {"driver_info": DriverInfo(name=None, lib_version=None)}


def no_retry() -> Retry:
    """redis-py retries ConnectionErrors (AuthenticationError is one) with backoff."""
    return Retry(NoBackoff(), 0)


def no_retry_async() -> AsyncRetry:
    return AsyncRetry(NoBackoff(), 0)


def _raw(client: redis.Redis | aioredis.Redis) -> None:
    """No reply callbacks: replies as the server sent them (b"OK", lists, ints, None)."""
    client.response_callbacks.clear()


class SyncConn(Conn):
    kind = "redis-py"

    def __init__(self, port: int, protocol: int = 2, **kw: Any) -> None:
        self.client = redis.Redis(
            port=port, protocol=protocol, single_connection_client=True, retry=no_retry(), **kw
        )
        _raw(self.client)

    def call(self, *args: str | bytes | int) -> Any:
        try:
            return normalize(self.client.execute_command(*args), exact=False)
        except RedisError as exc:
            return Err(str(exc), exact=False)

    def close(self) -> None:
        self.client.close()


class AsyncConn(Conn):
    """redis-py's asyncio client, run on a private event loop so tests stay synchronous."""

    kind = "redis-py-asyncio"

    def __init__(
        self, loop: asyncio.AbstractEventLoop, port: int, protocol: int = 3, **kw: Any
    ) -> None:
        self.loop = loop
        self.client = aioredis.Redis(
            port=port,
            protocol=protocol,
            single_connection_client=True,
            retry=no_retry_async(),
            **kw,
        )
        _raw(self.client)

    def call(self, *args: str | bytes | int) -> Any:
        async def run() -> Any:
            return await asyncio.wait_for(self.client.execute_command(*args), CALL_TIMEOUT)

        try:
            return normalize(self.loop.run_until_complete(run()), exact=False)
        except RedisError as exc:
            return Err(str(exc), exact=False)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())


_CLI_ERROR = re.compile(r'error:("(?:[^"\\]|\\.)*")')
_ERROR_KEY = "__redis_cli_error__"


def _quote(arg: str | bytes | int) -> str:
    """One argument for a redis-cli input line (its sdssplitargs quoting)."""
    raw = arg if isinstance(arg, bytes) else str(arg).encode()
    out = []
    for b in raw:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\x{b:02x}")
    return '"' + "".join(out) + '"'


def parse_cli_json(line: str) -> Any:
    """A reply as `redis-cli --json` prints it (errors as ``error:"..."``, even nested)."""
    decoded = json.loads(_CLI_ERROR.sub(rf'{{"{_ERROR_KEY}":\1}}', line))

    def fix(value: Any) -> Any:
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            if list(value) == [_ERROR_KEY]:
                return Err(value[_ERROR_KEY])
            return {k: fix(v) for k, v in value.items()}
        return value

    return fix(decoded)


class CliConn(Conn):
    """A long-running ``redis-cli -p PORT --json`` reading commands from its stdin (one
    connection, so MULTI and WATCH work); each call writes a line, reads one reply line."""

    kind = "redis-cli"

    def __init__(self, cli: str, port: int, *options: str) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        self.process = subprocess.Popen(
            [cli, "-p", str(port), "--json", *options],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        self._buffer = b""

    def send(self, *args: str | bytes | int) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((" ".join(_quote(a) for a in args) + "\n").encode())
        self.process.stdin.flush()

    def read_line(self) -> bytes:
        """The next output line; b"" at end of output (bounded wait)."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + CALL_TIMEOUT
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"redis-cli: no reply within {CALL_TIMEOUT}s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    line, self._buffer = self._buffer, b""
                    return line
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line + b"\n"

    def call(self, *args: str | bytes | int) -> Any:
        self.send(*args)
        if str(args[0]).upper() == "INFO":  # printed raw even with --json; ends unmarked
            self.send("ECHO", "--end of info--")
            text = b""
            while (line := self.read_line()) not in (b'"--end of info--"\n', b""):
                text += line
            return text.decode()
        line = self.read_line()
        assert line, f"redis-cli ended: {args}"
        return parse_cli_json(line.decode())

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=CALL_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        self.stderr.close()


def run_cli(cli: str, port: int, *args: str, stdin: bytes | None = None) -> str:
    """One ``redis-cli -p PORT ARGS...`` run; its output (it must exit 0)."""
    done = subprocess.run(
        [cli, "-p", str(port), *args],
        input=stdin,
        capture_output=True,
        timeout=CALL_TIMEOUT * 3,
        check=False,
    )
    assert done.returncode == 0, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout.decode()


def open_conns(kind: str, ports: list[int], cli: Callable[[], str]) -> list[Conn]:
    """One connection of ``kind`` per node (RESP2 for redis-py, RESP3 for its asyncio
    client and for redis-cli --json)."""
    if kind == SyncConn.kind:
        return [SyncConn(p) for p in ports]
    if kind == AsyncConn.kind:
        loop = asyncio.new_event_loop()
        return [AsyncConn(loop, p) for p in ports]
    path = cli()
    return [CliConn(path, p) for p in ports]


def close_conns(conns: list[Conn]) -> None:
    for conn in conns:
        conn.close()
    if conns and isinstance(conns[0], AsyncConn):
        conns[0].loop.close()


KINDS = (SyncConn.kind, AsyncConn.kind, CliConn.kind)
