"""The history checks (``rabia.testing.nemesis.checks``) on hand-written histories: each
violation kind, and clean ones."""

from __future__ import annotations

from typing import Any

from rabia.testing.nemesis.checks import Check, check_append, check_register, check_set
from rabia.testing.nemesis.history import Op


class Script:
    """Builds a history with explicit times: ``op(process, f, key, value, start, end)``."""

    def __init__(self) -> None:
        self.ops: list[Op] = []

    def op(
        self,
        process: int,
        f: str,
        key: str,
        value: Any,
        start: float,
        end: float | None,
        type: str = "ok",
        result: Any = None,
    ) -> None:
        self.ops.append(Op(process, "invoke", f, key, value, start))
        if end is not None:
            done = value if result is None else result
            self.ops.append(Op(process, type, f, key, done, end))  # type: ignore[arg-type]

    def sorted(self) -> list[Op]:
        return sorted(self.ops, key=lambda o: o.time)


def failed(checks: list[Check]) -> dict[str, str]:
    return {c.name: c.detail for c in checks if c.ok is False}


def test_register_clean_history_passes() -> None:
    s = Script()
    s.op(0, "write", "k", 1, 0.0, 1.0)
    s.op(1, "read", "k", None, 0.5, 1.5, result=None)  # concurrent with the write: either
    s.op(2, "write", "k", 2, 2.0, 3.0)
    s.op(1, "read", "k", None, 2.5, 3.5, result=1)  # concurrent with write 2: may see 1
    s.op(0, "cas", "k", [2, 3], 4.0, 5.0)
    s.op(2, "cas", "k", [1, 4], 4.0, 5.0, type="fail")
    s.op(3, "write", "k", 5, 4.0, None)  # info: may or may not have happened
    s.op(1, "read", "k", None, 6.0, 7.0, result=5)
    s.op(4, "read", "k", None, 8.0, 8.5, result=5)  # final read
    assert failed(check_register(s.sorted(), final_from=8.0)) == {}


def test_register_violations_are_named() -> None:
    s = Script()
    s.op(0, "write", "k", 1, 0.0, 1.0)
    s.op(0, "write", "k", 2, 2.0, 3.0)
    s.op(1, "read", "k", None, 4.0, 5.0, result=1)  # 1 was overwritten by 2 before 4.0
    s.op(6, "read", "j", None, 4.0, 5.0, result=None)
    s.op(2, "write", "j", 7, 1.0, 2.0)  # acknowledged before the nil read of j began
    s.op(1, "read", "k", None, 5.5, 6.0, result=99)  # never written
    s.op(3, "cas", "k", [2, 8], 5.0, 5.2, type="fail")
    s.op(1, "read", "k", None, 6.5, 7.0, result=8)  # the failed cas's value
    s.op(1, "read", "k", None, 7.5, 8.0, result=9)
    s.op(4, "write", "k", 9, 8.5, 9.0)  # began after the read ended
    s.op(5, "read", "k", None, 10.0, 10.5, result=2)  # final: 9 is lost
    problems = failed(check_register(s.sorted(), final_from=10.0))
    assert set(problems) == {"no stale reads", "nothing unexpected", "no lost writes"}
    assert "2 violation(s)" in problems["no stale reads"]
    assert "ever wrote" in problems["nothing unexpected"]
    assert "had failed" in problems["nothing unexpected"]
    assert "began only at" in problems["nothing unexpected"]


def test_set_lost_stale_unexpected_and_disagreeing_final_reads() -> None:
    s = Script()
    s.op(0, "put", "set:1", 1, 0.0, 1.0)
    s.op(1, "put", "set:2", 2, 0.0, 1.0)
    s.op(2, "put", "set:3", 3, 0.0, 1.0, type="fail")
    s.op(3, "put", "set:4", 4, 0.0, None)  # unknown: allowed either way
    s.op(4, "read", "set:*", None, 2.0, 2.5, result=[1])  # misses 2: stale
    s.op(5, "read", "set:*", None, 5.0, 5.5, result=[1, 2, 3, 4])  # 3 had failed
    s.op(6, "read", "set:*", None, 6.0, 6.5, result=[1, 7])  # final: 2 lost, 7 unknown
    checks = check_set(s.sorted(), final_from=5.0)
    problems = failed(checks)
    assert set(problems) == {
        "no lost writes",
        "no stale reads",
        "nothing unexpected",
        "final reads agree",
    }
    assert "2 acknowledged" in problems["no lost writes"]


def test_append_duplicates_order_lost_and_stale() -> None:
    s = Script()
    s.op(0, "append", "a", 1, 0.0, 1.0)
    s.op(1, "append", "a", 2, 0.0, 1.0)
    s.op(2, "append", "a", 3, 2.0, None)
    s.op(3, "get", "a", None, 1.5, 1.8, result=[1])  # misses 2: stale
    s.op(3, "get", "a", None, 3.0, 3.2, result=[2, 1, 3, 3])  # order and a duplicate
    s.op(4, "get", "a", None, 5.0, 5.1, result=[1, 2])  # final: fine alone
    s.op(5, "get", "a", None, 5.0, 5.1, result=[1])  # final: 2 lost
    problems = failed(check_append(s.sorted(), final_from=5.0))
    assert set(problems) == {
        "no lost writes",
        "nothing applied twice",
        "no stale reads",
        "same order everywhere",
        "final reads agree",
    }


def test_append_clean_history_passes() -> None:
    s = Script()
    s.op(0, "append", "a", 1, 0.0, 1.0)
    s.op(1, "append", "a", 2, 0.5, None)  # unknown, and it did happen
    s.op(2, "get", "a", None, 0.2, 0.4, result=[])
    s.op(2, "get", "a", None, 2.0, 2.2, result=[1, 2])
    s.op(3, "get", "a", None, 3.0, 3.1, result=[1, 2])
    assert failed(check_append(s.sorted(), final_from=3.0)) == {}
