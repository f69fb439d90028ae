"""XINFO: Redis 7.0's fields, times of log time, the radix tree count, RESP3 maps."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.stream_info import info_to_maps, radix_tree_nodes
from tests.kv.conftest import Driver
from tests.kv.replies import p


def test_radix_tree_nodes_of_compressed_keys() -> None:
    assert radix_tree_nodes([]) == 1
    assert radix_tree_nodes([bytes(16)]) == 2  # a compressed node and the key's end
    two = [bytes(15) + b"\x01", bytes(15) + b"\x02"]
    assert radix_tree_nodes(two) == 4  # compressed prefix, a branch, two ends
    three = [b"\x00" * 16, b"\x01" + b"\x00" * 15, b"\x01" + b"\x00" * 14 + b"\x01"]
    assert radix_tree_nodes(three) == 1 + 2 + (1 + 3)


def test_stream_info(r: Driver) -> None:
    assert r("XINFO", "STREAM", "s") == b"-ERR no such key\r\n"
    r("XADD", "s", "1", "f", "a")
    r("XADD", "s", "2", "f", "b")
    r("XDEL", "s", "1")
    r("XGROUP", "CREATE", "s", "g", "0")
    assert p(r, "XINFO", "STREAM", "s") == [
        *(b"length", 1, b"radix-tree-keys", 1, b"radix-tree-nodes", 2),
        *(b"last-generated-id", b"2-0", b"max-deleted-entry-id", b"1-0"),
        *(b"entries-added", 2, b"recorded-first-entry-id", b"2-0", b"groups", 1),
        *(b"first-entry", [b"2-0", [b"f", b"b"]], b"last-entry", [b"2-0", [b"f", b"b"]]),
    ]
    assert r("XINFO", "STREAM", "s", "FULL", "COUNT") == (
        b"-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"
    )


def test_times_are_log_times(r: Driver) -> None:
    r("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    r("XADD", "s", "1", "f", "a")
    r("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    at = r.now // 1000
    r.now += 42_000
    assert p(r, "XINFO", "CONSUMERS", "s", "g") == [[b"name", b"alice", b"pending", 1, b"idle", 42]]
    full = p(r, "XINFO", "STREAM", "s", "FULL")
    assert isinstance(full, list) and full[-2] == b"groups"
    [group] = full[-1]  # type: ignore[misc]
    assert group[10:12] == [b"pending", [[b"1-0", b"alice", at, 1]]]
    assert group[12:] == [
        b"consumers",
        [[b"name", b"alice", b"seen-time", at, b"pel-count", 1, b"pending", [[b"1-0", at, 1]]]],
    ]


def test_resp3_turns_field_arrays_into_maps(r: Driver) -> None:
    r("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    r("XGROUP", "CREATECONSUMER", "s", "g", "c")
    plain = info_to_maps(r("XINFO", "STREAM", "s"))
    assert plain.startswith(b"%10\r\n$6\r\nlength\r\n:0\r\n") and plain.endswith(b"$-1\r\n")
    full = info_to_maps(r("XINFO", "STREAM", "s", "FULL"))
    assert full.startswith(b"%9\r\n") and b"$9\r\nconsumers\r\n*1\r\n%4\r\n$4\r\nname" in full
    assert b"$6\r\ngroups\r\n*1\r\n%7\r\n" in full
    assert info_to_maps(r("XINFO", "GROUPS", "s")).startswith(b"*1\r\n%6\r\n$4\r\nname\r\n")
    assert info_to_maps(r("XINFO", "CONSUMERS", "s", "g")).startswith(b"*1\r\n%3\r\n")
    assert info_to_maps(b"*0\r\n") == b"*0\r\n"
    assert info_to_maps(resp.WRONGTYPE) == resp.WRONGTYPE
    help_ = r("XINFO", "HELP")
    assert info_to_maps(help_) == help_ and help_.startswith(b"*9\r\n+XINFO <subcommand>")
