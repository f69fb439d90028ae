"""The Storage protocol: every method a node calls, the options check, the stats."""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import pytest

from rabia.core.ready import Record
from rabia.storage.base import Storage, StorageStats, check_options, recovery_for


def test_the_protocol_names_every_method_the_node_calls() -> None:
    methods = {name for name, value in inspect.getmembers(Storage) if inspect.isfunction(value)} - {
        name for name in dir(object)
    }
    assert methods == {
        "load",
        "append",
        "kept_everything",
        "flush",
        "compact",
        "prune_sent_below",
        "stats",
        "close",
    }
    assert Storage.__abstractmethods__ == {
        "load",
        "append",
        "prune_sent_below",
        "stats",
        "close",
    }


def test_a_store_must_implement_pruning_and_stats() -> None:
    class Partial(Storage):
        def load(self) -> list[Record]:
            return []

        def append(self, records: Sequence[Record], sync: bool) -> None:
            pass

        def close(self) -> None:
            pass

    with pytest.raises(TypeError, match="prune_sent_below"):
        Partial()  # type: ignore[abstract]


def test_check_options() -> None:
    check_options("batch", 0.01)
    with pytest.raises(ValueError, match="unknown durability 'sometimes'"):
        check_options("sometimes", 0.01)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="flush_interval"):
        check_options("always", 0)


def test_recovery_of_each_durability() -> None:
    assert [recovery_for(d) for d in ("always", "batch", "off")] == [
        "replay",
        "abstain",
        "abstain",
    ]


def test_stats_are_a_value() -> None:
    assert StorageStats(3, 4096, 1) == StorageStats(records=3, bytes_on_disk=4096, syncs=1)
    with pytest.raises(AttributeError):
        StorageStats(3, 4096, 1).records = 4  # type: ignore[misc]
