"""A replicated key-value store with msgspec-typed commands.

Commands are msgspec Structs (``Put``, ``Get``, ``Delete``, ``Cas``) encoded as
MessagePack; the state machine decodes, applies and encodes a ``Result``. Run three nodes
with ``--machine examples/kvstore.py:KVStore`` (see examples/counter.py), then:

    python examples/kvstore.py --node 127.0.0.1:7100 put color blue
    python examples/kvstore.py --node 127.0.0.1:7101 get color
    python examples/kvstore.py --node 127.0.0.1:7102 cas color blue green
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import msgspec

from rabia.api import StateMachine
from rabia.client import Client


class Put(msgspec.Struct, tag=True):
    key: str
    value: str


class Get(msgspec.Struct, tag=True):
    key: str


class Delete(msgspec.Struct, tag=True):
    key: str


class Cas(msgspec.Struct, tag=True):
    """Set ``key`` to ``new`` only if it currently holds ``expected``."""

    key: str
    expected: str | None
    new: str


class Result(msgspec.Struct):
    ok: bool
    value: str | None = None
    error: str | None = None


KVCommand = Put | Get | Delete | Cas
_decode = msgspec.msgpack.Decoder(KVCommand).decode
_encode = msgspec.msgpack.Encoder().encode
_decode_result = msgspec.msgpack.Decoder(Result).decode


def encode_command(command: KVCommand) -> bytes:
    """Bytes to submit for one typed command."""
    return _encode(command)


def decode_result(data: bytes) -> Result:
    """The typed result of a command."""
    return _decode_result(data)


class KVStore(StateMachine):
    """A dict of str -> str."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    def apply(self, command: bytes) -> bytes:
        try:
            cmd = _decode(command)
        except msgspec.DecodeError as exc:
            return _encode(Result(False, error=f"bad command: {exc}"))
        if isinstance(cmd, Put):
            self.data[cmd.key] = cmd.value
            return _encode(Result(True, cmd.value))
        if isinstance(cmd, Get):
            return _encode(Result(True, self.data.get(cmd.key)))
        if isinstance(cmd, Delete):
            return _encode(Result(True, self.data.pop(cmd.key, None)))
        current = self.data.get(cmd.key)
        if current != cmd.expected:
            return _encode(Result(False, current, "value differs"))
        self.data[cmd.key] = cmd.new
        return _encode(Result(True, cmd.new))

    def snapshot(self) -> bytes:
        return _encode(self.data)

    def restore(self, data: bytes) -> None:
        self.data = msgspec.msgpack.decode(data, type=dict[str, str])


def _parse(words: list[str]) -> KVCommand:
    verb, *args = words
    if verb == "put" and len(args) == 2:
        return Put(args[0], args[1])
    if verb == "get" and len(args) == 1:
        return Get(args[0])
    if verb == "delete" and len(args) == 1:
        return Delete(args[0])
    if verb == "cas" and len(args) == 3:
        return Cas(args[0], None if args[1] == "-" else args[1], args[2])
    raise SystemExit("usage: put K V | get K | delete K | cas K EXPECTED|- NEW")


async def _main(nodes: list[str], words: list[str], secret: bytes | None) -> None:
    async with Client(nodes, secret=secret) as client:
        print(decode_result(await client.submit(encode_command(_parse(words)))))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Talk to the replicated KV store.")
    parser.add_argument("--node", action="append", required=True, help="HOST:PORT client port")
    parser.add_argument("--secret-file", type=Path, help="the nodes' cluster secret, if any")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    secret = args.secret_file.read_bytes().strip() if args.secret_file else None
    asyncio.run(_main(args.node, args.command, secret))
