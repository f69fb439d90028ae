"""CLIENT, answered by the connection: ID, GETNAME, SETNAME, INFO, LIST, KILL, SETINFO,
NO-EVICT, NO-TOUCH, HELP. LIST and KILL see the clients of the node the connection is
on (each node has its own clients, as each Redis server has)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Flag, Session
from rabia.kv.resp import ERR_SYNTAX, OK

ERR_NAME = resp.error(b"Client names cannot contain spaces, newlines or special characters.")
ERR_CLIENT_ID = resp.error(b"client-id should be greater than 0")
ERR_NO_SUCH_CLIENT = resp.error(b"No such client")
TYPES = {b"normal": b"normal", b"pubsub": b"pubsub", b"slave": b"slave"}
TYPES |= {b"replica": b"slave", b"master": b"master"}
ARITY = {b"id": 2, b"getname": 2, b"setname": 3, b"info": 2, b"list": -2, b"kill": -3}
ARITY |= {b"setinfo": 4, b"no-evict": 3, b"no-touch": 3, b"help": 2}
HELP = [
    b"CLIENT <subcommand> [<arg> ...]. Subcommands are:",
    b"ID",
    b"    This connection's id.",
    b"GETNAME | SETNAME <name>",
    b"    This connection's name (letters, digits and punctuation; empty: no name).",
    b"INFO",
    b"    This connection, as a CLIENT LIST line.",
    b"LIST [TYPE normal|pubsub|replica|master] [ID <id> ...]",
    b"    The connections of this node.",
    b"KILL <ip:port> | KILL [ID <id>] [TYPE <type>] [ADDR <ip:port>] [LADDR <ip:port>]",
    b"     [USER <name>] [SKIPME yes|no]",
    b"    Close connections of this node.",
    b"SETINFO LIB-NAME|LIB-VER <value>",
    b"    The client library's name and version, shown by LIST.",
    b"NO-EVICT on|off | NO-TOUCH on|off",
    b"    Accepted (this server evicts nothing and keeps no access times).",
    b"HELP",
    b"    This help.",
]


def kind(conn: Session) -> bytes:
    """The connection's type for LIST and KILL: pubsub while subscribed, else normal."""
    subs = conn.subs
    return b"pubsub" if subs is not None and subs.count else b"normal"


def describe(conn: Session, now: float) -> bytes:
    """One CLIENT LIST line (Redis 7's fields; buffers and memory are not tracked)."""
    subs = conn.subs
    flags = b"".join(
        flag
        for flag, on in (
            (b"P", kind(conn) == b"pubsub"),
            (b"x", conn.multi is not None),
            (b"c", conn.closing),
        )
        if on
    )
    lib = conn.library
    fields = [
        (b"id", b"%d" % conn.client_id),
        (b"addr", conn.addr),
        (b"laddr", conn.laddr),
        (b"fd", b"%d" % conn.fd),
        (b"name", conn.name),
        (b"age", b"%d" % int(now - conn.created)),
        (b"idle", b"%d" % int(now - conn.last_active)),
        (b"flags", flags or b"N"),
        (b"db", b"0"),
        (b"sub", b"%d" % (len(subs.channels) if subs is not None else 0)),
        (b"psub", b"%d" % (len(subs.patterns) if subs is not None else 0)),
        (b"ssub", b"0"),
        (b"multi", b"%d" % (len(conn.multi) if conn.multi is not None else -1)),
        *((name, b"0") for name in (b"qbuf", b"qbuf-free", b"argv-mem", b"multi-mem")),
        *((name, b"0") for name in (b"rbs", b"rbp", b"obl", b"oll", b"omem", b"tot-mem")),
        (b"events", b"r"),
        (b"cmd", conn.last_command),
        (b"user", b"default"),
        (b"redir", b"-1"),
        (b"resp", b"%d" % conn.protocol),
        (b"lib-name", lib.get(b"lib-name", b"")),
        (b"lib-ver", lib.get(b"lib-ver", b"")),
    ]
    return b" ".join(k + b"=" + v for k, v in fields)


def _listing(conns: Sequence[Session], now: float) -> bytes:
    return resp.bulk(b"".join(describe(c, now) + b"\n" for c in conns))


def _list(conn: Session, args: list[bytes]) -> None:
    clients = conn.server.clients()
    if len(args) == 4 and args[2].lower() == b"type":
        wanted = TYPES.get(args[3].lower())
        if wanted is None:
            conn.reply(resp.error(b"Unknown client type '%s'" % args[3]))
            return
        clients = [c for c in clients if kind(c) == wanted]
    elif len(args) > 3 and args[2].lower() == b"id":
        ids = [resp.parse_int(a) for a in args[3:]]
        if any(i is None for i in ids):
            conn.reply(resp.error(b"Invalid client ID"))
            return
        by_id = {c.client_id: c for c in clients}
        clients = [by_id[i] for i in ids if i in by_id]
    elif len(args) != 2:
        conn.reply(ERR_SYNTAX)
        return
    conn.reply(_listing(clients, conn.clock()))


Filter = Callable[[Session], bool]


def _equals(get: Callable[[Session], object], wanted: object) -> Filter:
    return lambda conn: get(conn) == wanted


def _filters(args: list[bytes]) -> tuple[list[Filter], bool] | bytes:
    """The filters of CLIENT KILL's new form and whether to skip the caller (SKIPME,
    default yes), or the error reply."""
    tests: list[Filter] = []
    skip_me = True
    i = 2
    while i < len(args):
        option = args[i].lower()
        if i + 1 >= len(args):
            return ERR_SYNTAX
        value = args[i + 1]
        if option == b"id":
            wanted = resp.parse_int(value)
            if wanted is None or wanted < 1:
                return ERR_CLIENT_ID
            tests.append(_equals(lambda c: c.client_id, wanted))
        elif option == b"type":
            found = TYPES.get(value.lower())
            if found is None:
                return resp.error(b"Unknown client type '%s'" % value)
            tests.append(_equals(kind, found))
        elif option == b"addr":
            tests.append(_equals(lambda c: c.addr, value))
        elif option == b"laddr":
            tests.append(_equals(lambda c: c.laddr, value))
        elif option == b"user":
            if value != b"default":
                return resp.error(b"No such user '%s'" % value)
        elif option == b"skipme" and value.lower() in (b"yes", b"no"):
            skip_me = value.lower() == b"yes"
        else:
            return ERR_SYNTAX
        i += 2
    return tests, skip_me


def _kill(conn: Session, args: list[bytes]) -> None:
    """CLIENT KILL ip:port (OK, or an error when no client has that address) or the
    filtered form (the number of clients closed; the caller itself only with SKIPME
    no). The caller, when killed, is closed after this reply."""
    old_form = len(args) == 3
    if old_form:
        tests: list[Filter] = [lambda c: c.addr == args[2]]
        skip_me = False
    else:
        found = _filters(args)
        if isinstance(found, bytes):
            conn.reply(found)
            return
        tests, skip_me = found
    victims = [
        c
        for c in conn.server.clients()
        if all(test(c) for test in tests) and not (skip_me and c is conn)
    ]
    if old_form:
        conn.reply(OK if victims else ERR_NO_SUCH_CLIENT)
    else:
        conn.reply(resp.integer(len(victims)))
    for victim in victims:
        if victim is conn:
            conn.closing = True  # after this reply
        else:
            victim.kill()


def _on_off(conn: Session, args: list[bytes]) -> None:
    conn.reply(OK if args[2].lower() in (b"on", b"off") else ERR_SYNTAX)


def client(conn: Session, args: list[bytes]) -> None:
    """CLIENT subcommand [arguments]."""
    refused = ROW.subcommand_error(args)
    if refused is not None:
        conn.reply(refused)
        return
    sub = args[1].lower()
    conn.last_command = b"client|" + sub
    if sub == b"id":
        conn.reply(resp.integer(conn.client_id))
    elif sub == b"getname":
        conn.reply(resp.bulk_or_nil(conn.name or None))
    elif sub == b"setname":
        if any(not 33 <= c <= 126 for c in args[2]):
            conn.reply(ERR_NAME)
        else:
            conn.name = args[2]
            conn.reply(OK)
    elif sub == b"info":
        conn.reply(resp.bulk(describe(conn, conn.clock()) + b"\n"))
    elif sub == b"list":
        _list(conn, args)
    elif sub == b"kill":
        _kill(conn, args)
    elif sub == b"setinfo":
        _setinfo(conn, args)
    elif sub in (b"no-evict", b"no-touch"):
        _on_off(conn, args)
    else:
        conn.reply(resp.array(resp.simple(line) for line in HELP))


def _setinfo(conn: Session, args: list[bytes]) -> None:
    """CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; clients send it on connect)."""
    attribute = args[2].lower()
    if attribute not in (b"lib-name", b"lib-ver"):
        conn.reply(resp.error(b"Unrecognized option '%s'" % args[2]))
    elif any(not 33 <= c <= 126 for c in args[3]):
        conn.reply(
            resp.error(b"%s cannot contain spaces, newlines or special characters." % args[2])
        )
    else:
        conn.library[attribute] = args[3]
        conn.reply(OK)


ROW = CommandSpec(b"client", -2, Flag.LOCAL | Flag.NOSCRIPT, local=client, subcommands=ARITY)
"""CLIENT's row of the command table (in ``connection.ROWS``)."""
