"""The wall clock a node stamps its proposals with, and a test-only skewed one.

The only wall-clock read on the way to the log: ``Node`` stamps each batch it proposes
with wall time in microseconds (made strictly increasing per node). The stamp orders the
pending queue of every replica and becomes the log's time (the largest stamp applied so
far), which drives TTLs and lease expiry in the KV machine. No replica reads its own
clock while applying.

For fault injection, ``rabia node`` reads two environment variables at start:
``RABIA_CLOCK_OFFSET_MS`` (a fixed offset) and ``RABIA_CLOCK_FILE`` (a file holding an
offset in milliseconds, re-read at most every 50 ms, so a test can jump the clock of a
running node forward or back).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger("rabia.clock")

Clock = Callable[[], int]
"""Wall time in microseconds since the epoch."""

OFFSET_ENV = "RABIA_CLOCK_OFFSET_MS"
FILE_ENV = "RABIA_CLOCK_FILE"


def wall_clock() -> int:
    """The system's wall time in microseconds."""
    return time.time_ns() // 1000


class SkewedClock:
    """Wall time plus an offset: ``offset_ms``, replaced by the number in ``path`` (when
    it holds one), which is re-read at most every ``recheck`` seconds."""

    def __init__(self, offset_ms: float = 0.0, path: Path | None = None, recheck: float = 0.05):
        self._offset_us = round(offset_ms * 1000)
        self._path = path
        self._recheck = recheck
        self._next_check = 0.0
        self._text = ""

    @property
    def offset_us(self) -> int:
        """The offset applied now, in microseconds."""
        return self._offset_us

    def __call__(self) -> int:
        if self._path is not None:
            now = time.monotonic()
            if now >= self._next_check:
                self._next_check = now + self._recheck
                self._reload(self._path)
        return time.time_ns() // 1000 + self._offset_us

    def _reload(self, path: Path) -> None:
        try:
            text = path.read_text().strip()
        except OSError:
            return
        if text == self._text:
            return
        self._text = text
        try:
            offset_ms = float(text)
        except ValueError:
            log.warning("%s: %r is not a number of milliseconds; clock unchanged", path, text)
            return
        self._offset_us = round(offset_ms * 1000)
        log.warning("clock offset is now %+.3f ms (from %s)", offset_ms, path)


def clock_from_environ(environ: Mapping[str, str]) -> Clock:
    """The plain wall clock, or a ``SkewedClock`` when either variable is set."""
    offset = environ.get(OFFSET_ENV, "").strip()
    path = environ.get(FILE_ENV, "").strip()
    if not offset and not path:
        return wall_clock
    try:
        offset_ms = float(offset) if offset else 0.0
    except ValueError:
        raise ValueError(f"{OFFSET_ENV} must be a number of milliseconds, not {offset!r}") from None
    log.warning(
        "test-only clock skew: offset %+.3f ms%s",
        offset_ms,
        f", then whatever {path} says" if path else "",
    )
    return SkewedClock(offset_ms, Path(path) if path else None)
