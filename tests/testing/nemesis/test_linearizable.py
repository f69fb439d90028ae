"""Handing a run's history to the linearizability checker
(``rabia.testing.nemesis.linearizable``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rabia.testing.nemesis import linearizable


def test_the_linearizability_checker_is_called_lazily(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('{"process":0,"type":"invoke","f":"read","key":"k","value":null,"time":0}\n')
    monkeypatch.setattr(linearizable, "CHECKER", "rabia.testing.no_such_checker")
    with pytest.raises(linearizable.CheckerMissing, match="no_such_checker"):
        linearizable.check_history(path, "register")

    monkeypatch.undo()
    # With the real checker: the JSONL the harness writes is checked per key.
    good = tmp_path / "good.jsonl"
    bad = tmp_path / "bad.jsonl"
    events = [
        (0, "invoke", "write", 1, 0),
        (0, "ok", "write", 1, 1),
        (1, "invoke", "read", None, 2),
    ]
    lines = [
        json.dumps({"process": p, "type": t, "f": f, "key": "k", "value": v, "time": at})
        for p, t, f, v, at in events
    ]
    good.write_text("\n".join([*lines, json.dumps(_read_ok(1))]) + "\n")
    bad.write_text("\n".join([*lines, json.dumps(_read_ok(None))]) + "\n")
    assert linearizable.check_history(good, "register", timeout=10).verdict == "linearizable"
    assert linearizable.check_history(bad, "register", timeout=10).verdict == "not linearizable"


def _read_ok(value: object) -> dict[str, object]:
    return {"process": 1, "type": "ok", "f": "read", "key": "k", "value": value, "time": 3}
