"""Mentoring circles: small groups with one or two mentors, balanced for diversity.

Making every circle a mix of the cohort is an *anticlustering* problem: split
students into groups of fixed size so that each group is as diverse as the
whole (Späth 1986; Papenberg & Klau 2021, the ``anticlust`` R package). We
use the k-means anticlustering criterion, maximise the within-circle sum of
squared distances, which for fixed group sizes is the same as making every
circle's mean profile close to the site's, and the *exchange method*: start
from a feasible assignment, then swap two students of different circles
whenever that raises the criterion, until no swap does (at most
:data:`MAX_PASSES` passes; on large sites each student tries a random sample
of :data:`PARTNERS` exchange partners per pass, as anticlust's fast variant).

A student's profile is the one-hot of the cross-group attributes (weight 1)
and of interests (weight 1/2). Mentors and mentees are swapped only with
their own kind, so every circle keeps ``circle_mentors`` mentors. Hard
constraints hold for every mentee and the mentor who leads them (schedule
overlap, shared language) and between any two circle members (must not meet).

Sizes: ``C = min(mentors // circle_mentors, ceil(students / circle_size))``
circles. The best-scoring ``C * circle_mentors`` mentors lead them; the
other mentors join as members after the mentees. Members are spread evenly
(circle sizes differ by at most one and never exceed ``circle_size``); anyone
who does not fit is reported unmatched with the reason. Every member is
linked to one mentor of the circle (the one they score best with among those
they may meet); links of a circle share a group id.

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.scenario import Scenario
>>> s = Scenario().with_overrides({"matching.policy": "circles", "cohort.size": 30,
...                                "cohort.mentor_share": 0.2})
>>> roster = generate_roster(s.cohort, np.random.default_rng(0))
>>> pairing = circles_matching(roster, s.matching, np.random.default_rng(1))
>>> int(np.bincount(pairing.group).max()) <= s.matching.circle_size - s.matching.circle_mentors
True
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from workbench.errors import WorkbenchError
from workbench.matching.constraints import pair_feasibility
from workbench.matching.context import MatchContext
from workbench.matching.pairing import Pairing
from workbench.matching.policies import (
    FORBIDDEN,
    bipartite_problem,
    configured_weights,
    site_name,
)
from workbench.matching.scores import score_matrix
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

INTEREST_WEIGHT = 0.5
MAX_PASSES = 200
PARTNERS = 64


def profiles(roster: Roster, attributes: list[str] | None) -> np.ndarray:
    """Feature rows for diversity: attribute one-hots, interests at weight 1/2."""
    columns = []
    for name in attributes if attributes is not None else roster.attribute_names:
        codes, levels = roster.group_codes(name)
        columns.append(np.eye(len(levels))[codes])
    columns.append(INTEREST_WEIGHT * roster.interests.astype(np.float64))
    return np.hstack(columns) if columns else np.zeros((len(roster), 0))


def within_ss(features: np.ndarray, label: np.ndarray) -> float:
    """The anticlustering criterion: sum over circles of squared distances to the circle mean."""
    total = 0.0
    for g in np.unique(label):
        x = features[label == g]
        total += float(((x - x.mean(0)) ** 2).sum())
    return total


def exchange(
    features: np.ndarray,
    label: np.ndarray,
    movable: np.ndarray,
    ok: np.ndarray,
    conflict: np.ndarray | None,
    rng: np.random.Generator,
    passes: int = MAX_PASSES,
    partners: int = PARTNERS,
) -> np.ndarray:
    """Exchange method for k-means anticlustering; returns new labels.

    Parameters
    ----------
    features : (n, f) profiles of everyone in circles.
    label : (n,) circle of each student.
    movable : (n,) bool, students who may be swapped (one role at a time).
    ok : (n, C) bool, circles each student may join (constraints with the mentors).
    conflict : (n, n) bool, pairs that must not share a circle (``None``: no such pairs).
    rng : draws each student's exchange partners when there are more than
        ``partners`` candidates (the "fast" exchange of the anticlust package:
        a sample of partners per pass instead of everyone).

    Notes
    -----
    Each pass evaluates, for every movable student, the swap with each of its
    candidate partners (vectorised), then applies the best improving swaps
    whose two circles are untouched by another swap of
    the same pass, so every applied gain is exact. Sizes never change; a swap
    is made only if it keeps every constraint and raises the within-circle sum
    of squares. Stops when a pass finds no improving swap.
    """
    label = label.copy()
    n_groups = int(label.max()) + 1
    size = np.bincount(label, minlength=n_groups).astype(np.float64)
    sums = np.zeros((n_groups, features.shape[1]))
    np.add.at(sums, label, features)
    onehot = np.zeros((len(label), n_groups))
    onehot[np.arange(len(label)), label] = 1.0
    if conflict is not None:
        clash = conflict.astype(np.float64) @ onehot  # (n, C) conflicts of each student per circle
    candidates = np.flatnonzero(movable)
    if len(candidates) < 2 or n_groups < 2:
        return label
    norms = (features * features).sum(1)
    for _ in range(passes):
        if len(candidates) > partners:
            pool = candidates[rng.integers(0, len(candidates), size=(len(candidates), partners))]
        else:
            pool = np.broadcast_to(candidates, (len(candidates), len(candidates)))
        i = np.broadcast_to(candidates[:, None], pool.shape)
        a, b = label[i], label[pool]
        # change of sum_g |S_g|^2 / n_g (between-circle part) when i (in a) and j (in b) swap
        fi_sa = np.einsum("if,if->i", features[candidates], sums[label[candidates]])[:, None]
        fj_sa = np.einsum("ijf,ijf->ij", features[pool], sums[a])
        fi_sb = np.einsum("if,ijf->ij", features[candidates], sums[b])
        fj_sb = np.einsum("ijf,ijf->ij", features[pool], sums[b])
        dd = (
            norms[i]
            + norms[pool]
            - 2.0 * np.einsum("if,ijf->ij", features[candidates], features[pool])
        )
        delta = (-2.0 * (fi_sa - fj_sa) + dd) / size[a] + (2.0 * (fi_sb - fj_sb) + dd) / size[b]
        feasible = (a != b) & ok[i, b] & ok[pool, a]
        if conflict is not None:
            feasible &= clash[i, b] - conflict[i, pool] == 0
            feasible &= clash[pool, a] - conflict[pool, i] == 0
        delta = np.where(feasible, delta, np.inf)
        best = np.argmin(delta, axis=1)
        gain = delta[np.arange(len(candidates)), best]
        order = np.argsort(gain, kind="stable")
        order = order[gain[order] < -1e-12]
        if not len(order):
            break
        touched = np.zeros(n_groups, dtype=bool)
        for k in order.tolist():
            x, y = int(candidates[k]), int(pool[k, best[k]])
            ga, gb = int(label[x]), int(label[y])
            if touched[ga] or touched[gb]:
                continue
            touched[ga] = touched[gb] = True
            sums[ga] += features[y] - features[x]
            sums[gb] += features[x] - features[y]
            if conflict is not None:
                clash[:, ga] += conflict[:, y].astype(np.float64) - conflict[:, x]
                clash[:, gb] += conflict[:, x].astype(np.float64) - conflict[:, y]
            label[x], label[y] = gb, ga
    return label


def seat(
    ok: np.ndarray,
    room: np.ndarray,
    rng: np.random.Generator,
    first: np.ndarray | None = None,
    conflict: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """Seat students in circles they may join, within each circle's room.

    Greedy first (students marked ``first`` before the others, the most
    constrained first, each to the allowed circle with most room left and
    nobody they must not meet); if that leaves out someone who could sit, the
    exact maximum seating by scipy's assignment solver over circle places
    (``first`` students preferred), then anyone seated with someone they must
    not meet is stood up again. Returns seated student positions and circles.
    """
    n, n_circles = ok.shape
    left = room.astype(np.int64).copy()
    label = np.full(n, -1)
    first = np.ones(n, dtype=bool) if first is None else first
    clash = np.zeros((n, n_circles)) if conflict is not None else None
    order = np.lexsort((rng.random(n), ok.sum(1), ~first))
    for k in order.tolist():
        open_ = ok[k] & (left > 0)
        if clash is not None:
            open_ &= clash[k] == 0
        if open_.any():
            circle = int(np.argmax(np.where(open_, left, -1)))
            label[k] = circle
            left[circle] -= 1
            if clash is not None:
                clash[:, circle] += conflict[:, k]
    placed = label >= 0
    if placed.sum() < min(n, int(room.sum())) and (ok & (left > 0)).any(1)[~placed].any():
        places = np.repeat(np.arange(n_circles), room)
        start = np.where(ok[:, places], rng.random((n, len(places))) + first[:, None], FORBIDDEN)
        rows, cols = linear_sum_assignment(start, maximize=True)
        keep = ok[rows, places[cols]]
        rows, circles = rows[keep], places[cols][keep]
        if conflict is not None:
            kept = np.ones(len(rows), dtype=bool)
            for k in range(len(rows)):
                same = kept[:k] & (circles[:k] == circles[k])
                if conflict[rows[k], rows[:k][same]].any():
                    kept[k] = False
            rows, circles = rows[kept], circles[kept]
        return rows, circles
    return np.flatnonzero(placed), label[placed]


def circles_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Circles of ``circle_size`` with ``circle_mentors`` mentors, each as diverse as the site."""
    context = context or MatchContext.from_roster(roster)
    per_mentee = config.circle_size - config.circle_mentors
    capacity = max(per_mentee // config.circle_mentors, 1)
    problem = bipartite_problem(roster, config, rng, context, "circles", capacity)
    mentors, mentees = problem.mentors, problem.mentees
    unmatched: dict[int, str] = {}
    total = len(mentors) + len(mentees)
    n_circles = min(len(mentors) // config.circle_mentors, -(-total // config.circle_size))
    if n_circles == 0 and context.strict:
        raise WorkbenchError(
            f"site {site_name(roster)}: circles need {config.circle_mentors} mentor(s) each "
            f"(circle_mentors); the site has {len(mentors)}"
        )
    if n_circles == 0 or total <= config.circle_mentors:
        why = (
            f"fewer than {config.circle_mentors} mentors in this site"
            if len(mentors) < config.circle_mentors
            else "no mentees in this site"
        )
        unmatched = {int(r): why for r in np.concatenate([mentors, mentees])}
        return Pairing(*([np.zeros(0, np.intp)] * 3), np.zeros(0), unmatched, "circles")
    features = profiles(roster, config.cross_group_attributes)
    conflicts = bool(len(context.forbidden))
    everyone = np.arange(len(roster)) if conflicts else np.zeros(0, np.intp)
    conflict_all = context.mask("forbidden", everyone, everyone)

    # 1. mentors into circles: the best-scoring mentors lead, spread for diversity;
    #    mentors beyond what the circles need join them as members
    lead = mentors[np.argsort(-problem.score.mean(1), kind="stable")][
        : n_circles * config.circle_mentors
    ]
    lead = np.sort(lead)
    mentor_label = rng.permutation(np.arange(len(lead)) % n_circles)
    if config.circle_mentors > 1 and conflicts:  # co-mentors who must not meet: apart
        seated_lead, mentor_label = seat(
            np.ones((len(lead), n_circles), dtype=bool),
            np.full(n_circles, config.circle_mentors),
            rng,
            conflict=conflict_all[np.ix_(lead, lead)],
        )
        lead = lead[seated_lead]
    surplus = np.setdiff1d(mentors, lead)
    if config.circle_mentors > 1:
        mentor_label = exchange(
            features[lead],
            mentor_label,
            np.ones(len(lead), dtype=bool),
            np.ones((len(lead), n_circles), dtype=bool),
            conflict_all[np.ix_(lead, lead)] if conflicts else None,
            rng,
        )

    # 2. members (mentees, then surplus mentors): circles each may join, i.e. some
    #    mentor of it satisfies the constraints and nobody in it is ruled out
    pool = np.concatenate([mentees, surplus])
    feasibility = pair_feasibility(roster, config, context, lead, pool)
    score = score_matrix(
        roster, lead, pool, configured_weights(config), config.cross_group_attributes
    )
    circle_of = np.zeros((len(lead), n_circles), dtype=bool)
    circle_of[np.arange(len(lead)), mentor_label] = True
    # float products use BLAS, not an integer loop
    ok = (feasibility.allowed.T.astype(np.float64) @ circle_of) > 0
    if conflicts:
        ok &= (conflict_all[np.ix_(pool, lead)].astype(np.float64) @ circle_of) == 0
    if len(context.avoid):  # recent partners: another circle where possible
        avoided = context.mask("avoid", pool, lead).astype(np.float64) @ circle_of
        fresh = ok & (avoided == 0)
        ok = np.where(fresh.any(1, keepdims=True), fresh, ok)
    # 3. a feasible, evenly sized start; mentees get places before surplus mentors
    places = min(len(pool), n_circles * per_mentee)
    base, extra = divmod(places, n_circles)
    room = base + (np.arange(n_circles) < extra)
    first = np.r_[np.ones(len(mentees), bool), np.zeros(len(surplus), bool)]
    rows, label = seat(
        ok, room, rng, first, conflict_all[np.ix_(pool, pool)] if conflicts else None
    )
    for k in np.setdiff1d(np.arange(len(pool)), rows):
        why = feasibility.reason(int(k), side="b", partner="circle mentor")
        if why is None and not ok[k].any():
            why = "no circle without someone on their must-not-meet list"
        if why is None:
            why = (
                f"more mentors than {n_circles} circle(s) of {config.circle_size} need"
                if k >= len(mentees)
                else f"no place left: {n_circles} circle(s) of at most {per_mentee} members"
            )
        unmatched[int(pool[k])] = why
    # 4. exchange method on the seated members (mentors fixed in their circles)
    seated = pool[rows]
    members = np.r_[seated, lead]
    label = exchange(
        features[members],
        np.concatenate([label, mentor_label]),
        np.r_[np.ones(len(rows), bool), np.zeros(len(lead), bool)],
        np.vstack([ok[rows], np.ones((len(lead), n_circles), bool)]),
        conflict_all[np.ix_(members, members)] if conflicts else None,
        rng,
    )[: len(rows)]
    # 5. link each member to the circle mentor they may meet and score best with
    linked = np.where(feasibility.allowed[:, rows], score[:, rows], -np.inf)
    linked = np.where(mentor_label[:, None] == label[None, :], linked, -np.inf)
    leader = np.argmax(linked, axis=0)
    # a co-mentor without a member of their own takes one they may meet from a busier mentor
    for m in np.flatnonzero(np.bincount(leader, minlength=len(lead)) == 0):
        load = np.bincount(leader, minlength=len(lead))
        movable = np.isfinite(linked[m]) & (load[leader] >= 2)
        if movable.any():
            leader[int(np.argmax(np.where(movable, linked[m], -np.inf)))] = m
        else:
            unmatched[int(lead[m])] = (
                "no member of their circle may meet them (constraints)"
                if (label == mentor_label[m]).any()
                else "their circle has no members"
            )
    mentor_rows = lead[leader]
    order = np.lexsort((seated, label))
    diversity = within_ss(features[members], np.r_[label, mentor_label])
    joined = int(np.isin(seated, surplus).sum())
    note = (
        f"site {site_name(roster)}: {n_circles} circle(s), anticlustering exchange method: "
        f"within-circle diversity {diversity:.2f} (sum of squares)"
        + (f"; {joined} surplus mentor(s) joined as members" if joined else "")
    )
    return Pairing(
        mentor_rows[order].astype(np.intp),
        seated[order].astype(np.intp),
        label[order].astype(np.intp),
        score[leader, rows][order].astype(np.float64),
        unmatched,
        "circles",
        (note,),
    )
