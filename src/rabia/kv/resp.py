"""RESP2 reply encoding (and its conversion to RESP3), Redis's error texts and Redis's
strict integer parsing."""

from __future__ import annotations

import re
from collections.abc import Iterable

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
NULL_ARRAY = b"*-1\r\n"
ZERO = b":0\r\n"
ONE = b":1\r\n"
QUEUED = b"+QUEUED\r\n"

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

ERR_SYNTAX = b"-ERR syntax error\r\n"
ERR_NOT_INT = b"-ERR value is not an integer or out of range\r\n"
ERR_OVERFLOW = b"-ERR increment or decrement would overflow\r\n"
ERR_DECR_OVERFLOW = b"-ERR decrement would overflow\r\n"
ERR_INVALID_CURSOR = b"-ERR invalid cursor\r\n"
ERR_VALUE_SIZE = b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
ERR_KEY_SIZE = b"-ERR key exceeds maximum allowed size\r\n"
ERR_MAX_KEYS = b"-ERR max number of keys reached\r\n"
ERR_MALFORMED = b"-ERR malformed command\r\n"
ERR_EMPTY = b"-ERR empty command\r\n"
ERR_NESTED_EXEC = b"-ERR EXEC is not allowed inside EXEC\r\n"
BLOCK = b"\x00block"
"""Not a reply: what a blocking command's handler returns when its client must wait
(``Context.block``); the machine registers the waiter (ADR 0014)."""
ERR_TIMEOUT = b"-ERR timeout is not a float or out of range\r\n"
ERR_TIMEOUT_NEGATIVE = b"-ERR timeout is negative\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"

_INT = re.compile(rb"-?[1-9][0-9]{0,19}|0")


def bulk(value: bytes) -> bytes:
    """A bulk string."""
    return b"$%d\r\n%s\r\n" % (len(value), value)


def bulk_or_nil(value: bytes | None) -> bytes:
    """A bulk string, or the null bulk string for None."""
    return NIL if value is None else b"$%d\r\n%s\r\n" % (len(value), value)


def integer(n: int) -> bytes:
    """An integer reply."""
    return b":%d\r\n" % n


def array(items: Iterable[bytes]) -> bytes:
    """An array of already encoded replies."""
    parts = list(items)
    return b"*%d\r\n%s" % (len(parts), b"".join(parts))


def bulk_array(values: Iterable[bytes | None]) -> bytes:
    """An array of bulk strings (None as null bulk strings)."""
    return array(bulk_or_nil(v) for v in values)


def _clean(text: bytes) -> bytes:
    return text.replace(b"\r", b" ").replace(b"\n", b" ")


def error(message: bytes) -> bytes:
    """An ``-ERR`` reply; CR and LF in ``message`` become spaces, as Redis does."""
    return b"-ERR %s\r\n" % _clean(message)


def coded_error(text: bytes) -> bytes:
    """An error reply whose ``text`` starts with its own code (``NOAUTH ...``, ``WRONGPASS
    ...``); unlike ``error``, which adds ``ERR``."""
    return b"-%s\r\n" % _clean(text)


def simple(text: bytes) -> bytes:
    """A simple string reply."""
    return b"+%s\r\n" % text


def arity_error(name: bytes) -> bytes:
    """Redis's wrong-arity error for command ``name``."""
    return error(b"wrong number of arguments for '%s' command" % name.lower())


def expire_time_error(name: bytes) -> bytes:
    """Redis's invalid-expire-time error for command ``name``."""
    return error(b"invalid expire time in '%s' command" % name.lower())


def unknown_command(args: list[bytes]) -> bytes:
    """Redis's unknown-command error, quoting up to about 128 bytes of arguments."""
    quoted = b""
    for arg in args[1:]:
        if len(quoted) >= 128:
            break
        quoted += b"'%s' " % arg[: 128 - len(quoted)]
    return error(b"unknown command '%s', with args beginning with: %s" % (args[0][:128], quoted))


def parse_int(text: bytes) -> int | None:
    """Redis's ``string2ll``: a signed 64-bit decimal without sign '+', spaces or leading
    zeros; None when ``text`` is not one."""
    if _INT.fullmatch(text) is None:
        return None
    n = int(text)
    return n if INT64_MIN <= n <= INT64_MAX else None


def to_resp3(reply: bytes) -> bytes:
    """Re-encode RESP2 replies (as the KV machine writes them) for a RESP3 connection:
    the null bulk string and the null array become RESP3's null; everything else is the
    same on both protocols. ``reply`` may hold several complete replies."""
    out: list[bytes] = []
    pos = 0
    while pos < len(reply):
        pos = _convert_one(reply, pos, out)
    return b"".join(out)


def _convert_one(data: bytes, pos: int, out: list[bytes]) -> int:
    end = data.index(b"\r\n", pos)
    kind = data[pos : pos + 1]
    header = data[pos : end + 2]
    if kind == b"$":
        length = int(data[pos + 1 : end])
        if length < 0:
            out.append(b"_\r\n")
            return end + 2
        stop = end + 2 + length + 2
        out.append(data[pos:stop])
        return stop
    if kind in (b"*", b"%", b"~"):
        count = int(data[pos + 1 : end])
        if count < 0:
            out.append(b"_\r\n")
            return end + 2
        out.append(header)
        position = end + 2
        for _ in range(count * (2 if kind == b"%" else 1)):
            position = _convert_one(data, position, out)
        return position
    out.append(header)  # +simple, -error, :integer, ,double
    return end + 2


# -- RESP3 forms of replies the machine writes as RESP2 (``CommandSpec.resp3``) ---------


def _items(reply: bytes) -> tuple[bytes, list[bytes]] | None:
    """The header and the top-level elements of an array reply (None: not an array, or
    the null array)."""
    if not reply.startswith(b"*") or reply.startswith(b"*-"):
        return None
    end = reply.index(b"\r\n")
    count = int(reply[1:end])
    items: list[bytes] = []
    pos = end + 2
    for _ in range(count):
        parts: list[bytes] = []
        stop = _convert_one(reply, pos, parts)
        items.append(reply[pos:stop])
        pos = stop
    return reply[: end + 2], items


def double(value: bytes) -> bytes:
    """A RESP3 double from the text of a number (``inf``/``-inf`` spelled as Redis)."""
    return b",%s\r\n" % value


def bulk_to_double(reply: bytes) -> bytes:
    """A bulk-string number (e.g. ZSCORE) as a RESP3 double; anything else unchanged."""
    if not reply.startswith(b"$") or reply.startswith(b"$-"):
        return reply
    end = reply.index(b"\r\n")
    return double(reply[end + 2 : -2])


def flat_to_map(reply: bytes) -> bytes:
    """A flat array of key, value, ... (e.g. HGETALL) as a RESP3 map."""
    found = _items(reply)
    if found is None:
        return reply
    _, items = found
    return b"%%%d\r\n%s" % (len(items) // 2, b"".join(items))


def array_to_set(reply: bytes) -> bytes:
    """An array (e.g. SMEMBERS) as a RESP3 set."""
    if not reply.startswith(b"*") or reply.startswith(b"*-"):
        return reply
    return b"~" + reply[1:]


def flat_to_pairs(reply: bytes, second_is_double: bool = True) -> bytes:
    """A flat array of member, score, ... (e.g. ZRANGE WITHSCORES) as RESP3's array of
    [member, double] pairs."""
    found = _items(reply)
    if found is None:
        return reply
    _, items = found
    pairs = []
    for i in range(0, len(items) - 1, 2):
        second = bulk_to_double(items[i + 1]) if second_is_double else items[i + 1]
        pairs.append(b"*2\r\n" + items[i] + second)
    return b"*%d\r\n%s" % (len(pairs), b"".join(pairs))


def elements(reply: bytes) -> list[bytes]:
    """``array_elements``, with [] for the null array or a reply that is not an array."""
    return array_elements(reply) or []


def array_elements(reply: bytes) -> list[bytes] | None:
    """The top-level elements of an array reply, each as its own reply bytes; None when
    ``reply`` is not an array (an error, the null array...)."""
    found = _items(reply)
    return None if found is None else found[1]


# -- RESP3 forms of sorted sets' replies ----------------------------------------------


def bulks_to_doubles(reply: bytes) -> bytes:
    """An array of bulk-string numbers and nulls (ZMSCORE) as doubles and nulls."""
    found = _items(reply)
    if found is None:
        return reply
    header, items = found
    return header + b"".join(bulk_to_double(item) for item in items)


def last_to_double(reply: bytes) -> bytes:
    """An array whose last element is a bulk-string number (ZPOPMIN's [member, score],
    BZPOPMIN's [key, member, score]) with that element as a double."""
    found = _items(reply)
    if found is None or not found[1]:
        return reply
    header, items = found
    return header + b"".join(items[:-1]) + bulk_to_double(items[-1])


def keyed_pairs_to_doubles(reply: bytes) -> bytes:
    """ZMPOP's [key, [[member, score], ...]] with the scores as doubles."""
    found = _items(reply)
    if found is None or len(found[1]) != 2:
        return reply
    header, (key, pairs) = found
    inner = _items(pairs)
    if inner is None:
        return reply
    return header + key + inner[0] + b"".join(last_to_double(pair) for pair in inner[1])
