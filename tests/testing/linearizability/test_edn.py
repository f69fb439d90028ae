"""The EDN reader (``rabia.testing.linearizability.edn``)."""

from __future__ import annotations

import pytest

from rabia.testing.linearizability import edn


def test_edn_reader() -> None:
    value = edn.read('{:a [1 -2 3.5 nil true], :b "q\\"\\n", :c #{:x}, :d (sym 7N)} ; note')
    assert value == {
        "a": (1, -2, 3.5, None, True),
        "b": 'q"\n',
        "c": frozenset({"x"}),
        "d": ("sym", 7),
    }
    assert isinstance(edn.read(":timed-out"), edn.Keyword)
    assert repr(edn.read(":x")) == ":x"
    for bad in ("[1 2", '"open', "{:a}", "1 2", "", "1x2"):
        with pytest.raises(edn.EDNError):
            edn.read(bad)
