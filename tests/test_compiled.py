"""The compiled build's module list (``rabia.compiled``, ADR 0018)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from rabia import compiled

SRC = Path(__file__).resolve().parent.parent / "src"


def test_listed_modules_exist_and_define_no_struct() -> None:
    # mypyc drops class keywords (msgspec's frozen=True, array_like=True, tag=...): a
    # Struct defined in a compiled module would change its wire form without an error.
    keyed = {}
    for name in compiled.MODULES:
        path = SRC.joinpath(*name.split(".")).with_suffix(".py")
        tree = ast.parse(path.read_text())
        classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.keywords]
        if classes:
            keyed[name] = [c.name for c in classes]
    assert keyed == {}
    assert len(set(compiled.MODULES)) == len(compiled.MODULES)


def test_this_process_runs_one_build_whole() -> None:
    for name in compiled.MODULES:
        importlib.import_module(name)
    build = compiled.build_name()
    assert build in ("pure", "compiled")
    assert (build == "compiled") == bool(compiled.loaded())
