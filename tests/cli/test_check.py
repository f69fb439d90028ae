"""``rabia check``: verdicts, exit codes and the HTML report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rabia.cli import main
from rabia.testing.linearizability import History
from rabia.testing.linearizability.formats import parse_jsonl
from tests.testing.linearizability.lin_support import (
    hard_history,
    reference_dir,
    register_history,
)


def _write(path: Path, history: History) -> Path:
    path.write_text(history.to_jsonl())
    return path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout


def test_linearizable_exits_0(tmp_path: Path) -> None:
    path = _write(tmp_path / "h.jsonl", register_history(read=2))
    assert _run("--model", "register", "--format", "jsonl", str(path)) == (0, "linearizable\n")


def test_not_linearizable_exits_1_and_writes_a_self_contained_report(tmp_path: Path) -> None:
    path = _write(tmp_path / "h.jsonl", register_history(read=3))
    out = tmp_path / "report.html"
    code, stdout = _run("--model", "register", "--format", "jsonl", str(path), "--html", str(out))
    assert (code, stdout) == (1, "not linearizable\n")
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2  # the failing window, then the whole history
    assert "class='op stuck'" in page
    assert "read -&gt; 3" in page
    assert "op open" in page  # the cas that never returned runs to the edge
    assert not re.search(r"<script|<link|<img|src=|url\((?!#)", page)
    assert set(re.findall(r"https?://[^'\" ]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_unknown_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "hard.jsonl"
    lines = []
    for op in hard_history():
        lines.append(
            {
                "process": op.process,
                "type": "invoke",
                "f": op.f,
                "key": op.key,
                "value": op.input,
                "time": op.call,
            }
        )
        lines.append(
            {
                "process": op.process,
                "type": "ok",
                "f": op.f,
                "key": op.key,
                "value": op.output,
                "time": op.ret,
            }
        )
    lines.sort(key=lambda line: float(str(line["time"])))
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert parse_jsonl(path.read_text().splitlines())
    out = tmp_path / "unknown.html"
    args = ("--model", "kv", "--format", "jsonl", str(path), "--timeout", "0.2", "--html", str(out))
    assert _run(*args) == (2, "unknown\n")
    assert "unknown" in out.read_text()


def test_an_unreadable_history_exits_3(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"process": 1, "type": "ok", "f": "read"}\n')
    code, _ = _run("--model", "register", "--format", "jsonl", str(path))
    assert code == 3


@pytest.mark.skipif(reference_dir() is None, reason="no shared/linearizability")
def test_a_jepsen_log_with_report(tmp_path: Path) -> None:
    root = reference_dir()
    assert root is not None
    out = tmp_path / "etcd.html"
    log = root / "jepsen-etcd" / "etcd_000.log"
    code, stdout = _run("--model", "register", "--format", "jepsen", str(log), "--html", str(out))
    assert (code, stdout) == (1, "not linearizable\n")
    assert "smallest failing window" in out.read_text()
