"""SCAN over the sorted keyspace with numeric cursors.

A cursor is the first ``SCAN_PREFIX`` bytes of the next key to visit, read as a
big-endian integer (0 starts and ends a scan). Each call resumes at the first key whose
padded prefix is >= the cursor and returns COUNT keys plus every following key sharing
the last one's prefix, so a key present for the whole scan is returned at least once,
whatever is added or removed in between. (Many keys sharing an 8-byte prefix make a
large batch: COUNT is a hint, as in Redis.)
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.glob import matcher
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, parse_int
from rabia.kv.store import Keyspace

SCAN_PREFIX = 8
"""Bytes of a key's prefix a SCAN cursor encodes (cursors fit in 64 bits, like Redis)."""


def scan(ks: Keyspace, args: list[bytes]) -> bytes:
    """``SCAN cursor [MATCH pattern] [COUNT n] [TYPE t]`` as a RESP reply."""
    # int() raises on more than 4300 digits (leading zeros included), which would stop
    # every replica; a valid cursor has at most 20 significant digits anyway.
    digits = args[1].lstrip(b"0")
    cursor = int(digits or b"0") if args[1].isdigit() and len(digits) <= 20 else -1
    if not 0 <= cursor < 1 << 64:
        return resp.ERR_INVALID_CURSOR
    count, pattern, wanted = 10, b"*", b""
    i = 2
    while i < len(args):
        opt = args[i].upper()
        if i + 1 >= len(args) or opt not in (b"MATCH", b"COUNT", b"TYPE"):
            return ERR_SYNTAX
        if opt == b"COUNT":
            n = parse_int(args[i + 1])
            if n is None:
                return ERR_NOT_INT
            if n < 1:
                return ERR_SYNTAX
            count = n
        elif opt == b"MATCH":
            pattern = args[i + 1]
        else:
            wanted = args[i + 1].lower()
        i += 2
    start = cursor.to_bytes(SCAN_PREFIX, "big").rstrip(b"\x00")
    keys, pos = ks.keys_from(start)
    end = min(pos + count, len(keys))
    if end < len(keys):  # finish the group sharing the last key's cursor prefix
        last = keys[end - 1][:SCAN_PREFIX].ljust(SCAN_PREFIX, b"\x00")
        while end < len(keys) and keys[end][:SCAN_PREFIX].ljust(SCAN_PREFIX, b"\0") == last:
            end += 1
    batch = keys[pos:end]
    following = 0
    if end < len(keys):
        following = int.from_bytes(last, "big") + 1
    match = matcher(pattern)
    found = [k for k in batch if match(k)]
    if wanted:
        found = [k for k in found if ks.type_name(k) == wanted]
    return resp.array([resp.bulk(b"%d" % following), resp.bulk_array(found)])
