"""Connection commands, answered by the client's connection and never logged: PING, ECHO,
QUIT, SELECT, AUTH, HELLO, COMMAND, RESET (CLIENT: ``clients.py``; INFO, CONFIG, WAIT:
``server.py``)."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.acl.users import DEFAULT
from rabia.kv.commands import clients
from rabia.kv.commands.server import REDIS_VERSION
from rabia.kv.commands.spec import CommandSpec, Flag, Session

ERR_WRONGPASS = resp.coded_error(b"WRONGPASS invalid username-password pair or user is disabled.")
ERR_NO_DEFAULT_PASSWORD = resp.error(
    b"AUTH <password> called without any password configured for the default user. "
    b"Are you sure your configuration is correct?"
)


def _log_in(conn: Session, name: bytes, password: bytes) -> bool:
    """Authenticate as ACL user ``name`` if ``password`` is its own (and it is on)."""
    if not conn.server.machine.acl.authenticate(name, password):
        return False
    conn.user = name
    conn.authenticated = True
    return True


def ping(conn: Session, args: list[bytes]) -> None:
    if len(args) > 2:
        conn.reply(resp.arity_error(args[0]))
    elif conn.subscribed_resp2:
        conn.reply(conn.subscriptions().push([b"pong", args[1] if len(args) == 2 else b""]))
    else:
        conn.reply(resp.simple(b"PONG") if len(args) == 1 else resp.bulk(args[1]))


def echo(conn: Session, args: list[bytes]) -> None:
    conn.reply(resp.bulk(args[1]))


def quit_(conn: Session, args: list[bytes]) -> None:
    conn.reply(resp.OK)
    conn.closing = True


def select(conn: Session, args: list[bytes]) -> None:
    if args[1] == b"0":
        conn.reply(resp.OK)
    else:
        conn.reply(resp.coded_error(b"ERR DB index is out of range"))


def auth(conn: Session, args: list[bytes]) -> None:
    """AUTH [username] password (the ``default`` user without a name)."""
    if len(args) > 3:
        conn.reply(resp.ERR_SYNTAX)
        return
    if len(args) == 2:
        default = conn.server.machine.acl.get(DEFAULT)
        if default is not None and default.nopass:
            conn.reply(ERR_NO_DEFAULT_PASSWORD)
            return
    name = args[1] if len(args) == 3 else DEFAULT
    conn.reply(resp.OK if _log_in(conn, name, args[-1]) else ERR_WRONGPASS)


def hello(conn: Session, args: list[bytes]) -> None:
    """HELLO [protover [AUTH username password] [SETNAME name]]."""
    proto = conn.protocol
    if len(args) > 1:
        if args[1] not in (b"2", b"3"):
            conn.reply(resp.coded_error(b"NOPROTO unsupported protocol version"))
            return
        proto = int(args[1])
    options = args[2:]
    while options:
        option = options[0].lower()
        if option == b"auth" and len(options) >= 3:
            if not _log_in(conn, options[1], options[2]):
                conn.reply(ERR_WRONGPASS)
                return
            options = options[3:]
        elif option == b"setname" and len(options) >= 2:
            if any(not 33 <= c <= 126 for c in options[1]):
                conn.reply(clients.ERR_NAME)
                return
            conn.name = options[1]
            options = options[2:]
        else:
            conn.reply(resp.ERR_SYNTAX)
            return
    if not conn.authenticated:
        conn.reply(resp.coded_error(b"NOAUTH HELLO must be called with the client's password"))
        return
    conn.protocol = proto
    fields = [
        (b"server", resp.bulk(b"rabia")),
        (b"version", resp.bulk(REDIS_VERSION)),
        (b"proto", resp.integer(proto)),
        (b"id", resp.integer(conn.client_id)),
        (b"mode", resp.bulk(b"standalone")),
        (b"role", resp.bulk(b"master")),
        (b"modules", b"*0\r\n"),
    ]
    if proto == 3:
        body = b"".join(resp.bulk(k) + v for k, v in fields)
        conn.reply(b"%%%d\r\n%s" % (len(fields), body))
    else:
        conn.reply(resp.array(x for k, v in fields for x in (resp.bulk(k), v)))


def command(conn: Session, args: list[bytes]) -> None:
    conn.reply(b"*0\r\n")  # enough for redis-cli: no command docs or hints


def reset(conn: Session, args: list[bytes]) -> None:
    """Leave subscribe mode and any transaction (the protocol and name stay)."""
    if conn.subs is not None:
        conn.subs.close()
    conn.multi = None
    conn.watched = {}
    conn.reply(resp.simple(b"RESET"))


_LOCAL, _FAST, _NOSCRIPT = Flag.LOCAL, Flag.FAST, Flag.NOSCRIPT
_SUBSCRIBED, _NO_AUTH, _NOW = Flag.SUBSCRIBED, Flag.NO_AUTH, Flag.TRANSACTION

ROWS = (
    CommandSpec(b"ping", -1, _LOCAL | _FAST | _NO_AUTH | _SUBSCRIBED, local=ping),
    CommandSpec(b"echo", 2, _LOCAL | _FAST, local=echo),
    CommandSpec(
        b"quit", -1, _LOCAL | _FAST | _NOSCRIPT | _NO_AUTH | _SUBSCRIBED | _NOW, local=quit_
    ),
    CommandSpec(b"select", 2, _LOCAL | _FAST, local=select),
    CommandSpec(b"auth", -2, _LOCAL | _FAST | _NOSCRIPT | _NO_AUTH, local=auth),
    CommandSpec(b"hello", -1, _LOCAL | _FAST | _NOSCRIPT | _NO_AUTH, local=hello),
    clients.ROW,
    CommandSpec(b"command", -1, _LOCAL, local=command),
    CommandSpec(b"reset", -1, _LOCAL | _FAST | _NOSCRIPT | _SUBSCRIBED | _NOW, local=reset),
)
"""The connection commands' rows of the command table. QUIT and RESET run at once even
inside MULTI (``TRANSACTION``), as in Redis; the others are queued there. Where Redis's
arity is stricter (RESET 1), RESET keeps ignoring arguments."""
