"""A ``ScriptHost`` without a machine: canned replies by command name, every call kept."""

from __future__ import annotations

from collections.abc import Mapping

CANNED: Mapping[bytes, bytes] = {
    b"get": b"$1\r\nv\r\n",
    b"set": b"+OK\r\n",
    b"incr": b":7\r\n",
    b"nil": b"$-1\r\n",
    b"nilarray": b"*-1\r\n",
    b"fail": b"-ERR boom\r\n",
    b"wrongtype": b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    b"nested": b"*3\r\n:1\r\n$-1\r\n*2\r\n+x\r\n-ERR y\r\n",
    b"hash": b"*2\r\n$1\r\na\r\n$1\r\n1\r\n",
}


class FakeHost:
    """Answers ``CANNED[name]`` (else Redis's unknown-command error for scripts)."""

    def __init__(self, seed: int = 42) -> None:
        self.calls: list[list[bytes]] = []
        self._seed = seed

    def call(self, args: list[bytes]) -> bytes:
        self.calls.append(args)
        return CANNED.get(args[0].lower(), b"-ERR Unknown Redis command called from script\r\n")

    def resp3(self, args: list[bytes], reply: bytes) -> bytes:
        if args[0].lower() == b"hash":
            return b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"
        return reply.replace(b"$-1\r\n", b"_\r\n")

    def known(self, name: bytes) -> bool:
        return name.lower() in CANNED

    def seed(self) -> int:
        return self._seed
