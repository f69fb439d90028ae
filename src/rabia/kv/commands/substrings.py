"""Commands on parts of strings: GETRANGE (and SUBSTR), SETRANGE, LCS."""

from __future__ import annotations

from rabia.kv import lcs as lcs_
from rabia.kv import resp
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag, KeyPositions
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, ERR_VALUE_SIZE, integer, parse_int

EMPTY = b"$0\r\n\r\n"
ERR_OFFSET = resp.error(b"offset is out of range")
ERR_LCS_TYPE = resp.error(b"The specified keys must contain string values")
ERR_LCS_LEN_AND_IDX = resp.error(b"If you want both the length and indexes, please just use IDX.")
ERR_LCS_TOO_LARGE = resp.error(
    b"LCS input too large for a replicated computation: at most %d bytes in all and %d "
    b"table cells ((len1+1)*(len2+1))" % (lcs_.MAX_LENGTH, lcs_.MAX_CELLS)
)


def getrange(ctx: Context, args: list[bytes]) -> bytes:
    """GETRANGE key start end (inclusive, negative from the end); SUBSTR is the same."""
    start, end = parse_int(args[2]), parse_int(args[3])
    if start is None or end is None:
        return ERR_NOT_INT
    value = ctx.keyspace.get(args[1])
    if value is None or (start < 0 and end < 0 and start > end):
        return EMPTY
    size = len(value)
    start = max(start + size if start < 0 else start, 0)
    end = min(max(end + size if end < 0 else end, 0), size - 1)
    return EMPTY if start > end else resp.bulk(value[start : end + 1])


def setrange(ctx: Context, args: list[bytes]) -> bytes:
    """SETRANGE key offset value: overwrite from ``offset``, padding with zero bytes."""
    key, piece = args[1], args[3]
    offset = parse_int(args[2])
    if offset is None:
        return ERR_NOT_INT
    if offset < 0:
        return ERR_OFFSET
    ks = ctx.keyspace
    old = ks.get(key)
    if not piece:
        return integer(0 if old is None else len(old))
    if offset + len(piece) > ctx.limits.max_value_size:
        return ERR_VALUE_SIZE
    if old is None:
        if (error := ctx.check_new_key(key)) is not None:
            return error
        old = b""
    value = old[:offset].ljust(offset, b"\0") + piece + old[offset + len(piece) :]
    ks.put(key, value, keep_ttl=True)
    ks.events.append((b"setrange", key))
    return integer(len(value))


def lcs(ctx: Context, args: list[bytes]) -> bytes:
    """LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]; missing keys are empty
    strings. Refused beyond ``rabia.kv.lcs``'s bounds (Redis's only bound is memory)."""
    ks = ctx.keyspace
    a, b = ks.lookup(args[1]), ks.lookup(args[2])
    if (a is not None and type(a) is not bytes) or (b is not None and type(b) is not bytes):
        return ERR_LCS_TYPE
    first = b"" if a is None else a[8:]
    second = b"" if b is None else b[8:]
    want_len = want_idx = with_len = False
    min_len = 0
    i = 3
    while i < len(args):
        option = args[i].upper()
        if option == b"IDX":
            want_idx = True
        elif option == b"LEN":
            want_len = True
        elif option == b"WITHMATCHLEN":
            with_len = True
        elif option == b"MINMATCHLEN" and i + 1 < len(args):
            parsed = parse_int(args[i + 1])
            if parsed is None:
                return ERR_NOT_INT
            min_len = max(parsed, 0)
            i += 1
        else:
            return ERR_SYNTAX
        i += 1
    if want_len and want_idx:
        return ERR_LCS_LEN_AND_IDX
    if not lcs_.check_size(first, second):
        return ERR_LCS_TOO_LARGE
    if want_len:
        return integer(lcs_.length(first, second))
    found = lcs_.lcs(first, second, want_text=not want_idx)
    if not want_idx:
        return resp.bulk(found.text)
    matches = []
    for m in found.matches:
        if min_len == 0 or m.length >= min_len:
            parts = [_pair(m.a_start, m.a_end), _pair(m.b_start, m.b_end)]
            if with_len:
                parts.append(integer(m.length))
            matches.append(resp.array(parts))
    return resp.array(
        [resp.bulk(b"matches"), resp.array(matches), resp.bulk(b"len"), integer(found.length)]
    )


def _pair(start: int, end: int) -> bytes:
    return b"*2\r\n:%d\r\n:%d\r\n" % (start, end)


_R = Flag.READONLY

ROWS = (
    CommandSpec(b"getrange", 4, _R, FIRST_KEY, getrange),
    CommandSpec(b"substr", 4, _R, FIRST_KEY, getrange),
    CommandSpec(b"setrange", 4, Flag.WRITE | Flag.DENYOOM, FIRST_KEY, setrange),
    CommandSpec(b"lcs", -3, _R, KeyPositions(1, 2, 1), lcs, resp3=resp.flat_to_map),
)
"""The substring commands' rows of the command table."""
