"""A tiny blocking type for testing the blocking framework without the real list and
sorted-set commands: a bag of items (``BAGADD key item...``) and a blocking pop
(``BBAGPOP key... timeout``) that serves the oldest item of the first non-empty key."""

from __future__ import annotations

from typing import Self

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag, KeyPositions
from rabia.kv.commands.table import MACHINE_COMMANDS, build
from rabia.kv.commands.timeout import parse_seconds
from rabia.kv.entries import encode_command
from rabia.kv.machine import KVMachine
from rabia.kv.values.base import TypedValue


class Bag(TypedValue):
    __slots__ = ("items",)
    TYPE = b"bag"

    def __init__(self, items: list[bytes] | None = None) -> None:
        super().__init__()
        self.items = items or []

    def __len__(self) -> int:
        return len(self.items)

    def encode(self) -> bytes:
        return b"\n".join(self.items)

    @classmethod
    def decode(cls, data: bytes) -> Self:
        return cls(data.split(b"\n") if data else [])


def bagadd(ctx: Context, args: list[bytes]) -> bytes:
    ks = ctx.keyspace
    bag = ks.get_typed(args[1], Bag)
    if bag is None:
        ks.put_value(args[1], Bag(list(args[2:])))
    else:
        bag.items.extend(args[2:])
        ks.modified(args[1], bag)
    return resp.integer(len(args) - 2)


def bbagpop(ctx: Context, args: list[bytes]) -> bytes:
    timeout = parse_seconds(args[-1])
    if isinstance(timeout, bytes):
        return timeout
    ks = ctx.keyspace
    for key in args[1:-1]:
        bag = ks.get_typed(key, Bag)
        if bag is not None:
            item = bag.items.pop(0)
            ks.events.append((b"bagpop", key))
            ks.modified(key, bag)
            return resp.bulk_array([key, item])
    return ctx.block(args[1:-1], timeout)


ROWS = (
    CommandSpec(b"bagadd", -3, Flag.WRITE, FIRST_KEY, bagadd),
    CommandSpec(b"bbagpop", -3, Flag.WRITE | Flag.BLOCKING, KeyPositions(1, -2, 1), bbagpop),
)
COMMANDS = {**MACHINE_COMMANDS, **build(ROWS)}


def machine() -> KVMachine:
    """A KV machine that also knows the bag commands."""
    return KVMachine(commands=COMMANDS)


class Applier:
    """Applies entries to a machine at a log time the test sets (µs)."""

    def __init__(self, kv: KVMachine | None = None) -> None:
        self.kv = kv or machine()
        self.now = 1_000_000

    def __call__(self, *args: bytes) -> bytes:
        self.now += 1
        return self.kv.apply_at(encode_command(list(args)), self.now)
