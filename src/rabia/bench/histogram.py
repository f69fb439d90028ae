"""A bounded log-bucket latency histogram (HdrHistogram-like, ~0.8 % relative precision)."""

from __future__ import annotations

import math
from collections.abc import Iterable

_MANTISSA_BITS = 7
"""Values keep their top 7 significant bits: a bucket spans at most 1/128 of its value."""


def bucket_of(value: int) -> int:
    """Lower bound of the bucket holding ``value`` (a non-negative integer)."""
    shift = value.bit_length() - _MANTISSA_BITS
    if shift <= 0:
        return value
    return (value >> shift) << shift


def bucket_width(key: int) -> int:
    """Width of the bucket whose lower bound is ``key``."""
    shift = key.bit_length() - _MANTISSA_BITS
    return 1 << shift if shift > 0 else 1


class Histogram:
    """Counts of integer samples (nanoseconds here) in logarithmic buckets.

    At most 128 buckets per power of two, so a few thousand buckets cover ns to hours;
    histograms from several processes merge exactly by adding counts.
    """

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.total = 0

    def record(self, value: int) -> None:
        """Add one sample."""
        shift = value.bit_length() - _MANTISSA_BITS
        key = (value >> shift) << shift if shift > 0 else value
        counts = self.counts
        counts[key] = counts.get(key, 0) + 1
        self.total += 1

    def merge(self, other: Histogram) -> None:
        """Add every sample of ``other``."""
        self.add_pairs(other.to_pairs())

    def add_pairs(self, pairs: Iterable[Iterable[int]]) -> None:
        """Add ``[bucket, count]`` pairs as produced by :meth:`to_pairs`."""
        counts = self.counts
        for key, count in pairs:
            key = bucket_of(key)
            counts[key] = counts.get(key, 0) + count
            self.total += count

    def to_pairs(self) -> list[list[int]]:
        """``[bucket, count]`` pairs, sorted by bucket (JSON-friendly)."""
        return [[key, self.counts[key]] for key in sorted(self.counts)]

    @classmethod
    def from_pairs(cls, pairs: Iterable[Iterable[int]]) -> Histogram:
        """Rebuild a histogram from :meth:`to_pairs` output."""
        hist = cls()
        hist.add_pairs(pairs)
        return hist

    def percentile(self, q: float) -> float:
        """Value at quantile ``q`` in [0, 1] (bucket midpoint); 0.0 when empty."""
        if self.total == 0:
            return 0.0
        rank = min(self.total, max(1, math.ceil(q * self.total)))
        seen = 0
        for key in sorted(self.counts):
            seen += self.counts[key]
            if seen >= rank:
                return key + (bucket_width(key) - 1) / 2
        raise AssertionError("unreachable: counts sum to total")

    def mean(self) -> float:
        """Approximate mean (bucket midpoints); 0.0 when empty."""
        if self.total == 0:
            return 0.0
        weighted = sum((k + (bucket_width(k) - 1) / 2) * c for k, c in self.counts.items())
        return weighted / self.total
