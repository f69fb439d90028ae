"""RESP encoding (``rabia.kv.resp``)."""

from __future__ import annotations

from rabia.kv.resp import to_resp3


def test_resp3_encoding_of_nulls() -> None:
    assert to_resp3(b"$-1\r\n") == b"_\r\n"
    assert to_resp3(b"*-1\r\n") == b"_\r\n"
    assert to_resp3(b"*3\r\n$3\r\n$-1\r\n$-1\r\n:4\r\n") == b"*3\r\n$3\r\n$-1\r\n_\r\n:4\r\n"
    assert to_resp3(b"+OK\r\n-ERR x\r\n") == b"+OK\r\n-ERR x\r\n"
