"""Peer pairing: everyone can mentor and be mentored; maximum-weight (non-bipartite) matching.

The weight of a pair ``{i, j}`` is the better of its two directions,
``max(score(i -> j), score(j -> i))``, and the pair is oriented that way (the
one who scores better as mentor mentors). Constraints remove pairs; recent
partners to avoid keep only a thousandth of their weight, so they are chosen
only when no other partner is left.

Two methods, by site size ``n``:

``n <= EXACT_LIMIT`` (120)
    Exact: networkx ``max_weight_matching`` (Edmonds' blossom algorithm). It
    needs seconds from about 200 students on a complete graph, minutes at
    1,000.
larger sites: near-optimal with a certified gap
    1. *Start.* Up to ``BOUND_LIMIT`` (1,200) students: the fractional
       matching LP, solved exactly as a maximum-weight assignment on the
       symmetric weight matrix (scipy ``linear_sum_assignment``); its cycles
       are rounded to a matching (2-cycles are pairs; a longer cycle gives its
       best set of alternate edges). Larger: the same on a shortlist graph
       (everyone's ``SHORTLIST`` = 20 best partners; scipy's sparse LAPJV,
       ``min_weight_full_bipartite_matching``), or greedy if it has no full
       assignment.
    2. *Improve.* Match waiting students with each other where allowed, then
       local search while the total rises: exchange partners between two
       pairs (2-opt), swap a waiting student in, or split a pair to match two
       waiting students (an augmenting path of length three).
    3. *Upper bound.* Up to ``BOUND_LIMIT``: half the best assignment (any
       matching used in both directions is an assignment, so it is at least
       the best matching). Larger: a feasible solution of the fractional
       matching LP's dual built from the matching by coordinate descent
       (:func:`_dual_bound`), capped by half the sum of everyone's best edge.
    The result's notes give the total, the bound and the gap between them.

Peer preferences (explicit rankings) would call for "stable roommates", which
often has no stable solution (Irving 1985). This policy says so and uses the
maximum-weight pairing, with ranked partners weighted up, and reports how many
blocking pairs remain.

Examples
--------
>>> import numpy as np
>>> w = np.array([[0, 3, 1, 0], [3, 0, 0, 1], [1, 0, 0, 5], [0, 1, 5, 0]], dtype=float)
>>> solution = max_weight_pairs(w, w > 0)
>>> sorted(map(tuple, solution.pairs.tolist())), solution.value, solution.exact
([(0, 1), (2, 3)], 8.0, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from workbench.matching.constraints import Feasibility, pair_feasibility
from workbench.matching.context import MatchContext
from workbench.matching.pairing import Pairing
from workbench.matching.policies import JITTER, configured_weights, site_name
from workbench.matching.scores import TERMS, combine, pair_terms
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

EXACT_LIMIT = 120
BOUND_LIMIT = 1200
SHORTLIST = 20
COST_UNITS = 1e9  # integer cost scale of the sparse assignment (exact in float64)
AVOID_SHARE = 1e-3
MIN_WEIGHT = 1e-6
_NEG = -1e18


@dataclass(frozen=True)
class PeerSolution:
    """A matching of ``n`` students: ``pairs`` (k, 2), total ``value``, ``bound``, ``gap``."""

    pairs: np.ndarray
    value: float
    bound: float
    exact: bool
    method: str

    @property
    def gap(self) -> float:
        """Relative distance to the upper bound (0 when exact)."""
        return 0.0 if self.exact or self.bound <= 0 else max(0.0, 1.0 - self.value / self.bound)


def _exact(weight: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    graph = nx.Graph()
    i, j = np.nonzero(np.triu(allowed, 1))
    graph.add_weighted_edges_from(zip(i.tolist(), j.tolist(), weight[i, j].tolist(), strict=True))
    matched = nx.max_weight_matching(graph)
    return np.array(sorted(tuple(sorted(edge)) for edge in matched), dtype=np.intp).reshape(-1, 2)


def _round_cycles(sigma: np.ndarray, weight: np.ndarray) -> list[tuple[int, int]]:
    """Turn an assignment (a permutation) into a matching, cycle by cycle."""
    n = len(sigma)
    seen = np.zeros(n, dtype=bool)
    pairs: list[tuple[int, int]] = []
    two = (sigma[sigma] == np.arange(n)) & (sigma != np.arange(n))
    for i in np.flatnonzero(two & (np.arange(n) < sigma)):
        pairs.append((int(i), int(sigma[i])))
    seen[two | (sigma == np.arange(n))] = True
    for start in np.flatnonzero(~seen):
        if seen[start]:
            continue
        cycle = [int(start)]
        seen[start] = True
        nxt = int(sigma[start])
        while nxt != start:
            cycle.append(nxt)
            seen[nxt] = True
            nxt = int(sigma[nxt])
        length = len(cycle)
        edges = [(cycle[k], cycle[(k + 1) % length]) for k in range(length)]
        values = np.array([weight[a, b] for a, b in edges])
        options = range(2) if length % 2 == 0 else range(length)
        best, best_value = None, -np.inf
        for s in options:
            chosen = [(s + 2 * t) % length for t in range(length // 2)]
            value = values[chosen].sum()
            if value > best_value:
                best, best_value = chosen, value
        pairs.extend(edges[k] for k in best)
    return pairs


def _greedy(weight: np.ndarray, allowed: np.ndarray, candidates: int = 20) -> list[tuple[int, int]]:
    """Greedy matching over each student's ``candidates`` best allowed edges."""
    n = len(weight)
    k = min(candidates, n - 1)
    key = np.where(allowed, weight, _NEG)
    best = np.argpartition(-key, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = best.ravel()
    values = key[rows, cols]
    keep = values > _NEG / 2
    rows, cols, values = rows[keep], cols[keep], values[keep]
    order = np.argsort(-values, kind="stable")
    taken = np.zeros(n, dtype=bool)
    pairs = []
    for a, b in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if not taken[a] and not taken[b]:
            taken[a] = taken[b] = True
            pairs.append((a, b))
    return pairs


def _match_waiting(pairs: list[tuple[int, int]], weight: np.ndarray, allowed: np.ndarray) -> None:
    """Pair students left waiting with each other, best edges first (in place)."""
    n = len(weight)
    taken = np.zeros(n, dtype=bool)
    for a, b in pairs:
        taken[a] = taken[b] = True
    waiting = np.flatnonzero(~taken)
    if len(waiting) < 2:
        return
    sub = np.where(allowed[np.ix_(waiting, waiting)], weight[np.ix_(waiting, waiting)], _NEG)
    i, j = np.nonzero(np.triu(sub > _NEG / 2, 1))
    order = np.argsort(-sub[i, j], kind="stable")
    used = np.zeros(len(waiting), dtype=bool)
    for a, b in zip(i[order].tolist(), j[order].tolist(), strict=True):
        if not used[a] and not used[b]:
            used[a] = used[b] = True
            pairs.append((int(waiting[a]), int(waiting[b])))


def _two_opt(
    pairs: list[tuple[int, int]], weight: np.ndarray, allowed: np.ndarray, passes: int
) -> np.ndarray:
    """Local search: re-pair two pairs, or swap a waiting student in, while the total rises."""
    masked = np.where(allowed, weight, _NEG)
    n = len(weight)
    edges = np.array(pairs, dtype=np.intp).reshape(-1, 2)
    for _ in range(passes):
        if len(edges) == 0:
            break
        a, b = edges[:, 0], edges[:, 1]
        w = masked[a, b]
        base = w[:, None] + w[None, :]
        options = (
            masked[np.ix_(a, a)] + masked[np.ix_(b, b)] - base,  # (a_p, a_q), (b_p, b_q)
            masked[np.ix_(a, b)] + masked[np.ix_(b, a)] - base,  # (a_p, b_q), (b_p, a_q)
        )
        gain = np.maximum(options[0], options[1])
        np.fill_diagonal(gain, 0.0)
        taken = np.zeros(n, dtype=bool)
        taken[a] = taken[b] = True
        waiting = np.flatnonzero(~taken)
        swap_gain = None
        if len(waiting):
            # replace b_p by waiting u (keep a_p), or a_p by u (keep b_p)
            keep_a = masked[np.ix_(a, waiting)] - w[:, None]
            keep_b = masked[np.ix_(b, waiting)] - w[:, None]
            swap_gain = np.maximum(keep_a, keep_b)
        improved = False
        busy = np.zeros(len(edges), dtype=bool)
        used_waiting = np.zeros(len(waiting), dtype=bool)
        new_edges = []
        p_idx, q_idx = np.nonzero(np.triu(gain, 1) > 1e-12)
        order = np.argsort(-gain[p_idx, q_idx], kind="stable")
        for p, q in zip(p_idx[order].tolist(), q_idx[order].tolist(), strict=True):
            if busy[p] or busy[q]:
                continue
            busy[p] = busy[q] = True
            improved = True
            if options[0][p, q] >= options[1][p, q]:
                new_edges += [(a[p], a[q]), (b[p], b[q])]
            else:
                new_edges += [(a[p], b[q]), (b[p], a[q])]
        if swap_gain is not None and len(waiting) >= 2:
            # augment: (a_p, b_p) -> (a_p, u), (b_p, v) with two waiting students u != v
            from_a = masked[np.ix_(a, waiting)]
            from_b = masked[np.ix_(b, waiting)]
            top_a = np.argsort(-from_a, axis=1, kind="stable")[:, :2]
            top_b = np.argsort(-from_b, axis=1, kind="stable")[:, :2]
            rows = np.arange(len(edges))
            a1, a2 = from_a[rows, top_a[:, 0]], from_a[rows, top_a[:, 1]]
            b1, b2 = from_b[rows, top_b[:, 0]], from_b[rows, top_b[:, 1]]
            distinct = top_a[:, 0] != top_b[:, 0]
            first_a = a1 + b2 >= a2 + b1
            u = np.where(distinct | first_a, top_a[:, 0], top_a[:, 1])
            v = np.where(distinct | ~first_a, top_b[:, 0], top_b[:, 1])
            value = np.where(distinct, a1 + b1, np.maximum(a1 + b2, a2 + b1))
            augment = value - w
            for p in np.argsort(-augment, kind="stable").tolist():
                if augment[p] <= 1e-12:
                    break
                if busy[p] or used_waiting[u[p]] or used_waiting[v[p]]:
                    continue
                busy[p] = used_waiting[u[p]] = used_waiting[v[p]] = True
                improved = True
                new_edges += [(a[p], waiting[u[p]]), (b[p], waiting[v[p]])]
        if swap_gain is not None:
            p_idx, u_idx = np.nonzero(swap_gain > 1e-12)
            order = np.argsort(-swap_gain[p_idx, u_idx], kind="stable")
            for p, u in zip(p_idx[order].tolist(), u_idx[order].tolist(), strict=True):
                if busy[p] or used_waiting[u]:
                    continue
                busy[p] = used_waiting[u] = True
                improved = True
                stay = a[p] if keep_a[p, u] >= keep_b[p, u] else b[p]
                new_edges.append((stay, waiting[u]))
        edges = np.vstack([edges[~busy], np.array(new_edges, dtype=np.intp).reshape(-1, 2)])
        if not improved:
            break
    return edges


def _sparse_assignment(
    weight: np.ndarray, allowed: np.ndarray, candidates: int = SHORTLIST
) -> np.ndarray | None:
    """Maximum-weight assignment on everyone's ``candidates`` best edges (scipy LAPJVsp).

    ``None`` when that sparse graph has no full assignment.
    """
    n = len(weight)
    k = min(candidates, n - 1)
    key = np.where(allowed, weight, -np.inf)
    top = np.argpartition(-key, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(n), k)
    cols = top.ravel()
    keep = allowed[rows, cols]
    flat = np.unique(np.r_[rows[keep] * n + cols[keep], cols[keep] * n + rows[keep]])
    rows, cols = np.divmod(flat, n)
    # Whole-number costs: on float costs that differ only by rounding, LAPJVsp
    # can cycle forever (seen with scipy 1.17 on a feasible 50-student graph).
    top_weight = float(weight.max()) + 1.0
    cost = np.rint((top_weight - weight[rows, cols]) * (COST_UNITS / top_weight))
    graph = csr_array((cost, (rows, cols)), shape=(n, n))
    try:
        _, sigma = min_weight_full_bipartite_matching(graph)
    except ValueError:
        return None
    return sigma


def _dual_bound(edges: np.ndarray, weight: np.ndarray, allowed: np.ndarray) -> float:
    """An upper bound from a feasible dual of the fractional matching LP.

    Any ``y >= 0`` with ``y_i + y_j >= w_ij`` for every allowed pair bounds
    every matching by ``sum(y)``. Start from the matching (each pair's weight
    split in half), raise ``y_i`` to cover every pair of ``i`` (one pass makes
    ``y`` feasible), then lower each ``y_i`` to the least feasible value
    (coordinate descent; every step stays feasible).
    """
    n = len(weight)
    masked = np.where(allowed, weight, 0.0)
    y = np.zeros(n)
    if len(edges):
        half = masked[edges[:, 0], edges[:, 1]] / 2.0
        y[edges[:, 0]] = half
        y[edges[:, 1]] = half
    for i in range(n):
        y[i] = max(y[i], float((masked[i] - y).max()))
    for _ in range(2):
        for i in range(n):
            y[i] = 0.0
            y[i] = max(0.0, float((masked[i] - y).max()))
    return float(y.sum())


def max_weight_pairs(
    weight: np.ndarray,
    allowed: np.ndarray,
    exact_limit: int = EXACT_LIMIT,
    bound_limit: int = BOUND_LIMIT,
    passes: int = 30,
) -> PeerSolution:
    """Maximum-weight matching on a symmetric non-negative ``weight`` over ``allowed`` pairs.

    Exact (networkx) up to ``exact_limit`` students; beyond, near-optimal with
    an upper bound (see the module docstring).
    """
    n = len(weight)
    allowed = allowed & ~np.eye(n, dtype=bool)
    weight = np.where(allowed, weight, 0.0)
    if n < 2 or not allowed.any():
        return PeerSolution(np.zeros((0, 2), np.intp), 0.0, 0.0, True, "empty")
    if n <= exact_limit:
        pairs = _exact(weight, allowed)
        value = float(weight[pairs[:, 0], pairs[:, 1]].sum()) if len(pairs) else 0.0
        return PeerSolution(pairs, value, value, True, "exact (networkx blossom)")
    dual = None
    if n <= bound_limit:
        rows, sigma = linear_sum_assignment(weight, maximize=True)
        bound = float(weight[rows, sigma].sum()) / 2.0
        pairs = _round_cycles(sigma, weight)
        method = "LP-relaxation rounding + 2-opt; bound: fractional matching LP"
    else:
        sigma = _sparse_assignment(weight, allowed)
        if sigma is not None:
            pairs = _round_cycles(sigma, weight)
            method = "shortlist assignment rounding + 2-opt; bound: feasible LP dual"
        else:
            pairs = _greedy(weight, allowed)
            method = "greedy + 2-opt; bound: feasible LP dual"
        dual = True
        passes = min(passes, 10)
    pairs = [(a, b) for a, b in pairs if allowed[a, b]]
    _match_waiting(pairs, weight, allowed)
    edges = _two_opt(pairs, weight, allowed, passes)
    edges = np.sort(edges, axis=1)
    edges = edges[np.lexsort((edges[:, 1], edges[:, 0]))]
    if dual:
        bound = min(_dual_bound(edges, weight, allowed), float(weight.max(1).sum()) / 2.0)
    value = float(weight[edges[:, 0], edges[:, 1]].sum()) if len(edges) else 0.0
    return PeerSolution(edges, value, max(bound, value), False, method)


def _preference_ranks(objective: np.ndarray, allowed: np.ndarray, rankings) -> np.ndarray:
    """Rank of every partner in every student's list (ranked partners first, then by score)."""
    key = np.where(allowed, -objective, np.inf)
    for i, ranked in rankings.items():
        ranked = np.asarray(ranked, dtype=np.intp)
        key[i, ranked] = np.where(allowed[i, ranked], -1e12 + np.arange(len(ranked)), np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[1])[None, :], axis=1)
    return np.where(allowed, rank, np.iinfo(np.int64).max)


def blocking_pairs(pairs: np.ndarray, rank: np.ndarray, allowed: np.ndarray) -> int:
    """Pairs of students who both prefer each other to their partners (or to waiting)."""
    n = len(rank)
    current = np.full(n, np.iinfo(np.int64).max)
    if len(pairs):
        current[pairs[:, 0]] = rank[pairs[:, 0], pairs[:, 1]]
        current[pairs[:, 1]] = rank[pairs[:, 1], pairs[:, 0]]
    wants = (rank < current[:, None]) & allowed
    return int(np.triu(wants & wants.T, 1).sum())


def peer_matching(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    context: MatchContext | None = None,
) -> Pairing:
    """Pair students regardless of role: maximum total weight (exact or near-optimal)."""
    context = context or MatchContext.from_roster(roster)
    everyone = np.arange(len(roster))
    weights = configured_weights(config)
    needed = [t for t, w in weights.items() if w]
    terms = pair_terms(roster, everyone, everyone, config.cross_group_attributes, only=needed)
    directed = combine({t: terms.get(t, 0.0) for t in TERMS}, weights)
    directed = np.broadcast_to(directed, (len(roster), len(roster))).astype(np.float64)
    del terms
    forward = directed >= directed.T
    weight = np.maximum(directed, directed.T)
    jitter = JITTER * rng.random(weight.shape)
    weight = np.maximum(weight + jitter + jitter.T, 0.0) + MIN_WEIGHT
    checks = pair_feasibility(roster, config, context, everyone, everyone)
    feasibility = Feasibility.from_checks(
        [*checks.checks, ("self", "themself", ~np.eye(len(roster), dtype=bool))],
        weight.shape,
        checks.blanks,
    )
    feasibility.ensure_possible(context, site_name(roster))
    allowed = feasibility.allowed
    rank = None
    if context.rankings:
        rank = _preference_ranks(weight, allowed, context.rankings)
        # ranked partners weigh up to twice the largest score, first choices most
        top = float(weight.max())
        boost = np.zeros_like(weight)
        for i, ranked in context.rankings.items():
            for position, j in enumerate(ranked):
                boost[i, j] = boost[j, i] = max(boost[i, j], 2 * top * (1 - position / len(ranked)))
        weight = weight + boost
    avoided = context.mask("avoid", everyone, everyone)
    weight = np.where(avoided, weight * AVOID_SHARE, weight)
    solution = max_weight_pairs(weight, allowed)
    a, b = solution.pairs[:, 0], solution.pairs[:, 1]
    mentor = np.where(forward[a, b], a, b)
    mentee = np.where(forward[a, b], b, a)
    site = site_name(roster)
    notes = [
        f"site {site}: peer pairing of {len(roster)} students, {solution.method}: "
        + (
            f"optimal total {solution.value:.3f}"
            if solution.exact
            else f"total {solution.value:.3f}, upper bound {solution.bound:.3f}, "
            f"gap {100 * solution.gap:.2f}%"
        )
    ]
    if rank is not None:
        notes.append(
            f"site {site}: stable roommates (peer pairing from preferences) often has no stable "
            "solution, so the maximum-weight pairing (ranked partners weighted up) was used; "
            f"{blocking_pairs(solution.pairs, rank, allowed)} blocking pair(s) remain"
        )
    unmatched: dict[int, str] = {}
    matched = np.zeros(len(roster), dtype=bool)
    matched[a] = matched[b] = True
    for k in np.flatnonzero(~matched):
        why = feasibility.reason(int(k), side="a", partner="partner")
        if why is None:
            why = (
                "odd number of students in this site: one waits for the next round"
                if len(roster) % 2 and (~matched).sum() == 1
                else "left out so that more or better pairs could form"
            )
        unmatched[int(k)] = why
    return Pairing(
        mentor.astype(np.intp),
        mentee.astype(np.intp),
        np.arange(len(mentor), dtype=np.intp),
        directed[mentor, mentee].astype(np.float64),
        unmatched,
        "peer",
        tuple(notes),
    )
