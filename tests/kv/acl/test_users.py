"""The user table: SETUSER all or nothing, DELUSER, the default user, snapshots."""

from __future__ import annotations

from rabia.kv.acl.describe import describe
from rabia.kv.acl.users import Users
from rabia.kv.commands.acl_categories import catalog
from rabia.kv.commands.table import COMMANDS

CATALOG = catalog(COMMANDS)


def test_default_user_with_and_without_password() -> None:
    users = Users(CATALOG)
    default = users.get(b"default")
    assert default is not None and describe(default) == b"user default on nopass ~* &* +@all"
    assert not users.restricted(default)
    with_pw = Users(CATALOG, b"pw")
    assert with_pw.authenticate(b"default", b"pw") and not with_pw.authenticate(b"default", b"x")


def test_a_bad_rule_changes_nothing() -> None:
    users = Users(CATALOG)
    assert users.setuser(b"a", [b"on", b"+get", b"bogus"]) == (
        b"-ERR Error in ACL SETUSER modifier 'bogus': Syntax error\r\n"
    )
    assert users.get(b"a") is None and users.pristine
    assert users.setuser(b"a b", []) is not None


def test_deluser_and_the_default_user() -> None:
    users = Users(CATALOG)
    users.setuser(b"a", [])
    assert users.deluser([b"a", b"a", b"nope"]) == 1
    assert users.deluser([b"default"]) == b"-ERR The 'default' user cannot be removed\r\n"


def test_state_round_trips_and_pristine_is_not_stored() -> None:
    users = Users(CATALOG, b"pw")
    assert users.state() is None
    users.setuser(b"a", [b"on", b">x", b"~a b", b"%R~r", b"&c", b"+@read", b"-get", b"+select|1"])
    copy = Users(CATALOG)
    copy.restore(users.state())
    assert [describe(u) for u in copy] == [describe(u) for u in users]
    copy.restore(None)
    assert copy.pristine and copy.get(b"a") is None
