"""What the stream commands share: parsing IDs as Redis does, encoding entries, errors.

Redis reads IDs with C string functions, so an argument ends at its first NUL byte, and
each part of ``<ms>-<seq>`` is read as ``string2ull`` does (strictly, else as
``strtoull``: leading blanks, a sign, leading zeros). ``parse_id`` does the same, so
that every argument gets Redis's answer.
"""

from __future__ import annotations

import re

from rabia.kv import resp
from rabia.kv.commands.context import ELECTION_PREFIX
from rabia.kv.values.stream import MASK, MAX_ID, format_id

ERR_INVALID_ID = resp.error(b"Invalid stream ID specified as stream command argument")
ERR_START_ID = resp.error(b"invalid start ID for the interval")
ERR_END_ID = resp.error(b"invalid end ID for the interval")
ERR_NO_KEY = resp.error(b"no such key")

_STRTOULL = re.compile(rb"[ \t\n\x0b\x0c\r]*([+-]?)([0-9]+)")


def cstr(arg: bytes) -> bytes:
    """``arg`` as C sees it: up to its first NUL byte."""
    return arg.partition(b"\0")[0]


def word(arg: bytes) -> bytes:
    """An option name as Redis compares it (``strcasecmp``)."""
    return arg.partition(b"\0")[0].lower()


def _ull(text: bytes) -> int | None:
    """Redis's ``string2ull``."""
    number = resp.parse_int(text)
    if number is not None:
        return number if number >= 0 else None
    match = _STRTOULL.fullmatch(text)
    if match is None:
        return None
    number = int(match[2])
    if number > MASK:
        return None
    return -number & MASK if match[1] == b"-" else number


def parse_id(
    arg: bytes, missing_seq: int = 0, strict: bool = True, auto_seq: bool = False
) -> tuple[int, bool] | None:
    """An ID argument: (ID, whether its sequence was given), or None if invalid.

    ``-`` and ``+`` (the smallest and largest IDs) only if not ``strict``; an ID without
    a sequence gets ``missing_seq``; ``<ms>-*`` only with ``auto_seq`` (sequence 0, not
    given)."""
    if len(arg) > 127:
        return None
    text = cstr(arg)
    if text in (b"-", b"+"):
        return None if strict else ((0 if text == b"-" else MAX_ID), True)
    ms_text, dash, seq_text = text.partition(b"-")
    ms = _ull(ms_text)
    if ms is None:
        return None
    if not dash:
        return ms << 64 | missing_seq, True
    if auto_seq and seq_text == b"*":
        return ms << 64, False
    seq = _ull(seq_text)
    return None if seq is None else (ms << 64 | seq, True)


def strict_id(arg: bytes) -> int | None:
    """An exact ID (no ``-``/``+``; a missing sequence is 0)."""
    parsed = parse_id(arg)
    return None if parsed is None else parsed[0]


def parse_bound(arg: bytes, missing_seq: int) -> int | bytes:
    """One end of a range: an ID, ``-``/``+``, or ``(ID`` (exclusive); the first ID in
    the range if ``missing_seq`` is 0 (start), else the last (end); or the error."""
    exclusive = len(arg) > 1 and arg[:1] == b"("
    parsed = parse_id(arg[1:] if exclusive else arg, missing_seq, strict=exclusive)
    if parsed is None:
        return ERR_INVALID_ID
    ident = parsed[0]
    if not exclusive:
        return ident
    if missing_seq:
        return ERR_END_ID if ident == 0 else ident - 1
    return ERR_START_ID if ident == MAX_ID else ident + 1


def id_bulk(ident: int) -> bytes:
    """An ID as a bulk string."""
    text = format_id(ident)
    return b"$%d\r\n%s\r\n" % (len(text), text)


def entry(ident: int, pairs: list[bytes] | None) -> bytes:
    """An entry as Redis replies it: [ID, [field, value, ...]] (a null array for the
    fields of a pending entry that was deleted)."""
    text = b"%d-%d" % (ident >> 64, ident & MASK)
    if pairs is None:
        return b"*2\r\n$%d\r\n%s\r\n*-1\r\n" % (len(text), text)
    head = b"*2\r\n$%d\r\n%s\r\n*%d\r\n" % (len(text), text, len(pairs))
    return head + b"".join([b"$%d\r\n%s\r\n" % (len(item), item) for item in pairs])


def nogroup(key: bytes, group: bytes, suffix: bytes = b"") -> bytes:
    """NOGROUP for a missing key or group (XPENDING, XCLAIM, XAUTOCLAIM, XREADGROUP)."""
    return resp.coded_error(
        b"NOGROUP No such key '%s' or consumer group '%s'%s" % (cstr(key), cstr(group), suffix)
    )


def nogroup_for_key(key: bytes, group: bytes) -> bytes:
    """NOGROUP for a missing group of an existing key (XGROUP, XINFO CONSUMERS)."""
    return resp.coded_error(
        b"NOGROUP No such consumer group '%s' for key name '%s'" % (cstr(group), cstr(key))
    )


def unknown_subcommand(args: list[bytes]) -> bytes:
    """Redis's reply to ``XGROUP``/``XINFO`` with an unknown subcommand."""
    return resp.error(
        b"unknown subcommand '%s'. Try %s HELP." % (cstr(args[1])[:128], args[0].upper())
    )


def subcommand_syntax(args: list[bytes]) -> bytes:
    """Redis's reply to a known subcommand with arguments it does not take."""
    return resp.error(
        b"unknown subcommand or wrong number of arguments for '%s'. Try %s HELP."
        % (cstr(args[1])[:128], args[0].upper())
    )


def subcommand_arity(args: list[bytes], arity: int) -> bytes | None:
    """The wrong-arity error of ``container|subcommand`` (None if the count fits);
    ``args[1]`` is a known subcommand (matched case-insensitively)."""
    count = len(args)
    if count == arity or (arity < 0 and count >= -arity):
        return None
    return resp.arity_error(b"%s|%s" % (args[0], args[1]))


def election_key(keys: list[bytes]) -> bool:
    """Whether a write would touch an election key (the guard for the commands whose
    keys the table cannot locate: XGROUP's, XREADGROUP's)."""
    return any(key.startswith(ELECTION_PREFIX) for key in keys)
