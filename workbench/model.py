"""The Mesa model of a peer-mentorship cohort: one step is one school week.

Examples
--------
>>> from workbench.scenario import Scenario
>>> model = MentorshipModel(Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 4}), rng=7)
>>> model.run()
>>> model.week, len(model.students), model.running
(4, 60, False)
"""

from __future__ import annotations

import mesa
import numpy as np

from workbench.agents import Coordinator, Student
from workbench.cohort import build_roster
from workbench.dynamics import CohortState, advance_week, end_links
from workbench.metrics import MetricsRecorder
from workbench.network import TieNetwork, initial_friendships
from workbench.roster import Roster
from workbench.scenario import Scenario


class MentorshipModel(mesa.Model):
    """A cohort of :class:`Student` agents, a :class:`Coordinator`, and the weekly rules.

    Parameters
    ----------
    scenario
        The program design (see :mod:`workbench.scenario`).
    rng
        Seed or numpy Generator; every random draw of the run comes from it.
    roster
        Students to simulate; by default built from ``scenario.cohort``.

    Attributes
    ----------
    program : Scenario
        The scenario being run (Mesa 3.5 reserves ``model.scenario`` for its
        own scenario objects, so ours is called ``program``).
    roster : Roster
        Who the students are (static).
    state : CohortState
        Arrays of everything that changes weekly, including the links.
    ties : TieNetwork
        Friendships and program ties.
    students : list[Student]
        Agents in roster order (also in ``model.agents``).
    week : int
        Weeks run so far.
    """

    def __init__(
        self,
        scenario: Scenario,
        rng: int | np.random.Generator | None = None,
        roster: Roster | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.program = scenario
        self.roster = roster if roster is not None else build_roster(scenario, self.rng)
        roster = self.roster
        roster.site_codes, roster._codes  # noqa: B018 - warm the cached codes once
        init = scenario.cohort.initial
        n = len(roster)
        engagement = np.clip(
            init.engagement_mean
            - 0.05 * roster.barriers.sum(1)
            + self.rng.normal(0, init.engagement_sd, n),
            0.05,
            1.0,
        )
        self.state = CohortState.start(
            roster.belonging,
            roster.confidence,
            engagement,
            roster.skills,
            roster.barriers,
            roster.role.astype(str),  # fixed-width: weekly role masks compare fast
            scenario,
        )
        cross_names = scenario.matching.cross_group_attributes or list(roster.attribute_names)
        codes = [
            roster.group_codes(name)[0] for name in cross_names if name in roster.attribute_columns
        ]
        self.ties = TieNetwork(np.column_stack(codes) if codes else np.zeros((n, 0), np.int64))
        first = (
            roster.group_codes(roster.attribute_names[0])[0]
            if roster.attribute_names
            else np.zeros(n, np.int64)
        )
        owner, friend = initial_friendships(
            roster.site,
            first,
            scenario.cohort.friends_mean,
            scenario.cohort.homophily,
            isolation=1.0 - 0.15 * roster.barriers.sum(1),
            rng=self.rng,
        )
        self.ties.add(owner, friend)
        self.students = [Student(self, i) for i in range(n)]
        self.coordinator = Coordinator(self)
        self.week = 0
        self.recorder = MetricsRecorder(roster)
        self.recorder.record(0, self.state, self.ties)
        self.running = scenario.levers.weeks > 0

    def step(self) -> None:
        """One school week: coordinator, then the cohort's vectorised update, then records."""
        self.week += 1
        self.coordinator.step()
        advance_week(self.state, self.program, self.week, self.rng)
        links = self.state.links
        fresh = np.flatnonzero(~links.tied & (links.meetings > 0))
        if len(fresh):
            links.tied[fresh] = True
            self._tie_groups(fresh)
        if self.week >= self.program.levers.weeks:
            end_links(
                self.state, np.flatnonzero(links.alive), self.week, "program_end", self.program
            )
            self.running = False
        self.recorder.record(self.week, self.state, self.ties)

    def _tie_groups(self, fresh: np.ndarray) -> None:
        """Ties from first meetings; in a circle every member who has met is tied to the others."""
        links = self.state.links
        self.ties.add(links.mentor[fresh], links.mentee[fresh])
        if self.program.matching.policy != "circles":
            return
        for group in np.unique(links.group[fresh]):
            members = links.tied & (links.group == group)
            people = np.union1d(links.mentor[members], links.mentee[members])
            a, b = np.meshgrid(people, people)
            self.ties.add(a.ravel(), b.ravel())

    def run(self) -> None:
        """Run every week of the program."""
        while self.running:
            self.step()
