"""The ACL at a client's connection: its user's name on every log entry it sends (so
the machine checks the entry at its log position), and the check at the node before a
command runs or is queued, and for barrier reads again when answered (the only checks
of commands answered at the node: barrier reads, connection commands, SUBSCRIBE).

A connection whose user was deleted is closed at its next command, as Redis closes it.
"""

from __future__ import annotations

from collections.abc import Callable

from rabia.kv.acl.check import noperm
from rabia.kv.acl.users import DEFAULT, Users
from rabia.kv.blocked_call import BlockedCall, Cancel, Waits
from rabia.kv.commands.acl_request import command_denial
from rabia.kv.commands.spec import CommandSpec, Session
from rabia.kv.commands.table import COMMANDS
from rabia.kv.entries import encode_as_user
from rabia.runtime.pending import OnOutcome

GONE = b""
"""``refusal``'s answer when the connection was closed (its user no longer exists)."""


def refusal(conn: Session, users: Users, spec: CommandSpec, args: list[bytes]) -> bytes | None:
    """The NOPERM error for ``args`` (which fit ``spec``'s arity) at this node now; GONE
    if the connection's user was deleted (the connection is then closed); None if it may
    run."""
    user = users.get(conn.user)
    if user is None:
        conn.kill()
        return GONE
    if not users.restricted(user):
        return None
    refused = command_denial(user, spec, args)
    if refused is None:
        return None
    error = noperm(*refused)
    if spec.name == b"exec":  # a refused EXEC discards the transaction, as in Redis
        conn.multi, conn.watched = None, {}
        return b"-EXECABORT Transaction discarded because of: " + error[1:]
    return error


def checked_reads(
    conn: Session, users: Users, read_now: Callable[[list[bytes]], bytes | None]
) -> Callable[[list[bytes]], bytes | None]:
    """``read_now`` (a barrier read's answer from the state) checking the ACL first,
    when the read is answered (after the barrier: the rules as of then)."""

    def read(args: list[bytes]) -> bytes | None:
        spec = COMMANDS.get(args[0].lower())
        problem = None if spec is None else refusal(conn, users, spec, args)
        return read_now(args) if problem is None else problem

    return read


def submitter(
    conn: Session, submit: Callable[[bytes, OnOutcome], None]
) -> Callable[[bytes, OnOutcome], None]:
    """``submit`` with each entry wrapped with the connection's user (unless default)."""

    def submit_as(entry: bytes, on_outcome: OnOutcome) -> None:
        user = conn.user
        submit(entry if user == DEFAULT else encode_as_user(user, entry), on_outcome)

    return submit_as


class WaitsAs:
    """A node's ``Waits`` whose submissions carry a connection's user (blocked calls)."""

    def __init__(self, waits: Waits, submit: Callable[[bytes, OnOutcome], None]) -> None:
        self._waits = waits
        self.submit = submit

    def track(self, wid: bytes, call: BlockedCall | None) -> None:
        self._waits.track(wid, call)

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Cancel:
        return self._waits.call_later(seconds, callback)
