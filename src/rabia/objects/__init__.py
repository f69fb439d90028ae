"""Replicated objects: typed commands and queries on top of ``rabia.api.StateMachine``.

    class Counter(Replicated):
        value: int = 0

        @command
        def incr(self, by: int = 1) -> int:
            self.value += by
            return self.value

    counter = remote(Counter, client)  # or local(Counter, node)
    await counter.incr(5)

See docs/objects.md.
"""

from rabia.objects.errors import BadCall, BadReply, CommandFailed, NotDeterministic, ObjectError
from rabia.objects.methods import command, query
from rabia.objects.proxy import Channel, local, remote
from rabia.objects.replicated import Replicated

__all__ = [
    "BadCall",
    "BadReply",
    "Channel",
    "CommandFailed",
    "NotDeterministic",
    "ObjectError",
    "Replicated",
    "command",
    "local",
    "query",
    "remote",
]
