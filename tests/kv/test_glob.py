"""The glob matcher (KEYS, SCAN MATCH, PSUBSCRIBE) agrees with the one-regex translation."""

from __future__ import annotations

import re

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
