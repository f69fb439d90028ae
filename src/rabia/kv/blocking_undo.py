"""What puts back the elements a blocking pop took (ADR 0014): read from the command and
its reply, so the pop commands need not know about deliveries.

BLPOP/BRPOP popped one element from one end: pushed back to that end. BLMPOP popped a
run from one end: pushed back in reverse, so the run is where it was. BZPOPMIN/BZPOPMAX
and BZMPOP popped members with their scores: added back unless the member is there
again (``ZADD ... NX``). Commands that remove nothing (BLMOVE, BRPOPLPUSH: the element
sits in the destination; XREAD, XREADGROUP) need no undo.
"""

from __future__ import annotations

from rabia.kv.resp import _convert_one

CONSUMING = frozenset([b"blpop", b"brpop", b"blmpop", b"bzpopmin", b"bzpopmax", b"bzmpop"])
"""Blocking commands whose served reply removes elements: they need an ACK."""


def _elements(reply: bytes, pos: int = 0) -> tuple[list[bytes], int]:
    """The elements of the array at ``pos`` as raw replies, and where it ends."""
    end = reply.index(b"\r\n", pos)
    count = int(reply[pos + 1 : end])
    items, at = [], end + 2
    for _ in range(max(count, 0)):
        stop = _convert_one(reply, at, [])
        items.append(reply[at:stop])
        at = stop
    return items, at


def _bulk(item: bytes) -> bytes:
    """The content of a bulk string reply (a double in RESP3 form is not expected here)."""
    return item[item.index(b"\r\n") + 2 : -2]


def undo_command(args: list[bytes], reply: bytes) -> list[bytes] | None:
    """The command that puts back what ``args`` (a consuming blocking command, served
    with ``reply``) popped; None when it popped nothing."""
    if not reply.startswith(b"*") or reply.startswith(b"*-"):
        return None
    name = args[0].lower()
    top, _ = _elements(reply)
    key = _bulk(top[0])
    if name in (b"blpop", b"brpop"):
        return [b"LPUSH" if name == b"blpop" else b"RPUSH", key, _bulk(top[1])]
    if name == b"blmpop":
        popped = [_bulk(x) for x in _elements(top[1])[0]]
        left = args[3 + int(args[2])].upper() == b"LEFT"  # timeout numkeys keys... LEFT|RIGHT
        return [b"LPUSH" if left else b"RPUSH", key, *reversed(popped)]
    if name in (b"bzpopmin", b"bzpopmax"):
        return [b"ZADD", key, b"NX", _bulk(top[2]), _bulk(top[1])]
    if name == b"bzmpop":
        undo = [b"ZADD", key, b"NX"]
        for pair in _elements(top[1])[0]:
            member, score = _elements(pair)[0]
            undo += [_bulk(score), _bulk(member)]
        return undo
    return None
