"""The JSON parser: cjson's grammar, ``strtod`` numbers and error positions."""

from __future__ import annotations

from typing import Any

import pytest

from rabia.kv.scripting.libraries.json_decode import Decoder, JsonError, strtod
from tests.kv.scripting.libraries.runtime import runtime

NULL = object()


def decode(data: bytes, invalid: bool = True, depth: int = 1000) -> Any:
    return Decoder(runtime(), NULL, data, depth, invalid).decode()


@pytest.mark.parametrize(
    ("text", "value"),
    [(b"0x10", 16.0), (b"1e5", 1e5), (b"01", 1.0), (b"1.", 1.0), (b"+1", 1.0), (b"-0x1p3", -8.0)],
)
def test_numbers_are_what_strtod_reads(text: bytes, value: float) -> None:
    assert decode(text) == value


def test_strtod_prefixes() -> None:
    assert strtod(b"infinit", 0) == (float("inf"), 3)
    assert strtod(b"0x", 0) == (0.0, 1)
    assert strtod(b".", 0) is None


@pytest.mark.parametrize(
    ("text", "invalid", "message"),
    [
        (b"", True, "Expected value but found T_END at character 1"),
        (b"[1,]", True, "Expected value but found T_ARR_END at character 4"),
        (b'{"a" 1}', True, "Expected colon but found T_NUMBER at character 6"),
        (b"1 2", True, "Expected the end but found T_NUMBER at character 3"),
        (b'"ab\\x"', True, "Expected value but found invalid escape code at character 4"),
        (b'"\\ud800"', True, "Expected value but found invalid unicode escape code at character 2"),
        (b'"abc', True, "Expected value but found unexpected end of string at character 5"),
        (b"1\x00", True, "JSON parser does not support UTF-16 or UTF-32"),
        (b"[0x10]", False, "Expected value but found invalid number at character 2"),
        (b"inf", False, "Expected value but found invalid token at character 1"),
        (b"[[1]]", True, "Found too many nested data structures (2) at character 2"),
    ],
)
def test_errors(text: bytes, invalid: bool, message: str) -> None:
    with pytest.raises(JsonError) as caught:
        decode(text, invalid, depth=1 if text == b"[[1]]" else 1000)
    assert str(caught.value) == message


def test_strings_and_null() -> None:
    assert decode(b'"\\ud83d\\ude00\\u0000\\/"') == "😀".encode() + b"\x00/"
    assert decode(b"null") is NULL
    assert decode(b"[true]")[1] is True
