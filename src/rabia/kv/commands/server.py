"""Server commands: TIME on every replica (the log's time); INFO, CONFIG and WAIT
answered by the connection from what its node knows.

The Redis version whose semantics the store follows is ``REDIS_VERSION``; INFO reports
it as ``redis_version`` (clients pick features by it) beside ``rabia_version``.
"""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import sys
import time
from collections.abc import Callable

from rabia import compiled
from rabia.kv import resp
from rabia.kv.commands.spec import CommandSpec, Context, Flag, Session
from rabia.kv.glob import matcher
from rabia.kv.resp import ERR_NOT_INT, ERR_SYNTAX, OK, parse_int

REDIS_VERSION = b"7.0.15"
RABIA_VERSION = b"0.1.0"
ERR_TIMEOUT_NOT_INT = resp.error(b"timeout is not an integer or out of range")
ERR_TIMEOUT_NEGATIVE = resp.error(b"timeout is negative")
EVENT_CLASSES = frozenset(b"Ag$lshzxeKEtmdn")


def time_(ctx: Context, args: list[bytes]) -> bytes:
    """TIME: the log time of this entry, [seconds, microseconds]; the same at every
    replica, and never behind an earlier entry's."""
    seconds, micros = divmod(ctx.keyspace.now, 1_000_000)
    return resp.bulk_array([b"%d" % seconds, b"%d" % micros])


# -- WAIT --------------------------------------------------------------------------------


def wait(conn: Session, args: list[bytes]) -> None:
    """WAIT numreplicas timeout: at once, the number of other replicas. A write is
    acknowledged only once decided, that is once a majority of the cluster holds it."""
    if parse_int(args[1]) is None:
        conn.reply(ERR_NOT_INT)
        return
    timeout = parse_int(args[2])
    if timeout is None:
        conn.reply(ERR_TIMEOUT_NOT_INT)
    elif timeout < 0:
        conn.reply(ERR_TIMEOUT_NEGATIVE)
    else:
        conn.reply(resp.integer(conn.server.replicas()))


# -- CONFIG ------------------------------------------------------------------------------


def parameters(conn: Session) -> dict[bytes, bytes]:
    """CONFIG GET's parameters and their values on this node (all fixed)."""
    server = conn.server
    return {
        b"appendonly": b"no",
        b"cluster-enabled": b"no",
        b"databases": b"1",
        b"maxclients": b"10000",
        b"maxmemory": b"0",
        b"maxmemory-policy": b"noeviction",
        b"notify-keyspace-events": b"AKE",
        b"port": b"%d" % server.port,
        b"proto-max-bulk-len": b"%d" % server.machine.max_value_size,
        b"save": b"",
        b"timeout": b"0",
    }


def _config_get(conn: Session, patterns: list[bytes]) -> None:
    values = parameters(conn)
    found: dict[bytes, bytes] = {}
    for pattern in patterns:
        match = matcher(pattern.lower())
        found |= {k: v for k, v in values.items() if match(k)}
    reply = resp.bulk_array(x for k in sorted(found) for x in (k, found[k]))
    conn.reply(resp.flat_to_map(reply) if conn.protocol == 3 else reply)


def _config_set(conn: Session, args: list[bytes]) -> None:
    """CONFIG SET parameter value ...: nothing here is settable. Setting a parameter to
    the value it has is accepted (clients set defaults), and so is any valid
    ``notify-keyspace-events`` (every notification is always published)."""
    if len(args) % 2:
        conn.reply(ERR_SYNTAX)
        return
    values = parameters(conn)
    pairs = list(zip(args[2::2], args[3::2], strict=True))
    for name, _ in pairs:
        if name.lower() not in values:
            conn.reply(
                resp.error(b"Unknown option or number of arguments for CONFIG SET - '%s'" % name)
            )
            return
    for name, value in pairs:
        key = name.lower()
        if key == b"notify-keyspace-events":
            if not set(value) <= EVENT_CLASSES:
                reason = b"Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
                conn.reply(_set_failed(name, reason))
                return
        elif value != values[key]:
            reason = b"rabia keeps it at '%s'" % values[key]
            conn.reply(_set_failed(name, reason))
            return
    conn.reply(OK)


def _set_failed(name: bytes, reason: bytes) -> bytes:
    return resp.error(
        b"CONFIG SET failed (possibly related to argument '%s') - %s" % (name, reason)
    )


CONFIG_SUBCOMMANDS = {b"get": -3, b"set": -4, b"resetstat": 2, b"rewrite": 2, b"help": 2}


def config(conn: Session, args: list[bytes]) -> None:
    """CONFIG GET pattern..., CONFIG SET parameter value..., CONFIG RESETSTAT,
    CONFIG REWRITE (nothing to write: refused)."""
    refused = CONFIG_ROW.subcommand_error(args)
    sub = args[1].lower()
    if refused is not None:
        conn.reply(refused)
    elif sub == b"get":
        _config_get(conn, args[2:])
    elif sub == b"set":
        _config_set(conn, args)
    elif sub == b"resetstat":
        conn.reply(OK)
    elif sub == b"rewrite":
        conn.reply(resp.error(b"The server is running without a config file"))
    else:
        lines = [b"CONFIG <subcommand> [<arg> ...]. Subcommands are:"]
        lines += [b"GET <pattern> ...", b"    Parameters matching the glob patterns."]
        lines += [b"SET <parameter> <value> ...", b"    Only values already in effect."]
        lines += [b"RESETSTAT", b"    Accepted.", b"HELP", b"    This help."]
        conn.reply(resp.array(resp.simple(line) for line in lines))


# -- INFO --------------------------------------------------------------------------------


def _human(size: int) -> str:
    for unit in ("B", "K", "M", "G"):
        if size < 1024 or unit == "G":
            return f"{size}{unit}" if unit == "B" else f"{size:.2f}{unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _server(conn: Session) -> list[str]:
    server = conn.server
    uptime = int(conn.clock() - server.started)
    run_id = hashlib.sha1(f"{os.getpid()}:{server.port}:{server.started}".encode()).hexdigest()
    return [
        f"redis_version:{REDIS_VERSION.decode()}",
        f"rabia_version:{RABIA_VERSION.decode()}",
        f"rabia_build:{compiled.build_name()}",
        "redis_git_sha1:00000000",
        "redis_git_dirty:0",
        "redis_mode:standalone",
        f"os:{platform.system()} {platform.release()} {platform.machine()}",
        "arch_bits:64",
        "multiplexing_api:asyncio",
        f"python_version:{platform.python_version()}",
        f"process_id:{os.getpid()}",
        f"run_id:{run_id}",
        f"tcp_port:{server.port}",
        f"server_time_usec:{time.time_ns() // 1000}",
        f"uptime_in_seconds:{uptime}",
        f"uptime_in_days:{uptime // 86400}",
        "hz:10",
        "configured_hz:10",
        f"executable:{sys.executable}",
        "config_file:",
    ]


def _clients(conn: Session) -> list[str]:
    clients = conn.server.clients()
    subscribed = sum(1 for c in clients if c.subs is not None and c.subs.active)
    return [
        f"connected_clients:{len(clients)}",
        "cluster_connections:0",
        "maxclients:10000",
        f"blocked_clients:{conn.server.blocked_clients()}",
        "tracking_clients:0",
        f"pubsub_clients:{subscribed}",
    ]


def _memory(conn: Session) -> list[str]:
    rss = _rss()
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, rss)
    return [
        f"used_memory:{rss}",
        f"used_memory_human:{_human(rss)}",
        f"used_memory_rss:{rss}",
        f"used_memory_rss_human:{_human(rss)}",
        f"used_memory_peak:{peak}",
        f"used_memory_peak_human:{_human(peak)}",
        "maxmemory:0",
        "maxmemory_human:0B",
        "maxmemory_policy:noeviction",
        "mem_allocator:libc",
    ]


def _persistence(conn: Session) -> list[str]:
    started = int(time.time() - (conn.clock() - conn.server.started))
    return [
        "loading:0",
        "async_loading:0",
        "rdb_changes_since_last_save:0",
        "rdb_bgsave_in_progress:0",
        f"rdb_last_save_time:{started}",
        "rdb_last_bgsave_status:ok",
        "aof_enabled:0",
        "aof_rewrite_in_progress:0",
        "aof_last_write_status:ok",
    ]


def _stats(conn: Session) -> list[str]:
    return [
        f"total_commands_processed:{conn.server.machine.revision}",
        "instantaneous_ops_per_sec:0",
        "rejected_connections:0",
        "expired_keys:0",
        "evicted_keys:0",
        "keyspace_hits:0",
        "keyspace_misses:0",
        f"pubsub_channels:{len(conn.hub.channels())}",
        f"pubsub_patterns:{len(conn.hub.patterns())}",
        "pubsubshard_channels:0",
        "total_error_replies:0",
    ]


def _replication(conn: Session) -> list[str]:
    return ["role:master", "connected_slaves:0", "master_failover_state:no-failover"]


def _cpu(conn: Session) -> list[str]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return [
        f"used_cpu_sys:{own.ru_stime:.6f}",
        f"used_cpu_user:{own.ru_utime:.6f}",
        f"used_cpu_sys_children:{children.ru_stime:.6f}",
        f"used_cpu_user_children:{children.ru_utime:.6f}",
    ]


def _cluster(conn: Session) -> list[str]:
    return ["cluster_enabled:0"]


def _keyspace(conn: Session) -> list[str]:
    keys, expires = conn.server.machine.key_counts()
    return [f"db0:keys={keys},expires={expires},avg_ttl=0"] if keys else []


def _consensus(conn: Session) -> list[str]:
    return [f"{k}:{v}" for k, v in sorted(conn.stats().items())]


SECTIONS: dict[str, Callable[[Session], list[str]]] = {
    "server": _server,
    "clients": _clients,
    "memory": _memory,
    "persistence": _persistence,
    "stats": _stats,
    "replication": _replication,
    "cpu": _cpu,
    "cluster": _cluster,
    "keyspace": _keyspace,
    "consensus": _consensus,
}
"""INFO's sections, in order (``# Consensus``: this node's consensus statistics)."""


def info(conn: Session, args: list[bytes]) -> None:
    """INFO [section ...]: every section by default (or ``all``, ``everything``,
    ``default``); unknown sections are left out."""
    wanted = {a.decode(errors="replace").lower() for a in args[1:]}
    if not wanted or wanted & {"all", "everything", "default"}:
        wanted = set(SECTIONS)
    blocks = [
        "\r\n".join([f"# {name.capitalize() if name != 'cpu' else 'CPU'}", *lines(conn)])
        for name, lines in SECTIONS.items()
        if name in wanted
    ]
    text = "\r\n\r\n".join(blocks)
    conn.reply(resp.bulk(text.encode() + b"\r\n" if text else b""))


_LOCAL = Flag.LOCAL

CONFIG_ROW = CommandSpec(
    b"config", -2, _LOCAL | Flag.ADMIN | Flag.NOSCRIPT, local=config, subcommands=CONFIG_SUBCOMMANDS
)

ROWS = (
    CommandSpec(b"time", 1, Flag.READONLY | Flag.FAST, handler=time_),
    CommandSpec(b"wait", 3, _LOCAL | Flag.NOSCRIPT, local=wait),
    CONFIG_ROW,
    CommandSpec(b"info", -1, _LOCAL, local=info),
)
"""The server commands' rows of the command table."""
