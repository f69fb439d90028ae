"""Membership changes in the simulator (``rabia.testing.reconfig``): choosing them, and the
member sets that changes not yet in effect could make."""

from __future__ import annotations

import random

from rabia.core.membership import Configuration
from rabia.testing.reconfig import LOST_US, Pending, Reconfigurer

FIVE = Configuration(0, 0, (0, 1, 2, 3, 4))


def test_a_change_is_in_effect_once_the_latest_configuration_holds_it() -> None:
    assert Pending(0, 5, None, 0).in_effect(Configuration(9, 1, (0, 1, 2, 3, 4, 5)))
    assert not Pending(0, 5, None, 0).in_effect(FIVE)
    assert Pending(0, None, 1, 0).in_effect(Configuration(9, 1, (0, 2, 3, 4)))
    assert Pending(0, None, 1, 0).applied({0, 1, 2}) == {0, 2}


def test_a_change_given_up_as_lost_stays_outstanding_until_it_takes_effect() -> None:
    r = Reconfigurer(random.Random(1), ())
    assert r.choose(0, FIVE, (), ()) is not None
    first = r.pending
    assert first is not None and r.choose(10, FIVE, (), ()) is None, "one at a time"
    second = r.choose(LOST_US + 1, FIVE, (), ())
    assert second is not None and r.given_up == [first]
    assert len(r.outstanding(FIVE)) == 2
    sets = r.possible(FIVE)
    assert FIVE.members in sets and len(sets) == 4, "neither, either or both may land"
    after_first = Configuration(9, 1, tuple(sorted(first.applied(set(FIVE.members)))))
    assert r.outstanding(after_first) == [r.pending]


def test_a_change_is_chosen_only_where_the_budget_would_still_hold() -> None:
    r = Reconfigurer(random.Random(1), ())
    assert r.choose(0, FIVE, (), (), viable=lambda sets: False) is None
    seen: list[list[tuple[int, ...]]] = []
    assert r.choose(0, FIVE, (), (), viable=lambda sets: seen.append(sets) or True)
    assert all(FIVE.members in sets and len(sets) == 2 for sets in seen)


def test_a_script_makes_its_changes_in_order_and_then_none() -> None:
    three = Configuration(0, 0, (0, 1, 2))
    r = Reconfigurer(random.Random(1), (3, 4), script=[(None, 1), (3, None)])
    assert r.choose(0, three, (), ()) is None, "removing from three members: not yet"
    r = Reconfigurer(random.Random(1), (3, 4), script=[(3, None), (None, 1)])
    assert r.choose(0, three, (), ()) == (3, None)
    four = Configuration(5, 1, (0, 1, 2, 3))
    assert r.choose(10, three, (), ()) is None, "one at a time"
    assert r.choose(20, four, (), ()) == (None, 1)
    assert r.choose(30, Configuration(9, 2, (0, 2, 3)), (), ()) is None, "the script is done"
    assert r.script == [] and r.submitted == 2
