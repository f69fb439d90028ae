"""A replica's static configuration (``rabia.core.config``)."""

from __future__ import annotations

import pytest

from rabia.core.config import ReplicaConfig, UnsafeSwitches


@pytest.mark.parametrize(
    ("n", "f", "quorum", "majority", "f_plus_one"),
    [(1, 0, 1, 1, 1), (2, 0, 2, 2, 1), (3, 1, 2, 2, 2), (4, 1, 3, 3, 2), (5, 2, 3, 3, 3)],
)
def test_quorum_sizes(n: int, f: int, quorum: int, majority: int, f_plus_one: int) -> None:
    config = ReplicaConfig(0, tuple(range(n)))
    assert (config.n, config.f, config.quorum, config.majority, config.f_plus_one) == (
        n,
        f,
        quorum,
        majority,
        f_plus_one,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"members": (0, 0, 1)},
        {"members": ()},
        {"members": (1, 2)},
        {"members": (0, -1, 2)},
        {"resend_ticks": 0},
        {"max_resend_ticks": 5},
        {"snapshot_chunk": 0},
        {"snapshot_abandon_ticks": 10},
    ],
)
def test_invalid_configurations_are_refused(kwargs: dict[str, object]) -> None:
    args: dict[str, object] = {"node_id": 0, "members": (0, 1, 2), **kwargs}
    with pytest.raises(ValueError):
        ReplicaConfig(**args)  # type: ignore[arg-type]


def test_a_joiner_is_not_yet_a_member() -> None:
    assert ReplicaConfig(3, (0, 1, 2), join=True).join
    with pytest.raises(ValueError, match="already"):
        ReplicaConfig(1, (0, 1, 2), join=True)


def test_unsafe_switches_report_any() -> None:
    assert not UnsafeSwitches().any
    assert UnsafeSwitches(local_coin=True).any
