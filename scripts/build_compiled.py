"""Build the compiled variant of rabia (ADR 0018), or check that it behaves as pure Python.

    python scripts/build_compiled.py build OUT     # OUT/src: src/ with rabia.compiled.MODULES
                                                   # compiled by mypyc next to their sources
    python scripts/build_compiled.py same-sim OUT [--seeds 100]
                                                   # `rabia sim --json` pure and compiled: equal?

Run with the venv's interpreter (mypyc comes with its mypy). ``build`` copies the package
(only the files that changed, so that mypyc's and the C compiler's caches stay valid),
compiles (the generated C, objects and mypy cache in OUT/work, the extension modules next
to their sources in OUT/src), and checks that a fresh interpreter imports every listed
module compiled. When there is no C compiler or the build fails it prints one line
starting with WARNING (after the end of the build's log, if it failed) and exits with
status 1: the Makefile then runs pure Python. ``same-sim`` exits with status 1 when the
summaries differ (wall and CPU time aside).
"""

from __future__ import annotations

import argparse
import ast
import filecmp
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
sys.path.insert(0, str(SRC))

from rabia.compiled import MODULES  # noqa: E402

COMPILED_SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"


def compiler() -> str | None:
    """The C compiler setuptools will use (``$CC``, else ``cc``/``gcc``), if installed."""
    wanted = os.environ.get("CC", "").split()
    candidates = [wanted[0]] if wanted else ["cc", "gcc", "clang"]
    return next((found for c in candidates if (found := shutil.which(c))), None)


def defines_struct(path: Path) -> list[str]:
    """Classes of a module defined with class keywords (msgspec Structs: ``frozen=True``,
    ``tag=1``...), which a compiled module would silently lose."""
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef) and node.keywords
    ]


def source(module: str, root: Path) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def sync(src: Path, out: Path) -> None:
    """Make ``out`` a copy of the package ``src`` (no caches, no compiled files, and only
    the files that differ are written), keeping the compiled files of ``MODULES``."""
    wanted = set()
    for path in src.rglob("*"):
        relative = path.relative_to(src)
        if path.is_dir() or "__pycache__" in relative.parts or path.suffix in (".so", ".pyc"):
            continue
        wanted.add(relative)
        target = out / relative
        if not target.exists() or not filecmp.cmp(path, target, shallow=False):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    compiled = {source(m, Path()).relative_to("rabia").with_suffix("") for m in MODULES}
    for path in out.rglob("*"):
        relative = path.relative_to(out)
        if path.is_dir() or relative in wanted or "__pycache__" in relative.parts:
            continue
        name = path.name
        if name.endswith(COMPILED_SUFFIX) and relative.with_name(name.split(".")[0]) in compiled:
            continue
        path.unlink()


SETUP = """
import sys
from mypyc.build import mypycify
from setuptools import setup

work, jobs, *mypy_args = sys.argv[1:]
sys.argv[1:] = ["build_ext", "--inplace", "--parallel", jobs]
sys.argv += ["--build-temp", f"{work}/temp", "--build-lib", f"{work}/lib"]
setup(name="rabia-compiled", ext_modules=mypycify(mypy_args, opt_level="3", target_dir=f"{work}/c"))
"""
"""mypyc's own ``python -m mypyc``, with the C sources and objects out of the import path."""


def warn(reason: str) -> int:
    print(f"WARNING: {reason}: pure Python runs instead of the compiled build", file=sys.stderr)
    return 1


def build(out: Path) -> int:
    cc = compiler()
    if cc is None:
        return warn("no C compiler (cc, gcc, clang or $CC)")
    refused = {m: names for m in MODULES if (names := defines_struct(source(m, SRC)))}
    if refused:
        return warn(f"modules defining Structs cannot be compiled (ADR 0018): {refused}")
    tree, work = out / "src", out / "work"
    tree.mkdir(parents=True, exist_ok=True)
    work.mkdir(exist_ok=True)
    sync(SRC / "rabia", tree / "rabia")
    for stale in tree.glob("*__mypyc*"):  # the shared library of an earlier module list
        stale.unlink()
    paths = [str(source(m, Path())) for m in MODULES]
    mypy_args = ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(work / "mypy")]
    jobs = str(max(1, len(os.sched_getaffinity(0))))
    setup = work / "setup.py"
    setup.write_text(SETUP)
    command = [sys.executable, str(setup), str(work), jobs]
    # The copy first on sys.path: else mypy finds the package where the editable install
    # points (src/) too, and fails on the import cycles ("Cannot determine type").
    env = {**os.environ, "PYTHONPATH": str(tree)}
    log = out / "build.log"
    print(f"mypyc: compiling {len(paths)} modules with {cc} (log: {log})", flush=True)
    started = time.monotonic()
    with log.open("w") as sink:
        done = subprocess.run(
            [*command, *mypy_args, *paths],
            cwd=tree,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        print("".join(log.read_text().splitlines(keepends=True)[-20:]), file=sys.stderr)
        return warn(f"mypyc failed (status {done.returncode}, log: {log})")
    check = "import importlib, rabia.compiled as c; [importlib.import_module(m) for m in "
    check += "c.MODULES]; print(len(c.loaded()))"
    found = subprocess.run(
        [sys.executable, "-c", check], env=env, capture_output=True, text=True, check=False
    )
    if found.returncode != 0 or found.stdout.strip() != str(len(MODULES)):
        print(f"{found.stdout}{found.stderr}", file=sys.stderr)
        return warn("the compiled build does not import its modules compiled")
    seconds = time.monotonic() - started
    print(f"compiled build ready: {tree} ({len(MODULES)} modules compiled, {seconds:.0f} s)")
    return 0


def sim_summary(pythonpath: str | None, seeds: int) -> dict[str, object]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    command = [sys.executable, "-m", "rabia", "sim", "--nodes", "3", "--seeds", str(seeds)]
    done = subprocess.run(
        [*command, "--json"], env=env, capture_output=True, text=True, check=True, cwd=ROOT
    )
    summary: dict[str, object] = json.loads(done.stdout)
    for timing in ("wall_seconds", "cpu_seconds"):
        summary.pop(timing, None)
    return summary


def same_sim(out: Path, seeds: int) -> int:
    pure = sim_summary(None, seeds)
    compiled = sim_summary(str(out / "src"), seeds)
    if pure != compiled:
        differ = sorted(k for k in pure.keys() | compiled.keys() if pure.get(k) != compiled.get(k))
        print(f"rabia sim differs between the pure and the compiled build: {differ}")
        return 1
    print(f"rabia sim --nodes 3 --seeds {seeds}: the same summary pure and compiled")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=("build", "same-sim"))
    parser.add_argument("out", type=Path)
    parser.add_argument("--seeds", type=int, default=100)
    args = parser.parse_args()
    if args.action == "build":
        return build(args.out.resolve())
    return same_sim(args.out.resolve(), args.seeds)


if __name__ == "__main__":
    sys.exit(main())
