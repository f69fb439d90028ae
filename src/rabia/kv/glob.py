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


def translate(pattern: bytes) -> bytes:
    """The regex (bytes, for ``re.DOTALL`` full matches) equivalent to ``pattern``."""
    out: list[bytes] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == 0x2A:  # '*'
            while i + 1 < n and pattern[i + 1] == 0x2A:
                i += 1
            out.append(b".*")
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
    return b"".join(out)


@lru_cache(maxsize=256)
def matcher(pattern: bytes) -> Callable[[bytes], object]:
    """A function telling whether a key matches ``pattern`` (truthy when it does)."""
    if pattern == b"*":
        return lambda _key: True
    return re.compile(translate(pattern), re.DOTALL).fullmatch
