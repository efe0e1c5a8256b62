"""Matching policies on rosters: used by the simulation and by the roster matcher.

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.scenario import Scenario
>>> scenario = Scenario()
>>> roster = generate_roster(scenario.cohort.model_copy(update={"size": 40}), np.random.default_rng(1))
>>> pairing = match_roster(roster, scenario.matching, np.random.default_rng(2))
>>> len(pairing)
20
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from workbench import registry
from workbench.matching import tiled
from workbench.matching.context import MatchContext
from workbench.matching.pairing import Pairing
from workbench.matching.policies import MatchingPolicy, split_roles
from workbench.matching.scores import TERMS, pair_terms, pairwise_terms, score_matrix
from workbench.roster import Roster, template_of
from workbench.scenario import Matching as MatchConfig

__all__ = [
    "POLICIES",
    "TERMS",
    "MatchContext",
    "MatchingPolicy",
    "Pairing",
    "match_roster",
    "pair_terms",
    "pairwise_terms",
    "score_matrix",
    "split_roles",
]

#: Every matching policy by name (built-in, registered and installed ones), a live
#: read-only view of :mod:`workbench.registry`; looking a name up loads its function.
POLICIES: Mapping[str, MatchingPolicy] = registry.FunctionView("matching")


def match_roster(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    rows: np.ndarray | None = None,
    *,
    avoid: Iterable[Sequence[int]] | np.ndarray | None = None,
    forbidden: Iterable[Sequence[int]] | np.ndarray | None = None,
    rankings: Mapping[int, Sequence[int]] | None = None,
    strict: bool = False,
) -> Pairing:
    """Run the configured policy site by site over ``roster`` (or its ``rows``).

    Parameters
    ----------
    roster, config, rng
        Who, how (``config.policy`` and its settings) and the random stream.
    rows
        Only these roster rows take part (e.g. students waiting for a partner).
    avoid
        Pairs of roster rows to avoid where possible (recent partners during
        rotation): chosen only when the alternative is leaving someone out.
    forbidden
        Pairs of roster rows that must not meet, on top of the roster's
        ``must_not_meet`` column.
    rankings
        Explicit preferences: roster row -> roster rows, best first (stable
        and peer policies).
    strict
        Raise :class:`~workbench.errors.WorkbenchError` when a hard constraint
        leaves a whole site without any possible pair (the roster matcher);
        otherwise those students are reported unmatched (the simulation).

    Returns
    -------
    Pairing
        One pairing with indices into ``roster``.

    Notes
    -----
    A roster marked as copies of one template (:func:`workbench.roster.mark_tiles`,
    the batched worlds engine) is matched faster: a site's scores are sliced
    from the template's score matrix, and sites that pose the same problem
    (same template rows, roles, forbidden and avoided pairs, rankings) are
    solved once and share that solution and its random draws. Other rosters
    are matched site by site as above.
    """
    rows = np.arange(len(roster)) if rows is None else np.asarray(rows, dtype=np.intp)
    policy: MatchingPolicy = registry.get("matching", config.policy).load()
    extra = np.asarray(list(forbidden) if forbidden is not None else [], dtype=np.intp)
    own = getattr(roster, "must_not_meet", None)
    if own is not None and len(own):
        extra = np.vstack([extra.reshape(-1, 2), own])
    tiles = template_of(roster)
    if (
        tiles is not None
        and not (len(extra) or rankings or strict)
        and tiled.applies(roster, config, rows, policy)
    ):
        # many sites of copies: the same result with the per-site work done as arrays
        found = tiled.match_tiled_sites(roster, config, rng, rows, avoid, tiles)
        if found is not None:
            return found
    context = MatchContext.build(extra, avoid, rankings, strict)
    plain = not (len(context.forbidden) or len(context.avoid) or context.rankings)
    parts = []
    codes = roster.site_codes[rows]
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    sites = [rows[block] for block in np.split(order, bounds)]
    # every site's share of the pairs and rankings in one pass (not one pass per site)
    locals_ = [MatchContext(strict=strict)] * len(sites) if plain else context.split(sites)
    solved: dict[tuple, Pairing] = {}
    for site_rows, local in zip(sites, locals_, strict=True):
        if len(site_rows) < 2:
            alone = {int(r): "the only student waiting for a match in this site" for r in site_rows}
            parts.append(Pairing(*([np.zeros(0, np.intp)] * 3), np.zeros(0), alone, config.policy))
            continue
        key = (
            None
            if tiles is None
            else _problem_key(tiles[1][site_rows], roster.role[site_rows], local)
        )
        found = solved.get(key) if key is not None else None
        if found is None:
            found = policy(roster.take(site_rows), config, rng, local)
            if key is not None and not found.notes:  # notes name their site: not shared
                solved[key] = found
        parts.append(found.remap(site_rows))
    return Pairing.concat(parts, config.policy)


def _problem_key(template_rows: np.ndarray, role: np.ndarray, local: MatchContext) -> tuple:
    """What a site of a tiled roster asks the policy: the same key, the same problem.

    Two sites that are copies of the same template rows, in the same order and
    roles, with the same local forbidden and avoided pairs and rankings, pose
    one problem; :func:`match_roster` solves it once and gives every such site
    that solution (they share its random tie-breaking draws: common random
    numbers across the worlds of a batched run).
    """
    return (
        template_rows.tobytes(),
        np.asarray(role, dtype=str).tobytes(),
        local.forbidden.tobytes(),
        local.avoid.tobytes(),
        tuple(sorted(local.rankings.items())),
        local.strict,
    )
