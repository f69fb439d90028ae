"""The Lua runtime of one KV machine: created once, sandboxed, and bounded per script.

``LuaRuntime`` is lupa's Lua 5.1 (the Lua of Redis), created with no ``python`` helpers,
an attribute filter that refuses every Python attribute, and lupa's counting allocator.
The libraries (``libraries.install``) go into the runtime's globals first; then the
kernel (``lua/*.lua``, compiled as the chunk ``=rabia``) builds the sandbox from them: the
scripts never see the runtime's own globals (``os``, ``io``, ``debug``, ``require``...).

Each run has an instruction budget (the kernel's count hook: the same count on every
replica) and a memory bound (lupa's allocator limit: what the runtime holds when the
script starts, plus ``memory``). A script over either is stopped with an error; what it
wrote before stays, as when a Redis script fails midway. The runtime survives both.

The memory bound is on only while Lua code runs. lupa's own calls into Lua from Python
(pushing arguments, ``table_from``, reading a field) are not protected: an allocation
refused there would be a Lua panic, which ends the process. So the bound is lifted
whenever Python works on the runtime (``lift``: between scripts, and on entry to each
callback that hands Lua new values) and imposed again from Lua (``bound``: first thing
in a run, and after each such callback has returned its values).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from lupa import lua51
from lupa.lua51 import LuaError, LuaMemoryError

from rabia.kv.scripting import errors, libraries
from rabia.kv.scripting.bytecode import untail

LOGGER = logging.getLogger(__name__)

KERNEL = ("sandbox.lua", "redis.lua", "run.lua")
"""The kernel's chunks, in the order they run."""

LIBRARIES = (b"bit", b"cjson", b"cmsgpack", b"struct")

MANY_ARGUMENTS = 200
"""Keys and arguments passed to Lua one by one up to this many (on Lua's stack), as two
tables beyond."""

COLLECT_AFTER = 4 << 20
"""A full collection runs after a script that left this much more memory in use than
the last one measured: garbage of one script does not pile up for the next."""


def _refuse(obj: object, name: object, setting: bool) -> object:
    raise AttributeError("Python attributes are not available to scripts")


class CompileError(Exception):
    """Lua cannot compile a script; the message is Lua's (``user_script:1: ...``)."""


class LuaSandbox:
    """One sandboxed Lua runtime: compile scripts, run them within their bounds.

    ``callbacks``: the Python functions of the ``redis.*`` functions (``Bridge``); the
    kernel gets them with ``bound`` added."""

    def __init__(
        self, *, callbacks: Mapping[bytes, Callable[..., Any]], version: bytes, memory: int
    ) -> None:
        self.memory = memory
        """Bytes a script may allocate beyond what the runtime holds when it starts."""
        lua = lua51.LuaRuntime(
            encoding=None,
            register_eval=False,
            register_builtins=False,
            unpack_returned_tuples=True,
            attribute_filter=_refuse,
            max_memory=0,
        )
        self._lua = lua
        self.table_from = lua.table_from
        self._limit = 0
        libraries.install(lua)
        g = lua.globals()
        cjson = g[b"cjson"]
        reset = cjson[libraries.RESET_KEY] if lua51.lua_type(cjson) == "table" else None
        self._reset_libraries: Callable[[], object] = reset if callable(reset) else _nothing
        """Puts cjson's configuration back and undoes what a script did to the library
        tables: before each script, so every replica runs it alike (ADR 0016)."""
        g[b"python"] = None
        g[b"package"][b"loaded"][b"python"] = None
        self._hide_python_objects(g)
        kernel = lua.table()
        kernel[b"G0"] = g
        kernel[b"py"] = self._lua_functions({**callbacks, b"bound": self.bound})
        kernel[b"version"] = version
        major, minor, patch = (int(part) for part in version.split(b"."))
        kernel[b"version_num"] = (major << 16) | (minor << 8) | patch
        for name in KERNEL:
            source = resources.files(__package__).joinpath("lua", name).read_bytes()
            chunk = g[b"loadstring"](source, b"=rabia")
            if not callable(chunk):
                raise RuntimeError(f"the scripting kernel {name} does not compile: {chunk!r}")
            chunk(kernel)
        self._run = kernel[b"run"]
        self._compile = kernel[b"compile"]
        self._load_patched = kernel[b"load_patched"]
        self._state = kernel[b"state"]
        self._sethook = g[b"debug"][b"sethook"]
        self._collected = lua.get_memory_used()

    def _lua_functions(self, callbacks: Mapping[bytes, Callable[..., Any]]) -> Any:
        """The callbacks as Lua functions: each Python callable an upvalue of a Lua
        closure, which is all the kernel (and so any script) can hold of it."""
        wrap = self._lua.eval("function(f) return function(...) return f(...) end end")
        return self._lua.table_from({name: wrap(f) for name, f in callbacks.items()})

    def _hide_python_objects(self, g: Any) -> None:
        """The libraries' tables hold Lua values only: a Python callable a library put
        there is wrapped in a Lua closure, any other Python object removed."""
        wrap = self._lua.eval("function(f) return function(...) return f(...) end end")
        for name in LIBRARIES:
            library = g[name]
            if library is None:
                continue
            if lua51.lua_type(library) != "table":
                LOGGER.warning("scripting library %s is not a Lua table: left out", name)
                g[name] = None
                continue
            for key, value in list(library.items()):
                if lua51.lua_type(value) is None and value is not None:
                    library[key] = wrap(value) if callable(value) else None

    # -- the memory bound --------------------------------------------------------------

    def lift(self) -> None:
        """No bound: Python is about to work on the runtime."""
        self._lua.set_max_memory(0)

    def bound(self) -> None:
        """The bound of the script running (called from Lua)."""
        self._lua.set_max_memory(self._limit)

    def _start(self) -> None:
        """The bound of what comes next: the bytes in use now plus ``memory`` (imposed by
        the kernel once its arguments are in)."""
        self._limit = self._lua.get_memory_used() + self.memory

    # -- compiling and running ---------------------------------------------------------

    def compile(self, code: bytes) -> Any:
        """The Lua function of a script's code (chunk ``@user_script``, globals of the
        sandbox, ``return redis.call(...)`` keeping its frame: ``bytecode``);
        ``CompileError`` with Lua's message when it does not compile."""
        self._start()
        try:
            function, dump = self._compile(code)
        except LuaMemoryError:
            raise CompileError(b"not enough memory") from None
        finally:
            self.lift()
        if function is None:
            raise CompileError(dump if isinstance(dump, bytes) else b"?")
        patched = untail(dump) if isinstance(dump, bytes) else None
        if patched is not None:
            function = self._load_patched(patched) or function
        return function

    def run(
        self, function: Any, sha: bytes, keys: list[bytes], argv: list[bytes], budget: int
    ) -> bytes:
        """Run a compiled script with ``KEYS`` and ``ARGV``; its reply (RESP2)."""
        self._reset_libraries()
        self._start()
        result: Any = None
        failure: bytes | None = None
        try:
            if len(keys) + len(argv) <= MANY_ARGUMENTS:
                result = self._run(function, sha, budget, False, None, len(keys), *keys, *argv)
            else:
                table_from = self.table_from
                result = self._run(function, sha, budget, table_from(keys), table_from(argv))
        except LuaMemoryError:
            failure = b"not enough memory"
        except LuaError as exc:
            failure = str(exc).split("\n", 1)[0].encode(errors="replace")
        finally:
            self.lift()
        if failure is not None:  # the hook may still be on: cleared by a C function
            self._sethook()
        elif type(result) is bytes:
            self._after()
            return result
        else:  # (nil, message): Lua failed outside the script, or the budget ran out
            failure = result[1] if isinstance(result, tuple) and type(result[1]) is bytes else b"?"
        state = self._state
        if state[b"exhausted"]:
            return errors.budget_exceeded(budget, sha, state[b"source"], state[b"line"])
        if failure == b"not enough memory":
            self._collect()
            return errors.memory_exceeded(self.memory, sha)
        return errors.runtime_failure(sha, failure)

    def _after(self) -> None:
        if self._lua.get_memory_used() > self._collected + COLLECT_AFTER:
            self._collect()

    def _collect(self) -> None:
        self._lua.gccollect()
        self._collected = self._lua.get_memory_used()

    def memory_used(self) -> int:
        """Bytes the runtime holds now (for tests and INFO-like reports)."""
        used = self._lua.get_memory_used()
        return int(used) if used is not None else 0


def _nothing() -> None:
    """No libraries' state to reset."""
