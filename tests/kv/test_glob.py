"""The glob matcher (KEYS, SCAN MATCH, PSUBSCRIBE): Redis's cases, and agreement with the
one-regex translation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rabia.kv.glob import matcher, translate
from tests.fuzz.strategies import FUZZ

patterns = st.lists(
    st.sampled_from([b"*", b"?", b"a", b"b", b"\\", b"[", b"]", b"^", b"-", b"\n", b"["]),
    max_size=10,
).map(b"".join)
keys = st.lists(st.sampled_from([b"a", b"b", b"*", b"[", b"\n", b"-"]), max_size=12).map(b"".join)


@FUZZ
@given(pattern=patterns, key=keys)
def test_matcher_agrees_with_the_regex(pattern: bytes, key: bytes) -> None:
    expected = re.fullmatch(translate(pattern), key, re.DOTALL) is not None
    assert bool(matcher(pattern)(key)) is expected


@pytest.mark.parametrize(
    ("pattern", "key", "ok"),
    [
        (b"*", b"", True),
        (b"h?llo", b"hello", True),
        (b"h?llo", b"hllo", False),
        (b"h*llo", b"heeeello", True),
        (b"h[ae]llo", b"hallo", True),
        (b"h[ae]llo", b"hillo", False),
        (b"h[^e]llo", b"hallo", True),
        (b"h[^e]llo", b"hello", False),
        (b"h[a-b]llo", b"hbllo", True),
        (b"h[b-a]llo", b"hbllo", True),
        (b"h\\*llo", b"h*llo", True),
        (b"h\\*llo", b"hallo", False),
        (b"a.b", b"axb", False),
        (b"a\\", b"a\\", True),
        (b"[\\]]", b"]", True),
        (b"[abc", b"b", True),
        (b"[]", b"a", False),
        (b"*\n*", b"x\ny", True),
        (b"(x)", b"(x)", True),
    ],
)
def test_glob(pattern: bytes, key: bytes, ok: bool) -> None:
    assert bool(matcher(pattern)(key)) is ok
