"""Real ``redis-server`` as the oracle of command semantics, and the KV machine beside it.

``RedisOracle`` runs one ``redis-server`` (no persistence, loopback, a free port) and
sends it commands as raw RESP2, reading back each reply's exact bytes. ``MachineSide``
applies the same commands to a ``KVMachine`` at a log time that follows the wall clock,
so TTLs mean the same on both sides. ``Differential.run`` feeds a sequence to both and
returns every pair of replies; ``state`` reads every key back through each side's own
commands, type by type, so final states compare too.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from rabia.kv.machine import KVMachine, encode_command
from rabia.kv.resp import _convert_one

Command = Sequence[bytes]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_redis_server() -> str:
    """redis-server's path; skips the test when it is missing, unless under CI."""
    path = shutil.which("redis-server")
    if path is None:
        message = "redis-server is not installed (`make tools`, or apt-get install redis-server)"
        if _in_ci():
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return path


def encode_request(args: Command) -> bytes:
    """One command as a RESP2 array of bulk strings."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        parts.append(b"$%d\r\n%s\r\n" % (len(arg), arg))
    return b"".join(parts)


def reply_end(data: bytes, start: int = 0) -> int | None:
    """Where the reply starting at ``start`` ends, or None if ``data`` holds less."""
    try:
        return _convert_one(data, start, [])
    except (ValueError, IndexError):
        return None


class RespSocket:
    """A blocking RESP2 connection: one command, one reply's exact bytes."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self._buffer = b""

    def call(self, args: Command) -> bytes:
        """Send one command; its reply's bytes."""
        self._sock.sendall(encode_request(args))
        while (end := reply_end(self._buffer)) is None:
            chunk = self._sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._buffer += chunk
        reply, self._buffer = self._buffer[:end], self._buffer[end:]
        return reply

    def close(self) -> None:
        self._sock.close()


class RedisOracle:
    """One redis-server process and a blocking connection to it."""

    def __init__(self) -> None:
        binary = require_redis_server()
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._process = subprocess.Popen(
            [
                binary,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--protected-mode", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._conn: RespSocket | None = None
        deadline = time.monotonic() + 10
        while self._conn is None:
            try:
                self._conn = RespSocket(self.port)
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    self.close()
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.02)  # bounded: the server's port is not open yet

    def call(self, args: Command) -> bytes:
        """Send one command; its reply's bytes (RESP2)."""
        assert self._conn is not None
        return self._conn.call(args)

    def reset(self) -> None:
        """An empty database and no scripts."""
        assert self.call([b"FLUSHALL"]) == b"+OK\r\n"
        assert self.call([b"SCRIPT", b"FLUSH"]) == b"+OK\r\n"

    def close(self) -> None:
        if getattr(self, "_conn", None) is not None:
            assert self._conn is not None
            self._conn.close()
        self._process.kill()
        self._process.wait(timeout=10)


class MachineSide:
    """A fresh ``KVMachine`` whose log time follows the wall clock (strictly increasing)."""

    def __init__(self) -> None:
        self.machine = KVMachine()
        self._last = 0

    def call(self, args: Command) -> bytes:
        now = time.time_ns() // 1000
        self._last = now = max(now, self._last + 1)
        return self.machine.apply_at(encode_command(list(args)), now)


Caller = Callable[[Command], bytes]


@dataclass
class Differential:
    """Runs command sequences on redis-server and on a KV machine, side by side."""

    oracle: RedisOracle
    machine: MachineSide = field(default_factory=MachineSide)

    def fresh(self) -> None:
        """Empty both sides (a new machine, a flushed server)."""
        self.oracle.reset()
        self.machine = MachineSide()

    def run(self, commands: Sequence[Command]) -> list[tuple[Command, bytes, bytes]]:
        """Every command with (rabia's reply, redis-server's reply)."""
        return [(c, self.machine.call(c), self.oracle.call(c)) for c in commands]

    def states(self) -> tuple[dict[bytes, object], dict[bytes, object]]:
        """(rabia's, redis-server's) whole keyspace, read back key by key."""
        return read_state(self.machine.call), read_state(self.oracle.call)


def array_items(reply: bytes) -> list[bytes]:
    """The top-level elements of an array reply, each as its own reply bytes."""
    end = reply.index(b"\r\n")
    count = int(reply[1:end])
    items, pos = [], end + 2
    for _ in range(max(count, 0)):
        stop = _convert_one(reply, pos, [])
        items.append(reply[pos:stop])
        pos = stop
    return items


READERS: dict[bytes, Callable[[Caller, bytes], object]] = {
    b"string": lambda call, key: call([b"GET", key]),
    b"hash": lambda call, key: sorted(array_items(call([b"HGETALL", key]))),
    b"list": lambda call, key: call([b"LRANGE", key, b"0", b"-1"]),
    b"set": lambda call, key: sorted(array_items(call([b"SMEMBERS", key]))),
    b"zset": lambda call, key: call([b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"]),
    b"stream": lambda call, key: call([b"XRANGE", key, b"-", b"+"]),
}
"""How to read a key of each type back, in a form that does not depend on hash order."""


def read_state(call: Caller) -> dict[bytes, object]:
    """Every key -> (type, content, has a TTL) as ``call`` reads it."""
    state: dict[bytes, object] = {}
    for item in array_items(call([b"KEYS", b"*"])):
        key = item[item.index(b"\r\n") + 2 : -2]
        kind = call([b"TYPE", key])[1:-2]
        reader = READERS.get(kind)
        content = reader(call, key) if reader is not None else None
        ttl = int(call([b"PTTL", key])[1:-2]) >= 0
        state[key] = (kind, content, ttl)
    return state


def differences(pairs: Sequence[tuple[Command, bytes, bytes]]) -> Iterator[str]:
    """A line per command whose replies differ."""
    for command, ours, theirs in pairs:
        if ours != theirs:
            yield f"{[bytes(a) for a in command]!r}: rabia {ours!r} != redis {theirs!r}"
