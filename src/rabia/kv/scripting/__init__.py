"""Lua scripting for the KV machine: EVAL and friends, deterministic, sandboxed, bounded.

A script runs inside the apply of its log entry on every replica, in an embedded Lua 5.1
(lupa): nothing interleaves with it, and everything it can observe is the same on every
replica (ADR 0016). The package knows nothing of the command table: the machine's
commands (``rabia.kv.commands.scripting``) give each run a ``ScriptHost`` through which
the script's ``redis.call`` reaches the keyspace.

* ``engine``: the script cache (replicated state) and running a script;
* ``runtime``: the Lua runtime, its sandbox and its bounds (instructions, memory);
* ``bridge``: the Python side of the ``redis.*`` functions;
* ``replies``: command replies as Lua values; ``shebang``: ``#!lua flags=...``;
* ``log``: ``redis.log`` through ``logging``, rate-limited; ``errors``: reply texts;
* ``lua/``: the kernel in Lua (sandbox, the ``redis`` table, the runner);
* ``libraries``: ``cjson``, ``cmsgpack``, ``bit`` and ``struct``.
"""

from rabia.kv.scripting.bridge import ScriptHost
from rabia.kv.scripting.engine import DEFAULT_BUDGET, DEFAULT_MEMORY, Script, ScriptEngine

__all__ = ["DEFAULT_BUDGET", "DEFAULT_MEMORY", "Script", "ScriptEngine", "ScriptHost"]
