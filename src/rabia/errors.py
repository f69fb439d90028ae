"""Errors a caller can act on. Each says whether the command may still take effect."""

from __future__ import annotations


class RabiaError(Exception):
    """Base class of rabia's errors."""

    may_have_applied: bool = False
    """True when the command might have been (or might still be) applied."""


class Unavailable(RabiaError):
    """No quorum is reachable, or the node is stopped. The command may still take effect
    if it was already handed to the cluster: retry with the same (client_id, seq) to
    learn its outcome exactly once."""

    may_have_applied = True


class Timeout(RabiaError):
    """No decision within the deadline. The command may still take effect later; retry
    with the same (client_id, seq) (the dedup table returns the first outcome)."""

    may_have_applied = True


class Rejected(RabiaError):
    """The node refused the command before proposing it (too large, bad arguments, node
    stopping). The command was not and will not be applied."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Indeterminate(RabiaError):
    """The connection to the node broke after the command was sent. It may or may not
    have been applied; retry with the same (client_id, seq) to find out."""

    may_have_applied = True


class AuthenticationFailed(Rejected):
    """The node and the client do not share the cluster secret (one has none, or they
    differ): nothing was sent. Give the client the nodes' secret (``--secret-file``)."""
