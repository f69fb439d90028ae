"""``rabia bench``: a local cluster of real processes under closed-loop load, measured.

:func:`run_bench` runs one system (rabia, or PySyncObj as the peer) and returns a
:class:`BenchResult`; the CLI command in :mod:`rabia.cli.bench` runs ours and the peer
side by side and prints their ratio. :mod:`rabia.bench.sweep` plans a sweep over writes
in flight; :mod:`rabia.bench.plots` and :mod:`rabia.bench.redis_compare` draw the
figures (matplotlib, imported only then: :mod:`rabia.bench.plotting`).
"""

from rabia.bench.config import BenchConfig
from rabia.bench.harness import BenchError, run_bench
from rabia.bench.histogram import Histogram
from rabia.bench.results import BenchResult, NodeResult

__all__ = ["BenchConfig", "BenchError", "BenchResult", "Histogram", "NodeResult", "run_bench"]
