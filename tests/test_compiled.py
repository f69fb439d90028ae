"""The compiled build's module list (``rabia.compiled``, ADR 0018)."""

from __future__ import annotations

import ast
import gc
import importlib
from pathlib import Path

import pytest

from rabia import compiled
from tests.kv.fakes import Client, FakeLog

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


@pytest.mark.parametrize("barrier_reads", [False, True])
def test_commands_leave_no_reference_cycles(barrier_reads: bool) -> None:
    # A nested function compiled by mypyc and its environment reference each other: on
    # the path of every command that would be garbage only the collector frees (it cost
    # barrier reads a third of their CPU once). Pure Python must not make cycles either.
    log = FakeLog()
    client = Client(log, barrier_reads=barrier_reads)
    client("SET", "k", "v")
    pipeline = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n" * 10
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            assert client.raw(pipeline) == b"+OK\r\n$1\r\nv\r\n" * 10
        assert gc.collect() == 0
    finally:
        gc.enable()
