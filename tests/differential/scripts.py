"""Lua scripts for the scripting suites: fixed cases of each kind, and a grammar that
generates scripts of ``redis.call``/``redis.pcall`` on every type, errors and wrong types
included.

A generated script is a few statements over ``KEYS`` and ``ARGV`` (each call's reply kept
in a local), then a return of a reply, a table of them, a status or an error. Calls use
commands whose replies are the same in Redis and here for the same state: nothing that
answers in hash-table order (a script would return it in that order) or draws at random,
except through ``#`` (how many).
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from tests.differential.strategies import KEYS


def eval_(script: str, *keys_then_args: str, numkeys: int | None = None) -> list[bytes]:
    """``EVAL script numkeys ...``: every argument a key unless ``numkeys`` says."""
    count = len(keys_then_args) if numkeys is None else numkeys
    return [b"EVAL", script.encode(), b"%d" % count, *(a.encode() for a in keys_then_args)]


def evals(scripts: Sequence[str]) -> list[list[bytes]]:
    """Each script run once with no keys."""
    return [eval_(s) for s in scripts]


# -- the grammar ---------------------------------------------------------------------------

_key = st.sampled_from(["KEYS[1]", "KEYS[2]", "KEYS[3]", "'k1'", "'{k}4'"])
_member = st.sampled_from(["'a'", "'b'", "'c'", "ARGV[1]", "ARGV[2]", "''", "'1'"])
_number = st.sampled_from(["1", "2", "-1", "0", "3.5", "10", "1e3", "0.1", "-0.5"])
_value = st.one_of(_member, _number, st.sampled_from(["'x'", "'10'", "'2.5'", "ARGV[3]"]))
_score = st.sampled_from(["1", "2.5", "-1", "'inf'", "'-inf'", "0", "'x'", "3"])
_index = st.sampled_from(["0", "-1", "1", "2", "-100", "100", "'x'"])


def _call(name: str, *parts: st.SearchStrategy[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.tuples(st.just(f"'{name}'"), *parts)


def _variadic(
    name: str, head: Sequence[st.SearchStrategy[str]], each: st.SearchStrategy[str], most: int = 3
) -> st.SearchStrategy[tuple[str, ...]]:
    return st.tuples(st.tuples(*head), st.lists(each, max_size=most)).map(
        lambda drawn: (f"'{name}'", *drawn[0], *drawn[1])
    )


_strings = st.one_of(
    _call("set", _key, _value),
    _call("get", _key),
    _call("incr", _key),
    _call("incrby", _key, _number),
    _call("incrbyfloat", _key, _number),
    _call("append", _key, _value),
    _call("strlen", _key),
    _call("getrange", _key, _index, _index),
    _variadic("mget", [_key], _key),
    _call("setnx", _key, _value),
    _call("getdel", _key),
)
_hashes = st.one_of(
    _variadic("hset", [_key, _member, _value], _value, most=2),
    _call("hget", _key, _member),
    _call("hincrby", _key, _member, _number),
    _call("hdel", _key, _member),
    _call("hlen", _key),
    _call("hexists", _key, _member),
    _variadic("hmget", [_key, _member], _member),
)
_lists = st.one_of(
    _variadic("rpush", [_key, _value], _value),
    _variadic("lpush", [_key, _value], _value),
    _call("lpop", _key),
    _call("rpop", _key),
    _call("lrange", _key, _index, _index),
    _call("llen", _key),
    _call("lindex", _key, _index),
    _call("lset", _key, _index, _value),
    _call("lrem", _key, _index, _value),
)
_sets = st.one_of(
    _variadic("sadd", [_key, _member], _member),
    _call("srem", _key, _member),
    _call("sismember", _key, _member),
    _call("scard", _key),
    _call("smove", _key, _key, _member),
)
_zsets = st.one_of(
    _variadic("zadd", [_key, _score, _member], _member, most=0),
    _call("zincrby", _key, _score, _member),
    _call("zscore", _key, _member),
    _call("zrange", _key, _index, _index),
    _call("zrank", _key, _member),
    _call("zcard", _key),
    _call("zrem", _key, _member),
)
_keys = st.one_of(
    _variadic("del", [_key], _key, most=1),
    _call("exists", _key),
    _call("type", _key),
    _call("get"),  # wrong arity
    _call("nosuch", _key),  # unknown
)
_commands = st.one_of(_strings, _hashes, _lists, _sets, _zsets, _keys)

_counted = st.sampled_from(["smembers", "hgetall", "hkeys", "sunion", "sinter"]).flatmap(
    lambda name: st.tuples(st.just(f"'{name}'"), _key)
)
"""Calls whose reply is in hash-table order: the scripts count it (``#``)."""


@st.composite
def scripts(draw: st.DrawFn) -> str:
    """A generated script (Lua source)."""
    lines: list[str] = []
    names: list[str] = []
    for i in range(draw(st.integers(min_value=0, max_value=4))):
        kind = draw(st.sampled_from(["call", "pcall", "pcall", "count", "loop", "guard"]))
        args = ", ".join(draw(_counted if kind == "count" else _commands))
        name = f"r{i}"
        if kind == "call":
            lines.append(f"local {name} = redis.call({args})")
        elif kind == "count":
            lines.append(f"local {name} = #redis.pcall({args})")
        elif kind == "loop":
            lines.append(f"local {name} = 0")
            lines.append(f"for i = 1, 3 do {name} = redis.pcall({args}) end")
        elif kind == "guard":
            lines.append(f"local {name} = redis.pcall({args})")
            lines.append(
                f"if type({name}) == 'table' and {name}.err then "
                f"return redis.error_reply('guarded: ' .. {name}.err) end"
            )
        else:
            lines.append(f"local {name} = redis.pcall({args})")
        names.append(name)
    ending = draw(st.sampled_from(["call", "pcall", "table", "last", "status", "error", "raise"]))
    if ending in ("call", "pcall"):
        lines.append(f"return redis.{ending}({', '.join(draw(_commands))})")
    elif ending == "table":
        lines.append("return {" + ", ".join([*names, "ARGV[1]", "#KEYS"]) + "}")
    elif ending == "last" and names:
        lines.append(f"return {names[-1]}")
    elif ending == "status":
        lines.append("return redis.status_reply('DONE')")
    elif ending == "error":
        lines.append("return redis.error_reply('MY failure')")
    elif ending == "raise":
        lines.append("error('raised at the end')")
    return "\n".join(lines)


script_arguments = st.tuples(
    st.lists(st.sampled_from(KEYS), min_size=0, max_size=3),
    st.lists(st.sampled_from(["a", "b", "1", "2.5", "x", ""]), min_size=0, max_size=3),
)
