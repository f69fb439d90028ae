"""Fixtures for end-to-end tests: real processes, loopback only, always cleaned up."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from rabia.client import Client
from tests.e2e.cluster import ROOT, ProcessCluster
from tests.support import poll_until

EXAMPLES = ROOT / "examples"
APPEND_LOG = f"{Path(__file__).with_name('machines.py')}:AppendLog"


def load_example(name: str) -> ModuleType:
    """Import ``examples/<name>.py`` (registered in ``sys.modules``, so that the type
    hints of its replicated classes resolve)."""
    module_name = f"example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def make_cluster(tmp_path: Path) -> Iterator[object]:
    clusters: list[ProcessCluster] = []

    def make(machine: str = APPEND_LOG, n: int = 3, **kw: object) -> ProcessCluster:
        cluster = ProcessCluster(tmp_path, machine, n, **kw)  # type: ignore[arg-type]
        clusters.append(cluster)
        return cluster

    yield make
    for cluster in clusters:
        cluster.stop()


async def wait_converged(
    addresses: list[str], timeout: float = 15.0, secret: bytes | None = None
) -> list[dict[str, object]]:
    """Wait (bounded) until every node reports the same applied slot; return the statuses
    (``secret``: the cluster's, when its client ports ask for it)."""
    clients = [Client([a], secret=secret) for a in addresses]
    try:
        for c in clients:
            await c.connect()

        async def statuses() -> list[dict[str, object]]:
            return [dict(await c.status()) for c in clients]

        return await poll_until(
            statuses,
            lambda ss: len({s["applied_slot"] for s in ss}) == 1,
            timeout=timeout,
            what="same applied slot on every node",
        )
    finally:
        for c in clients:
            await c.close()
