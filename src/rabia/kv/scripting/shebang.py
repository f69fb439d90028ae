"""A script's shebang line (Redis 7.0): ``#!lua`` and its ``flags=...``.

A script whose body starts with ``#!`` declares its engine (only ``lua``) and flags on
that first line; the code starts at the end of the line (line numbers are unchanged).
Without a shebang, a script may write unless run by ``EVAL_RO``/``EVALSHA_RO``; with
one, it may write unless it declares ``no-writes`` (and then ``*_RO`` refuses it if it
does not). The other flags of Redis 7.0 are accepted and change nothing here.
"""

from __future__ import annotations

from typing import NamedTuple

FLAGS = frozenset(
    [b"no-writes", b"allow-oom", b"allow-stale", b"no-cluster", b"allow-cross-slot-keys"]
)
"""The flags Redis 7.0 knows."""


class Shebang(NamedTuple):
    """What a script's first line declares."""

    code_start: int
    """Where the Lua code starts in the body (0: no shebang)."""
    declared: bool
    """The script has a shebang line."""
    no_writes: bool
    """It declares ``flags=no-writes``."""


NONE = Shebang(0, False, False)


def parse(body: bytes) -> Shebang | bytes:
    """The shebang of ``body``, or the error reply Redis gives for a malformed one."""
    if not body.startswith(b"#!"):
        return NONE
    end = body.find(b"\n")
    if end < 0:
        return b"-ERR Invalid script shebang\r\n"
    parts = body[:end].split()
    if parts[0] != b"#!lua":
        return _error(b"Unexpected engine in script shebang: %s" % parts[0])
    no_writes = False
    for part in parts[1:]:
        if not part.startswith(b"flags="):
            return _error(b"Unknown lua shebang option: %s" % part)
        value = part[len(b"flags=") :]
        for flag in value.split(b",") if value else ():
            if flag not in FLAGS:
                return _error(b"Unexpected flag in script shebang: %s" % flag)
            no_writes = no_writes or flag == b"no-writes"
    return Shebang(end, True, no_writes)


def _error(text: bytes) -> bytes:
    return b"-ERR %s\r\n" % text.replace(b"\r", b" ").replace(b"\n", b" ")
