"""The read barrier (``rabia.core.barrier``), driven by hand: no replica, no network."""

from __future__ import annotations

from dataclasses import dataclass, field

from rabia.core.barrier import MAX_OUT, ReadBarrier, Standing
from rabia.core.config import ReplicaConfig, UnsafeSwitches
from rabia.core.membership import Configuration
from rabia.core.messages import Barrier, BarrierAck, Message
from rabia.core.ready import Outbox
from rabia.core.stats import ReplicaStats

THREE = Configuration(0, 0, (0, 1, 2))
FOUR = Configuration(7, 1, (0, 1, 2, 3))


@dataclass
class Reader:
    """A ReadBarrier of node 0 (incarnation 4) with the standing a test sets."""

    unsafe: UnsafeSwitches = field(default_factory=UnsafeSwitches)
    standing: Standing = field(default_factory=lambda: Standing(5, 4, THREE, True))
    node: int = 0
    members: tuple[int, ...] = (0, 1, 2)

    def __post_init__(self) -> None:
        config = ReplicaConfig(
            self.node, self.members, unsafe=self.unsafe, resend_ticks=2, max_resend_ticks=8
        )
        self.outbox = Outbox()
        self.stats = ReplicaStats()
        self.barrier = ReadBarrier(config, 4, self.outbox, self.stats)
        self.tick = 0
        self.released = 0

    def read(self) -> int:
        return self.barrier.read(self.standing, self.tick)

    def ack(self, sender: int, mark: int, number: int = 1, incarnation: int = 4) -> None:
        ack = BarrierAck(sender, incarnation, number, mark, 0)
        self.barrier.on_ack(ack, self.standing, self.tick)

    def at(self, **changes: object) -> None:
        """The replica moved: poll with the new standing."""
        self.standing = self.standing._replace(**changes)
        self.barrier.poll(self.standing, self.tick)

    def ticks(self, n: int) -> None:
        for _ in range(n):
            self.tick += 1
            self.barrier.tick(self.standing, self.tick)

    def sent(self) -> list[tuple[int, Message]]:
        ready = self.outbox.take()
        if ready.reads_below:
            self.released = ready.reads_below
        return ready.messages


def test_a_read_sends_one_barrier_to_every_other_member_and_waits_for_a_quorum() -> None:
    r = Reader()
    assert r.read() == 0
    assert r.sent() == [(1, Barrier(0, 4, 1)), (2, Barrier(0, 4, 1))]
    r.at(next_slot=9)
    assert r.released == 0, "its own answer alone is not a quorum of three"
    r.ack(2, mark=12)
    r.sent()
    assert r.released == 0, "B = 12: slots 10..12 are not decided yet"
    r.at(next_slot=12)
    r.sent()
    assert r.released == 0
    r.at(next_slot=13)
    r.sent()
    assert r.released == 1
    assert not r.barrier.active
    assert (r.stats.barriers, r.stats.reads_released) == (1, 1)


def test_b_is_the_largest_mark_of_the_quorum_own_mark_included() -> None:
    r = Reader(standing=Standing(10, 10, THREE, True))
    r.read()
    r.ack(1, mark=3)
    r.at(next_slot=10)
    r.sent()
    assert r.released == 0, "own mark 10 (under way in slot 10): wait for it"
    r.at(next_slot=11)
    r.sent()
    assert r.released == 1


def test_answers_of_another_barrier_or_of_a_non_member_are_not_counted() -> None:
    r = Reader()
    r.read()
    r.ack(1, mark=0, number=2)
    r.ack(1, mark=0, incarnation=3)  # an earlier life's barrier 1
    r.ack(7, mark=0)
    r.sent()
    assert r.released == 0
    r.ack(1, mark=0)
    r.sent()
    assert r.released == 1


def test_reads_during_a_barrier_wait_for_the_next_one() -> None:
    r = Reader()
    r.read()
    r.sent()
    assert r.read() == 1
    assert r.sent() == [], "no second barrier while one is out"
    r.ack(1, mark=0)
    messages = r.sent()
    assert r.released == 1, "the first read only"
    assert messages == [(1, Barrier(0, 4, 2)), (2, Barrier(0, 4, 2))]
    r.ack(1, mark=0)  # a late duplicate answer of barrier 1
    r.sent()
    assert r.released == 1
    r.ack(2, mark=0, number=2)
    r.sent()
    assert r.released == 2
    assert r.barrier.waiting == 0


def test_every_read_waiting_shares_one_barrier() -> None:
    r = Reader()
    r.read()
    r.read()  # waits
    r.read()  # waits
    r.ack(1, mark=0)
    r.sent()
    r.ack(1, mark=0, number=2)
    r.sent()
    assert r.released == 3
    assert r.stats.barriers == 2


def test_the_next_barrier_starts_at_the_quorum_not_at_the_release() -> None:
    r = Reader()
    r.read()
    r.sent()
    r.ack(1, mark=12)
    r.sent()
    assert r.released == 0, "B = 12, not decided yet"
    assert r.read() == 1
    assert r.sent() == [(1, Barrier(0, 4, 2)), (2, Barrier(0, 4, 2))], "at once: B is known"
    assert r.barrier.out == 2
    assert r.read() == 2
    assert r.sent() == [], "barrier 2 collects answers: the third read waits for barrier 3"
    r.ack(2, mark=12, number=2)
    assert r.sent() == [(1, Barrier(0, 4, 3)), (2, Barrier(0, 4, 3))]
    r.at(next_slot=13)
    r.sent()
    assert r.released == 2, "barriers 1 and 2; barrier 3 still collects"
    r.ack(1, mark=12, number=3)
    r.sent()
    assert r.released == 3
    assert not r.barrier.active and r.barrier.out == 0


def test_while_a_barrier_collects_a_ticket_needs_no_poll() -> None:
    r = Reader()
    assert not r.barrier.collecting
    r.read()
    r.sent()
    assert r.barrier.collecting
    assert r.barrier.ticket() == 1, "waits for the next barrier, which a poll starts"
    assert r.sent() == []
    r.ack(1, mark=12)  # the quorum: the next barrier starts and covers ticket 1
    assert r.barrier.collecting and r.barrier.out == 2, "barrier 1 has its B, barrier 2 collects"
    assert r.sent() == [(1, Barrier(0, 4, 2)), (2, Barrier(0, 4, 2))]
    r.ack(2, mark=12, number=2)
    r.at(next_slot=13)
    r.sent()
    assert r.released == 2


def test_an_answer_counts_only_for_its_own_barrier() -> None:
    r = Reader()
    r.read()
    r.ack(1, mark=12)
    r.read()  # barrier 2 starts
    r.ack(2, mark=12)  # a late answer to barrier 1
    r.ack(1, mark=12)  # a duplicate answer to barrier 1
    r.at(next_slot=13)
    r.sent()
    assert r.released == 1, "barrier 2 has only its own answer"
    r.ack(2, mark=12, number=2)
    r.sent()
    assert r.released == 2


def test_a_later_barrier_released_first_releases_the_earlier_reads_with_it() -> None:
    r = Reader()
    r.read()
    r.ack(1, mark=12)
    r.read()
    r.ack(2, mark=6, number=2)  # another quorum, a lower B
    assert r.barrier.out == 1, "barrier 1 (B = 12) can release nothing barrier 2 cannot"
    r.at(next_slot=7)
    r.sent()
    assert r.released == 2, "in ticket order: the reads of barrier 1 with those of 2"
    assert not r.barrier.active


def test_barriers_release_in_order_of_their_b() -> None:
    r = Reader()
    r.read()
    r.ack(1, mark=6)
    r.read()
    r.ack(2, mark=12, number=2)
    r.at(next_slot=7)
    r.sent()
    assert r.released == 1
    r.at(next_slot=13)
    r.sent()
    assert r.released == 2


def test_at_most_max_out_barriers_are_out() -> None:
    r = Reader()
    for number in range(1, MAX_OUT + 1):
        r.read()
        r.ack(1, mark=10 + number, number=number)
    assert r.barrier.out == MAX_OUT
    r.sent()
    r.read()
    assert r.sent() == [], "at the cap: the read waits for a release"
    r.at(next_slot=12)
    messages = r.sent()
    assert r.released == 1
    assert messages == [(1, Barrier(0, 4, MAX_OUT + 1)), (2, Barrier(0, 4, MAX_OUT + 1))]


def test_a_configuration_change_drops_every_barrier_out_for_one_new_one() -> None:
    r = Reader()
    r.read()
    r.ack(1, mark=20)
    r.read()
    r.sent()
    assert r.barrier.out == 2
    r.at(next_slot=8, config=FOUR)
    assert r.sent() == [(m, Barrier(0, 4, 3)) for m in (1, 2, 3)]
    assert r.barrier.out == 1 and r.stats.barrier_restarts == 1
    r.ack(2, mark=20, number=2)
    r.ack(1, mark=20, number=3)
    r.at(next_slot=21)
    r.sent()
    assert r.released == 0, "Q = 3 of four members; barrier 2's answer does not count"
    r.ack(3, mark=5, number=3)
    r.sent()
    assert r.released == 2


def test_unsafe_late_join_releases_a_read_with_a_barrier_sent_before_it() -> None:
    r = Reader(unsafe=UnsafeSwitches(barrier_late_join=True))
    r.read()
    r.read()
    r.ack(1, mark=0)
    r.sent()
    assert r.released == 2


def test_a_configuration_change_restarts_the_barrier_under_the_new_one() -> None:
    r = Reader()
    r.read()
    r.ack(1, mark=20)
    r.sent()
    r.at(next_slot=8, config=FOUR)  # a change decided in slot 6, before B = 20
    assert r.sent() == [(m, Barrier(0, 4, 2)) for m in (1, 2, 3)]
    assert r.stats.barrier_restarts == 1
    r.at(next_slot=21)
    r.ack(1, mark=20)  # an answer to the old barrier
    r.sent()
    assert r.released == 0
    r.ack(1, mark=20, number=2)
    r.sent()
    assert r.released == 0, "Q = 3 of four members"
    r.ack(3, mark=5, number=2)
    r.sent()
    assert r.released == 1


def test_unsafe_no_restart_releases_on_the_old_configuration() -> None:
    r = Reader(unsafe=UnsafeSwitches(barrier_no_restart=True))
    r.read()
    r.ack(1, mark=6)
    r.at(next_slot=8, config=FOUR)
    r.sent()
    assert r.released == 1


def test_unsafe_short_quorum_releases_on_fewer_than_q_answers() -> None:
    r = Reader(unsafe=UnsafeSwitches(barrier_short_quorum=True))
    r.read()
    r.sent()
    assert r.released == 1, "its own answer alone"


def test_lost_barriers_are_sent_again_with_back_off_to_the_silent_members() -> None:
    r = Reader(
        members=(0, 1, 2, 3, 4), standing=Standing(5, 4, Configuration(0, 0, (0, 1, 2, 3, 4)), True)
    )
    r.read()
    r.sent()
    r.ack(3, mark=0)
    r.ticks(2)
    assert r.sent() == [(m, Barrier(0, 4, 1)) for m in (1, 2, 4)]
    r.ticks(3)
    assert r.sent() == [], "back-off: next re-send 4 ticks after the first"
    r.ticks(1)
    assert len(r.sent()) == 3
    r.ack(4, mark=0)
    r.sent()
    assert r.released == 1
    r.ticks(20)
    assert r.sent() == []


def test_an_abstaining_reader_counts_itself_only_once_it_stops_abstaining() -> None:
    r = Reader(standing=Standing(5, 4, THREE, False))
    r.read()
    r.ack(1, mark=4)
    r.sent()
    assert r.released == 0
    r.at(answers=True)
    r.sent()
    assert r.released == 1


def test_a_reader_outside_its_configuration_needs_a_quorum_of_others() -> None:
    r = Reader(node=5, members=(0, 1, 2, 5), standing=Standing(5, 4, THREE, True))
    r.read()
    assert [dest for dest, _ in r.sent()] == [0, 1, 2]
    r.ack(0, mark=1)
    r.sent()
    assert r.released == 0
    r.ack(2, mark=1)
    r.sent()
    assert r.released == 1


def test_a_single_member_reads_at_once_when_nothing_is_under_way() -> None:
    one = Configuration(0, 0, (0,))
    r = Reader(members=(0,), standing=Standing(3, 2, one, True))
    r.read()
    assert r.sent() == []
    assert r.released == 1


def test_a_member_answers_with_its_mark_and_epoch_unless_it_abstains() -> None:
    r = Reader(standing=Standing(9, 9, FOUR, True))
    r.barrier.answer(Barrier(2, 3, 17), r.standing)
    assert r.sent() == [(2, BarrierAck(0, 3, 17, 9, 1))]
    r.barrier.answer(Barrier(2, 3, 18), r.standing._replace(answers=False))
    assert r.sent() == []
