"""Garbage ACL rules never crash a replica, and every replica (one restored from a
snapshot midway included) ends with the same users and gives the same replies."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rabia.kv.entries import encode_as_user, encode_command
from rabia.kv.machine import KVMachine

names = st.sampled_from([b"default", b"a", b"b", b"x y", b""])
rules = st.one_of(
    st.sampled_from(
        [
            b"on",
            b"off",
            b"nopass",
            b"reset",
            b"allkeys",
            b"resetkeys",
            b"+@all",
            b"-@all",
            b"+get",
            b"-set",
            b"+@read",
            b"~a*",
            b"%R~r*",
            b"&c*",
            b"allchannels",
            b">pw",
            b"+client|id",
            b"+select|0",
            b"resetchannels",
        ]
    ),
    st.binary(max_size=8),
    st.sampled_from([b"+", b"-", b"~", b"%", b"&", b"<", b"#", b"!", b"+@"]).flatmap(
        lambda p: st.binary(max_size=6).map(lambda b: p + b)
    ),
)
entries = st.one_of(
    st.tuples(names, st.lists(rules, max_size=5)).map(
        lambda d: encode_command([b"ACL", b"SETUSER", d[0], *d[1]])
    ),
    names.map(lambda n: encode_command([b"ACL", b"DELUSER", n])),
    st.tuples(
        names,
        st.sampled_from(
            [
                [b"SET", b"a1", b"v"],
                [b"GET", b"b"],
                [b"FLUSHDB"],
                [b"PUBLISH", b"c1", b"m"],
                [b"ACL", b"WHOAMI"],
            ]
        ),
    ).map(lambda d: encode_as_user(d[0], encode_command(d[1]))),
    st.just(encode_command([b"ACL", b"LIST"])),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(entries, max_size=30), st.integers(min_value=0, max_value=30))
def test_replicas_agree_on_garbage_acl(log: list[bytes], cut: int) -> None:
    first, second = KVMachine(), KVMachine()
    replies_first = [first.apply_at(e, 1000 + i) for i, e in enumerate(log)]
    replies_second = []
    for i, entry in enumerate(log):
        if i == cut:
            restored = KVMachine()
            restored.restore(second.snapshot())
            second = restored
        replies_second.append(second.apply_at(entry, 1000 + i))
    assert replies_first == replies_second
    assert first.snapshot() == second.snapshot()
    assert first.apply(encode_command([b"ACL", b"LIST"])) == second.apply(
        encode_command([b"ACL", b"LIST"])
    )
