"""ACL: SETUSER, DELUSER, GETUSER, LIST, USERS, WHOAMI, CAT, DRYRUN, HELP, applied on
every replica (a log command: SETUSER and DELUSER change the replicated user table at
their log position; the others read it, WHOAMI the entry's user)."""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv import resp
from rabia.kv.acl.catalog import CATEGORIES
from rabia.kv.acl.check import dryrun_reply
from rabia.kv.acl.describe import describe, getuser_reply
from rabia.kv.commands.acl_request import command_denial
from rabia.kv.commands.spec import CommandSpec, Context, Flag

HELP = [
    b"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"CAT [<category>]",
    b"    List all commands that belong to <category>, or all command categories",
    b"    when no category is specified.",
    b"DELUSER <username> [<username> ...]",
    b"    Delete a list of users.",
    b"DRYRUN <username> <command> [<arg> ...]",
    b"    Returns whether the user can execute the given command without executing the command.",
    b"GETUSER <username>",
    b"    Get the user's details.",
    b"LIST",
    b"    Show users details in config file format.",
    b"USERS",
    b"    List all the registered usernames.",
    b"SETUSER <username> [<attribute> ...]",
    b"    Create or modify a user with the specified attributes.",
    b"WHOAMI",
    b"    Return the current connection username.",
    b"HELP",
    b"    Print this help.",
]


def _cat(ctx: Context, args: list[bytes]) -> bytes:
    if len(args) > 3:
        return resp.error(
            b"unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP."
        )
    if len(args) == 2:
        return resp.bulk_array(CATEGORIES)
    members = ctx.acl.catalog.members.get(args[2].lower())
    if members is None:
        return resp.error(b"Unknown category '%s'" % args[2])
    return resp.bulk_array(sorted(members))


def _setuser(ctx: Context, args: list[bytes]) -> bytes:
    return ctx.acl.setuser(args[2], args[3:]) or resp.OK


def _deluser(ctx: Context, args: list[bytes]) -> bytes:
    gone = ctx.acl.deluser(args[2:])
    return gone if isinstance(gone, bytes) else resp.integer(gone)


def _getuser(ctx: Context, args: list[bytes]) -> bytes:
    user = ctx.acl.get(args[2])
    return resp.NIL if user is None else getuser_reply(user)


def _list(ctx: Context, args: list[bytes]) -> bytes:
    return resp.bulk_array(describe(user) for user in ctx.acl)


def _users(ctx: Context, args: list[bytes]) -> bytes:
    return resp.bulk_array(user.name for user in ctx.acl)


def _whoami(ctx: Context, args: list[bytes]) -> bytes:
    return resp.bulk(ctx.acl_name)


def _dryrun(ctx: Context, args: list[bytes]) -> bytes:
    user = ctx.acl.get(args[2])
    if user is None:
        return resp.error(b"User '%s' not found" % args[2])
    command = args[3:]
    spec = ctx.commands.get(command[0].lower())
    if spec is None or spec.flags & Flag.INTERNAL:
        return resp.error(b"Command '%s' not found" % command[0])
    if not spec.accepts(len(command)):
        return resp.arity_error(command[0])
    problem = spec.subcommand_error(command)
    if problem is not None:
        return problem
    refused = command_denial(user, spec, command)
    return resp.OK if refused is None else dryrun_reply(*refused)


def _help(ctx: Context, args: list[bytes]) -> bytes:
    return resp.array(resp.simple(line) for line in HELP)


_SUBCOMMANDS = {
    b"cat": _cat,
    b"deluser": _deluser,
    b"dryrun": _dryrun,
    b"getuser": _getuser,
    b"help": _help,
    b"list": _list,
    b"setuser": _setuser,
    b"users": _users,
    b"whoami": _whoami,
}


def acl(ctx: Context, args: list[bytes]) -> bytes:
    problem = ROWS[0].subcommand_error(args)
    return problem or _SUBCOMMANDS[args[1].lower()](ctx, args)


def _resp3_of(args: list[bytes]) -> Callable[[bytes], bytes] | None:
    """GETUSER's reply is a map in RESP3."""
    return resp.flat_to_map if args[1].lower() == b"getuser" else None


ARITIES = {
    b"cat": -2,
    b"deluser": -3,
    b"dryrun": -4,
    b"getuser": 3,
    b"help": 2,
    b"list": 2,
    b"setuser": -3,
    b"users": 2,
    b"whoami": 2,
}

ROWS = (
    CommandSpec(
        b"acl",
        -2,
        Flag.WRITE | Flag.ADMIN | Flag.NOSCRIPT,
        handler=acl,
        resp3_of=_resp3_of,
        subcommands=ARITIES,
    ),
)
"""ACL's row: a log command, so SETUSER and DELUSER apply at the same log position on
every replica (and the others read the replicated table)."""
