"""Short smoke runs of the harness (``run_bench``): real worker processes on loopback.

They check structure and positivity only, never speed, and that no worker survives.
``rabia bench``'s runs through the command line are in tests/cli/test_bench.py.
"""

from __future__ import annotations

import socket

import pytest

from rabia.bench import BenchConfig, BenchError, run_bench
from tests.bench.helpers import check_result, needs_pysyncobj, worker_children

SHORT = {"duration": 0.6, "warmup": 0.3, "ready_timeout": 20.0}


@pytest.fixture(autouse=True)
def no_orphans() -> None:
    assert worker_children() == []
    yield
    assert worker_children() == [], "bench workers outlived the run"


@needs_pysyncobj
def test_pysyncobj_latency_mode_reports_every_node() -> None:
    result = run_bench(BenchConfig(system="pysyncobj", mode="latency", **SHORT))
    check_result(result.to_json(), 3)
    assert result.concurrency == 1
    assert all(n.p50_ms > 0 and n.completed > 0 for n in result.per_node)
    assert sum(1 for n in result.per_node if n.leader) <= 1


def test_rabia_latency_mode() -> None:
    result = run_bench(BenchConfig(system="rabia", mode="latency", **SHORT))
    check_result(result.to_json(), 3)
    assert result.errors == 0
    assert all(n.completed > 0 for n in result.per_node)


def test_rabia_objects_api_measures_its_cpu_per_write() -> None:
    result = run_bench(BenchConfig(system="rabia", mode="latency", api="objects", **SHORT))
    check_result(result.to_json(), 3)
    assert (result.api, result.errors) == ("objects", 0)
    assert result.cpu_us_per_op is not None and result.cpu_us_per_op > 0


def test_failing_worker_is_reported_and_the_others_stopped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rabia.bench.harness as harness

    real = harness.free_ports
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        monkeypatch.setattr(harness, "free_ports", lambda n, host: [busy, *real(n - 1, host)])
        with pytest.raises(BenchError, match="node 0"):
            run_bench(BenchConfig(system="rabia", **SHORT))
