"""Whether a user may run a command: its id, then its keys, then its channels (Redis's
order), and the errors Redis 7.0 gives for a refusal at the top level, in EXEC, in a
script and in ACL DRYRUN."""

from __future__ import annotations

import enum
from typing import NamedTuple

from rabia.kv import resp
from rabia.kv.acl.user import User


class Denial(enum.Enum):
    COMMAND = 1
    KEY = 2
    CHANNEL = 3


class Request(NamedTuple):
    """What a command asks for: ``command`` (``name`` or ``name|sub``), its first
    argument (for ``+cmd|arg`` rules), its keys with the access each needs (read,
    write; neither: any pattern will do), the channels it names and the patterns it
    subscribes to (compared literally, as Redis does)."""

    command: bytes
    first_arg: bytes | None
    keys: list[tuple[bytes, bool, bool]]
    channels: list[bytes]
    patterns: list[bytes]


def denial(user: User, request: Request) -> tuple[Denial, bytes] | None:
    """Why ``user`` may not run ``request`` (and the command, key or channel refused);
    None if it may."""
    command = request.command
    if command not in user.allowed:
        args = user.first_args.get(command)
        if args is None or request.first_arg is None or request.first_arg.lower() not in args:
            return Denial.COMMAND, command
    if not user.all_keys:
        for key, read, write in request.keys:
            if not _key_allowed(user, key, read, write):
                return Denial.KEY, key
    if not user.all_channels:
        for channel in request.channels:
            if not any(user.matches(p, channel) for p in user.channels):
                return Denial.CHANNEL, channel
        for pattern in request.patterns:
            if pattern not in user.channels:
                return Denial.CHANNEL, pattern
    return None


def _key_allowed(user: User, key: bytes, read: bool, write: bool) -> bool:
    for pattern in user.keys:
        if (read and not pattern.read) or (write and not pattern.write):
            continue
        if user.matches(pattern.pattern, key):
            return True
    return False


def noperm(kind: Denial, command: bytes) -> bytes:
    """The top-level refusal (``command``: the id, e.g. ``client|kill``)."""
    if kind is Denial.COMMAND:
        return resp.coded_error(
            b"NOPERM this user has no permissions to run the '%s' command" % command
        )
    what = b"keys" if kind is Denial.KEY else b"channels"
    return resp.coded_error(
        b"NOPERM this user has no permissions to access one of the %s used as arguments" % what
    )


_IN_EXEC = {
    Denial.COMMAND: b"no permission to execute the command or subcommand",
    Denial.KEY: b"no permission to touch the specified keys",
    Denial.CHANNEL: b"no permission to access one of the channels used as arguments",
}


def noperm_in_exec(kind: Denial) -> bytes:
    """The error in EXEC's array for a command the rules refuse since it was queued."""
    return resp.coded_error(
        b"NOPERM ACLs rules changed between the moment the transaction was accumulated "
        b"and the EXEC call. This command is no longer allowed for the following reason: "
        b"%s" % _IN_EXEC[kind]
    )


_IN_SCRIPT = {
    Denial.COMMAND: b"The user executing the script can't run this command or subcommand",
    Denial.KEY: b"The user executing the script can't access at least one of the keys "
    b"mentioned in the command arguments",
    Denial.CHANNEL: b"The user executing the script can't publish to the channel mentioned "
    b"in the command",
}


def noperm_in_script(kind: Denial) -> bytes:
    """The error ``redis.call`` raises (``redis.pcall`` returns) for a refused command."""
    return resp.error(_IN_SCRIPT[kind])


def dryrun_reply(kind: Denial, item: bytes) -> bytes:
    """ACL DRYRUN's answer for a refused command, key or channel ``item`` (a bulk
    string, as Redis)."""
    if kind is Denial.COMMAND:
        text = b"This user has no permissions to run the '%s' command" % item
    elif kind is Denial.KEY:
        text = b"This user has no permissions to access the '%s' key" % item
    else:
        text = b"This user has no permissions to access the '%s' channel" % item
    return resp.bulk(text)
