"""Bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP.

Bit 0 is the most significant bit of the first byte, as in Redis. A bit offset is
refused when its byte would be past ``max_value_size`` (Redis: ``proto-max-bulk-len``),
reads included, so that every offset accepted can also be written.
"""

from __future__ import annotations

from functools import reduce

from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag, KeyPositions
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, ONE, ZERO, integer, parse_int

ERR_BIT_OFFSET = resp.error(b"bit offset is not an integer or out of range")
ERR_BIT_VALUE = resp.error(b"bit is not an integer or out of range")
ERR_BIT_ARGUMENT = resp.error(b"The bit argument must be 1 or 0.")
ERR_BITOP_NOT = resp.error(b"BITOP NOT must be called with a single source key.")


def bit_offset(text: bytes, max_bytes: int, bits: int = 0) -> int | None:
    """A bit offset argument, or None (not an integer, negative, or its byte at or past
    ``max_bytes``); with ``bits``, ``#n`` means ``n * bits`` (BITFIELD)."""
    hashed = bits > 0 and text.startswith(b"#")
    offset = parse_int(text[1:] if hashed else text)
    if offset is None:
        return None
    if hashed:
        offset *= bits
    return None if offset < 0 or offset >> 3 >= max_bytes else offset


def bits_of(data: bytes, start: int, count: int) -> int:
    """``count`` bits of ``data`` from bit ``start`` as an unsigned integer (zero bits
    past its end)."""
    first, last = start >> 3, (start + count - 1) >> 3
    chunk = data[first : last + 1].ljust(last - first + 1, b"\0")
    tail = (last - first + 1) * 8 - (start - first * 8) - count
    return (int.from_bytes(chunk, "big") >> tail) & ((1 << count) - 1)


def setbit(ctx: Context, args: list[bytes]) -> bytes:
    """SETBIT key offset 0|1: the bit's previous value; grows the string as needed."""
    offset = bit_offset(args[2], ctx.limits.max_value_size)
    if offset is None:
        return ERR_BIT_OFFSET
    on = parse_int(args[3])
    if on is None or on not in (0, 1):
        return ERR_BIT_VALUE
    ks, key = ctx.keyspace, args[1]
    old = ks.get(key)
    if old is None and (error := ctx.check_new_key(key)) is not None:
        return error
    byte, shift = offset >> 3, 7 - (offset & 7)
    data = (old or b"").ljust(byte + 1, b"\0")
    was = (data[byte] >> shift) & 1
    if old is None or len(data) != len(old) or was != on:
        value = data[byte] & ~(1 << shift) | (on << shift)
        ks.put(key, data[:byte] + bytes((value,)) + data[byte + 1 :], keep_ttl=True)
        ks.events.append((b"setbit", key))
    return ONE if was else ZERO


def getbit(ctx: Context, args: list[bytes]) -> bytes:
    offset = bit_offset(args[2], ctx.limits.max_value_size)
    if offset is None:
        return ERR_BIT_OFFSET
    value = ctx.keyspace.get(args[1])
    if value is None or offset >> 3 >= len(value):
        return ZERO
    return ONE if (value[offset >> 3] >> (7 - (offset & 7))) & 1 else ZERO


def _bit_mode(text: bytes) -> bool | None:
    """BIT (True) or BYTE (False) as the unit of a range; None: neither."""
    unit = text.upper()
    return True if unit == b"BIT" else False if unit == b"BYTE" else None


def _clamp(start: int, end: int, total: int) -> tuple[int, int]:
    """A range with negative indexes from the end, clamped to ``[0, total)``."""
    start = max(start + total if start < 0 else start, 0)
    end = min(max(end + total if end < 0 else end, 0), total - 1)
    return start, end


def bitcount(ctx: Context, args: list[bytes]) -> bytes:
    """BITCOUNT key [start end [BYTE|BIT]]: set bits in the range (default: all)."""
    value = ctx.keyspace.get(args[1])
    if value is None:
        return ZERO
    if len(args) == 2:
        return integer(int.from_bytes(value, "big").bit_count())
    if len(args) not in (4, 5):
        return ERR_SYNTAX
    start, end = parse_int(args[2]), parse_int(args[3])
    if start is None or end is None:
        return ERR_NOT_INT
    if start < 0 and end < 0 and start > end:
        return ZERO
    in_bits = _bit_mode(args[4]) if len(args) == 5 else False
    if in_bits is None:
        return ERR_SYNTAX
    start, end = _clamp(start, end, len(value) * (8 if in_bits else 1))
    if start > end:
        return ZERO
    if not in_bits:
        return integer(int.from_bytes(value[start : end + 1], "big").bit_count())
    return integer(bits_of(value, start, end - start + 1).bit_count())


def bitpos(ctx: Context, args: list[bytes]) -> bytes:
    """BITPOS key 0|1 [start [end [BYTE|BIT]]]: the first bit with that value in the
    range, or -1. Looking for 0 without an ``end``, the string counts as followed by
    zero bits: all ones give the bit just past its end."""
    bit = parse_int(args[2])
    if bit is None:
        return ERR_NOT_INT
    if bit not in (0, 1):
        return ERR_BIT_ARGUMENT
    value = ctx.keyspace.get(args[1])
    if value is None:
        return integer(-1 if bit else 0)
    count = len(args)
    if count > 6:
        return ERR_SYNTAX
    size = len(value)
    start, end, in_bits = 0, size - 1, False
    if count >= 4:
        parsed = parse_int(args[3])
        if parsed is None:
            return ERR_NOT_INT
        mode = _bit_mode(args[5]) if count == 6 else False
        if mode is None:
            return ERR_SYNTAX
        in_bits = mode
        start = parsed
        end = size * (8 if in_bits else 1) - 1
        if count >= 5:
            parsed = parse_int(args[4])
            if parsed is None:
                return ERR_NOT_INT
            end = parsed
        start, end = _clamp(start, end, size * (8 if in_bits else 1))
    if start > end:
        return integer(-1)
    first, last = (start, end) if in_bits else (start * 8, end * 8 + 7)
    width = last - first + 1
    found = bits_of(value, first, width)
    if bit == 0:
        found ^= (1 << width) - 1
    if found:
        return integer(first + width - found.bit_length())
    return integer(size * 8 if bit == 0 and count < 5 else -1)


def bitop(ctx: Context, args: list[bytes]) -> bytes:
    """BITOP AND|OR|XOR|NOT destkey key...: the result (as long as the longest source,
    shorter ones padded with zero bytes) replaces destkey; an empty result deletes it."""
    op = args[1].upper()
    if op not in (b"AND", b"OR", b"XOR", b"NOT"):
        return ERR_SYNTAX
    if op == b"NOT" and len(args) != 4:
        return ERR_BITOP_NOT
    ks, dest = ctx.keyspace, args[2]
    sources = [ks.get(key) or b"" for key in args[3:]]
    size = max(len(s) for s in sources)
    if not size:
        if ks.delete(dest):
            ks.events.append((b"del", dest))
        return ZERO
    if not ks.exists(dest) and (error := ctx.check_new_key(dest)) is not None:
        return error
    ints = [int.from_bytes(s.ljust(size, b"\0"), "big") for s in sources]
    if op == b"AND":
        result = reduce(lambda x, y: x & y, ints)
    elif op == b"OR":
        result = reduce(lambda x, y: x | y, ints)
    elif op == b"XOR":
        result = reduce(lambda x, y: x ^ y, ints)
    else:
        result = ~ints[0] & ((1 << (8 * size)) - 1)
    ks.put(dest, result.to_bytes(size, "big"))
    ks.events.append((b"set", dest))
    return integer(size)


_R, _W = Flag.READONLY, Flag.WRITE

ROWS = (
    CommandSpec(b"setbit", 4, _W | Flag.DENYOOM, FIRST_KEY, setbit),
    CommandSpec(b"getbit", 3, _R | Flag.FAST, FIRST_KEY, getbit),
    CommandSpec(b"bitcount", -2, _R, FIRST_KEY, bitcount),
    CommandSpec(b"bitpos", -3, _R, FIRST_KEY, bitpos),
    CommandSpec(b"bitop", -4, _W | Flag.DENYOOM, KeyPositions(2, -1, 1), bitop),
)
"""The bitmap commands' rows of the command table (BITFIELD: ``bitfield.py``)."""
