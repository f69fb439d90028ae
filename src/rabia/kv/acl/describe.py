"""How a user is shown (ACL LIST, ACL GETUSER) and stored in a snapshot: Redis 7.0's
description, which applied to a new user gives the same user back.

Commands are described as ``+@all`` or ``-@all`` followed by the command rules given
since (``User.command_rules``).
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.acl.user import User


def _command_words(user: User) -> list[bytes]:
    return [b"+@all" if user.all_future else b"-@all", *user.command_rules]


def command_rules(user: User) -> bytes:
    """The ``commands`` part: e.g. ``-@all +@read -get +client|id``."""
    return b" ".join(_command_words(user))


def key_rules(user: User) -> bytes:
    return b" ".join(p.rule() for p in user.keys)


def channel_rules(user: User) -> bytes:
    return b"&*" if user.all_channels else b" ".join(b"&" + c for c in user.channels)


def flags(user: User) -> list[bytes]:
    out = [b"on" if user.on else b"off"]
    if user.nopass:
        out.append(b"nopass")
    if user.sanitize:
        out.append(user.sanitize)
    return out


def rules(user: User) -> list[bytes]:
    """The rules that give ``user`` back when applied to a new user, one per item (a
    pattern may hold spaces): flags, password hashes, keys, channels, commands."""
    parts = [*flags(user), *(b"#" + h for h in user.passwords)]
    parts.extend(p.rule() for p in user.keys)
    if user.all_channels:
        parts.append(b"&*")
    else:
        parts.append(b"resetchannels")
        parts.extend(b"&" + c for c in user.channels)
    parts.extend(_command_words(user))
    return parts


def describe(user: User) -> bytes:
    """The ACL LIST line: ``user NAME rules...``."""
    return b" ".join([b"user", user.name, *rules(user)])


def getuser_reply(user: User) -> bytes:
    """ACL GETUSER's RESP2 reply (a flat field/value array; a map in RESP3)."""
    return resp.array(
        [
            resp.bulk(b"flags"),
            resp.array(resp.bulk(f) for f in flags(user)),
            resp.bulk(b"passwords"),
            resp.array(resp.bulk(h) for h in user.passwords),
            resp.bulk(b"commands"),
            resp.bulk(command_rules(user)),
            resp.bulk(b"keys"),
            resp.bulk(key_rules(user)),
            resp.bulk(b"channels"),
            resp.bulk(channel_rules(user)),
            resp.bulk(b"selectors"),
            b"*0\r\n",
        ]
    )
