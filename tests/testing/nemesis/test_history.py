"""A nemesis run's history (``rabia.testing.nemesis.history``): recorded, paired, written
and read back as JSON lines."""

from __future__ import annotations

from pathlib import Path

from rabia.testing.nemesis.history import History, pairs, read_jsonl


def test_history_records_pairs_and_round_trips_as_jsonl(tmp_path: Path) -> None:
    history = History()
    p = history.new_process()
    write = history.invoke(p, "write", "k", 1)
    history.complete(write, "ok")
    cas = history.invoke(p, "cas", "k", [1, 2])
    history.complete(cas, "info")
    history.invoke(history.new_process(), "read", "k")  # never completes
    history.write(tmp_path / "h.jsonl")
    ops = read_jsonl(tmp_path / "h.jsonl")
    assert ops == history.ops
    assert [(pair.invoke.f, pair.type) for pair in pairs(ops)] == [
        ("write", "ok"),
        ("cas", "info"),
        ("read", "info"),
    ]
    assert history.counts() == {"ok": 1, "fail": 0, "info": 1}
    first = (tmp_path / "h.jsonl").read_text().splitlines()[0]
    assert first.startswith('{"process":0,"type":"invoke","f":"write","key":"k","value":1,')
