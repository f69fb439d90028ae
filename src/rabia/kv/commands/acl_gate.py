"""Where the machine enforces the ACL: every log entry runs as a user (``RABIA.AS``
entries name one, others run as ``default``), checked at its log position against the
replicated user table, so every replica decides alike. EXEC checks each command it runs,
scripts each command they call (``acl_denial``)."""

from __future__ import annotations

import msgspec

from rabia.kv import resp
from rabia.kv.acl.check import Denial, noperm
from rabia.kv.acl.users import DEFAULT
from rabia.kv.commands.acl_request import command_denial
from rabia.kv.commands.context import MachineContext
from rabia.kv.commands.spec import Context, Flag
from rabia.kv.entries import AS_USER, decode_args

ERR_NO_USER = resp.coded_error(b"NOPERM the user of this connection no longer exists")


def acl_denial(ctx: Context, args: list[bytes]) -> tuple[Denial, bytes] | None:
    """Why the entry's user may not run ``args`` now; None if it may, or if ``args``
    would be refused anyway (unknown, wrong arity: those errors come first, as in Redis).
    Internal rows are not checked, but the command a blocking call runs is."""
    user = ctx.acl_user
    if user is None or not args:
        return None
    spec = ctx.commands.get(args[0].lower())
    if spec is None or not spec.accepts(len(args)):
        return None
    if spec.flags & Flag.INTERNAL:
        return acl_denial(ctx, args[2:]) if spec.name == b"rabia.bcall" else None
    return command_denial(user, spec, args)


def run_entry(ctx: MachineContext, args: list[bytes]) -> bytes:
    """Apply one log entry's command as its user."""
    name = DEFAULT
    if args and args[0] == AS_USER and len(args) == 3:
        name = args[1]
        try:
            args = decode_args(args[2])
        except msgspec.DecodeError:
            return resp.ERR_MALFORMED
    users = ctx.acl
    user = users.get(name)
    if user is None:
        return ERR_NO_USER
    ctx.acl_name = name
    ctx.acl_user = user if users.restricted(user) else None
    try:
        refused = acl_denial(ctx, args)
        if refused is not None:
            return noperm(*refused)
        return ctx.run(args)
    finally:
        ctx.acl_user = None
        ctx.acl_name = DEFAULT
