"""The ``lua-register`` workload: the register workload with its compare-and-set done by
a Lua script, as rate limiters and locks do it on Redis.

The script is loaded once per client (``SCRIPT LOAD``, which every node then knows) and
called with ``EVALSHA``; a ``NOSCRIPT`` answer (the script is not known: it would be a bug
of the replicated script cache) falls back to ``EVAL`` and is counted. The history is
checked as the register's: linearizable, no stale reads, nothing lost.
"""

from __future__ import annotations

import hashlib

from rabia.testing.nemesis.checks import Check
from rabia.testing.nemesis.clients import Caller, RequestFailed
from rabia.testing.nemesis.workloads import Context, Register

CAS = b"""
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
"""Set KEYS[1] to ARGV[2] if it holds ARGV[1]; 1 if it did."""

CAS_SHA = hashlib.sha1(CAS).hexdigest()


class LuaRegister(Register):
    """read / write / cas with unique values; cas by ``EVALSHA`` of ``CAS``."""

    name = "lua-register"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.unknown_script = 0
        """``NOSCRIPT`` answers to an EVALSHA of a script loaded before."""
        self._loaded: set[int] = set()

    async def compare_and_set(self, client: Caller, key: str, expected: int, value: int) -> bool:
        if id(client) not in self._loaded:
            sha = await client.call("SCRIPT", "LOAD", CAS)
            if sha not in (CAS_SHA, CAS_SHA.encode()):
                raise RequestFailed("fail", f"SCRIPT LOAD answered {sha!r}")
            self._loaded.add(id(client))
        try:
            done = await client.call("EVALSHA", CAS_SHA, 1, key, expected, value)
        except RequestFailed as exc:
            if exc.outcome != "fail" or "NOSCRIPT" not in str(exc):
                raise
            self.unknown_script += 1
            done = await client.call("EVAL", CAS, 1, key, expected, value)
        return bool(done)

    def check(self, final_from: float) -> list[Check]:
        problem = f"{self.unknown_script} NOSCRIPT answer(s) to a loaded script"
        known = Check("scripts known at every node", self.unknown_script == 0, problem)
        return [*super().check(final_from), known]
