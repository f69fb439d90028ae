"""The compiled build (ADR 0018): which modules mypyc compiles, and which are compiled here.

rabia is pure Python and stays installable and tested as such. ``make test`` and ``make
run`` also build a copy of the package with the modules below compiled by mypyc next to
their sources (``scripts/build_compiled.py``, when a C compiler is present) and use it:
the same code, less CPU per command (ADR 0018 has the figures). The list holds the
modules on the path of every command, of every slot and of barrier reads; a module that
defines msgspec Structs cannot be in it (mypyc drops the class keywords that define them,
e.g. ``array_like=True``), nor one whose classes Python code subclasses.
"""

from __future__ import annotations

import sys
from typing import Final

MODULES: Final = (
    "rabia.codec",
    "rabia.core.agreement",
    "rabia.core.apply",
    "rabia.core.barrier",
    "rabia.core.catchup",
    "rabia.core.coin",
    "rabia.core.log",
    "rabia.core.replica",
    "rabia.core.slot",
    "rabia.kv.acl.check",
    "rabia.kv.acl.users",
    "rabia.kv.acl_session",
    "rabia.kv.commands.acl_gate",
    "rabia.kv.commands.context",
    "rabia.kv.commands.elements",
    "rabia.kv.commands.hashes",
    "rabia.kv.commands.lists",
    "rabia.kv.commands.sets",
    "rabia.kv.commands.strings",
    "rabia.kv.commands.zset_args",
    "rabia.kv.commands.zsets",
    "rabia.kv.connection",
    "rabia.kv.entries",
    "rabia.kv.hub",
    "rabia.kv.machine",
    "rabia.kv.options",
    "rabia.kv.pending_reply",
    "rabia.kv.reads",
    "rabia.kv.request",
    "rabia.kv.resp",
    "rabia.kv.server",
    "rabia.kv.store",
    "rabia.kv.values.hashes",
    "rabia.kv.values.list",
    "rabia.kv.values.packed",
    "rabia.kv.values.sets",
    "rabia.kv.values.zset",
    "rabia.kv.values.zset_index",
    "rabia.kv.values.zset_range",
    "rabia.kv.values.zset_small",
    "rabia.runtime.applying",
    "rabia.runtime.batching",
    "rabia.runtime.node",
    "rabia.runtime.pending",
    "rabia.runtime.reads",
    "rabia.runtime.requests",
    "rabia.runtime.sending",
    "rabia.storage.records",
    "rabia.storage.sqlite",
)
"""The modules the compiled build compiles."""


def loaded() -> list[str]:
    """The modules of ``MODULES`` this process imported from compiled code (sorted)."""
    found = []
    for name in MODULES:
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None) or ""
        if path.endswith((".so", ".pyd")):
            found.append(name)
    return sorted(found)


def build_name() -> str:
    """``compiled`` when every module of ``MODULES`` imported so far is compiled code (and
    some is), ``pure`` when none is, else ``mixed``."""
    imported = [name for name in MODULES if name in sys.modules]
    compiled = loaded()
    if compiled and len(compiled) == len(imported):
        return "compiled"
    return "mixed" if compiled else "pure"
