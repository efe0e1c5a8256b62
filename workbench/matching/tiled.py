"""Many small sites of a tiled roster matched in one pass (the batched worlds engine's case).

The batched worlds engine (:mod:`workbench.worlds.engine`) stacks one copy of
the roster per plausible world, each copy its own matching site. A matching
round then has thousands of sites, most of them a handful of students waiting
for a partner. Run site by site (:func:`workbench.matching.match_roster`'s
general loop), each costs a sub-roster, a problem, a feasibility object and a
:class:`~workbench.matching.pairing.Pairing`: about a quarter of a millisecond
of Python per site, more than the solver. :func:`match_tiled_sites` gives the
SAME result (pairs, groups, scores, reasons, notes, and the random draws taken
from ``rng``) with the per-site work done once for all sites as arrays: the
roles, the problem keys, the avoided pairs, the reasons, and the objectives of
the small problems (score slice plus the site's tie-breaking jitter, minus the
penalty of avoided pairs, cell by cell as the site loop computes them). What
remains per site is scipy's ``linear_sum_assignment``
(:func:`workbench.matching.policies.assignment`), except where one mentor or
one mentee waits: the solver then takes the single best cell, so where exactly
one cell is best it is taken directly (ties still go to the solver).

It covers what the simulation asks of the assignment policies (``optimal``
and the weight recipes): no hard pair constraint (no forbidden pairs, no
required free period or language), students marked ``mentor`` or ``mentee``,
no rankings, not strict. For anything else it returns ``None`` and the general
loop runs.

The random stream is the general loop's: each site that is solved draws its
jitter (``rng.random((mentors, mentees))``) in site order, and a site posing
the same problem as an earlier one shares that solution without drawing. The
general loop does not share a solution that carries a note (a recent partner
kept); when that happens before a later copy of the same problem, the draws
here would differ, so the stream is put back and ``None`` returned (the
general loop then runs; it did not happen once in the 72 rounds of the
benchmark's 200-world verdict, which kept one recent pair in one site).
"""

from __future__ import annotations

import numpy as np

from workbench import registry
from workbench.matching import policies
from workbench.matching.context import avoid_penalty
from workbench.matching.pairing import Pairing
from workbench.matching.policies import (
    JITTER,
    assignment,
    assignment_matching,
    configured_weights,
    policy_weights,
)
from workbench.matching.scores import TERMS, combine, pairwise_terms, template_scores
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

ALONE = "the only student waiting for a match in this site"


def _reasons(capacity: int) -> tuple[str, ...]:
    """The reasons :func:`workbench.matching.policies.finish` gives, by code."""
    return (
        ALONE,  # 0
        f"every suitable mentor was already full (capacity {capacity})",  # 1
        "the policy left them out to match others (every suitable mentor was taken)",  # 2
        "no mentors in this site",  # 3
        "more mentor places than mentees in this site",  # 4
        "no mentees in this site",  # 5
    )


def applies(roster: Roster, config: MatchConfig, rows: np.ndarray, policy) -> bool:
    """Whether :func:`match_tiled_sites` covers this round's policy, settings and roles.

    The caller checks the rest: no forbidden pairs, no rankings, not strict.
    """
    if policy is not assignment_matching or config.min_schedule_overlap:
        return False
    if config.language_required and roster.languages.shape[1]:
        return False
    if registry.get("matching", config.policy).weights == "random":
        return False
    role = roster.role[rows]
    if not np.all((role == "mentor") | (role == "mentee")):
        return False
    seen = np.zeros(len(roster), dtype=bool)
    seen[rows] = True
    return int(np.count_nonzero(seen)) == len(rows)  # each row once


def match_tiled_sites(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    rows: np.ndarray,
    avoid,
    template: tuple[Roster, np.ndarray],
) -> Pairing | None:
    """The pairing :func:`~workbench.matching.match_roster`'s site loop gives, or ``None``.

    ``rows`` take part, ``avoid`` are the pairs of roster rows to avoid where
    possible (as ``match_roster`` takes them), ``template`` is
    :func:`workbench.roster.template_of` of ``roster``. ``None`` (with ``rng``
    untouched) when a shared solution would carry a note (see the module
    docstring) or no row takes part.

    Examples
    --------
    >>> from workbench.roster import template_of
    >>> from workbench.scenario import Scenario
    >>> from workbench.worlds.engine import design_roster, tile_roster
    >>> scenario = Scenario().with_overrides({"cohort.size": 20})
    >>> big, copy = tile_roster(design_roster(scenario), 3)
    >>> rng = np.random.default_rng(0)
    >>> pairing = match_tiled_sites(big, scenario.matching, rng, np.arange(60), None, template_of(big))
    >>> len(pairing), bool((copy[pairing.mentor] == copy[pairing.mentee]).all())
    (30, True)
    """
    if len(rows) == 0:
        return None
    codes = roster.site_codes[rows]
    order = np.argsort(codes, kind="stable")
    sites = _Sites(roster, rows[order], codes[order], template[1])
    avoided = _Avoided(sites, _pair_array(avoid), len(roster))
    weights = policy_weights(config, config.policy)
    whole = template_scores(template[0], weights, config.cross_group_attributes)
    penalty = avoid_penalty(weights)

    solver, copies = _problems(sites, avoided)
    solved = np.flatnonzero(solver == np.arange(sites.count))
    draws = sites.m[solved] * sites.e[solved]
    saved = rng.bit_generator.state
    jitter = rng.random(int(draws.sum()))  # each solved site's rng.random((m, e)), in order
    jitter *= JITTER

    capacity = int(config.capacity)
    at = np.r_[0, np.cumsum(draws)]
    small = (draws > 0) & (draws <= _SMALL)
    solution: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    kept: dict[int, int] = {}
    # small problems (most of a round: a few students waiting): their objectives in one pass
    flat = _Flat(sites, avoided, solved[small], at[:-1][small], jitter, whole, penalty)
    if capacity == 1:
        flat.solve_lines(solution, kept)  # one mentor or one mentee: the only best partner
    for t, k in enumerate(flat.sites.tolist()):
        if k not in solution:
            objective, marks = flat.problem(t)
            r, c = _solve(objective, capacity)
            solution[k] = (r, c)
            kept[k] = int(np.count_nonzero(marks[r, c]))
    # large problems (everyone rematched: week 1, rotations) one by one
    for j in np.flatnonzero(draws > _SMALL).tolist():
        k = int(solved[j])
        mentors, mentees = sites.sides(k)
        # whole[np.ix_(mentors, mentees)], the site's score matrix, at a third of the cost
        objective = whole.take(mentors, 0).take(mentees, 1)
        noise = jitter[at[j] : at[j + 1]].reshape(objective.shape)
        objective = np.add(objective, noise, out=noise)
        hits = avoided.spots(k)
        if len(hits):
            objective.ravel()[hits] -= penalty
        r, c = _solve(objective, capacity)
        solution[k] = (r, c)
        if len(hits):
            marked = np.zeros(objective.size, dtype=bool)
            marked[hits] = True
            kept[k] = int(np.count_nonzero(marked[r * objective.shape[1] + c]))
    notes: dict[int, str] = {}
    for k, count in kept.items():
        if not count:
            continue
        if copies[k] > 1:  # the site loop would solve the next copy afresh, drawing again
            rng.bit_generator.state = saved
            return None
        notes[k] = (
            f"site {sites.name(k)}: {count} recent partner pair(s) kept: no other way to "
            "match those students"
        )
    found = [(k, *solution[k]) for k in sorted(solution)]
    reported = configured_weights(config)
    return _assemble(roster, config, sites, solver, found, notes, whole, weights == reported)


#: Problems with at most this many mentor-mentee cells are set up together (:class:`_Flat`).
_SMALL = 1024


def _solve(objective: np.ndarray, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """``assignment(objective, every pair allowed, capacity)``: mentor and mentee positions.

    With one place per mentor that is scipy's assignment of the transposed
    matrix as ``assignment`` makes it, without building the all-allowed mask.
    """
    if capacity != 1:
        return assignment(objective, np.ones(objective.shape, dtype=bool), capacity)
    # looked up on the policies module, where the benchmarks time the solver
    cols, rows = policies.linear_sum_assignment(objective.T, maximize=True)
    return rows, cols


class _Flat:
    """The objectives of many small problems, computed together, one after the other.

    The numbers are the site loop's: the score slice plus the site's jitter,
    minus the penalty where a pair is avoided, one cell at a time.
    """

    def __init__(
        self,
        sites: _Sites,
        avoided: _Avoided,
        which: np.ndarray,
        jitter_at: np.ndarray,
        jitter: np.ndarray,
        whole: np.ndarray,
        penalty: float,
    ) -> None:
        self.sites = which
        self.m, self.e = sites.m[which], sites.e[which]
        cells = self.m * self.e
        self.at = np.r_[0, np.cumsum(cells)]
        owner = np.repeat(np.arange(len(which)), cells)
        within = np.arange(int(self.at[-1])) - self.at[:-1][owner]
        i, j = np.divmod(within, self.e[owner])
        first = sites.starts[which][owner]
        self.values = whole[
            sites.sided[first + i], sites.sided[first + self.m[owner] + j]
        ]  # the score of each cell
        self.values += jitter[jitter_at[owner] + within]
        self.avoided = np.zeros(len(self.values), dtype=bool)
        place = np.full(sites.count, -1, dtype=np.intp)
        place[which] = np.arange(len(which))
        mine = place[avoided.spot_site]
        spot = self.at[mine[mine >= 0]] + avoided.spot[mine >= 0]
        self.values[spot] -= penalty
        self.avoided[spot] = True

    def problem(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Problem ``t``'s objective and avoided cells, ``(m, e)``."""
        cells = slice(int(self.at[t]), int(self.at[t + 1]))
        shape = (int(self.m[t]), int(self.e[t]))
        return self.values[cells].reshape(shape), self.avoided[cells].reshape(shape)

    def solve_lines(
        self, solution: dict[int, tuple[np.ndarray, np.ndarray]], kept: dict[int, int]
    ) -> None:
        """Solve the problems with one mentor or one mentee (one place each) at once.

        The assignment then takes the single best cell; where that best is one
        cell only (ties are left to the solver), it is the solver's answer.
        """
        line = np.flatnonzero((self.m == 1) | (self.e == 1))
        if not len(line):
            return
        cells = (self.m * self.e)[line]
        starts = self.at[:-1][line]
        pick = np.repeat(starts - np.r_[0, np.cumsum(cells)[:-1]], cells)
        index = np.arange(int(cells.sum())) + pick  # the line problems' cells in self.values
        values = self.values[index]
        local = np.r_[0, np.cumsum(cells)[:-1]]
        best = np.maximum.reduceat(values, local)
        top = values == np.repeat(best, cells)
        only = np.add.reduceat(top.astype(np.intp), local) == 1
        hit = np.flatnonzero(top)
        owner = np.repeat(np.arange(len(line)), cells)[hit]
        hit, owner = hit[only[owner]], owner[only[owner]]
        offset = hit - local[owner]
        taken = self.avoided[index[hit]]
        for t, o, kept_one in zip(
            line[owner].tolist(), offset.tolist(), taken.tolist(), strict=True
        ):
            k = int(self.sites[t])
            one = np.array([0], dtype=np.intp)
            position = np.array([o], dtype=np.intp)
            # one mentor: the best mentee; one mentee: the best mentor
            solution[k] = (one, position) if self.m[t] == 1 else (position, one)
            kept[k] = int(kept_one)


def _pair_array(pairs) -> np.ndarray:
    """Pairs of rows as given to ``match_roster`` (iterable or array) as a ``(k, 2)`` array."""
    if pairs is None:
        return np.zeros((0, 2), dtype=np.intp)
    array = np.asarray(pairs if isinstance(pairs, np.ndarray) else list(pairs), dtype=np.intp)
    return array.reshape(-1, 2)


class _Sites:
    """The rows of a round, site after site, with each site's mentors and mentees."""

    def __init__(
        self, roster: Roster, flat: np.ndarray, codes: np.ndarray, template_rows: np.ndarray
    ) -> None:
        n = len(flat)
        self.roster, self.flat = roster, flat
        self.starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]).astype(np.intp)
        self.count = len(self.starts)
        self.sizes = np.diff(np.r_[self.starts, n])
        self.site = np.repeat(np.arange(self.count), self.sizes)  # each entry's site
        self.local = np.arange(n) - self.starts[self.site]  # position in its site
        self.mentor = roster.role[flat] == "mentor"
        self.m = np.bincount(self.site[self.mentor], minlength=self.count)
        self.e = self.sizes - self.m
        # split_roles: a site's mentors, then its mentees, each in site order (entries are
        # in site order already: a stable sort on site and side keeps it)
        self.by_side = np.argsort(2 * self.site + ~self.mentor, kind="stable")
        self.ordinal = np.empty(n, dtype=np.intp)  # position among the site's mentors/mentees
        self.ordinal[self.by_side] = np.arange(n) - np.repeat(self.starts, self.sizes)
        self.ordinal[~self.mentor] -= self.m[self.site[~self.mentor]]
        self.template = template_rows[flat]
        self.sided = self.template[self.by_side]
        self._bounds = np.column_stack(
            [self.starts, self.starts + self.m, self.starts + self.sizes]
        )

    def sides(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Template rows of site ``k``'s mentors and mentees."""
        a, mid, b = self._bounds[k].tolist()
        return self.sided[a:mid], self.sided[mid:b]

    def name(self, k: int) -> str:
        return str(self.roster.site[self.flat[self.starts[k]]])


class _Avoided:
    """Avoided pairs inside one site, as ``MatchContext.split`` gives each site its own.

    ``pairs``: local ``(low, high)`` rows, distinct, sorted by site, low, high;
    ``at[k]``: where site ``k``'s start. For a mentor and a mentee, their place
    in the site's flattened ``(m, e)`` objective (:meth:`spots`).
    """

    def __init__(self, sites: _Sites, pairs: np.ndarray, n: int) -> None:
        entry = np.full(n, -1, dtype=np.intp)
        entry[sites.flat] = np.arange(len(sites.flat))
        a, b = pairs[:, 0], pairs[:, 1]
        if len(pairs) and not (np.minimum(a, b).min() >= 0 and np.maximum(a, b).max() < n):
            ok = (np.minimum(a, b) >= 0) & (np.maximum(a, b) < n)
            a, b = a[ok], b[ok]
        x, y = entry[a], entry[b]
        keep = (x >= 0) & (y >= 0) & (x != y)
        x, y = x[keep], y[keep]
        keep = sites.site[x] == sites.site[y]
        x, y = x[keep], y[keep]
        # one integer per pair (site, low, high): sorting it sorts and drops repeats at once
        width = np.int64(max(int(sites.sizes.max(initial=0)), 1))
        low = np.minimum(sites.local[x], sites.local[y]).astype(np.int64)
        high = np.maximum(sites.local[x], sites.local[y]).astype(np.int64)
        keys = np.sort((sites.site[x].astype(np.int64) * width + low) * width + high)
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
        where, rest = np.divmod(keys, width * width)
        low, high = np.divmod(rest, width)
        self.pairs = np.column_stack([low, high]).astype(np.intp)
        self.at = np.searchsorted(where, np.arange(sites.count + 1))
        x = sites.starts[where] + low
        y = sites.starts[where] + high
        mixed = sites.mentor[x] != sites.mentor[y]
        x, y, where = x[mixed], y[mixed], where[mixed]
        first_mentor = sites.mentor[x]
        ment, mentee = np.where(first_mentor, x, y), np.where(first_mentor, y, x)
        self.spot = sites.ordinal[ment] * sites.e[where] + sites.ordinal[mentee]
        self.spot_site = where
        self.spot_at = np.searchsorted(where, np.arange(sites.count + 1)).tolist()

    def spots(self, k: int) -> np.ndarray:
        return self.spot[self.spot_at[k] : self.spot_at[k + 1]]


def _problems(sites: _Sites, avoided: _Avoided) -> tuple[np.ndarray, np.ndarray]:
    """Each site's solver (the first site posing its problem; -1 for a lone student).

    The problem is ``match_roster``'s key: the template rows in site order, the
    roles, the avoided pairs (no forbidden pairs or rankings here). Also how
    many sites each solver's problem has.
    """
    rows = sites.template.tobytes()
    roles = sites.mentor.tobytes()
    pairs = avoided.pairs.tobytes()
    width, pair_width = sites.template.itemsize, 2 * avoided.pairs.itemsize
    first: dict[tuple[bytes, bytes, bytes], int] = {}
    solver = np.full(sites.count, -1, dtype=np.intp)
    starts, ends = sites.starts.tolist(), (sites.starts + sites.sizes).tolist()
    at = avoided.at.tolist()
    for k in np.flatnonzero(sites.sizes >= 2).tolist():
        a, b = starts[k], ends[k]
        key = (
            rows[a * width : b * width],
            roles[a:b],
            pairs[at[k] * pair_width : at[k + 1] * pair_width],
        )
        solver[k] = first.setdefault(key, k)
    copies = np.bincount(solver[solver >= 0], minlength=sites.count)
    return solver, copies


def _assemble(
    roster: Roster,
    config: MatchConfig,
    sites: _Sites,
    solver: np.ndarray,
    found: list[tuple[int, np.ndarray, np.ndarray]],
    notes: dict[int, str],
    whole: np.ndarray,
    scores_are_objective: bool,
) -> Pairing:
    """What ``Pairing.concat`` of every site's ``finish`` (its solver's, remapped) gives."""
    # the solved sites' pairs, as (site, mentor ordinal, mentee ordinal)
    if found:
        own = np.concatenate([np.full(len(r), k, dtype=np.intp) for k, r, _ in found])
        r_all = np.concatenate([r for _, r, _ in found]).astype(np.intp)
        c_all = np.concatenate([c for _, _, c in found]).astype(np.intp)
    else:
        own = r_all = c_all = np.zeros(0, dtype=np.intp)
    begin = np.searchsorted(own, np.arange(sites.count + 1))
    length = np.diff(begin)
    # every site copies its solver's pairs
    has = solver >= 0
    each = np.where(has, length[np.maximum(solver, 0)], 0)
    total = int(each.sum())
    which = np.repeat(np.arange(sites.count), each)
    within = np.arange(total) - np.repeat(np.cumsum(each) - each, each)
    source = begin[solver[which]] + within
    r, c = r_all[source], c_all[source]
    # finish's order within a site: by mentor, then mentee (sites are in order already)
    width = np.int64(max(int(sites.sizes.max(initial=0)), 1))
    order = np.argsort((which.astype(np.int64) * width + r) * width + c, kind="stable")
    which, r, c = which[order], r[order], c[order]
    mentor_entry = sites.by_side[sites.starts[which] + r]
    mentee_entry = sites.by_side[sites.starts[which] + sites.m[which] + c]
    mentor_rows, mentee_rows = sites.flat[mentor_entry], sites.flat[mentee_entry]
    fresh = np.r_[True, (which[1:] != which[:-1]) | (r[1:] != r[:-1])] if total else np.zeros(0)
    group = (np.cumsum(fresh) - 1).astype(np.intp)
    if scores_are_objective:
        score = whole[sites.template[mentor_entry], sites.template[mentee_entry]]
    else:
        score = _reported_scores(roster, config, mentor_rows, mentee_rows)

    # everyone left out, with finish's reason; site order, mentees then mentors
    taken = np.zeros(len(sites.flat), dtype=bool)
    taken[mentor_entry] = True
    taken[mentee_entry] = True
    out = np.flatnonzero(~taken)
    k = sites.site[out]
    is_mentor = sites.mentor[out]
    capacity = int(config.capacity)
    code = np.where(
        is_mentor,
        np.where(sites.e[k] == 0, 5, 4),
        np.where(sites.m[k] == 0, 3, np.where(sites.e[k] > capacity * sites.m[k], 1, 2)),
    )
    code[sites.sizes[k] < 2] = 0
    shown = np.argsort(2 * k + is_mentor, kind="stable")  # out is in site order already
    reasons = _reasons(capacity)
    unmatched = dict(
        zip(
            sites.flat[out[shown]].tolist(),
            [reasons[x] for x in code[shown].tolist()],
            strict=True,
        )
    )
    return Pairing(
        mentor_rows.astype(np.intp),
        mentee_rows.astype(np.intp),
        group,
        np.asarray(score, dtype=np.float64),
        unmatched,
        config.policy,
        tuple(notes[k] for k in sorted(notes)),
    )


def _reported_scores(
    roster: Roster, config: MatchConfig, mentors: np.ndarray, mentees: np.ndarray
) -> np.ndarray:
    """``Problem.pair_scores`` when the policy's weights are not the configured ones."""
    reported = configured_weights(config)
    terms = pairwise_terms(
        roster,
        mentors,
        mentees,
        config.cross_group_attributes,
        only=[t for t, w in reported.items() if w],
    )
    scores = combine({t: terms.get(t, 0.0) for t in TERMS}, reported)
    return np.broadcast_to(scores, (len(mentors),)).astype(np.float64)
