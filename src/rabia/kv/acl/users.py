"""The user table: part of the replicated machine (changed only by log entries, ACL
SETUSER and DELUSER) and of its snapshot.

Its initial state is the ``default`` user, ``on nopass ~* &* +@all``, or with a password
``on #<sha256> ~* &* +@all``: every node must be started with the same password file so
that every replica starts alike. The table stays *pristine* until the log changes it; a
pristine table is not written into snapshots, so a node restoring one keeps the default
user its own configuration gives (the same everywhere, as said).
"""

from __future__ import annotations

from collections.abc import Iterator

from rabia.kv import resp
from rabia.kv.acl.catalog import Catalog
from rabia.kv.acl.describe import rules as describe_rules
from rabia.kv.acl.user import RuleError, User, password_hash

DEFAULT = b"default"
ERR_BAD_NAME = b"-ERR Usernames can't contain spaces or null characters\r\n"
ERR_DEFAULT = b"-ERR The 'default' user cannot be removed\r\n"


def setuser_error(rule: bytes, reason: bytes) -> bytes:
    """Redis's reply to a SETUSER whose ``rule`` cannot apply."""
    return resp.error(b"Error in ACL SETUSER modifier '%s': %s" % (rule, reason))


class Users:
    """Users by name; ``default`` always exists."""

    def __init__(self, catalog: Catalog, password: bytes | None = None) -> None:
        self.catalog = catalog
        self.users: dict[bytes, User] = {}
        self.pristine = True
        """No log entry changed the table (nor a restored snapshot)."""
        self._checked: dict[bytes, bool] = {}
        self.configure_default(password)

    def configure_default(self, password: bytes | None) -> None:
        """The default user of a pristine table: ``nopass``, or ``password`` (its hash)."""
        self._password = password
        if not self.pristine:
            return
        user = User(DEFAULT)
        for rule in (b"on", b"allkeys", b"allchannels", b"allcommands"):
            user.apply(rule, self.catalog)
        if password is None:
            user.nopass = True
        else:
            user.passwords = [password_hash(password)]
        self.users = {DEFAULT: user}
        self._checked = {}

    @property
    def default_password(self) -> bytes | None:
        """The password the initial ``default`` user was configured with."""
        return self._password

    def __iter__(self) -> Iterator[User]:
        """Every user, by name."""
        return iter([self.users[name] for name in sorted(self.users)])

    def get(self, name: bytes) -> User | None:
        return self.users.get(name)

    def restricted(self, user: User) -> bool:
        """Whether ``user``'s commands must be checked (cached until the table changes)."""
        known = self._checked.get(user.name)
        if known is None:
            known = self._checked[user.name] = not user.unrestricted(self.catalog)
        return known

    def authenticate(self, name: bytes, password: bytes) -> bool:
        """Whether ``name`` exists, is on and ``password`` is one of its own."""
        user = self.users.get(name)
        return user is not None and user.check_password(password)

    # -- changes (log entries only) ----------------------------------------------------

    def setuser(self, name: bytes, rules: list[bytes]) -> bytes | None:
        """Create or change a user; its error reply (and no change at all) if a rule
        cannot apply, else None."""
        if b" " in name or b"\0" in name:
            return ERR_BAD_NAME
        old = self.users.get(name)
        user = User(name) if old is None else old.copy()
        for rule in rules:
            try:
                user.apply(rule, self.catalog)
            except RuleError as exc:
                return setuser_error(rule, exc.reason)
        self.users[name] = user
        self._changed()
        return None

    def deluser(self, names: list[bytes]) -> bytes | int:
        """Remove users: how many existed, or the error for ``default`` (nothing removed)."""
        if DEFAULT in names:
            return ERR_DEFAULT
        gone = 0
        for name in dict.fromkeys(names):
            if self.users.pop(name, None) is not None:
                gone += 1
        if gone:
            self._changed()
        return gone

    def _changed(self) -> None:
        self.pristine = False
        self._checked = {}

    # -- snapshots -----------------------------------------------------------------------

    def state(self) -> list[list[bytes]] | None:
        """The snapshot's form: per user, its name and the rules describing it; None
        when pristine."""
        if self.pristine:
            return None
        return [[user.name, *describe_rules(user)] for user in self]

    def restore(self, state: list[list[bytes]] | None) -> None:
        """Take a ``state()``: None returns to the configured default user.
        ``RuleError``/``ValueError`` on a state that is not one."""
        if state is None:
            self.pristine = True
            self.configure_default(self._password)
            return
        users: dict[bytes, User] = {}
        for name, *user_rules in state:
            user = User(name)
            for rule in user_rules:
                user.apply(rule, self.catalog)
            users[name] = user
        if DEFAULT not in users:
            raise ValueError("ACL state without the default user")
        self.users = users
        self._changed()
