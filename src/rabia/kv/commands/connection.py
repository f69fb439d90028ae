"""Connection commands, answered by the client's connection and never logged: PING, ECHO,
QUIT, SELECT, AUTH, HELLO, CLIENT, COMMAND, INFO, RESET."""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Flag, Session

ERR_WRONGPASS = resp.coded_error(b"WRONGPASS invalid username-password pair")

SERVER_VERSION = b"0.1.0"


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
    """AUTH [username] password."""
    if len(args) > 3:
        conn.reply(resp.arity_error(args[0]))
    elif conn.password is None:
        conn.reply(resp.coded_error(b"ERR AUTH called without any password configured"))
    elif args[-1] == conn.password:
        conn.authenticated = True
        conn.reply(resp.OK)
    else:
        conn.reply(ERR_WRONGPASS)


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
            if conn.password is not None and options[2] != conn.password:
                conn.reply(ERR_WRONGPASS)
                return
            conn.authenticated = True
            options = options[3:]
        elif option == b"setname" and len(options) >= 2:
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
        (b"version", resp.bulk(SERVER_VERSION)),
        (b"proto", resp.integer(proto)),
        (b"id", resp.integer(conn.client_id)),
        (b"mode", resp.bulk(b"cluster")),
        (b"role", resp.bulk(b"master")),
        (b"modules", b"*0\r\n"),
    ]
    if proto == 3:
        body = b"".join(resp.bulk(k) + v for k, v in fields)
        conn.reply(b"%%%d\r\n%s" % (len(fields), body))
    else:
        conn.reply(resp.array(x for k, v in fields for x in (resp.bulk(k), v)))


def client(conn: Session, args: list[bytes]) -> None:
    """CLIENT SETNAME|GETNAME|ID (and SETINFO, NO-EVICT, NO-TOUCH, accepted and ignored)."""
    sub = args[1].lower() if len(args) > 1 else b""
    if sub == b"setname" and len(args) == 3:
        conn.name = args[2]
        conn.reply(resp.OK)
    elif sub == b"getname":
        conn.reply(resp.bulk_or_nil(conn.name or None))
    elif sub == b"id":
        conn.reply(resp.integer(conn.client_id))
    elif sub in (b"setinfo", b"no-evict", b"no-touch"):
        conn.reply(resp.OK)
    else:
        conn.reply(resp.coded_error(b"ERR unknown subcommand for 'client'"))


def command(conn: Session, args: list[bytes]) -> None:
    conn.reply(b"*0\r\n")  # enough for redis-cli: no command docs or hints


def info(conn: Session, args: list[bytes]) -> None:
    """The server section and the node's consensus statistics."""
    stats = conn.stats()
    lines = [b"# Server", b"rabia_version:" + SERVER_VERSION, b"redis_mode:rabia", b"# Consensus"]
    lines += [f"{k}:{v}".encode() for k, v in sorted(stats.items())]
    conn.reply(resp.bulk(b"\r\n".join(lines) + b"\r\n"))


def reset(conn: Session, args: list[bytes]) -> None:
    """Leave subscribe mode and any transaction (the protocol and name stay)."""
    if conn.subs is not None:
        conn.subs.close()
    conn.multi = None
    conn.watched = {}
    conn.reply(resp.simple(b"RESET"))


_LOCAL, _FAST, _NOSCRIPT = Flag.LOCAL, Flag.FAST, Flag.NOSCRIPT
_SUBSCRIBED, _NO_AUTH = Flag.SUBSCRIBED, Flag.NO_AUTH

ROWS = (
    CommandSpec(b"ping", -1, _LOCAL | _FAST | _NO_AUTH | _SUBSCRIBED, local=ping),
    CommandSpec(b"echo", 2, _LOCAL | _FAST, local=echo),
    CommandSpec(b"quit", -1, _LOCAL | _FAST | _NOSCRIPT | _NO_AUTH | _SUBSCRIBED, local=quit_),
    CommandSpec(b"select", 2, _LOCAL | _FAST, local=select),
    CommandSpec(b"auth", -2, _LOCAL | _FAST | _NOSCRIPT | _NO_AUTH, local=auth),
    CommandSpec(b"hello", -1, _LOCAL | _FAST | _NOSCRIPT | _NO_AUTH, local=hello),
    CommandSpec(b"client", -1, _LOCAL | _NOSCRIPT, local=client),
    CommandSpec(b"command", -1, _LOCAL, local=command),
    CommandSpec(b"info", -1, _LOCAL, local=info),
    CommandSpec(b"reset", -1, _LOCAL | _FAST | _NOSCRIPT | _SUBSCRIBED, local=reset),
)
"""The connection commands' rows of the command table. Where Redis's arity is stricter
(CLIENT -2, RESET 1), these keep answering as before: CLIENT alone is an unknown
subcommand, RESET ignores arguments."""
