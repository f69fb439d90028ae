"""``redis.log``: a script's lines go to the ``logging`` module, at a bounded rate.

Every replica runs every script, so every replica logs its lines (under the logger
``rabia.kv.scripting``). A script logging in a loop cannot flood the log: a token bucket
lets ``BURST`` lines through at once and ``RATE`` per second after that; the lines it
drops are counted, and the next line that passes says how many. Lines are cut at
``MAX_LINE`` bytes. The rate depends on the node's clock, but only what is logged does:
nothing a script sees or writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

LOGGER = logging.getLogger("rabia.kv.scripting")

LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING}
"""redis.LOG_DEBUG, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING."""

RATE = 10.0
"""Lines per second, once the burst is spent."""
BURST = 50
MAX_LINE = 4096


class ScriptLog:
    """The rate-limited log of one machine's scripts."""

    def __init__(
        self, logger: logging.Logger = LOGGER, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._logger = logger
        self._clock = clock
        self._tokens = float(BURST)
        self._last = clock()
        self.dropped = 0
        """Lines dropped since the last one logged."""

    def log(self, level: int, message: bytes) -> None:
        """Log ``message`` at redis.log's ``level`` (0..3), unless over the rate."""
        python_level = LEVELS.get(level, logging.WARNING)
        if not self._logger.isEnabledFor(python_level):
            return
        now = self._clock()
        self._tokens = min(float(BURST), self._tokens + (now - self._last) * RATE)
        self._last = now
        if self._tokens < 1:
            self.dropped += 1
            return
        self._tokens -= 1
        text = message[:MAX_LINE].decode("utf-8", errors="replace")
        if len(message) > MAX_LINE:
            text += f"... ({len(message)} bytes)"
        if self.dropped:
            text += f" ({self.dropped} script log lines dropped before this one)"
            self.dropped = 0
        self._logger.log(python_level, "script: %s", text)
