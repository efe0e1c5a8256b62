"""The score a blank timetable or language cell gets: the mean over students whose cell is known.

An unknown timetable or language neither helps nor hurts a student (docs/matching.md
section 2.4). Pure numpy on the roster's boolean matrices, imported by the roster and
by the pair score, so neither imports the other for it.
"""

from __future__ import annotations

import numpy as np


def neutral_overlap(slots: np.ndarray) -> float:
    """Mean schedule overlap over ordered pairs of distinct students with a known timetable.

    Exact, without building the n x n matrix: pairs are grouped by the two
    timetable sizes, within which ``min(|a|, |b|)`` is constant.

    >>> s = np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1], [0, 0, 0]], dtype=bool)
    >>> float(neutral_overlap(s))  # pairs: (0,1) 1, (0,2) 1/2, (1,2) 0
    0.5
    """
    known = slots[slots.any(1)].astype(np.float64)
    n = len(known)
    if n < 2:
        return 1.0
    sizes = known.sum(1)
    total = 0.0
    levels = np.unique(sizes)
    sums = {s: known[sizes == s].sum(0) for s in levels}
    for a in levels:
        for b in levels:
            total += float(sums[a] @ sums[b]) / min(a, b)
    return (total - n) / (n * (n - 1))


def neutral_shared(languages: np.ndarray) -> float:
    """Share of ordered pairs of distinct students with known languages who share one.

    >>> l = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=bool)
    >>> round(float(neutral_shared(l)), 4)  # (0,1) yes, (0,2) no, (1,2) yes
    0.6667
    """
    known = languages[languages.any(1)]
    n = len(known)
    if n < 2:
        return 1.0
    rows, counts = _distinct_rows(known)
    share = (rows @ rows.T) > 0
    return float((counts @ share @ counts - n) / (n * (n - 1)))


def _distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix (as floats) and how often each occurs.

    Up to 62 columns, each row is packed into one integer first: ``np.unique``
    on integers is far cheaper than ``np.unique(axis=0)`` (which sorts rows).
    """
    width = matrix.shape[1]
    if width > 62:
        rows, counts = np.unique(matrix, axis=0, return_counts=True)
        return rows.astype(np.float64), counts
    keys = matrix.astype(np.int64) @ (np.int64(1) << np.arange(width, dtype=np.int64))
    keys, first, counts = np.unique(keys, return_index=True, return_counts=True)
    return matrix[first].astype(np.float64), counts
