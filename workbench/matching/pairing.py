"""The result of a matching policy: pairs (or groups), scores and who was left out."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Pairing:
    """Mentor–mentee links chosen by a policy, as roster row indices.

    A one-to-one policy gives one link per group; a mentor with capacity or a
    mentoring circle gives several links sharing one ``group`` id.

    Attributes
    ----------
    mentor, mentee : (p,) int
        Roster rows of the two ends of each link.
    group : (p,) int
        Pair or circle id of each link.
    score : (p,) float
        The weighted pair score of each link.
    unmatched : dict[int, str]
        Roster row → plain-language reason the student was left out.
    policy : str
        Name of the policy that produced it.
    notes : tuple of str
        What the coordinator should know about how it was found (e.g. a
        near-optimal method's gap to its upper bound, or a fallback).
    """

    mentor: np.ndarray
    mentee: np.ndarray
    group: np.ndarray
    score: np.ndarray
    unmatched: dict[int, str] = field(default_factory=dict)
    policy: str = ""
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.mentor)

    @classmethod
    def empty(cls, policy: str = "") -> Pairing:
        none = np.zeros(0, dtype=np.intp)
        return cls(none, none, none, np.zeros(0), {}, policy)

    @classmethod
    def concat(cls, parts: list[Pairing], policy: str = "") -> Pairing:
        """Join pairings of disjoint sub-rosters (rows already mapped to one roster)."""
        if not parts:
            return cls.empty(policy)
        offset = 0
        groups = []
        for part in parts:
            groups.append(part.group + offset)
            offset += int(part.group.max()) + 1 if len(part.group) else 0
        unmatched: dict[int, str] = {}
        notes: list[str] = []
        for part in parts:
            unmatched.update(part.unmatched)
            notes.extend(part.notes)
        return cls(
            np.concatenate([p.mentor for p in parts]).astype(np.intp),
            np.concatenate([p.mentee for p in parts]).astype(np.intp),
            np.concatenate(groups).astype(np.intp),
            np.concatenate([p.score for p in parts]).astype(np.float64),
            unmatched,
            policy or parts[0].policy,
            tuple(notes),
        )

    def remap(self, rows: np.ndarray) -> Pairing:
        """Translate sub-roster indices to the parent roster's rows ``rows``."""
        rows = np.asarray(rows, dtype=np.intp)
        return Pairing(
            rows[self.mentor],
            rows[self.mentee],
            self.group,
            self.score,
            {int(rows[k]): why for k, why in self.unmatched.items()},
            self.policy,
            self.notes,
        )
