"""SORT and SORT_RO: the elements of a list, set or sorted set, sorted or not, through
BY and GET patterns, optionally stored as a list.

SORT reads the other types through a small interface their value classes provide:

- ``sort_elements() -> Sequence[bytes]``: the elements in the type's own order (a
  list's order, a sorted set's by score, a set's iteration order);
- ``sort_field(field) -> bytes | None``: a hash's field, for ``pattern->field``;
- the list class (``VALUE_TYPES[b"list"]``) has ``from_elements(list[bytes])``, for
  STORE.

Numbers are compared as C doubles (``rabia.kv.numbers``), ties by the bytes of the
elements; ALPHA compares bytes (Redis uses ``strcoll``, the same in the C locale). The
sort is stable, so elements whose BY values compare equal under ALPHA keep their order.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import NamedTuple, Protocol, runtime_checkable

from rabia.kv import numbers, resp
from rabia.kv.commands.context import ELECTION_PREFIX, ERR_ELECTION_KEY
from rabia.kv.commands.spec import FIRST_KEY, CommandSpec, Context, Flag
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, parse_int
from rabia.kv.store import Keyspace
from rabia.kv.values import VALUE_TYPES, TypedValue

ERR_NOT_DOUBLE = resp.error(b"One or more scores can't be converted into double")
ERR_UNSORTABLE = resp.error(b"SORT does not support this type yet")
SORTABLE_TYPES = (b"list", b"set", b"zset")


@runtime_checkable
class Sortable(Protocol):
    """A list, set or sorted set value, as SORT reads it."""

    def sort_elements(self) -> Sequence[bytes]: ...


@runtime_checkable
class FieldSource(Protocol):
    """A hash value, as SORT's ``pattern->field`` reads it."""

    def sort_field(self, field: bytes) -> bytes | None: ...


class Options(NamedTuple):
    desc: bool
    alpha: bool
    start: int
    limit: int
    by: bytes | None
    gets: list[bytes]
    store: bytes | None


def parse(args: list[bytes], read_only: bool) -> Options | bytes:
    """SORT's options, or the error reply."""
    desc = alpha = False
    start, count = 0, -1
    by: bytes | None = None
    store: bytes | None = None
    gets: list[bytes] = []
    i = 2
    while i < len(args):
        option = args[i].upper()
        left = len(args) - i - 1
        if option in (b"ASC", b"DESC"):
            desc = option == b"DESC"
        elif option == b"ALPHA":
            alpha = True
        elif option == b"LIMIT" and left >= 2:
            first, many = parse_int(args[i + 1]), parse_int(args[i + 2])
            if first is None or many is None:
                return ERR_NOT_INT
            start, count = first, many
            i += 2
        elif option == b"STORE" and left >= 1 and not read_only:
            store = args[i + 1]
            i += 1
        elif option == b"BY" and left >= 1:
            by = args[i + 1]
            i += 1
        elif option == b"GET" and left >= 1:
            gets.append(args[i + 1])
            i += 1
        else:
            return ERR_SYNTAX
        i += 1
    return Options(desc, alpha, start, count, by, gets, store)


def lookup_pattern(ks: Keyspace, pattern: bytes, element: bytes) -> bytes | None:
    """A BY/GET pattern for one element: ``#`` is the element; the first ``*`` is
    replaced by it to name a string key, or a hash's field after ``->``; None when there
    is no ``*``, no such key, or a key of another type."""
    if pattern == b"#":
        return element
    star = pattern.find(b"*")
    if star < 0:
        return None
    arrow = pattern.find(b"->", star + 1)
    field = pattern[arrow + 2 :] if arrow >= 0 and arrow + 2 < len(pattern) else None
    name = pattern[:star] + element + pattern[star + 1 : arrow if field is not None else None]
    value = ks.lookup(name)
    if value is None:
        return None
    if field is None:
        return value[8:] if isinstance(value, bytes) else None
    if isinstance(value, bytes) or value.TYPE != b"hash" or not isinstance(value, FieldSource):
        return None
    return value.sort_field(field)


def _range(options: Options, size: int) -> tuple[int, int]:
    """LIMIT as Redis clamps it: the first and last positions (last < first: none)."""
    start = min(max(options.start, 0), size)
    count = min(max(options.limit, -1), size)
    end = size - 1 if count < 0 else start + count - 1
    if start >= size:
        return size - 1, size - 2
    return start, min(end, size - 1)


def _order(ks: Keyspace, elements: list[bytes], options: Options) -> list[bytes] | bytes:
    """The elements sorted by the options (or the error reply for a non-number)."""
    by = options.by
    if options.alpha:
        if by is None:
            return sorted(elements, reverse=options.desc)
        weights = [lookup_pattern(ks, by, e) for e in elements]
        # Missing BY values come first (ascending); stable otherwise.
        keyed = sorted(
            range(len(elements)),
            key=lambda i: (weights[i] is not None, weights[i] or b""),
            reverse=options.desc,
        )
        return [elements[i] for i in keyed]
    scores: list[numbers.Number] = []
    for element in elements:
        weight = element if by is None else lookup_pattern(ks, by, element)
        score = Fraction(0) if weight is None else numbers.parse_double_prefix(weight)
        if score is None:
            return ERR_NOT_DOUBLE
        scores.append(score)
    keyed = sorted(range(len(elements)), key=lambda i: (scores[i], elements[i]))
    if options.desc:
        keyed.reverse()
    return [elements[i] for i in keyed]


def _sort(ctx: Context, args: list[bytes], read_only: bool) -> bytes:
    options = parse(args, read_only)
    if isinstance(options, bytes):
        return options
    ks = ctx.keyspace
    if options.store is not None and options.store.startswith(ELECTION_PREFIX):
        return ERR_ELECTION_KEY
    value = ks.lookup(args[1])
    if isinstance(value, bytes) or (value is not None and value.TYPE not in SORTABLE_TYPES):
        return resp.WRONGTYPE
    if value is not None and not isinstance(value, Sortable):
        return ERR_UNSORTABLE
    elements = list(value.sort_elements()) if value is not None else []
    kind = b"list" if value is None else value.TYPE
    sort = options.by is None or b"*" in options.by
    if not sort and kind == b"set" and options.store is not None:
        sort, options = True, options._replace(alpha=True, by=None)
    if sort:
        ordered = _order(ks, elements, options)
        if isinstance(ordered, bytes):
            return ordered
        elements = ordered
    elif options.desc and kind != b"set":
        elements.reverse()
    start, end = _range(options, len(elements))
    chosen = elements[start : end + 1] if end >= start else []
    if options.gets:
        output = [lookup_pattern(ks, g, e) for e in chosen for g in options.gets]
    else:
        output = list[bytes | None](chosen)
    if options.store is None:
        return resp.bulk_array(output)
    return _store(ctx, options.store, [b"" if v is None else v for v in output])


def _store(ctx: Context, key: bytes, elements: list[bytes]) -> bytes:
    """STORE: the result as a list (replacing ``key``); an empty result deletes it."""
    ks = ctx.keyspace
    if not elements:
        if ks.delete(key):
            ks.events.append((b"del", key))
        return resp.ZERO
    list_type = VALUE_TYPES.get(b"list")
    build = getattr(list_type, "from_elements", None)
    if build is None:
        return ERR_UNSORTABLE
    if not ks.exists(key) and (error := ctx.check_new_key(key)) is not None:
        return error
    value = build(elements)
    assert isinstance(value, TypedValue)
    ks.put_value(key, value)
    ks.events.append((b"sortstore", key))
    return resp.integer(len(elements))


def sort(ctx: Context, args: list[bytes]) -> bytes:
    """SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
    [STORE destination]."""
    return _sort(ctx, args, read_only=False)


def sort_ro(ctx: Context, args: list[bytes]) -> bytes:
    return _sort(ctx, args, read_only=True)


ROWS = (
    CommandSpec(b"sort", -2, Flag.WRITE | Flag.DENYOOM, FIRST_KEY, sort),
    CommandSpec(b"sort_ro", -2, Flag.READONLY, FIRST_KEY, sort_ro),
)
"""The SORT commands' rows of the command table (STORE's key is checked by the
handler: key positions cannot name it)."""
