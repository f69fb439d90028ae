"""What a script's ``redis.call`` runs: a command through the table, with the checks Redis
7.0 makes for scripts (``rabia.kv.scripting.ScriptHost``).

In order: an unknown command (or an internal one), the wrong number of arguments, an
unknown subcommand or one of the wrong arity, a command not allowed in scripts
(``NOSCRIPT``: transactions, blocking pops, pub/sub, connection state, EVAL itself...),
a write in a read-only script (EVAL_RO, or ``#!lua flags=no-writes``), XREAD and
XREADGROUP with BLOCK. Then the command
runs through ``ctx.run``, with its own checks (the election keys among them) and with
``ctx.nested`` set: a blocking command that may run in scripts (BLMPOP) answers its nil.

Connection-level commands Redis allows in scripts are answered here, the same on every
replica: PING, ECHO, SELECT (database 0 only, as everywhere in rabia), COMMAND (as at the
connection), and INFO with only the sections that are replicated state (replication,
cluster, keyspace): a script must not branch on what differs between replicas.
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.acl.check import noperm_in_script
from rabia.kv.commands.acl_gate import acl_denial
from rabia.kv.commands.spec import Context, Flag
from rabia.kv.scripting import errors


def _error(text: bytes) -> bytes:
    return b"-%s\r\n" % text


UNKNOWN = _error(errors.UNKNOWN_COMMAND)
WRONG_ARITY = _error(errors.WRONG_ARITY)
NOT_ALLOWED = _error(errors.NOT_ALLOWED)
WRITE_IN_READ_ONLY = _error(errors.WRITE_IN_READ_ONLY)


def _ping(ctx: Context, args: list[bytes]) -> bytes:
    if len(args) > 2:
        return resp.arity_error(args[0])
    return resp.simple(b"PONG") if len(args) == 1 else resp.bulk(args[1])


def _echo(ctx: Context, args: list[bytes]) -> bytes:
    return resp.bulk(args[1])


def _select(ctx: Context, args: list[bytes]) -> bytes:
    index = resp.parse_int(args[1])
    if index is None:
        return resp.ERR_NOT_INT
    return resp.OK if index == 0 else resp.error(b"DB index is out of range")


def _command(ctx: Context, args: list[bytes]) -> bytes:
    return b"*0\r\n"


def _info(ctx: Context, args: list[bytes]) -> bytes:
    wanted = {a.lower() for a in args[1:]}
    everything = not wanted or bool(wanted & {b"all", b"everything", b"default"})
    ks = ctx.keyspace
    sections = {
        b"replication": [
            b"role:master",
            b"connected_slaves:0",
            b"master_failover_state:no-failover",
        ],
        b"cluster": [b"cluster_enabled:0"],
        b"keyspace": [b"db0:keys=%d,expires=%d,avg_ttl=0" % (len(ks.data), len(ks.expires))]
        if ks.data
        else [],
    }
    blocks = [
        b"\r\n".join([b"# " + name.capitalize(), *lines])
        for name, lines in sections.items()
        if everything or name in wanted
    ]
    text = b"\r\n\r\n".join(blocks)
    return resp.bulk(text + b"\r\n" if text else b"")


IN_SCRIPTS: dict[bytes, Callable[[Context, list[bytes]], bytes]] = {
    b"ping": _ping,
    b"echo": _echo,
    b"select": _select,
    b"command": _command,
    b"info": _info,
}
"""Connection-level commands a script may call, answered on every replica alike."""

_BLOCK_CHECKED = frozenset([b"xread", b"xreadgroup"])

_INTERNAL, _NOSCRIPT, _WRITE = Flag.INTERNAL.value, Flag.NOSCRIPT.value, Flag.WRITE.value
"""The flags as plain integers (an ``IntFlag`` operation costs a microsecond)."""

REDIS_ARITY = {b"multi": 1, b"exec": 1, b"discard": 1, b"unwatch": 1, b"reset": 1}
"""Redis's arity of the rows whose arity here is looser (their extra arguments are
ignored at the connection): a script calling them gets Redis's arity error first."""


def _blocks(args: list[bytes]) -> bool:
    """XREAD/XREADGROUP with a BLOCK option (before STREAMS)."""
    for arg in args[1:]:
        option = arg.lower()
        if option == b"streams":
            return False
        if option == b"block":
            return True
    return False


class ScriptCalls:
    """The ``ScriptHost`` of one script run on a replica's machine."""

    __slots__ = ("_ctx", "_read_only")

    def __init__(self, ctx: Context, read_only: bool) -> None:
        self._ctx = ctx
        self._read_only = read_only

    def call(self, args: list[bytes]) -> bytes:
        ctx = self._ctx
        name = args[0].lower()
        spec = ctx.commands.get(name)
        if spec is None:
            return UNKNOWN
        flags = spec.flags.value
        if flags & _INTERNAL:
            return UNKNOWN
        if not spec.accepts(len(args)) or len(args) > REDIS_ARITY.get(name, len(args)):
            return WRONG_ARITY
        if spec.subcommands is not None and spec.subcommand_error(args) is not None:
            return UNKNOWN if args[1].lower() not in spec.subcommands else WRONG_ARITY
        local = IN_SCRIPTS.get(name) if spec.handler is None else None
        if flags & _NOSCRIPT or (spec.handler is None and local is None):
            return NOT_ALLOWED
        if self._read_only and flags & _WRITE:
            return WRITE_IN_READ_ONLY
        if name in _BLOCK_CHECKED and _blocks(args):
            return _error(errors.block_in_script(name))
        if ctx.acl_user is not None and (refused := acl_denial(ctx, args)) is not None:
            return noperm_in_script(refused[0])
        if local is not None:
            return local(ctx, args)
        ctx.random_salt += 1
        return ctx.run(args)

    def resp3(self, args: list[bytes], reply: bytes) -> bytes:
        spec = self._ctx.commands.get(args[0].lower())
        if spec is not None:
            transform = spec.resp3 if spec.resp3_of is None else spec.resp3_of(args)
            if transform is not None:
                reply = transform(reply)
        return resp.to_resp3(reply)

    def known(self, name: bytes) -> bool:
        spec = self._ctx.commands.get(name.lower())
        return spec is not None and not spec.flags & Flag.INTERNAL

    def seed(self) -> int:
        return self._ctx.random().getrandbits(64)
