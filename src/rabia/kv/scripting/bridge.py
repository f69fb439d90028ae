"""The Python side of the kernel's ``redis.*`` functions, for the script running now.

The kernel (``lua/redis.lua``) calls these with Lua values as lupa passes them (strings
as bytes, numbers as int or float, anything else as a wrapped Lua object) and gets back
only strings, numbers, booleans, nil and Lua tables: no Python object ever reaches a
script. A callback never raises (lupa would hand the script the Python exception): a
failure inside one becomes an error the script sees.

What a command is, and whether the script may run it, is the ``ScriptHost``'s business:
the machine's commands give one per run.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable
from random import Random
from typing import Any, Protocol

from rabia.kv.scripting import errors
from rabia.kv.scripting.log import ScriptLog
from rabia.kv.scripting.replies import ERROR, TableFrom, to_lua

LOGGER = logging.getLogger(__name__)


class ScriptHost(Protocol):
    """What a running script's ``redis.call`` reaches: the machine, through its commands."""

    def call(self, args: list[bytes]) -> bytes:
        """Run ``args`` (name first) from the script, with the checks Redis makes for a
        script (unknown, arity, not allowed from scripts, writes in a read-only script);
        its RESP2 reply (an error reply for a refusal: ``-ERR ...``)."""

    def resp3(self, args: list[bytes], reply: bytes) -> bytes:
        """The RESP3 form of ``args``'s (successful) RESP2 ``reply``."""

    def known(self, name: bytes) -> bool:
        """Whether a client may call the command ``name`` at all (acl_check_cmd)."""

    def seed(self) -> int:
        """A seed for ``math.random``, the same on every replica for this script."""


def _nothing() -> None:
    pass


def number_argument(value: float) -> bytes:
    """A Lua number given to redis.call, as Redis writes it (C's ``%.17g``)."""
    if math.isnan(value):
        return b"-nan" if math.copysign(1.0, value) < 0 else b"nan"
    return b"%.17g" % value


class Bridge:
    """The callbacks the kernel calls (``callbacks()``), for one script at a time."""

    def __init__(self, log: ScriptLog) -> None:
        self.table_from: TableFrom = dict
        """The runtime's ``table_from`` (set once the runtime exists)."""
        self.lift: Callable[[], None] = _nothing
        """Lifts the runtime's memory bound (set once the runtime exists): a callback that
        builds Lua values calls it first (the kernel imposes the bound again after)."""
        self._log = log
        self.host: ScriptHost | None = None
        self.resp = 2
        """The protocol of command replies for this script (redis.setresp)."""
        self._random: Random | None = None

    def callbacks(self) -> dict[bytes, Any]:
        return {
            b"call": self.call,
            b"log": self.log,
            b"sha1hex": self.sha1hex,
            b"setresp": self.setresp,
            b"known": self.known,
            b"random": self.random,
            b"seed": self.seed,
        }

    def begin(self, host: ScriptHost) -> None:
        """A script starts: RESP2, a random generator not drawn from yet."""
        self.host = host
        self.resp = 2
        self._random = None

    def end(self) -> None:
        self.host = None
        self._random = None

    # -- redis.call / redis.pcall --------------------------------------------------------

    def call(self, *args: Any) -> tuple[int, Any]:
        """(kind, value) for the kernel: see ``replies.to_lua``; kind 3 is an error in the
        call's own arguments."""
        self.lift()
        if not args:
            return 3, errors.NO_ARGUMENTS
        argv: list[bytes] = []
        for arg in args:
            kind = type(arg)
            if kind is bytes:
                argv.append(arg)
            elif kind is int or kind is float:
                argv.append(number_argument(arg))
            else:
                return 3, errors.BAD_ARGUMENT
        host = self.host
        if host is None:
            return ERROR, errors.INTERNAL
        try:
            reply = host.call(argv)
            if self.resp == 3 and reply[:1] != b"-":
                reply = host.resp3(argv, reply)
            return to_lua(reply, self.table_from)
        except Exception:
            LOGGER.exception("redis.call(%r) failed inside the script", argv[:1])
            return ERROR, errors.INTERNAL

    # -- the other redis.* functions -----------------------------------------------------

    def log(self, level: int, message: bytes) -> None:
        try:
            self._log.log(level, message)
        except Exception:
            LOGGER.exception("redis.log failed")

    def sha1hex(self, text: bytes) -> bytes:
        self.lift()
        return hashlib.sha1(text).hexdigest().encode()

    def setresp(self, version: int) -> None:
        self.resp = int(version)

    def known(self, name: bytes) -> bool:
        host = self.host
        return host is not None and type(name) is bytes and host.known(name)

    def random(self) -> float:
        """A draw in [0, 1) for math.random."""
        generator = self._random
        if generator is None:
            host = self.host
            generator = self._random = Random(0 if host is None else host.seed())
        return generator.random()

    def seed(self, value: int) -> None:
        """math.randomseed."""
        self._random = Random(int(value))
