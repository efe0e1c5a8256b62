"""What a matching round knows beyond the roster: forbidden pairs, partners to avoid, rankings.

A :class:`MatchContext` travels with one call of a policy. It holds roster row
indices, so :meth:`MatchContext.take` translates it to a sub-roster exactly as
:meth:`workbench.roster.Roster.take` does.

``forbidden``
    Pairs that must not meet (hard constraint): the roster's ``must_not_meet``
    column plus any the caller adds.
``avoid``
    Pairs to avoid *where possible* (soft): recent partners during rotation.
    Their score is lowered by :func:`avoid_penalty`, so an avoided pair is only
    chosen when the alternative is leaving a student unmatched.
``rankings``
    Explicit preference lists (row → rows, best first) for stable matching.
``strict``
    Raise :class:`~workbench.errors.WorkbenchError` when a hard constraint
    leaves a whole site without any possible pair (the roster matcher sets it;
    the simulation does not, a waiting student simply waits).

Examples
--------
>>> import numpy as np
>>> context = MatchContext.build(forbidden=[(0, 3)], avoid={(1, 2)})
>>> sub = context.take(np.array([3, 2, 1, 0]))
>>> sub.forbidden.tolist(), sub.avoid.tolist()
([[0, 3]], [[1, 2]])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

_NO_PAIRS = np.zeros((0, 2), dtype=np.intp)


def _pairs(pairs: Iterable[Sequence[int]] | np.ndarray | None) -> np.ndarray:
    """Unordered, distinct pairs as a sorted ``(k, 2)`` array with ``a < b``."""
    if pairs is None:
        return _NO_PAIRS
    array = np.asarray(list(pairs) if not isinstance(pairs, np.ndarray) else pairs, dtype=np.intp)
    if array.size == 0:
        return _NO_PAIRS
    array = array.reshape(-1, 2)
    # each pair as (smaller, larger): two column operations, not one sort per row
    low, high = np.minimum(array[:, 0], array[:, 1]), np.maximum(array[:, 0], array[:, 1])
    keep = low != high
    low, high = low[keep], high[keep]
    # one integer per pair: sorting it is far cheaper than np.unique(axis=0)
    width = int(high.max(initial=0)) + 1
    keys = np.sort(low * width + high)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return np.column_stack(np.divmod(keys, width)).astype(np.intp)


def avoid_penalty(weights: Mapping[str, float]) -> float:
    """Score taken off an avoided pair: more than any pair can score (sum of weights + 1)."""
    return float(sum(abs(w) for w in weights.values())) + 1.0


@dataclass(frozen=True)
class MatchContext:
    """Forbidden pairs, avoided pairs and explicit rankings for one matching round."""

    forbidden: np.ndarray = field(default_factory=lambda: _NO_PAIRS)
    avoid: np.ndarray = field(default_factory=lambda: _NO_PAIRS)
    rankings: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    strict: bool = False

    @classmethod
    def build(
        cls,
        forbidden: Iterable[Sequence[int]] | np.ndarray | None = None,
        avoid: Iterable[Sequence[int]] | np.ndarray | None = None,
        rankings: Mapping[int, Sequence[int]] | None = None,
        strict: bool = False,
    ) -> MatchContext:
        """Normalise pairs (unordered, distinct) and rankings (tuples of ints)."""
        ranked = {int(k): tuple(int(v) for v in values) for k, values in (rankings or {}).items()}
        return cls(_pairs(forbidden), _pairs(avoid), ranked, strict)

    @classmethod
    def from_roster(cls, roster, strict: bool = False) -> MatchContext:
        """The context a roster implies on its own: its ``must_not_meet`` pairs."""
        return cls(_pairs(getattr(roster, "must_not_meet", None)), strict=strict)

    def take(self, rows: np.ndarray) -> MatchContext:
        """The context of the sub-roster ``rows`` (pairs and rankings outside it dropped)."""
        rows = np.asarray(rows, dtype=np.intp)
        position = {int(r): k for k, r in enumerate(rows)}

        def local(pairs: np.ndarray) -> np.ndarray:
            if not len(pairs):
                return _NO_PAIRS
            inside = np.isin(pairs, rows).all(1)
            mapped = [(position[int(a)], position[int(b)]) for a, b in pairs[inside]]
            return _pairs(mapped)

        ranked = {
            position[k]: tuple(position[v] for v in values if v in position)
            for k, values in self.rankings.items()
            if k in position
        }
        return MatchContext(local(self.forbidden), local(self.avoid), ranked, self.strict)

    def split(self, blocks: Sequence[np.ndarray]) -> list[MatchContext]:
        """The contexts of disjoint sub-rosters, one per block: ``[self.take(b) for b in blocks]``.

        One pass over the pairs and rankings for all blocks, instead of one per
        block (matching many small sites: a rotation's avoided pairs span every site).

        >>> context = MatchContext.build(forbidden=[(0, 3), (1, 2)], avoid={(4, 1)})
        >>> [c.forbidden.tolist() for c in context.split([np.array([3, 0]), np.array([1, 2, 4])])]
        [[[0, 1]], [[0, 1]]]
        """
        blocks = [np.asarray(b, dtype=np.intp) for b in blocks]
        top = max((int(b.max()) for b in blocks if len(b)), default=-1)
        for pairs in (self.forbidden, self.avoid):
            top = max(top, int(pairs.max(initial=-1)))
        block_of = np.full(top + 1, -1, dtype=np.intp)
        position = np.full(top + 1, -1, dtype=np.intp)
        for k, b in enumerate(blocks):
            block_of[b] = k
            position[b] = np.arange(len(b))

        def local(pairs: np.ndarray) -> list[np.ndarray]:
            out = [_NO_PAIRS] * len(blocks)
            if not len(pairs):
                return out
            home = block_of[pairs[:, 0]]
            inside = (home >= 0) & (home == block_of[pairs[:, 1]])
            home = home[inside]
            a, b = position[pairs[inside, 0]], position[pairs[inside, 1]]
            low, high = np.minimum(a, b), np.maximum(a, b)
            # the order take() gives (_pairs: sorted by low, then high), block by block:
            # one integer key per pair sorts faster than a three-key lexsort
            width = max((len(block) for block in blocks), default=1)
            if len(blocks) * width * width < 2**62:
                keys = np.sort((home * width + low) * width + high)
                home, rest = np.divmod(keys, width * width)
                low, high = np.divmod(rest, width)
            else:
                order = np.lexsort((high, low, home))
                home, low, high = home[order], low[order], high[order]
            starts = np.searchsorted(home, np.arange(len(blocks) + 1))
            for k in np.flatnonzero(np.diff(starts)):
                span = slice(starts[k], starts[k + 1])
                out[k] = np.column_stack([low[span], high[span]])
            return out

        ranked: list[dict[int, tuple[int, ...]]] = [{} for _ in blocks]
        for k, values in self.rankings.items():
            if 0 <= k <= top and block_of[k] >= 0:
                home = block_of[k]
                ranked[home][int(position[k])] = tuple(
                    int(position[v]) for v in values if 0 <= v <= top and block_of[v] == home
                )
        return [
            MatchContext(forbidden, avoid, ranks, self.strict)
            for forbidden, avoid, ranks in zip(
                local(self.forbidden), local(self.avoid), ranked, strict=True
            )
        ]

    def mask(self, which: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Boolean ``(len(a), len(b))`` matrix: is ``(a[i], b[j])`` one of the ``which`` pairs."""
        pairs = getattr(self, which)
        out = np.zeros((len(a), len(b)), dtype=bool)
        if not len(pairs):
            return out
        n = int(max(pairs.max(), np.max(a, initial=0), np.max(b, initial=0))) + 1
        pos_a = np.full(n, -1)
        pos_b = np.full(n, -1)
        pos_a[np.asarray(a, dtype=np.intp)] = np.arange(len(a))
        pos_b[np.asarray(b, dtype=np.intp)] = np.arange(len(b))
        for x, y in ((pairs[:, 0], pairs[:, 1]), (pairs[:, 1], pairs[:, 0])):
            i, j = pos_a[x], pos_b[y]
            hit = (i >= 0) & (j >= 0)
            out[i[hit], j[hit]] = True
        return out
