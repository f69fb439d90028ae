"""Scripting on every replica: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (ADR 0016).

Each is one log entry. A script runs inside its entry's apply, atomically, with
``ctx.nested`` set (blocking commands answer their nil); its ``redis.call`` goes through
``script_calls.ScriptCalls``. The script cache (``ctx.scripts``) is replicated state:
EVAL caches what it compiles, SCRIPT LOAD adds, SCRIPT FLUSH empties, snapshots carry it.

Key positions: EVAL's keys are counted by ``numkeys`` (``EVAL script numkeys k1 .. kn
arg ...``), which a ``KeyPositions`` cannot say; as in Redis (movable keys) the rows
declare none. Nothing depends on them here: each command the script calls is checked
on its own (the election-key guard of ``ctx.run`` included).
"""

from __future__ import annotations

from rabia.kv import resp
from rabia.kv.commands.script_calls import ScriptCalls
from rabia.kv.commands.spec import NO_KEYS, CommandSpec, Context, Flag
from rabia.kv.scripting import Script, errors


def _run(ctx: Context, args: list[bytes], by_sha: bool, read_only: bool) -> bytes:
    engine = ctx.scripts
    if by_sha and not engine.exists(args[1]):
        return errors.NOSCRIPT
    numkeys = resp.parse_int(args[2])
    if numkeys is None:
        return resp.ERR_NOT_INT
    if numkeys < 0:
        return errors.NUMKEYS_NEGATIVE
    if numkeys > len(args) - 3:
        return errors.NUMKEYS_TOO_MANY
    found = engine.get(args[1]) if by_sha else engine.load(args[1])
    if found is None:
        return errors.NOSCRIPT
    if isinstance(found, bytes):
        return found
    script: Script = found
    if read_only and script.shebang and not script.no_writes:
        return errors.RO_WITH_WRITE_FLAG
    keys, argv = args[3 : 3 + numkeys], args[3 + numkeys :]
    host = ScriptCalls(ctx, read_only or script.no_writes)
    nested = ctx.nested
    ctx.nested = True
    try:
        return engine.run(script, keys, argv, host)
    finally:
        ctx.nested = nested
        ctx.random_salt = 0


def eval_(ctx: Context, args: list[bytes]) -> bytes:
    return _run(ctx, args, by_sha=False, read_only=False)


def evalsha(ctx: Context, args: list[bytes]) -> bytes:
    return _run(ctx, args, by_sha=True, read_only=False)


def eval_ro(ctx: Context, args: list[bytes]) -> bytes:
    return _run(ctx, args, by_sha=False, read_only=True)


def evalsha_ro(ctx: Context, args: list[bytes]) -> bytes:
    return _run(ctx, args, by_sha=True, read_only=True)


HELP = (
    b"SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    b"DEBUG (YES|SYNC|NO)",
    b"    Set the debug mode for subsequent scripts executed.",
    b"EXISTS <sha1> [<sha1> ...]",
    b"    Return information about the existence of the scripts in the script cache.",
    b"FLUSH [ASYNC|SYNC]",
    b"    Flush the Lua scripts cache. Very dangerous on replicas.",
    b"    When called without the optional mode argument, the behavior is determined by the",
    b"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    b"    * ASYNC: Asynchronously flush the scripts cache.",
    b"    * SYNC: Synchronously flush the scripts cache.",
    b"KILL",
    b"    Kill the currently executing Lua script.",
    b"LOAD <script>",
    b"    Load a script into the scripts cache without executing it.",
    b"HELP",
    b"    Prints this help.",
)
HELP_REPLY = resp.array(resp.simple(line) for line in HELP)

SCRIPT_SUBCOMMANDS = {
    b"load": 3,
    b"exists": -3,
    b"flush": -2,
    b"kill": 2,
    b"debug": 3,
    b"help": 2,
}


def script(ctx: Context, args: list[bytes]) -> bytes:
    """SCRIPT LOAD | EXISTS | FLUSH [ASYNC|SYNC] | KILL | DEBUG | HELP."""
    refused = ctx.commands[b"script"].subcommand_error(args)
    if refused is not None:
        return refused
    sub = args[1].lower()
    engine = ctx.scripts
    if sub == b"load":
        found = engine.load(args[2])
        return found if isinstance(found, bytes) else resp.bulk(found.sha)
    if sub == b"exists":
        return resp.array(resp.ONE if engine.exists(sha) else resp.ZERO for sha in args[2:])
    if sub == b"flush":
        if len(args) > 3 or (len(args) == 3 and args[2].lower() not in (b"async", b"sync")):
            return errors.FLUSH_OPTION
        engine.flush()
        return resp.OK
    if sub == b"kill":  # a script runs inside one apply: none is ever running to kill
        return errors.NOTBUSY
    if sub == b"debug":
        mode = args[2].lower()
        if mode == b"no":
            return resp.OK
        return errors.NO_DEBUGGER if mode in (b"yes", b"sync") else errors.DEBUG_OPTION
    return HELP_REPLY


_SCRIPT = Flag.NOSCRIPT

ROWS = (
    CommandSpec(b"eval", -3, Flag.WRITE | Flag.DENYOOM | _SCRIPT, NO_KEYS, eval_),
    CommandSpec(b"evalsha", -3, Flag.WRITE | Flag.DENYOOM | _SCRIPT, NO_KEYS, evalsha),
    CommandSpec(b"eval_ro", -3, Flag.READONLY | _SCRIPT, NO_KEYS, eval_ro),
    CommandSpec(b"evalsha_ro", -3, Flag.READONLY | _SCRIPT, NO_KEYS, evalsha_ro),
    CommandSpec(
        b"script", -2, Flag.WRITE | _SCRIPT, NO_KEYS, script, subcommands=SCRIPT_SUBCOMMANDS
    ),
)
"""The scripting commands' rows of the command table (all logged: a script's effects and
the cache are replicated state; SCRIPT EXISTS reads through the log, linearizably)."""
