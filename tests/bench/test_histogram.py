"""The log-bucket latency histogram: bounded precision, exact merges."""

from __future__ import annotations

import random

from rabia.bench.histogram import Histogram, bucket_of, bucket_width


def test_small_values_are_exact() -> None:
    hist = Histogram()
    for v in range(1, 101):
        hist.record(v)
    assert hist.total == 100
    assert hist.percentile(0.5) == 50
    assert hist.percentile(0.99) == 99
    assert hist.percentile(1.0) == 100


def test_relative_precision_is_under_one_percent() -> None:
    rng = random.Random(7)
    values = sorted(rng.randrange(1, 10**10) for _ in range(5000))
    hist = Histogram()
    for v in values:
        hist.record(v)
    for q in (0.5, 0.9, 0.99, 0.999):
        exact = values[max(0, -(-len(values) * q // 1) - 1).__int__()]
        assert abs(hist.percentile(q) - exact) / exact < 0.01


def test_buckets_cover_their_values() -> None:
    for v in (0, 1, 127, 128, 129, 1000, 123_456_789):
        key = bucket_of(v)
        assert key <= v < key + bucket_width(key)


def test_merge_equals_recording_everything() -> None:
    a, b, both = Histogram(), Histogram(), Histogram()
    for v in range(1, 5000, 7):
        (a if v % 2 else b).record(v * 1000)
        both.record(v * 1000)
    merged = Histogram.from_pairs(a.to_pairs())
    merged.merge(b)
    assert merged.to_pairs() == both.to_pairs()
    assert merged.total == both.total


def test_empty_histogram() -> None:
    assert Histogram().percentile(0.5) == 0.0
    assert Histogram().mean() == 0.0
