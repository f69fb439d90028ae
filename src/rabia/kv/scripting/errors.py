"""The error replies of scripting, as Redis 7.0.15 spells them (and rabia's own bounds)."""

from __future__ import annotations

NOSCRIPT = b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"
NUMKEYS_NEGATIVE = b"-ERR Number of keys can't be negative\r\n"
NUMKEYS_TOO_MANY = b"-ERR Number of keys can't be greater than number of args\r\n"
RO_WITH_WRITE_FLAG = b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
FLUSH_OPTION = b"-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"
DEBUG_OPTION = b"-ERR Use SCRIPT DEBUG YES/SYNC/NO\r\n"
NO_DEBUGGER = b"-ERR SCRIPT DEBUG YES/SYNC: the Lua debugger is not available in rabia\r\n"

# Raised inside the script by redis.call (plain messages: the kernel adds the position).
NO_ARGUMENTS = b"ERR Please specify at least one argument for this redis lib call"
BAD_ARGUMENT = b"ERR Lua redis lib command arguments must be strings or integers"
UNKNOWN_COMMAND = b"ERR Unknown Redis command called from script"
WRONG_ARITY = b"ERR Wrong number of args calling Redis command from script"
NOT_ALLOWED = b"ERR This Redis command is not allowed from script"
WRITE_IN_READ_ONLY = b"ERR Write commands are not allowed from read-only scripts."
INTERNAL = b"ERR internal error running the command from the script"


def compile_error(message: bytes) -> bytes:
    """The reply for a script Lua cannot compile (``message``: Lua's, with the line)."""
    text = b"Error compiling script (new function): " + message
    return b"-ERR %s\r\n" % text.replace(b"\r", b" ").replace(b"\n", b" ")


def block_in_script(name: bytes) -> bytes:
    """XREAD/XREADGROUP with BLOCK called from a script (a plain message, raised)."""
    return b"ERR %s command is not allowed with BLOCK option from scripts" % name


def where(sha: bytes, source: bytes | None, line: int | None) -> bytes:
    """Redis's suffix naming the script and, when known, the line it stopped at."""
    if source is None or line is None:
        return b" script: %s" % sha
    return b" script: %s, on %s:%d." % (sha, source, line)


def budget_exceeded(budget: int, sha: bytes, source: bytes | None, line: int | None) -> bytes:
    """A script stopped by its instruction budget (the same on every replica)."""
    text = b"ERR Script exceeded its instruction budget (%d instructions)" % budget
    return b"-%s%s\r\n" % (text, _clean(where(sha, source, line)))


def memory_exceeded(limit: int, sha: bytes) -> bytes:
    """A script stopped by its memory bound."""
    return b"-ERR Script exceeded its memory limit (%d bytes) script: %s\r\n" % (limit, sha)


def runtime_failure(sha: bytes, message: bytes) -> bytes:
    """Lua failed outside the script's own errors (an error in the error handler...)."""
    return b"-ERR %s script: %s\r\n" % (_clean(message), sha)


def _clean(text: bytes) -> bytes:
    return text.replace(b"\r", b" ").replace(b"\n", b" ")
