"""BITFIELD and BITFIELD_RO: integers of 1 to 64 bits at any bit offset of a string.

``BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset increment]
[OVERFLOW WRAP|SAT|FAIL] ...``: types ``i1``..``i64`` and ``u1``..``u63``, offsets in
bits or ``#n`` (n times the type's width). Every operation is parsed (and refused as a
whole on the first bad one) before any runs; OVERFLOW applies to the operations after
it. The arithmetic is done on unbounded integers and then wrapped, saturated or refused
exactly where 64-bit C arithmetic would overflow the field.
"""

from __future__ import annotations

from typing import NamedTuple

from rabia.kv import resp
from rabia.kv.commands.bitmaps import ERR_BIT_OFFSET, bit_offset, bits_of
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, NIL, integer, parse_int

ERR_TYPE = resp.error(
    b"Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
)
ERR_OVERFLOW_TYPE = resp.error(b"Invalid OVERFLOW type specified")
ERR_READONLY = resp.error(b"BITFIELD_RO only supports the GET subcommand")

_ARGUMENTS = {b"GET": 2, b"SET": 3, b"INCRBY": 3}


class Operation(NamedTuple):
    kind: bytes
    """GET, SET or INCRBY."""
    signed: bool
    bits: int
    offset: int
    value: int
    """SET's value or INCRBY's increment."""
    overflow: bytes
    """WRAP, SAT or FAIL."""


def _field_type(text: bytes) -> tuple[bool, int] | None:
    """``i<bits>`` (1..64) or ``u<bits>`` (1..63): (signed, bits)."""
    if text[:1] not in (b"i", b"u"):
        return None
    bits = parse_int(text[1:])
    signed = text[:1] == b"i"
    if bits is None or not 1 <= bits <= (64 if signed else 63):
        return None
    return signed, bits


def parse(args: list[bytes], max_bytes: int) -> list[Operation] | bytes:
    """The operations of ``args[2:]``, or the error reply for the first bad one."""
    operations: list[Operation] = []
    overflow = b"WRAP"
    i = 2
    while i < len(args):
        kind = args[i].upper()
        left = len(args) - i - 1
        if kind == b"OVERFLOW" and left >= 1:
            overflow = args[i + 1].upper()
            if overflow not in (b"WRAP", b"SAT", b"FAIL"):
                return ERR_OVERFLOW_TYPE
            i += 2
            continue
        if left < _ARGUMENTS.get(kind, left + 1):
            return ERR_SYNTAX
        field = _field_type(args[i + 1])
        if field is None:
            return ERR_TYPE
        signed, bits = field
        offset = bit_offset(args[i + 2], max_bytes, bits)
        if offset is None:
            return ERR_BIT_OFFSET
        value = 0
        if kind != b"GET":
            parsed = parse_int(args[i + 3])
            if parsed is None:
                return ERR_NOT_INT
            value = parsed
        operations.append(Operation(kind, signed, bits, offset, value, overflow))
        i += 1 + _ARGUMENTS[kind]
    return operations


def _limits(op: Operation) -> tuple[int, int]:
    if op.signed:
        return -(1 << (op.bits - 1)), (1 << (op.bits - 1)) - 1
    return 0, (1 << op.bits) - 1


def _wrap(op: Operation, value: int) -> int:
    """``value`` modulo 2**bits, in the field's range."""
    low, _ = _limits(op)
    return (value - low) % (1 << op.bits) + low


def _store(op: Operation, old: int) -> tuple[int, int] | None:
    """SET or INCRBY on a field holding ``old``: (new value, reply), or None when it
    overflows under FAIL."""
    low, high = _limits(op)
    if op.kind == b"SET":
        # An unsigned field reads SET's value as a 64-bit unsigned integer.
        target = op.value % (1 << 64) if not op.signed else op.value
    else:
        target = old + op.value
    if low <= target <= high:
        new = target
    elif op.overflow == b"FAIL":
        return None
    elif op.overflow == b"SAT":
        new = high if target > high else low
    else:
        new = _wrap(op, target)
    return new, (old if op.kind == b"SET" else new)


def _read(data: bytes | bytearray, op: Operation) -> int:
    value = bits_of(bytes(data), op.offset, op.bits)
    if op.signed and value >> (op.bits - 1):
        value -= 1 << op.bits
    return value


def _write(data: bytearray, op: Operation, value: int) -> None:
    first, last = op.offset >> 3, (op.offset + op.bits - 1) >> 3
    width = (last - first + 1) * 8
    shift = width - (op.offset - first * 8) - op.bits
    mask = ((1 << op.bits) - 1) << shift
    chunk = int.from_bytes(data[first : last + 1], "big") & ~mask
    chunk |= (value % (1 << op.bits)) << shift
    data[first : last + 1] = chunk.to_bytes(last - first + 1, "big")


def _bitfield(ctx: Context, args: list[bytes], read_only: bool) -> bytes:
    operations = parse(args, ctx.limits.max_value_size)
    if isinstance(operations, bytes):
        return operations
    ks, key = ctx.keyspace, args[1]
    writes = [op for op in operations if op.kind != b"GET"]
    if not writes:
        value = ks.get(key) or b""
        return resp.array(integer(_read(value, op)) for op in operations)
    if read_only:
        return ERR_READONLY
    old = ks.get(key)
    if old is None and (error := ctx.check_new_key(key)) is not None:
        return error
    size = max(op.offset + op.bits - 1 for op in writes) // 8 + 1
    data = bytearray(old or b"")
    grown = old is None or len(data) < size
    if len(data) < size:
        data.extend(bytes(size - len(data)))
    replies: list[bytes] = []
    changes = 0
    for op in operations:
        current = _read(data, op)
        if op.kind == b"GET":
            replies.append(integer(current))
            continue
        stored = _store(op, current)
        if stored is None:
            replies.append(NIL)
            continue
        new, reply = stored
        replies.append(integer(reply))
        _write(data, op, new)
        changes += grown or new != current
    if grown or changes:
        ks.put(key, bytes(data), keep_ttl=True)
    if changes:
        ks.events.append((b"setbit", key))
    return resp.array(replies)


def bitfield(ctx: Context, args: list[bytes]) -> bytes:
    return _bitfield(ctx, args, read_only=False)


def bitfield_ro(ctx: Context, args: list[bytes]) -> bytes:
    """BITFIELD_RO key [GET type offset ...]."""
    return _bitfield(ctx, args, read_only=True)


ROWS = (
    CommandSpec(b"bitfield", -2, Flag.WRITE | Flag.DENYOOM, FIRST_KEY, bitfield),
    CommandSpec(b"bitfield_ro", -2, Flag.READONLY | Flag.FAST, FIRST_KEY, bitfield_ro),
)
"""The BITFIELD commands' rows of the command table."""
