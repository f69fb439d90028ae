"""What puts back the elements a served blocking pop took."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.blocking_undo import CONSUMING, undo_command


def test_list_pops_go_back_to_their_end_in_their_order() -> None:
    reply = resp.bulk_array([b"q", b"x"])
    assert undo_command([b"BLPOP", b"q", b"0"], reply) == [b"LPUSH", b"q", b"x"]
    assert undo_command([b"brpop", b"q", b"0"], reply) == [b"RPUSH", b"q", b"x"]
    run = resp.array([resp.bulk(b"q"), resp.bulk_array([b"a", b"b", b"c"])])
    left = [b"BLMPOP", b"0", b"2", b"left", b"q", b"LEFT", b"COUNT", b"3"]
    assert undo_command(left, run) == [b"LPUSH", b"q", b"c", b"b", b"a"]
    right = [b"BLMPOP", b"0", b"1", b"q", b"RIGHT", b"COUNT", b"3"]
    assert undo_command(right, run) == [b"RPUSH", b"q", b"c", b"b", b"a"]


def test_sorted_set_pops_go_back_with_their_scores_unless_the_member_is_back() -> None:
    reply = resp.bulk_array([b"z", b"m", b"1.5"])
    assert undo_command([b"BZPOPMIN", b"z", b"0"], reply) == [b"ZADD", b"z", b"NX", b"1.5", b"m"]
    pairs = resp.array(
        [
            resp.bulk(b"z"),
            resp.array([resp.bulk_array([b"a", b"1"]), resp.bulk_array([b"b", b"2"])]),
        ]
    )
    assert undo_command([b"BZMPOP", b"0", b"1", b"z", b"MIN"], pairs) == [
        *(b"ZADD", b"z", b"NX"),
        *(b"1", b"a", b"2", b"b"),
    ]


def test_nothing_popped_nothing_to_put_back() -> None:
    assert undo_command([b"BLPOP", b"q", b"0"], resp.NULL_ARRAY) is None
    assert undo_command([b"BLPOP", b"q", b"0"], resp.WRONGTYPE) is None
    assert b"blmove" not in CONSUMING and b"xread" not in CONSUMING
