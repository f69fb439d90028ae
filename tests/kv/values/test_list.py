"""ListValue against a plain Python list: every operation, chunk boundaries included."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rabia.kv.values import VALUE_TYPES
from rabia.kv.values.list import CHUNK_BYTES, CHUNK_ITEMS, Chunk, ListValue, pack

small = st.binary(max_size=3)
large = st.integers(CHUNK_BYTES - 2, CHUNK_BYTES + 2).map(lambda n: b"L" * n)
elements = st.one_of(small, small, small, large)
batches = st.lists(elements, min_size=1, max_size=30)
indexes = st.integers(min_value=-3000, max_value=3000)

operations = st.one_of(
    st.tuples(st.just("push_left"), batches),
    st.tuples(st.just("push_right"), batches),
    st.tuples(st.just("push_right"), st.integers(1, CHUNK_ITEMS + 5).map(lambda n: [b"m"] * n)),
    st.tuples(st.just("pop_left"), st.integers(0, 1500)),
    st.tuples(st.just("pop_right"), st.integers(0, 1500)),
    st.tuples(st.just("pop_left"), st.just(1)),  # the one-element fast paths
    st.tuples(st.just("pop_right"), st.just(1)),
    st.tuples(st.just("push_left"), elements.map(lambda e: [e])),
    st.tuples(st.just("push_right"), elements.map(lambda e: [e])),
    st.tuples(st.just("get"), indexes),
    st.tuples(st.just("set"), st.tuples(indexes, elements)),
    st.tuples(st.just("slice"), st.tuples(indexes, indexes)),
    st.tuples(st.just("trim"), st.tuples(indexes, indexes)),
    st.tuples(st.just("insert"), st.tuples(small, small, st.booleans())),
    st.tuples(st.just("remove"), st.tuples(small, st.integers(-3, 3))),
    st.tuples(st.just("find"), st.tuples(small, st.booleans(), st.integers(0, 50))),
)


def check_layout(value: ListValue) -> None:
    """Chunks are non-empty and within the limits (a single element may be larger)."""
    chunks = value._all()
    assert sum(len(c) for c in chunks) == len(value)
    for chunk in chunks:
        assert 1 <= len(chunk) <= CHUNK_ITEMS
        assert len(chunk) == 1 or len(chunk.blob) <= CHUNK_BYTES


def bounds(lo: int, hi: int, n: int) -> tuple[int, int]:
    lo, hi = sorted((min(max(lo, 0), n), min(max(hi, 0), n)))
    return lo, hi


def apply(value: ListValue, model: list[bytes], op: str, arg: object) -> None:
    if op == "push_left":
        assert isinstance(arg, list)
        value.push_left(arg)
        model[0:0] = arg[::-1]
    elif op == "push_right":
        assert isinstance(arg, list)
        value.push_right(arg)
        model += arg
    elif op == "pop_left":
        assert isinstance(arg, int)
        assert value.pop_left(arg) == model[:arg]
        del model[:arg]
    elif op == "pop_right":
        assert isinstance(arg, int)
        taken = model[::-1][:arg]
        assert value.pop_right(arg) == taken
        del model[len(model) - len(taken) :]
    elif op == "get":
        assert isinstance(arg, int)
        assert value.get(arg) == (model[arg] if -len(model) <= arg < len(model) else None)
    elif op == "set":
        assert isinstance(arg, tuple)
        index, element = arg
        inside = -len(model) <= index < len(model)
        assert value.set(index, element) == inside
        if inside:
            model[index] = element
    elif op in ("slice", "trim"):
        assert isinstance(arg, tuple)
        lo, hi = bounds(*arg, len(model))
        if op == "slice":
            assert value.slice(lo, hi) == model[lo:hi]
        else:
            value.trim(lo, hi)
            model[:] = model[lo:hi]
    elif op == "insert":
        assert isinstance(arg, tuple)
        pivot, element, after = arg
        assert value.insert(pivot, element, after) == (pivot in model)
        if pivot in model:
            model.insert(model.index(pivot) + after, element)
    elif op == "remove":
        assert isinstance(arg, tuple)
        element, count = arg
        order = list(range(len(model)))[:: -1 if count < 0 else 1]
        hits = [i for i in order if model[i] == element][: abs(count) or None]
        assert value.remove(element, count) == len(hits)
        for i in sorted(hits, reverse=True):
            del model[i]
    else:
        assert isinstance(arg, tuple)
        element, reverse, maxlen = arg
        order = list(range(len(model)))[:: -1 if reverse else 1][: maxlen or None]
        found = [i for i in order if model[i] == element]
        assert list(value.find(element, reverse, maxlen)) == found


@settings(max_examples=300, deadline=None)
@given(st.lists(elements, max_size=40), st.lists(operations, max_size=40))
def test_behaves_as_a_python_list(start: list[bytes], ops: list[tuple[str, object]]) -> None:
    value, model = ListValue(start), list(start)
    for op, arg in ops:
        apply(value, model, op, arg)
        assert list(value) == model and len(value) == len(model)
        check_layout(value)
    restored = ListValue.decode(value.encode())
    assert list(restored) == model and restored.encode() == value.encode()
    assert list(value.copy()) == model


def test_encoding_ignores_the_chunk_layout() -> None:
    grown = ListValue()
    for i in range(3000):
        (grown.push_left if i % 2 else grown.push_right)([b"%d" % i])
    packed = ListValue(list(grown))
    assert len(grown._all()) > 1
    assert grown.encode() == packed.encode()


@pytest.mark.parametrize("push_left", [True, False])
def test_starts_rebase_in_a_long_lived_queue(push_left: bool) -> None:
    value = ListValue([b"x"])
    element = b"y" * 4000
    push, pop = (
        (value.push_left, value.pop_right) if push_left else (value.push_right, value.pop_left)
    )
    for _ in range(300_000):  # 1.2 GB through one chunk: past the rebase point
        push([element])
        pop(1)
    assert list(value) == [element] and abs(value._all()[0].starts[0]) < 1 << 30


def test_registered_and_malformed_snapshots() -> None:
    assert VALUE_TYPES[b"list"] is ListValue
    assert ListValue.TYPE == b"list" and ListValue.ENCODING == b"quicklist"
    with pytest.raises(ValueError):
        ListValue.decode(b"\xc1")
    with pytest.raises(ValueError):
        ListValue.decode(b"\x91\x01")  # [1]: not bytes


def test_packing_fills_chunks() -> None:
    chunks = pack([b"a" * 100] * 200)
    assert [len(c) for c in chunks] == [81, 81, 38]
    assert [len(c) for c in pack([b""] * 2000)] == [CHUNK_ITEMS, 2000 - CHUNK_ITEMS]
    big = Chunk([b"z" * (CHUNK_BYTES * 2)])
    assert not big.fits(1, 0) and big.item(0) == b"z" * (CHUNK_BYTES * 2)
