"""A linearizability checker: is a concurrent history explainable by a sequential model?

The search is Wing & Gong's, with Lowe's just-in-time linearization and a cache of
visited (linearized set, state) pairs, as in Porcupine; a history is split by key
(P-compositionality) and each partition checked on its own. Operations of unknown
outcome follow Jepsen: they may take effect at any time after their call, or never.
``docs/linearizability.md`` has the details::

    from rabia.testing.linearizability import History, RegisterModel, check

    h = History()
    h.invoke("a", "write", 1, key="x"); h.ok("a")
    h.invoke("b", "read", key="x"); h.ok("b", 1)
    assert check(h.operations(), RegisterModel(), timeout=10).verdict == "linearizable"

The same from the shell: ``rabia check --model register --format jsonl FILE``.
"""

from rabia.testing.linearizability.checker import (
    CheckResult,
    PartitionResult,
    Verdict,
    check,
    partition_history,
)
from rabia.testing.linearizability.formats import (
    PARSERS,
    FormatError,
    load,
    parse_edn,
    parse_jepsen,
    parse_jsonl,
)
from rabia.testing.linearizability.history import (
    Event,
    EventType,
    History,
    Operation,
    event_to_json,
    operations_from_events,
)
from rabia.testing.linearizability.model import (
    MODELS,
    KVModel,
    ListAppendModel,
    Model,
    RegisterModel,
)

__all__ = [
    "MODELS",
    "PARSERS",
    "CheckResult",
    "Event",
    "EventType",
    "FormatError",
    "History",
    "KVModel",
    "ListAppendModel",
    "Model",
    "Operation",
    "PartitionResult",
    "RegisterModel",
    "Verdict",
    "check",
    "event_to_json",
    "load",
    "operations_from_events",
    "parse_edn",
    "parse_jepsen",
    "parse_jsonl",
    "partition_history",
]
