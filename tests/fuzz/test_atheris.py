"""Run each coverage-guided target in ``fuzz/`` for a few seconds (``make fuzz`` runs
them for minutes). A crash, a slow input (> 10 s) or runaway memory fails the test and
names the input file libFuzzer wrote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
TARGETS = ["codec", "handshake", "resp", "kv"]
SECONDS = int(os.environ.get("FUZZ_SECONDS", "7"))


@pytest.mark.parametrize("target", TARGETS)
def test_target_finds_nothing(target: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, FUZZ / "seeds.py", corpus], check=True, timeout=60)
    args = [
        sys.executable,
        str(FUZZ / f"{target}_target.py"),
        f"-max_total_time={SECONDS}",
        "-timeout=10",
        "-rss_limit_mb=1024",
        f"-artifact_prefix={tmp_path}/",
    ]
    if (FUZZ / f"{target}.dict").exists():
        args.append(f"-dict={FUZZ / f'{target}.dict'}")
    if (corpus / target).is_dir():
        args.append(str(corpus / target))
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=SECONDS + 90)
    found = sorted(
        p.name
        for p in tmp_path.iterdir()
        if p.name.split("-")[0] in ("crash", "timeout", "oom", "leak")
    )
    assert done.returncode == 0 and not found, f"{found}\n{done.stderr[-4000:]}"
    assert "Done" in done.stderr, done.stderr[-2000:]
