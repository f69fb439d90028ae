"""Redis glob patterns (``*``, ``?``, ``[abc]``, ``[^a-z]``, ``\\`` escapes) as regexes.

A port of the grammar of Redis's ``stringmatchlen``, including its quirks: an unclosed
``[`` takes the rest of the pattern as the set, reversed ranges are swapped and a
trailing backslash matches itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache


def _char_class(members: set[int], negate: bool) -> bytes:
    if negate:
        members = set(range(256)) - members
    if not members:
        return b"(?!)"
    return b"[" + b"".join(b"\\x%02x" % c for c in sorted(members)) + b"]"


def _segments(pattern: bytes) -> list[bytes]:
    """The regexes of the parts of ``pattern`` between its stars. Each part matches a
    fixed number of bytes (every element of it matches exactly one)."""
    segments: list[bytes] = []
    out: list[bytes] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == 0x2A:  # '*'
            while i + 1 < n and pattern[i + 1] == 0x2A:
                i += 1
            segments.append(b"".join(out))
            out = []
        elif c == 0x3F:  # '?'
            out.append(b".")
        elif c == 0x5C:  # '\\'
            if i + 1 < n:
                i += 1
            out.append(re.escape(pattern[i : i + 1]))
        elif c == 0x5B:  # '['
            i += 1
            negate = i < n and pattern[i] == 0x5E  # '^'
            if negate:
                i += 1
            members: set[int] = set()
            while True:
                left = n - i
                if left >= 2 and pattern[i] == 0x5C:
                    i += 1
                    members.add(pattern[i])
                elif left > 0 and pattern[i] == 0x5D:  # ']'
                    break
                elif left <= 0:
                    i -= 1
                    break
                elif left >= 3 and pattern[i + 1] == 0x2D:  # 'a-z'
                    lo, hi = sorted((pattern[i], pattern[i + 2]))
                    members.update(range(lo, hi + 1))
                    i += 2
                else:
                    members.add(pattern[i])
                i += 1
            out.append(_char_class(members, negate))
        else:
            out.append(re.escape(pattern[i : i + 1]))
        i += 1
    segments.append(b"".join(out))
    return segments


def translate(pattern: bytes) -> bytes:
    """The regex (bytes, for ``re.DOTALL`` full matches) equivalent to ``pattern``."""
    return b".*".join(_segments(pattern))


@lru_cache(maxsize=256)
def matcher(pattern: bytes) -> Callable[[bytes], object]:
    """A function telling whether a key matches ``pattern`` (truthy when it does).

    Not one regex with a ``.*`` per star: Python's backtracking made ``KEYS *a*a*a*a*b``
    take seconds on one 200-byte key, and minutes with a few more stars, on every
    replica. The parts between stars have fixed lengths, so taking each middle part's
    leftmost match is enough: O(len(key) * len(pattern))."""
    if pattern == b"*":
        return lambda _key: True
    parts = _segments(pattern)
    if len(parts) == 1:
        return re.compile(parts[0], re.DOTALL).fullmatch
    first = re.compile(parts[0], re.DOTALL).match
    middle = [re.compile(part, re.DOTALL).search for part in parts[1:-1] if part]
    last = re.compile(parts[-1] + rb"\Z", re.DOTALL).search

    def match(key: bytes) -> bool:
        found = first(key)
        if found is None:
            return False
        pos = found.end()
        for search in middle:
            found = search(key, pos)
            if found is None:
                return False
            pos = found.end()
        return last(key, pos) is not None

    return match
