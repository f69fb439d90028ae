"""The errors of replicated objects: each says where it arose and whether state changed."""

from __future__ import annotations

from rabia.errors import RabiaError


class ObjectError(RabiaError):
    """Base class of the replicated-object errors."""


class BadCall(ObjectError, TypeError):
    """The arguments do not fit the method's signature or type hints. Raised on the
    caller's side before anything is sent (the command never reaches the log), or
    returned by a replica that received an undecodable call (it changed nothing)."""


class BadReply(ObjectError):
    """The reply could not be decoded to the method's return annotation (the method
    returned a value of another type). A command that produced it was applied."""

    may_have_applied = True


class CommandFailed(ObjectError):
    """The method raised an exception that the class does not declare (``errors=``).
    A command that fails changes nothing when rollback is on (the default)."""

    def __init__(self, method: str, type_name: str, message: str) -> None:
        super().__init__(f"{method} raised {type_name}: {message}")
        self.method = method
        self.type_name = type_name
        self.message = message


class NotDeterministic(ObjectError):
    """A method suspended (awaited something real), or used the log's context
    (``log_time``, ``random``) outside a command."""
