"""A large sorted set: a member -> score dict and the (score, member) order in blocks.

Plays the part of Redis's skiplist + dict. The order is kept in blocks of at most
``2 * LOAD`` pairs, each block two parallel lists (scores, members) sorted by (score,
member); the last pair of every block is kept apart to find a block by bisection, and a
Fenwick tree over the block lengths gives ranks. Insert, remove, rank and select cost
O(log n) comparisons plus a memmove within one block. Per pair: the member (shared by the
dict and its block), the score (one float object, shared too), a dict entry and two list
slots; no per-pair tuple or node object.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from zlib import crc32

LOAD = 512
"""Blocks are split past ``2 * LOAD`` pairs and merged below ``LOAD // 4``."""


class ScoreIndex:
    """Members with their scores, ordered by (score, member bytes)."""

    __slots__ = ("_by_member", "_last_m", "_last_s", "_members", "_scores", "_tree", "dict")

    def __init__(self) -> None:
        self.dict: dict[bytes, float] = {}
        """member -> score."""
        self._scores: list[list[float]] = []
        self._members: list[list[bytes]] = []
        self._last_s: list[float] = []
        self._last_m: list[bytes] = []
        self._tree: list[int] = [0]
        self._by_member: list[bytes] | None = None
        """The members in ZSCAN's order (dropped when one is added or removed)."""

    @classmethod
    def from_sorted(cls, scores: list[float], members: list[bytes]) -> ScoreIndex:
        """An index of pairs already in order (and with distinct members)."""
        index = cls()
        index.dict = dict(zip(members, scores, strict=True))
        for start in range(0, len(members), LOAD):
            index._scores.append(scores[start : start + LOAD])
            index._members.append(members[start : start + LOAD])
        index._reindex()
        return index

    def __len__(self) -> int:
        return len(self.dict)

    # -- blocks ------------------------------------------------------------------------

    def _reindex(self) -> None:
        """Rebuild the block maxima and the Fenwick tree (after blocks changed)."""
        self._last_s = [block[-1] for block in self._scores]
        self._last_m = [block[-1] for block in self._members]
        tree = [0, *map(len, self._members)]
        size = len(tree) - 1
        for i in range(1, size + 1):
            parent = i + (i & -i)
            if parent <= size:
                tree[parent] += tree[i]
        self._tree = tree

    def _add_length(self, block: int, delta: int) -> None:
        tree = self._tree
        size = len(tree) - 1
        i = block + 1
        while i <= size:
            tree[i] += delta
            i += i & -i

    def _before(self, block: int) -> int:
        """Pairs in the blocks before ``block``."""
        tree = self._tree
        total = 0
        i = block
        while i:
            total += tree[i]
            i -= i & -i
        return total

    def _locate(self, rank: int) -> tuple[int, int]:
        """(block, position) of the pair at ``rank`` (0 <= rank < len)."""
        tree = self._tree
        size = len(tree) - 1
        block = 0
        step = 1 << (size.bit_length() - 1) if size else 0
        while step:
            nxt = block + step
            if nxt <= size and tree[nxt] <= rank:
                block = nxt
                rank -= tree[nxt]
            step >>= 1
        return block, rank

    def _block_of(self, score: float, member: bytes) -> int:
        """The block where (score, member) is or would go (``len(blocks)``: after all)."""
        last_s = self._last_s
        block = bisect_left(last_s, score)
        if block < len(last_s) and last_s[block] == score:
            block = bisect_left(self._last_m, member, block, bisect_right(last_s, score, block))
        return block

    @staticmethod
    def _position(scores: list[float], members: list[bytes], score: float, member: bytes) -> int:
        lo = bisect_left(scores, score)
        if lo == len(scores) or scores[lo] != score:
            return lo
        return bisect_left(members, member, lo, bisect_right(scores, score, lo))

    # -- the Ordered protocol (rabia.kv.values.zset) -----------------------------------

    def get(self, member: bytes) -> float | None:
        return self.dict.get(member)

    def insert(self, member: bytes, score: float) -> None:
        """Add a member that is not in the set."""
        self.dict[member] = score
        self._by_member = None
        if not self._members:
            self._scores.append([score])
            self._members.append([member])
            self._reindex()
            return
        block = min(self._block_of(score, member), len(self._members) - 1)
        scores, members = self._scores[block], self._members[block]
        pos = self._position(scores, members, score, member)
        scores.insert(pos, score)
        members.insert(pos, member)
        if pos == len(members) - 1:
            self._last_s[block] = score
            self._last_m[block] = member
        if len(members) > 2 * LOAD:
            self._scores[block : block + 1] = [scores[:LOAD], scores[LOAD:]]
            self._members[block : block + 1] = [members[:LOAD], members[LOAD:]]
            self._reindex()
        else:
            self._add_length(block, 1)

    def remove(self, member: bytes) -> float | None:
        """Remove a member; its score, or None if it was not in the set."""
        score = self.dict.pop(member, None)
        if score is None:
            return None
        self._by_member = None
        block = self._block_of(score, member)
        scores, members = self._scores[block], self._members[block]
        pos = self._position(scores, members, score, member)
        del scores[pos]
        del members[pos]
        if len(members) < LOAD // 4:
            self._merge(block)
        else:
            if pos == len(members):
                self._last_s[block] = scores[-1]
                self._last_m[block] = members[-1]
            self._add_length(block, -1)
        return score

    def _merge(self, block: int) -> None:
        """Drop ``block`` if empty, else join it with a neighbour when it has one."""
        all_scores, all_members = self._scores, self._members
        if not all_members[block]:
            del all_scores[block], all_members[block]
        elif len(all_members) > 1:
            left = block - 1 if block else block
            all_scores[left : left + 2] = [all_scores[left] + all_scores[left + 1]]
            all_members[left : left + 2] = [all_members[left] + all_members[left + 1]]
            if len(all_members[left]) > 2 * LOAD:
                scores, members = all_scores[left], all_members[left]
                half = len(members) // 2
                all_scores[left : left + 1] = [scores[:half], scores[half:]]
                all_members[left : left + 1] = [members[:half], members[half:]]
        self._reindex()

    def rank(self, member: bytes) -> int | None:
        """0-based rank in ascending order, or None."""
        score = self.dict.get(member)
        if score is None:
            return None
        block = self._block_of(score, member)
        pos = self._position(self._scores[block], self._members[block], score, member)
        return self._before(block) + pos

    def slice(self, start: int, stop: int) -> tuple[list[bytes], list[float]]:
        """Members and scores of ranks ``start`` <= rank < ``stop`` (in range)."""
        if start >= stop:
            return [], []
        block, pos = self._locate(start)
        members: list[bytes] = []
        scores: list[float] = []
        need = stop - start
        while need > 0:
            part = self._members[block][pos : pos + need]
            members += part
            scores += self._scores[block][pos : pos + len(part)]
            need -= len(part)
            block += 1
            pos = 0
        return members, scores

    def score_rank(self, score: float, after_equal: bool) -> int:
        """Pairs with a score below ``score`` (or not above it, with ``after_equal``)."""
        find = bisect_right if after_equal else bisect_left
        block = find(self._last_s, score)
        if block == len(self._scores):
            return len(self.dict)
        return self._before(block) + find(self._scores[block], score)

    def member_rank(self, member: bytes, after_equal: bool) -> int:
        """Pairs whose member is below ``member`` (or not above it), supposing members
        in order (they are when the scores are equal, the use of lex ranges)."""
        find = bisect_right if after_equal else bisect_left
        block = find(self._last_m, member)
        if block == len(self._members):
            return len(self.dict)
        return self._before(block) + find(self._members[block], member)

    def remove_ranks(self, start: int, stop: int) -> list[bytes]:
        """Remove the pairs of ranks [start, stop); their members."""
        members, _ = self.slice(start, stop)
        for member in members:
            del self.dict[member]
        self._by_member = None
        first, pos = self._locate(start)
        block, need, dropped = first, stop - start, False
        while need > 0:
            scores, part = self._scores[block], self._members[block]
            taken = min(need, len(part) - pos)
            del scores[pos : pos + taken], part[pos : pos + taken]
            need -= taken
            if not part:  # the next block moves into this place
                del self._scores[block], self._members[block]
                dropped = True
            elif not dropped:
                if pos == len(part):
                    self._last_s[block], self._last_m[block] = scores[-1], part[-1]
                self._add_length(block, -taken)
                block += 1
            else:
                block += 1
            pos = 0
        if dropped:
            self._reindex()
        if first < len(self._members) and len(self._members[first]) < LOAD // 4:
            self._merge(first)
        return members

    def items(self) -> tuple[list[bytes], list[float]]:
        """Every member and score, in order."""
        members: list[bytes] = []
        scores: list[float] = []
        for block in self._members:
            members += block
        for block_scores in self._scores:
            scores += block_scores
        return members, scores

    def extend(self, pairs: Iterable[tuple[float, bytes]]) -> None:
        """Insert many new members."""
        for score, member in pairs:
            self.insert(member, score)

    def scan(self, cursor: int, count: int) -> tuple[list[bytes], int]:
        """ZSCAN of a large set, as HSCAN and SSCAN walk theirs
        (``rabia.kv.commands.elements``): ``count`` members (plus those sharing the last
        one's CRC-32) in CRC-32 order from ``cursor`` (the next one's CRC-32 plus one),
        and the cursor after them (0: done). A member present for the whole scan is
        returned once, whatever else is added or removed meanwhile."""
        order = self._by_member
        if order is None:
            order = self._by_member = sorted(self.dict, key=crc32)
        start = bisect_left(order, cursor - 1, key=crc32)
        end = min(start + count, len(order))
        if end < len(order):
            last = crc32(order[end - 1])
            while end < len(order) and crc32(order[end]) == last:
                end += 1
        following = crc32(order[end]) + 1 if end < len(order) else 0
        return order[start:end], following
