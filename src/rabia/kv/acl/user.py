"""One ACL user and how a rule changes it (Redis 7.0's ``ACL SETUSER`` rules).

Commands are kept as a set of allowed ids (a bitmap in Redis), whether ``+@all`` was
the last word on all commands (``all_future``), and the command rules given since then,
each later rule for a command (or category) replacing earlier ones for it (what Redis
7.2 shows; 7.0 recomputes a description from the bitmap: docs/kv.md). ``+cmd|arg`` on a
command without subcommands allows that first argument.
Passwords are kept as SHA-256 hex digests. Selectors are not supported.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from rabia.kv.acl.catalog import Catalog
from rabia.kv.glob import matcher

SYNTAX = b"Syntax error"
UNKNOWN = b"Unknown command or category name in ACL"
BAD_HASH = (
    b"The password hash must be exactly 64 characters and contain only lowercase "
    b"hexadecimal characters"
)
NO_SUCH_PASSWORD = b"The password you are trying to remove from the user does not exist"
SUBCOMMAND_ARG = b"Allowing first-arg of a subcommand is not supported"
AFTER_ALL_KEYS = (
    b"Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
    b"not have any effect. Try 'resetkeys' to start with an empty list of patterns"
)
AFTER_ALL_CHANNELS = (
    b"Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
    b"does not have any effect. Try 'resetchannels' to start with an empty list of channels"
)
SELECTORS = b"Selectors are not supported"

_HEX = frozenset(string.hexdigits.lower().encode())


class RuleError(ValueError):
    """A rule that cannot apply; ``reason`` is Redis's wording."""

    def __init__(self, reason: bytes) -> None:
        super().__init__(reason.decode(errors="replace"))
        self.reason = reason


def password_hash(password: bytes) -> bytes:
    """How a password is stored: its SHA-256 digest in lower-case hex."""
    return hashlib.sha256(password).hexdigest().encode()


@dataclass(frozen=True, slots=True)
class KeyPattern:
    """``~pattern`` (read and write), ``%R~pattern`` or ``%W~pattern``."""

    pattern: bytes
    read: bool
    write: bool

    def rule(self) -> bytes:
        if self.read and self.write:
            return b"~" + self.pattern
        return (b"%R~" if self.read else b"%W~") + self.pattern


@dataclass(slots=True)
class User:
    """An ACL user: new ones are off, without passwords, commands, keys or channels."""

    name: bytes
    on: bool = False
    nopass: bool = False
    sanitize: bytes = b""
    """``sanitize-payload``, ``skip-sanitize-payload`` or nothing (a flag only)."""
    passwords: list[bytes] = field(default_factory=list)
    all_future: bool = False
    allowed: set[bytes] = field(default_factory=set)
    first_args: dict[bytes, set[bytes]] = field(default_factory=dict)
    command_rules: list[bytes] = field(default_factory=list)
    """The command rules since the last ``+@all``/``-@all``, lower case."""
    all_keys: bool = False
    keys: list[KeyPattern] = field(default_factory=list)
    all_channels: bool = False
    channels: list[bytes] = field(default_factory=list)
    _matchers: dict[bytes, Callable[[bytes], object]] = field(default_factory=dict, repr=False)

    def copy(self) -> User:
        """An independent copy (what SETUSER changes before committing)."""
        return User(
            name=self.name,
            on=self.on,
            nopass=self.nopass,
            sanitize=self.sanitize,
            passwords=list(self.passwords),
            all_future=self.all_future,
            allowed=set(self.allowed),
            first_args={k: set(v) for k, v in self.first_args.items()},
            command_rules=list(self.command_rules),
            all_keys=self.all_keys,
            keys=list(self.keys),
            all_channels=self.all_channels,
            channels=list(self.channels),
        )

    def unrestricted(self, catalog: Catalog) -> bool:
        """May run every command on every key and channel (no check needed)."""
        return (
            self.all_keys
            and self.all_channels
            and self.all_future
            and len(self.allowed) == len(catalog.ids)
        )

    def matches(self, pattern: bytes, value: bytes) -> bool:
        """Whether glob ``pattern`` matches ``value`` (matchers cached)."""
        match = self._matchers.get(pattern)
        if match is None:
            match = self._matchers[pattern] = matcher(pattern)
        return bool(match(value))

    def check_password(self, password: bytes) -> bool:
        """Whether ``password`` lets a client authenticate as this user (on users only)."""
        return self.on and (self.nopass or password_hash(password) in self.passwords)

    # -- rules ---------------------------------------------------------------------------

    def apply(self, rule: bytes, catalog: Catalog) -> None:
        """Apply one rule; ``RuleError`` (and possibly a partial change: apply rules to a
        ``copy``) when it cannot."""
        word = rule.lower()
        simple = _SIMPLE.get(word)
        if simple is not None:
            simple(self, catalog)
        elif rule[:1] in (b"+", b"-"):
            self._command_rule(rule[:1] == b"+", word[1:], catalog)
        elif rule[:1] == b">":
            self._add_hash(password_hash(rule[1:]))
        elif rule[:1] == b"#":
            self._add_hash(_valid_hash(rule[1:]))
        elif rule[:1] == b"<":
            self._remove_hash(password_hash(rule[1:]))
        elif rule[:1] == b"!":
            self._remove_hash(_valid_hash(rule[1:]))
        elif rule[:1] == b"~":
            self._add_keys(KeyPattern(rule[1:], True, True))
        elif rule[:1] == b"%":
            self._add_keys(_key_pattern(rule))
        elif rule[:1] == b"&":
            self._add_channel(rule[1:])
        elif rule[:1] == b"(":
            raise RuleError(SELECTORS)
        else:
            raise RuleError(SYNTAX)

    def _command_rule(self, allow: bool, target: bytes, catalog: Catalog) -> None:
        self._change_commands(allow, target, catalog)
        if target != b"@all":
            self._remember(allow, target)

    def _remember(self, allow: bool, target: bytes) -> None:
        """Keep ``target``'s rule, replacing earlier ones for it (and its subcommands
        or first arguments)."""
        prefix = target + b"|"
        self.command_rules = [
            r for r in self.command_rules if r[1:] != target and not r[1:].startswith(prefix)
        ]
        self.command_rules.append((b"+" if allow else b"-") + target)

    def _change_commands(self, allow: bool, target: bytes, catalog: Catalog) -> None:
        if target.startswith(b"@"):
            category = target[1:]
            if category == b"all":
                self._all_commands(allow, catalog)
                return
            if category not in catalog.members:
                raise RuleError(UNKNOWN)
            self._set(allow, catalog.members[category])
            return
        name, bar, arg = target.partition(b"|")
        if name not in catalog.ids or b"|" in name:
            raise RuleError(UNKNOWN)
        if not bar:
            self._set(allow, catalog.family(name))
            return
        if name in catalog.subcommands:
            sub = name + b"|" + arg.partition(b"|")[0]
            if sub not in catalog.ids:
                raise RuleError(UNKNOWN)
            if b"|" in arg:
                raise RuleError(SUBCOMMAND_ARG)
            self._set(allow, frozenset([sub]))
        elif not allow or not arg or b"|" in arg:
            raise RuleError(UNKNOWN)
        elif name not in self.allowed:
            self.first_args.setdefault(name, set()).add(arg)

    def _set(self, allow: bool, ids: frozenset[bytes]) -> None:
        if allow:
            self.allowed |= ids
        else:
            self.allowed -= ids
        for name in ids:
            self.first_args.pop(name, None)

    def _all_commands(self, allow: bool, catalog: Catalog) -> None:
        self.all_future = allow
        self.allowed = set(catalog.ids) if allow else set()
        self.first_args = {}
        self.command_rules = []

    def _add_hash(self, digest: bytes) -> None:
        self.nopass = False
        if digest not in self.passwords:
            self.passwords.append(digest)

    def _remove_hash(self, digest: bytes) -> None:
        if digest not in self.passwords:
            raise RuleError(NO_SUCH_PASSWORD)
        self.passwords.remove(digest)
        self.nopass = False

    def _add_keys(self, pattern: KeyPattern) -> None:
        if pattern.pattern == b"*" and pattern.read and pattern.write:
            self.all_keys, self.keys = True, [pattern]
            return
        if self.all_keys:
            raise RuleError(AFTER_ALL_KEYS)
        for index, old in enumerate(self.keys):
            if old.pattern == pattern.pattern:
                read, write = old.read or pattern.read, old.write or pattern.write
                self.keys[index] = KeyPattern(old.pattern, read, write)
                return
        self.keys.append(pattern)

    def _add_channel(self, pattern: bytes) -> None:
        if pattern == b"*":
            self.all_channels, self.channels = True, []
        elif self.all_channels:
            raise RuleError(AFTER_ALL_CHANNELS)
        elif pattern not in self.channels:
            self.channels.append(pattern)


def _valid_hash(digest: bytes) -> bytes:
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise RuleError(BAD_HASH)
    return digest


def _key_pattern(rule: bytes) -> KeyPattern:
    """``%R~p``, ``%W~p``, ``%RW~p`` (either order)."""
    perms, tilde, pattern = rule[1:].partition(b"~")
    perms = perms.upper()
    if not tilde or not perms or perms.strip(b"RW") or len(set(perms)) != len(perms):
        raise RuleError(SYNTAX)
    return KeyPattern(pattern, b"R" in perms, b"W" in perms)


def _on(user: User, catalog: Catalog) -> None:
    user.on = True


def _off(user: User, catalog: Catalog) -> None:
    user.on = False


def _nopass(user: User, catalog: Catalog) -> None:
    user.nopass, user.passwords = True, []


def _resetpass(user: User, catalog: Catalog) -> None:
    user.nopass, user.passwords = False, []


def _allkeys(user: User, catalog: Catalog) -> None:
    user._add_keys(KeyPattern(b"*", True, True))


def _resetkeys(user: User, catalog: Catalog) -> None:
    user.all_keys, user.keys = False, []


def _allchannels(user: User, catalog: Catalog) -> None:
    user._add_channel(b"*")


def _resetchannels(user: User, catalog: Catalog) -> None:
    user.all_channels, user.channels = False, []


def _allcommands(user: User, catalog: Catalog) -> None:
    user._all_commands(True, catalog)


def _nocommands(user: User, catalog: Catalog) -> None:
    user._all_commands(False, catalog)


def _sanitize(user: User, catalog: Catalog) -> None:
    user.sanitize = b"sanitize-payload"


def _skip_sanitize(user: User, catalog: Catalog) -> None:
    user.sanitize = b"skip-sanitize-payload"


def _clearselectors(user: User, catalog: Catalog) -> None:
    pass  # no selectors to clear


def _reset(user: User, catalog: Catalog) -> None:
    for step in (_resetpass, _resetkeys, _resetchannels, _off, _nocommands, _sanitize):
        step(user, catalog)


_SIMPLE: dict[bytes, Callable[[User, Catalog], None]] = {
    b"on": _on,
    b"off": _off,
    b"nopass": _nopass,
    b"resetpass": _resetpass,
    b"allkeys": _allkeys,
    b"resetkeys": _resetkeys,
    b"allchannels": _allchannels,
    b"resetchannels": _resetchannels,
    b"allcommands": _allcommands,
    b"nocommands": _nocommands,
    b"sanitize-payload": _sanitize,
    b"skip-sanitize-payload": _skip_sanitize,
    b"clearselectors": _clearselectors,
    b"reset": _reset,
}
