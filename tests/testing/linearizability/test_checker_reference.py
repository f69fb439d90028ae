"""The checker agrees with every known verdict in shared/linearizability: 78 Jepsen
etcd histories (Porcupine's test data) and 6 multi-key KV histories."""

from __future__ import annotations

from pathlib import Path

import pytest

from rabia.testing.linearizability import (
    KVModel,
    RegisterModel,
    check,
    load,
    operations_from_events,
)
from tests.testing.linearizability.lin_support import reference_dir

ROOT = reference_dir()
_ABSENT = pytest.param(
    None,
    None,
    marks=pytest.mark.skip(reason="no shared/linearizability beside the repo or at /work/shared"),
)


def _etcd_cases() -> list[object]:
    if ROOT is None:
        return [_ABSENT]
    lines = (ROOT / "jepsen-etcd" / "verdicts.tsv").read_text().splitlines()
    cases: list[object] = []
    for line in lines:
        name, verdict = line.split("\t")
        cases.append(pytest.param(name, verdict.replace("-", " "), id=name))
    return cases


def _kv_cases() -> list[object]:
    if ROOT is None:
        return [_ABSENT]
    return [
        pytest.param(p.name, "linearizable" if "-ok" in p.name else "not linearizable", id=p.stem)
        for p in sorted((ROOT / "kv").glob("c*.txt"))
    ]


@pytest.mark.parametrize(("name", "expected"), _etcd_cases())
def test_jepsen_etcd_verdict(name: str, expected: str) -> None:
    assert ROOT is not None
    ops = operations_from_events(load(ROOT / "jepsen-etcd" / name, "jepsen"))
    assert check(ops, RegisterModel(), timeout=60).verdict == expected


@pytest.mark.parametrize(("name", "expected"), _kv_cases())
def test_kv_verdict(name: str, expected: str) -> None:
    assert ROOT is not None
    ops = operations_from_events(load(ROOT / "kv" / name, "edn"))
    assert check(ops, KVModel(), timeout=60).verdict == expected


def test_reference_data_is_complete() -> None:
    if ROOT is None:
        pytest.skip("no shared/linearizability beside the repo or at /work/shared")
    assert len(_etcd_cases()) == 78
    assert len(_kv_cases()) == 6
    assert isinstance(ROOT, Path)
