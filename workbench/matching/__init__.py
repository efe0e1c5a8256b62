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

import numpy as np

from workbench.matching.pairing import Pairing
from workbench.matching.policies import POLICIES, register, split_roles
from workbench.matching.scores import TERMS, pair_terms, pairwise_terms, score_matrix
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

__all__ = [
    "POLICIES",
    "TERMS",
    "Pairing",
    "match_roster",
    "pair_terms",
    "pairwise_terms",
    "register",
    "score_matrix",
    "split_roles",
]


def match_roster(
    roster: Roster,
    config: MatchConfig,
    rng: np.random.Generator,
    rows: np.ndarray | None = None,
) -> Pairing:
    """Run the configured policy site by site over ``roster`` (or its ``rows``).

    Returns one :class:`Pairing` with indices into ``roster``.
    """
    rows = np.arange(len(roster)) if rows is None else np.asarray(rows, dtype=np.intp)
    policy = POLICIES[config.policy]
    parts = []
    codes = roster.site_codes[rows]
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    for block in np.split(order, bounds):
        site_rows = rows[block]
        if len(site_rows) < 2:
            alone = {int(r): "the only student waiting for a match in this site" for r in site_rows}
            parts.append(
                Pairing.empty(config.policy).__class__(
                    *([np.zeros(0, np.intp)] * 3), np.zeros(0), alone, config.policy
                )
            )
            continue
        parts.append(policy(roster.take(site_rows), config, rng).remap(site_rows))
    return Pairing.concat(parts, config.policy)
