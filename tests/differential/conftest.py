"""One redis-server per test worker, shared by the differential suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.differential.oracle import Differential, RedisOracle


@pytest.fixture(scope="session")
def oracle() -> Iterator[RedisOracle]:
    server = RedisOracle()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def diff(oracle: RedisOracle) -> Differential:
    """Both sides (each check empties them first: ``same_behaviour``)."""
    return Differential(oracle)
