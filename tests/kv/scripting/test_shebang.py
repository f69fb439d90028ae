"""The ``#!lua`` line: engine, flags, and where the code starts."""

from __future__ import annotations

import pytest

from rabia.kv.scripting.shebang import NONE, Shebang, parse


def test_no_shebang() -> None:
    assert parse(b"return 1") == NONE
    assert parse(b" #!lua\nreturn 1") == NONE  # not at the very start: Lua's business


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"#!lua\nreturn 1", Shebang(5, True, False)),
        (b"#!lua\r\nreturn 1", Shebang(6, True, False)),
        (b"#!lua flags=no-writes\nreturn 1", Shebang(21, True, True)),
        (b"#!lua  flags=allow-oom,no-writes \nx", Shebang(33, True, True)),
        (b"#!lua\tflags=\nx", Shebang(12, True, False)),
        (b"#!lua flags=no-writes flags=allow-oom\nx", Shebang(37, True, True)),
        (b"#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys\nx", Shebang(56, True, False)),
    ],
)
def test_flags(body: bytes, expected: Shebang) -> None:
    assert parse(body) == expected


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"#!lua", b"Invalid script shebang"),
        (b"#!luaa\n", b"Unexpected engine in script shebang: #!luaa"),
        (b"#! lua\n", b"Unexpected engine in script shebang: #!"),
        (b"#!\n", b"Unexpected engine in script shebang: #!"),
        (b"#!lua name=foo\n", b"Unknown lua shebang option: name=foo"),
        (b"#!lua FLAGS=no-writes\n", b"Unknown lua shebang option: FLAGS=no-writes"),
        (b"#!lua flags=bogus\n", b"Unexpected flag in script shebang: bogus"),
        (b"#!lua flags=no-writes,\n", b"Unexpected flag in script shebang: "),
        (b"#!lua flags=NO-WRITES\n", b"Unexpected flag in script shebang: NO-WRITES"),
    ],
)
def test_malformed_shebangs_are_refused_as_redis_refuses_them(body: bytes, error: bytes) -> None:
    assert parse(body) == b"-ERR %s\r\n" % error
