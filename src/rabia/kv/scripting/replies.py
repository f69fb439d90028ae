"""A command's reply as the Lua value ``redis.call`` answers (Redis's conversion rules).

RESP2: an integer is a number, a bulk string a string, the null bulk string and the null
array ``false``, an array a table (nested), a status ``{ok = text}``, an error
``{err = text}``. After ``redis.setresp(3)`` the RESP3 forms too: null is ``nil``, a map
``{map = {...}}``, a set ``{set = {member = true}}``, a double ``{double = n}``, a boolean
a boolean, a big number ``{big_number = text}``, a verbatim string
``{verbatim_string = {format = ..., string = ...}}``.

The top-level status or error is answered as a (kind, text) pair for the kernel's
``redis.call``/``redis.pcall`` to wrap or raise; everything else is built here with
``table_from``: only strings, numbers, booleans, nil and Lua tables reach the script.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TableFrom = Callable[..., Any]
"""``LuaRuntime.table_from``: a Lua table from a list or a dict."""

VALUE, STATUS, ERROR = 0, 1, 2
"""The kinds of a top-level reply (the kernel's ``redis.call`` protocol)."""


def to_lua(reply: bytes, table_from: TableFrom) -> tuple[int, Any]:
    """(kind, value) for one complete reply: a status's or an error's text, or a value."""
    head = reply[0]
    if head == 0x2B:  # +
        return STATUS, reply[1:-2]
    if head == 0x2D:  # -
        return ERROR, reply[1:-2]
    if head == 0x3A:  # :
        return VALUE, int(reply[1:-2])
    if head == 0x24:  # $
        if reply[1] == 0x2D:
            return VALUE, False
        return VALUE, reply[reply.index(b"\r\n") + 2 : -2]
    value, _ = _parse(reply, 0, table_from)
    return VALUE, value


def _line(data: bytes, pos: int) -> tuple[bytes, int]:
    end = data.index(b"\r\n", pos)
    return data[pos + 1 : end], end + 2


def _parse(data: bytes, pos: int, table_from: TableFrom) -> tuple[Any, int]:
    """The value of the reply at ``pos`` and where the next one starts."""
    head = data[pos]
    body, after = _line(data, pos)
    if head == 0x24 or head == 0x3D:  # $ bulk, = verbatim
        size = int(body)
        if size < 0:
            return False, after
        text = data[after : after + size]
        if head == 0x3D:
            verbatim = table_from({b"format": text[:3], b"string": text[4:]})
            return table_from({b"verbatim_string": verbatim}), after + size + 2
        return text, after + size + 2
    if head == 0x3A:  # :
        return int(body), after
    if head == 0x2B:  # +
        return table_from({b"ok": body}), after
    if head == 0x2D:  # -
        return table_from({b"err": body}), after
    if head == 0x2A or head == 0x7E:  # * array, ~ set
        count = int(body)
        if count < 0:
            return False, after
        items = []
        for _ in range(count):
            item, after = _parse(data, after, table_from)
            items.append(item)
        if head == 0x7E:
            return table_from({b"set": table_from(dict.fromkeys(items, True))}), after
        return table_from(items), after
    if head == 0x25:  # % map
        entries = {}
        for _ in range(int(body)):
            key, after = _parse(data, after, table_from)
            value, after = _parse(data, after, table_from)
            entries[key] = value
        return table_from({b"map": table_from(entries)}), after
    if head == 0x5F:  # _ null
        return None, after
    if head == 0x23:  # # boolean
        return body == b"t", after
    if head == 0x2C:  # , double
        return table_from({b"double": float(body)}), after
    if head == 0x28:  # ( big number
        return table_from({b"big_number": body}), after
    raise ValueError(f"not a RESP reply: {data[pos : pos + 16]!r}")
