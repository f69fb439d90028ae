"""The scripts of one KV machine: the replicated cache, and running a script.

The cache (``scripts``: SHA-1 hex -> body) is replicated state: EVAL adds the script it
compiles, SCRIPT LOAD adds, SCRIPT FLUSH empties, and it travels in the machine's
snapshot, so that EVALSHA works on every node, after a restart and after a snapshot is
installed. What is not replicated is derived from it: the compiled functions (compiled
on first use, on every replica the same way) and the Lua runtime itself, created with
the first script.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from rabia.kv.scripting import errors, shebang
from rabia.kv.scripting.bridge import Bridge, ScriptHost
from rabia.kv.scripting.log import ScriptLog
from rabia.kv.scripting.runtime import CompileError, LuaSandbox

DEFAULT_BUDGET = 100_000_000
"""Lua instructions a script may run (``KVMachine(script_budget=...)``)."""
DEFAULT_MEMORY = 256 << 20
"""Bytes a script may allocate (``KVMachine(script_memory=...)``)."""


class Script(NamedTuple):
    """A compiled script."""

    sha: bytes
    """SHA-1 of the body, lower-case hex."""
    function: Any
    """The Lua function (of the runtime that compiled it)."""
    shebang: bool
    """The body starts with a ``#!lua`` line."""
    no_writes: bool
    """It declares ``flags=no-writes``."""


def sha1hex(body: bytes) -> bytes:
    return hashlib.sha1(body).hexdigest().encode()


class ScriptEngine:
    """The cache and the runtime of one machine's scripts."""

    def __init__(
        self,
        *,
        budget: int = DEFAULT_BUDGET,
        memory: int = DEFAULT_MEMORY,
        version: bytes = b"7.0.15",
    ) -> None:
        self.budget = budget
        """Lua instructions per script: the same on every replica."""
        self._memory = memory
        self._version = version
        self.scripts: dict[bytes, bytes] = {}
        """SHA-1 hex -> body: the replicated cache."""
        self._compiled: dict[bytes, Script] = {}
        self._by_body: dict[bytes, Script] = {}
        """The compiled scripts by body: EVAL finds its script without hashing it."""
        self._sandbox: LuaSandbox | None = None
        self._bridge: Bridge | None = None
        self._log = ScriptLog()

    @property
    def memory(self) -> int:
        """Bytes a script may allocate beyond what the runtime holds when it starts."""
        return self._memory

    @memory.setter
    def memory(self, value: int) -> None:
        self._memory = value
        if self._sandbox is not None:
            self._sandbox.memory = value

    def _runtime(self) -> tuple[LuaSandbox, Bridge]:
        sandbox, bridge = self._sandbox, self._bridge
        if sandbox is None or bridge is None:
            bridge = Bridge(self._log)
            sandbox = LuaSandbox(
                callbacks=bridge.callbacks(), version=self._version, memory=self._memory
            )
            bridge.table_from, bridge.lift = sandbox.table_from, sandbox.lift
            self._sandbox, self._bridge = sandbox, bridge
        return sandbox, bridge

    # -- the cache -----------------------------------------------------------------------

    def exists(self, sha: bytes) -> bool:
        """Whether the script of ``sha`` (any case) is cached."""
        return sha.lower() in self.scripts

    def load(self, body: bytes) -> Script | bytes:
        """The compiled script of ``body``, compiled and cached now if it is new (EVAL,
        SCRIPT LOAD); or the error reply when it does not compile (nothing cached)."""
        cached = self._by_body.get(body)
        if cached is not None:
            return cached
        sha = sha1hex(body)
        cached = self._compiled.get(sha)
        if cached is not None:
            return cached
        compiled = self._compile(sha, body)
        if not isinstance(compiled, bytes):
            self.scripts[sha] = body
        return compiled

    def get(self, sha: bytes) -> Script | bytes | None:
        """The cached script of ``sha`` (any case), compiled on first use; None when
        not cached."""
        sha = sha.lower()
        script = self._compiled.get(sha)
        if script is not None:
            return script
        body = self.scripts.get(sha)
        return None if body is None else self._compile(sha, body)

    def _compile(self, sha: bytes, body: bytes) -> Script | bytes:
        declared = shebang.parse(body)
        if isinstance(declared, bytes):
            return declared
        sandbox, _ = self._runtime()
        try:
            function = sandbox.compile(body[declared.code_start :])
        except CompileError as exc:
            message = exc.args[0] if exc.args and isinstance(exc.args[0], bytes) else b"?"
            return errors.compile_error(message)
        script = Script(sha, function, declared.declared, declared.no_writes)
        self._compiled[sha] = script
        self._by_body[body] = script
        return script

    def flush(self) -> None:
        """SCRIPT FLUSH: forget every script."""
        self.scripts = {}
        self._compiled = {}
        self._by_body = {}

    def state(self) -> list[bytes]:
        """The cache for a snapshot: the bodies, in SHA-1 order."""
        return [self.scripts[sha] for sha in sorted(self.scripts)]

    def restore(self, bodies: list[bytes]) -> None:
        """The cache of a snapshot (compiled again on first use)."""
        self.scripts = {sha1hex(body): body for body in bodies}
        self._compiled = {}
        self._by_body = {}

    # -- running -------------------------------------------------------------------------

    def run(self, script: Script, keys: list[bytes], argv: list[bytes], host: ScriptHost) -> bytes:
        """Run ``script`` with ``KEYS`` and ``ARGV``, its commands going through ``host``;
        its reply (RESP2)."""
        sandbox, bridge = self._runtime()
        bridge.begin(host)
        try:
            return sandbox.run(script.function, script.sha, keys, argv, self.budget)
        finally:
            bridge.end()
