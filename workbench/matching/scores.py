"""The pair score: a documented, weighted sum of terms between a mentor and a mentee.

Every term lies in [0, 1]:

``affinity``
    Half the Jaccard similarity of interests, half the share of group attributes
    the two have in common ("aligning mentors and mentees by ... interests").
``complementarity``
    How far the mentor's strengths cover the mentee's needs: the mean over
    subjects of ``max(0, skill_mentor - skill_mentee) * need_mentee``, scaled
    so that a strong mentor (0.8) for a mentee in need (0.2) scores 1.
``challenge``
    Productive difference: half the interests the two do *not* share, half the
    mentor's mean lead in skill (scaled by 0.6) — the stretch of "balance
    affinity and challenge".
``cross_group``
    Share of the chosen attributes on which the two differ ("it builds bridges").
``schedule``
    Shared free slots over the smaller of the two timetables.
``language``
    1 when the two share a language, else 0.

Missing data is neutral: when one of the two has a blank timetable (or
language) cell, the term is the mean of that term over all pairs of students
whose cells are known (:attr:`workbench.roster.Roster.neutral_terms`), so a
blank neither helps nor hurts; when nobody's is known, the term is 1 for all.

The score is ``sum(weight[t] * term[t])``; weights come from the scenario's
``[matching.weights]`` or the caller.

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.scenario import Scenario
>>> roster = generate_roster(Scenario().cohort.model_copy(update={"size": 6}), np.random.default_rng(0))
>>> terms = pair_terms(roster, np.array([0, 1]), np.array([2, 3, 4]))
>>> sorted(terms), terms["affinity"].shape
(['affinity', 'challenge', 'complementarity', 'cross_group', 'language', 'schedule'], (2, 3))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from workbench.neutral import neutral_overlap as neutral_overlap  # its home; kept here too
from workbench.neutral import neutral_shared as neutral_shared
from workbench.roster import Roster, template_of

TERMS: tuple[str, ...] = (
    "affinity",
    "complementarity",
    "challenge",
    "cross_group",
    "schedule",
    "language",
)
_COMPLEMENT_SCALE = (0.8 - 0.2) * 0.8
_LEAD_SCALE = 0.6


def _attribute_codes(roster: Roster, attributes: Sequence[str] | None) -> np.ndarray:
    names = list(roster.attribute_names if attributes is None else attributes)
    if not names:
        return np.zeros((len(roster), 0), dtype=np.int64)
    return np.column_stack([roster.group_codes(name)[0] for name in names])


# Per-student inputs of the terms, computed once per roster with Roster.derived (a
# site's sub-roster slices them): matching many small sites would otherwise convert
# and count the same rows again at every site.
_LISTS = ("interests", "schedule", "languages")


def _inputs(roster: Roster) -> dict[str, np.ndarray]:
    """Rows as floats and row sizes of the list columns, and the attributes' one-hot codes.

    ``"interests"`` -> the 0/1 rows as floats, ``"interests_size"`` -> how many
    entries each row has (0 = blank), the same for schedule and languages;
    ``"one_hot"`` -> one column per (attribute, level) over all attributes.
    """
    found = roster.derived("scores.inputs", _compute_inputs)
    return dict(zip((*_LISTS, *(f"{c}_size" for c in _LISTS), "one_hot"), found, strict=True))


def _compute_inputs(roster: Roster) -> tuple[np.ndarray, ...]:
    rows = [getattr(roster, column).astype(np.float64) for column in _LISTS]
    return (*rows, *(r.sum(1) for r in rows), _encode(roster, roster.attribute_names))


def _encode(roster: Roster, names: Sequence[str]) -> np.ndarray:
    """One column per (attribute, level): products of rows count the attributes two share."""
    blocks = [np.zeros((len(roster), 0))]
    for name in names:
        codes, levels = roster.group_codes(name)
        block = np.zeros((len(roster), len(levels)))
        block[np.arange(len(roster)), codes] = 1.0
        blocks.append(block)
    return np.hstack(blocks)


def _one_hot(roster: Roster, names: Sequence[str], inputs: dict[str, np.ndarray]) -> np.ndarray:
    """:func:`_encode` of ``names``, computed once per roster (``inputs``: its :func:`_inputs`)."""
    if tuple(names) == roster.attribute_names:
        return inputs["one_hot"]
    return roster.derived("scores.one_hot." + "\x1f".join(names), lambda r: _encode(r, names))


def _jaccard(
    a: np.ndarray, b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, outer: bool
) -> np.ndarray:
    """Jaccard similarity of 0/1 float rows with ``size_*`` ones each."""
    if outer:
        inter = a @ b.T
        union = np.add.outer(size_a, size_b)
        union -= inter
        if _all_positive(size_a) or _all_positive(size_b):  # every union >= 1: no 0/0
            inter /= union
            return inter
    else:
        inter = (a * b).sum(1)
        union = size_a + size_b - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def _all_positive(sizes: np.ndarray) -> bool:
    """Every entry is positive (and there is at least one)."""
    return bool(len(sizes)) and bool(sizes.min() > 0)


def _same_count(
    roster: Roster,
    names: Sequence[str],
    mentors: np.ndarray,
    mentees: np.ndarray,
    outer: bool,
    inputs: dict[str, np.ndarray],
) -> np.ndarray:
    """How many of the attributes ``names`` agree, for every pair (outer) or pair by pair."""
    if not outer:
        codes = _attribute_codes(roster, names)
        return (codes[mentors] == codes[mentees]).sum(1).astype(np.float64)
    encoded = _one_hot(roster, names, inputs)
    return encoded[mentors] @ encoded[mentees].T


def _overlap(
    a: np.ndarray, b: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, outer: bool
) -> np.ndarray:
    """Shared entries over the smaller row (0 when either row is empty)."""
    if a.shape[1] == 0:
        shape = (len(a), len(b)) if outer else (len(a),)
        return np.ones(shape)
    if outer:
        inter = a @ b.T
        if _all_positive(size_a) and _all_positive(size_b):  # every timetable known
            inter /= np.minimum.outer(size_a, size_b)
            return inter
        smaller = np.minimum(size_a[:, None], size_b[None, :])
    else:
        inter = (a * b).sum(1)
        smaller = np.minimum(size_a, size_b)
    return np.where(smaller > 0, inter / np.maximum(smaller, 1.0), 0.0)


def _with_neutral(
    values: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, neutral: float, outer: bool
) -> np.ndarray:
    """``values`` with pairs where either side's row is blank (size 0) set to ``neutral``."""
    blank_a, blank_b = size_a == 0, size_b == 0
    if not (blank_a.any() or blank_b.any()):
        return values
    blank = np.logical_or.outer(blank_a, blank_b) if outer else blank_a | blank_b
    return np.where(blank, neutral, values)


def shared_slots(roster: Roster, mentors: np.ndarray, mentees: np.ndarray) -> np.ndarray:
    """Matrix of the number of free slots each mentor shares with each mentee."""
    a = roster.schedule[mentors].astype(np.int64)
    b = roster.schedule[mentees].astype(np.int64)
    return a @ b.T


def _terms(
    roster: Roster,
    mentors: np.ndarray,
    mentees: np.ndarray,
    attributes: Sequence[str] | None,
    outer: bool,
    only: Iterable[str] | None = None,
) -> dict[str, np.ndarray]:
    """The terms named in ``only`` (default: all) for outer or element-wise pairs."""
    wanted = set(TERMS if only is None else only)
    mentors = np.asarray(mentors, dtype=np.intp)
    mentees = np.asarray(mentees, dtype=np.intp)
    shape = (len(mentors), len(mentees)) if outer else (len(mentors),)
    out: dict[str, np.ndarray] = {}
    inputs = _inputs(roster)
    if wanted & {"affinity", "challenge"}:
        rows, sizes = inputs["interests"], inputs["interests_size"]
        interest = _jaccard(rows[mentors], rows[mentees], sizes[mentors], sizes[mentees], outer)
    if wanted & {"complementarity", "challenge"}:
        s_a, s_b = roster.skills[mentors], roster.skills[mentees]
        subjects = s_a.shape[1]
        if "challenge" in wanted:  # the mean lead is a difference of mean skills
            a_mean, b_mean = s_a.sum(1) / subjects, s_b.sum(1) / subjects
            mean_lead = np.subtract.outer(a_mean, b_mean) if outer else a_mean - b_mean
        # subject by subject, in place, so no (m, e, subjects) temporaries are built;
        # the first subject's lead is written straight into cover (0 + lead == lead)
        cover = np.zeros(shape) if subjects == 0 else np.empty(shape)
        lead = np.empty(shape)
        for k in range(subjects):
            into = cover if k == 0 else lead
            if outer:
                np.subtract.outer(s_a[:, k], s_b[:, k], out=into)
            else:
                np.subtract(s_a[:, k], s_b[:, k], out=into)
            np.copyto(into, 0.0, where=into < 0.0)  # max(lead, 0), at half the cost
            into *= 1.0 - s_b[:, k]
            if k:
                cover += lead
        cover /= subjects
    if "affinity" in wanted:
        names = roster.attribute_names
        count = len(names)
        same = _same_count(roster, names, mentors, mentees, outer, inputs) / count if count else 1.0
        out["affinity"] = 0.5 * interest + 0.5 * same
    if "complementarity" in wanted:
        cover /= _COMPLEMENT_SCALE
        if s_b.size and s_b.max() <= 1.0:  # needs of at least 0: cover is never below 0
            np.copyto(cover, 1.0, where=cover > 1.0)  # min(cover, 1), at half the cost
            out["complementarity"] = cover
        else:
            out["complementarity"] = np.clip(cover, 0.0, 1.0)
    if "challenge" in wanted:
        stretch = np.clip(mean_lead / _LEAD_SCALE, 0.0, 1.0)
        out["challenge"] = 0.5 * (1.0 - interest) + 0.5 * stretch
    if "cross_group" in wanted:
        names = tuple(roster.attribute_names if attributes is None else attributes)
        count = len(names)
        if count:
            same = _same_count(roster, names, mentors, mentees, outer, inputs)
            out["cross_group"] = (count - same) / count
        else:
            out["cross_group"] = np.zeros(shape)
    if "schedule" in wanted:
        rows, sizes = inputs["schedule"], inputs["schedule_size"]
        size_a, size_b = sizes[mentors], sizes[mentees]
        overlap = _overlap(rows[mentors], rows[mentees], size_a, size_b, outer)
        if rows.shape[1]:
            neutral = roster.neutral_terms["schedule"]
            overlap = _with_neutral(overlap, size_a, size_b, neutral, outer)
        out["schedule"] = overlap
    if "language" in wanted:
        if roster.languages.shape[1]:
            rows, sizes = inputs["languages"], inputs["languages_size"]
            fa, fb = rows[mentors], rows[mentees]
            shared = (fa @ fb.T if outer else (fa * fb).sum(1)) > 0
            out["language"] = _with_neutral(
                shared.astype(np.float64),
                sizes[mentors],
                sizes[mentees],
                roster.neutral_terms["language"],
                outer,
            )
        else:
            out["language"] = np.ones(shape)
    return out


def pair_terms(
    roster: Roster,
    mentors: np.ndarray,
    mentees: np.ndarray,
    attributes: Sequence[str] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, np.ndarray]:
    """Terms (all, or those in ``only``) for every mentor × mentee, as ``(m, e)`` matrices."""
    return _terms(roster, mentors, mentees, attributes, outer=True, only=only)


def pairwise_terms(
    roster: Roster,
    mentors: np.ndarray,
    mentees: np.ndarray,
    attributes: Sequence[str] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, np.ndarray]:
    """Terms (all, or those in ``only``) for pairs ``(mentors[k], mentees[k])``, as ``(p,)``.

    For a tiled roster (:func:`workbench.roster.mark_tiles`) the terms are read
    from the template's matrices of every pair (computed once): the outer and
    element-wise terms of a pair are the same numbers, exactly.
    """
    found = template_of(roster)
    if found is not None:
        template, rows = found
        wanted = tuple(TERMS if only is None else only)
        if len(template) ** 2 * len(wanted) <= _TEMPLATE_TERMS_LIMIT:
            whole = _template_terms(template, attributes, wanted)
            a = rows[np.asarray(mentors, dtype=np.intp)]
            b = rows[np.asarray(mentees, dtype=np.intp)]
            return {name: matrix[a, b] for name, matrix in whole.items()}
    return _terms(roster, mentors, mentees, attributes, outer=False, only=only)


#: The largest template (students squared times terms) whose pair terms are kept whole
#: (4,000,000 numbers, 32 MB): the batched worlds engine's templates are one school.
_TEMPLATE_TERMS_LIMIT = 4_000_000


def _template_terms(
    template: Roster, attributes: Sequence[str] | None, wanted: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """The terms ``wanted`` of every ordered pair of ``template``, kept on it (do not modify)."""
    key = (None if attributes is None else tuple(attributes), wanted)
    cache = template.__dict__.setdefault("_template_terms", {})
    found = cache.get(key)
    if found is None:
        everyone = np.arange(len(template))
        found = pair_terms(template, everyone, everyone, attributes, only=wanted)
        cache[key] = found
    return found


def combine(terms: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted sum of terms; unknown weight names are an error."""
    unknown = set(weights) - set(TERMS)
    if unknown:
        raise ValueError(f"unknown score terms {sorted(unknown)}; allowed: {', '.join(TERMS)}")
    first = next(iter(terms.values()))
    used = [(weight, terms[name]) for name, weight in weights.items() if weight]
    shape = np.shape(first)
    for _, term in used:
        if np.shape(term) != shape:
            shape = np.broadcast_shapes(shape, np.shape(term))
    total = np.zeros(shape)
    for weight, term in used:
        total += term if weight == 1.0 else weight * term  # 1 * term is term, exactly
    return total


def score_matrix(
    roster: Roster,
    mentors: np.ndarray,
    mentees: np.ndarray,
    weights: Mapping[str, float],
    attributes: Sequence[str] | None = None,
) -> np.ndarray:
    """The weighted score of every mentor × mentee combination."""
    return _combined(roster, mentors, mentees, weights, attributes)


def weighted_scores(
    roster: Roster,
    mentors: np.ndarray,
    mentees: np.ndarray,
    weights: Mapping[str, float],
    attributes: Sequence[str] | None = None,
) -> np.ndarray:
    """``combine`` of the weighted terms for every mentor x mentee, as a fresh ``(m, e)`` array.

    The same numbers as ``combine(pair_terms(...), weights)``. A site of a tiled
    roster (:func:`workbench.roster.mark_tiles`, the batched worlds engine) is a
    copy of template rows: its matrix is sliced from the template's whole score
    matrix, computed once per (weights, attributes) instead of once per site
    and round. Every term of a pair depends only on the two students' role-free
    columns, element by element, so the slice equals the site's own matrix.
    """
    found = template_of(roster)
    if found is not None:
        template, rows = found
        whole = template_scores(template, weights, attributes)
        return whole[np.ix_(rows[mentors], rows[mentees])]
    return _combined(roster, mentors, mentees, weights, attributes)


def template_scores(
    template: Roster, weights: Mapping[str, float], attributes: Sequence[str] | None = None
) -> np.ndarray:
    """The weighted score of every ordered pair of ``template``'s students, ``(n, n)``.

    Computed once per (weights, attributes) and kept on the template (do not
    modify it): the score matrix of a site of a roster tiled from ``template``
    is a slice of it (:func:`weighted_scores`).
    """
    key = (tuple(weights.items()), None if attributes is None else tuple(attributes))
    cache = template.__dict__.setdefault("_template_scores", {})
    whole = cache.get(key)
    if whole is None:
        everyone = np.arange(len(template))
        whole = _combined(template, everyone, everyone, weights, attributes)
        cache[key] = whole
    return whole


def _combined(
    roster: Roster,
    mentors: np.ndarray,
    mentees: np.ndarray,
    weights: Mapping[str, float],
    attributes: Sequence[str] | None,
) -> np.ndarray:
    needed = [t for t, w in weights.items() if w]
    terms = pair_terms(roster, mentors, mentees, attributes, only=needed)
    total = combine({name: terms.get(name, 0.0) for name in TERMS}, weights)
    shape = (len(mentors), len(mentees))
    if total.shape != shape:
        total = np.broadcast_to(total, shape).astype(np.float64)
    return total
