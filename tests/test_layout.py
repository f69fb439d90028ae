"""The layout of the tests, checked (cheaply) on every run.

* The test of ``rabia/x/y.py`` is ``tests/x/test_y.py``: a ``tests/x/test_y.py`` whose
  ``rabia/x/y.py`` is gone is a stale mirror. The integration folders (``INTEGRATION``)
  name their suites after what they run, and the few suites elsewhere that test no
  single module are listed in ``SUITES``, each with what it is.
* Every folder of the tests is a package (the tests import each other as ``tests.x.y``).
* No module of the tests or of ``src/rabia`` is over ``MAX_LINES`` lines.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
SRC = ROOT / "src" / "rabia"
MAX_LINES = 500

INTEGRATION = ("differential", "e2e", "fuzz", "jepsen", "sim")
"""Suites over a whole surface: command sequences against real redis-server
(differential), real processes (e2e), fuzzing of the wire formats and the ports (fuzz),
nemesis runs (jepsen), seeds through the whole simulator (sim)."""

SUITES = {
    "test_layout.py": "this file",
    "test_requirements_lock.py": "requirements/dev.lock against pyproject.toml",
    "core/test_pitfalls.py": "the protocol document's pitfalls, scripted message by message",
    "core/test_state_transfer.py": "compaction, snapshots and catch-up in a scripted cluster",
    "kv/test_notifications.py": "notifications and watches across an in-process cluster",
    "kv/test_connection_blocking.py": "blocking commands through the connection and machine",
    "kv/scripting/test_sandbox.py": "the Lua sandbox (scripting/lua/sandbox.lua), script by script",
    "testing/linearizability/test_checker_reference.py": "the checker on reference verdicts",
    "testing/linearizability/test_search_oracle.py": "the search against brute force",
    "objects/test_examples_typecheck.py": "mypy --strict over the examples and wrong calls",
}
"""Test modules outside ``INTEGRATION`` that are not the test of one module."""


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_is_over_the_line_limit() -> None:
    lengths = {
        p: len(p.read_text().splitlines()) for p in _python_files(TESTS) + _python_files(SRC)
    }
    too_long = [f"{p.relative_to(ROOT)}: {n}" for p, n in lengths.items() if n > MAX_LINES]
    assert too_long == [], f"over {MAX_LINES} lines: split them"


def test_every_test_module_mirrors_a_rabia_module() -> None:
    stale = []
    for path in TESTS.rglob("test_*.py"):
        relative = path.relative_to(TESTS)
        if relative.parts[0] in INTEGRATION or relative.as_posix() in SUITES:
            continue
        module = SRC / relative.parent / relative.stem.removeprefix("test_")
        if not module.with_suffix(".py").is_file() and not (module / "__init__.py").is_file():
            stale.append(relative.as_posix())
    assert sorted(stale) == [], "no rabia module of that path: move the test, or list a suite"
    listed = [name for name in SUITES if not (TESTS / name).is_file()]
    assert listed == [], "SUITES names modules that are gone"


def test_every_test_folder_is_a_package() -> None:
    folders = {p.parent for p in _python_files(TESTS)}
    missing = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file())
    assert missing == []
