"""The program coordinator: runs check-ins, applies the rotation policy, (re)matches.

The coordinator is the one agent that steps on its own each week, before the
cohort's vectorised update: "regular check-ins, facilitated reflection, and
safe avenues to escalate concerns" (seed 000).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import mesa
import numpy as np
from threadpoolctl import ThreadpoolController

from workbench import registry
from workbench.dynamics import checkin, end_links
from workbench.matching import match_roster, pairwise_terms
from workbench.rotation import RotationPolicy, every_k_weeks

if TYPE_CHECKING:
    from workbench.model import MentorshipModel


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


class Coordinator(mesa.Agent):
    """Checks in on pairs, rotates them by the scenario's policy and rematches students."""

    model: MentorshipModel

    def __init__(self, model: MentorshipModel) -> None:
        super().__init__(model)
        self.next_group = 0
        # students a rematch could not place; retried only when someone new waits in their site
        self.stale = np.zeros(len(model.roster), dtype=bool)

    def step(self) -> None:
        model = self.model
        state, scenario, week = model.state, model.program, model.steps
        if scenario.levers.sessions_per_week == 0:
            return  # no program: nobody is matched (the control condition)
        checkin_week = every_k_weeks(week, scenario.levers.checkin_every_weeks)
        if week == 1:
            self.rematch(np.flatnonzero(state.active))
            return
        if checkin_week:
            checkin(state, scenario)
        rotate: RotationPolicy = registry.get("rotation", scenario.rotation.policy).load()
        ended, reason = rotate(state, scenario, week)
        if len(ended):
            students = _distinct(state.links.mentor[ended], state.links.mentee[ended], state)
            end_links(state, ended, week, reason, scenario)
        else:
            students = np.zeros(0, dtype=np.intp)
        if len(ended) or checkin_week:
            waiting = state.active & ~state.matched()
            waiting[students] = False
            # boolean masks over sites and students, not sorted sets: many sites when
            # worlds are batched, and the result is the same sorted, distinct rows
            site_codes = model.roster.site_codes
            fresh_sites = np.zeros(int(site_codes.max(initial=-1)) + 1, dtype=bool)
            fresh_sites[site_codes[waiting & ~self.stale]] = True
            fresh_sites[site_codes[students]] = True
            chosen = waiting & fresh_sites[site_codes]
            chosen[students] = True
            self.rematch(np.flatnonzero(chosen))

    def former_pairs(self, rows: np.ndarray) -> np.ndarray:
        """Ended pairs with both students among ``rows``: avoided when they are rematched.

        A pair that was rotated apart or ended as a poor fit is not put back
        together unless the alternative is leaving a student out ("have a Plan
        B", seed 000: Plan B means a *different* partner).
        """
        links = self.model.state.links
        inside = np.zeros(len(self.stale), dtype=bool)
        inside[rows] = True
        former = ~links.alive & inside[links.mentor] & inside[links.mentee]
        return np.column_stack([links.mentor[former], links.mentee[former]])

    def rematch(self, rows: np.ndarray) -> None:
        """Match the given students among themselves with the scenario's policy."""
        model = self.model
        state, scenario = model.state, model.program
        rows = rows[state.active[rows] & ~state.matched()[rows]]
        if len(rows) < 2:
            return
        roster = model.roster.with_roles(state.role)
        links = state.links
        had_partner = np.zeros(len(state.active), dtype=bool)
        had_partner[links.mentor] = True
        had_partner[links.mentee] = True
        # a site's score matrices are small: BLAS threads cost more than they save (and
        # the pair terms of a tiled roster come from its template's small matrices)
        with _blas().limit(limits=1, user_api="blas"):
            pairing = match_roster(
                roster, scenario.matching, model.rng, rows=rows, avoid=self.former_pairs(rows)
            )
            self.stale[rows] = True
            self.stale[pairing.mentor] = False
            self.stale[pairing.mentee] = False
            if len(pairing) == 0:
                return
            terms = pairwise_terms(
                roster,
                pairing.mentor,
                pairing.mentee,
                scenario.matching.cross_group_attributes,
                only=("affinity", "complementarity", "cross_group", "language"),
            )
        if scenario.dynamics.rematch_trust_reset:
            trust = np.zeros(len(pairing))
        else:
            last_trust = np.zeros(len(state.active))
            np.maximum.at(last_trust, links.mentor, links.trust)
            np.maximum.at(last_trust, links.mentee, links.trust)
            trust = np.maximum(last_trust[pairing.mentor], last_trust[pairing.mentee])
        links.append(
            mentor=pairing.mentor,
            mentee=pairing.mentee,
            group=pairing.group + self.next_group,
            start=np.full(len(pairing), model.steps),
            affinity=terms["affinity"],
            complementarity=terms["complementarity"],
            cross=terms["cross_group"],
            role_model=model.role_models(pairing.mentor, pairing.mentee),
            language_fit=terms["language"],
            fit=model.rng.standard_normal(len(pairing)),
            score=pairing.score,
            trust=trust,
        )
        self.next_group += int(pairing.group.max()) + 1
        ends = _distinct(pairing.mentor, pairing.mentee, state)
        state.rematches[ends] += had_partner[ends]


def _distinct(a: np.ndarray, b: np.ndarray, state) -> np.ndarray:
    """``np.union1d(a, b)`` (sorted, distinct student rows) by a mask over the students.

    A mask costs one pass over the cohort instead of a sort: with many worlds
    batched the cohort is large, and this runs at every rotation and rematch.
    """
    seen = np.zeros(len(state.active), dtype=bool)
    seen[a] = True
    seen[b] = True
    return np.flatnonzero(seen)
