"""The watch hub's history (``rabia.kv.hub``)."""

from __future__ import annotations

import gc

import pytest

from rabia.kv.hub import Compacted, WatchHub


def test_history_replays_from_a_revision_and_forgets_the_oldest() -> None:
    hub = WatchHub(max_history_events=3)
    for revision in range(1, 5):
        hub.publish(revision, [(b"set", b"k%d" % revision)])
    assert hub.first_revision == 2
    assert [(r, list(events)) for r, events in hub.replay(3)] == [
        (3, [(b"set", b"k3")]),
        (4, [(b"set", b"k4")]),
    ]
    with pytest.raises(Compacted):
        hub.replay(1)


def test_the_history_is_not_walked_by_the_garbage_collector() -> None:
    # A full history (100,000 events) that the collector tracks made every full
    # collection of a node walk it: its entries must become untracked.
    hub = WatchHub()
    events = [(b"set", b"key")]
    hub.publish(1, events)
    events.append((b"del", b"other"))  # the hub kept its own copy
    gc.collect()
    gc.collect()  # a tuple is untracked once its items are: one level per collection
    assert hub.replay(1) == [(1, ((b"set", b"key"),))]
    (entry,) = hub._history  # what it holds (replay's entries may be copies when compiled)
    assert not gc.is_tracked(entry)
