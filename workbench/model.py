"""The Mesa model of a peer-mentorship cohort: one step is one school week.

The model follows Mesa's habits: ``model.steps`` counts weeks, ``run_model()``
runs the program, ``model.datacollector`` holds the cohort's weekly outcomes
(so :func:`mesa.batch_run` works), and scenario settings can be given as flat
keyword arguments, dotted (``**{"levers.mentor_training": 0.9}``) or by their
last name when it is unique (``mentor_training=0.9``).

Examples
--------
>>> from workbench.scenario import Scenario
>>> model = MentorshipModel(Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 4}), rng=7)
>>> model.run_model()
>>> model.steps, len(model.students), model.running
(4, 60, False)
>>> model.datacollector.get_model_vars_dataframe().shape
(5, 6)
>>> MentorshipModel(cohort__size=30, weeks=2, rng=1).program.levers.weeks
2
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import mesa
import numpy as np

from workbench import registry
from workbench.agents import Coordinator, Student
from workbench.cohort import build_roster, threatened_levels
from workbench.dynamics import ENGAGEMENT_FLOOR, CohortState, Params, advance_week, end_links
from workbench.metrics import METRICS, MetricsRecorder
from workbench.network import TieNetwork, initial_friendships
from workbench.roster import Roster
from workbench.scenario import Scenario, ScenarioError, flatten_settings

#: Cohort-wide outcomes the model's DataCollector records each week (0 = before the program),
#: the "all students" row of :mod:`workbench.metrics`.
REPORTED: tuple[str, ...] = (
    "belonging",
    "confidence",
    "attendance",
    "retention",
    "dependency",
    "isolated",
)


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
    params
        The weekly rules' parameters; by default ``scenario.dynamics``. Plausible
        worlds (:mod:`workbench.worlds`) give one value per student here to run many
        worlds stacked in one model.
    lean
        Skip what only a reader of the run needs: no :class:`Student` agents
        (``students`` is empty), no weekly group records (``recorder`` and
        ``datacollector`` are ``None``). The run itself (``state``, ``ties``,
        every random draw) is the same; for batched runs that read only the end
        state (:mod:`workbench.worlds`). Default ``False``.
    **settings
        Scenario settings changed for this run, flat: dotted keys
        (``**{"levers.mentor_training": 0.9}``), ``__`` for dots
        (``levers__mentor_training=0.9``) or a setting's last name where only
        one setting has it (``mentor_training=0.9``). This is what
        :func:`mesa.batch_run` passes, so a sweep over settings is
        ``mesa.batch_run(MentorshipModel, {"mentor_training": [0.2, 0.8]}, rng=[1, 2])``
        (Mesa 3.5; on Mesa 3.3 put ``"rng": [1, 2]`` in the parameters).
        Its row ``Step = k`` is week ``k``; Mesa 3.3's ``batch_run`` stops at
        week N-1 (the state at the start of each step), Mesa 3.5's at week N.
        Every week is in ``model.datacollector`` and in
        :func:`workbench.run_scenario`'s tables.

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
        Agents in roster order (also in ``model.agents``); empty when ``lean``.
    steps : int
        Weeks run so far (Mesa's step counter).
    datacollector : mesa.DataCollector
        :data:`REPORTED` outcomes of the whole cohort, one row per week from week 0.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        rng: int | np.random.Generator | None = None,
        roster: Roster | None = None,
        *,
        params: Params | None = None,
        lean: bool = False,
        **settings: Any,
    ) -> None:
        super().__init__(rng=rng)
        scenario = Scenario() if scenario is None else scenario
        if settings:
            scenario = scenario.with_overrides(_dotted(settings))
        self.program = scenario
        self.roster = roster if roster is not None else build_roster(scenario, self.rng)
        roster = self.roster
        roster.site_codes, roster._codes  # noqa: B018 - warm the cached codes once
        init = scenario.cohort.initial
        n = len(roster)
        engagement = np.clip(
            init.engagement_mean
            - init.engagement_per_barrier * roster.barriers.sum(1)
            + self.rng.normal(0, init.engagement_sd, n),
            ENGAGEMENT_FLOOR,
            1.0,
        )
        self.identity_codes, self.threat_codes = _identity_codes(roster, scenario)
        self.state = CohortState.start(
            roster.belonging,
            roster.confidence,
            engagement,
            roster.skills,
            roster.barriers,
            roster.role.astype(str),  # fixed-width: weekly role masks compare fast
            scenario,
            threatened=(self.threat_codes >= 0).any(1),
            params=params,
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
            isolation=np.clip(
                1.0 - scenario.cohort.friends_barrier_drop * roster.barriers.sum(1), 0.0, 1.0
            ),
            rng=self.rng,
        )
        self.ties.add(owner, friend)
        self.lean = bool(lean)
        self.students = [] if self.lean else [Student(self, i) for i in range(n)]
        self.coordinator = Coordinator(self)
        self.recorder: MetricsRecorder | None = None
        self.datacollector: mesa.DataCollector | None = None
        if not self.lean:
            self.recorder = MetricsRecorder(roster)
            self.recorder.record(0, self.state, self.ties)
            self.datacollector = mesa.DataCollector(
                model_reporters={name: _cohort_mean(name) for name in REPORTED}
            )
            self.datacollector.collect(self)
        self.running = scenario.levers.weeks > 0

    @property
    def week(self) -> int:
        """Weeks run so far; the same as Mesa's ``steps`` (use that)."""
        warnings.warn("model.week is model.steps; use steps", DeprecationWarning, stacklevel=2)
        return self.steps

    def step(self) -> None:
        """One school week: coordinator, then the cohort's vectorised update, then records."""
        week = self.steps  # Mesa counts the step before calling this method
        levers = self.program.levers
        in_session = week <= levers.weeks
        if in_session:
            self.coordinator.step()
        advance_week(self.state, self.program, week, self.rng, in_session=in_session)
        links = self.state.links
        fresh = np.flatnonzero(~links.tied & (links.meetings > 0))
        if len(fresh):
            links.tied[fresh] = True
            self._tie_groups(fresh)
        if week == levers.weeks:
            end_links(self.state, np.flatnonzero(links.alive), week, "program_end", self.program)
        if week >= levers.weeks + levers.follow_up_weeks:
            self.running = False
        if not self.lean:
            self.recorder.record(week, self.state, self.ties)
            self.datacollector.collect(self)

    def role_models(self, mentor: np.ndarray, mentee: np.ndarray) -> np.ndarray:
        """1.0 where the mentee's group is under threat and the mentor shares that identity."""
        threat = self.threat_codes[mentee]
        same = (threat >= 0) & (self.identity_codes[mentor] == threat)
        return same.any(1).astype(np.float64)

    def _tie_groups(self, fresh: np.ndarray) -> None:
        """Ties from first meetings; in a group (circles) every member who has met is tied to the others."""
        links = self.state.links
        self.ties.add(links.mentor[fresh], links.mentee[fresh])
        if not registry.get("matching", self.program.matching.policy).forms_groups:
            return
        for group in np.unique(links.group[fresh]):
            members = links.tied & (links.group == group)
            people = np.union1d(links.mentor[members], links.mentee[members])
            a, b = np.meshgrid(people, people)
            self.ties.add(a.ravel(), b.ravel())

    def run(self) -> None:
        """Run every week of the program (Mesa's ``run_model``; use that)."""
        warnings.warn(
            "model.run() is model.run_model(); use that", DeprecationWarning, stacklevel=2
        )
        self.run_model()


def _identity_codes(roster: Roster, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Level codes on the attributes that have a group under threat, and the same codes
    kept only where the student's level is under threat (−1 elsewhere)."""
    threat = threatened_levels(scenario.cohort)
    names = [name for name in roster.attribute_names if name in threat]
    n = len(roster)
    codes = np.full((n, len(names)), -1, dtype=np.int64)
    threat_codes = codes.copy()
    for j, name in enumerate(names):
        column, levels = roster.group_codes(name)
        codes[:, j] = column
        under = np.isin(np.asarray(levels, dtype=object), list(threat[name]))
        threat_codes[:, j] = np.where(under[column], column, -1)
    return codes, threat_codes


def _cohort_mean(metric: str):
    column = METRICS.index(metric)

    def report(model: MentorshipModel) -> float:
        return float(model.recorder.means[-1][0, column])  # row 0: all students

    report.__name__ = metric
    return report


@cache
def _setting_names() -> dict[str, list[str]]:
    """Last name of each scenario setting -> the dotted settings that end with it."""
    names: dict[str, list[str]] = {}
    for dotted in flatten_settings(Scenario().model_dump(mode="json")):
        names.setdefault(dotted.rsplit(".", 1)[-1], []).append(dotted)
    return names


def _dotted(settings: dict[str, Any]) -> dict[str, Any]:
    """Flat keyword settings as dotted scenario keys (see :class:`MentorshipModel`)."""
    dotted: dict[str, Any] = {}
    for key, value in settings.items():
        key = key.replace("__", ".")
        if "." not in key:
            matches = _setting_names().get(key, [])
            if len(matches) != 1:
                hint = f"one of {', '.join(matches)}" if matches else "a scenario setting"
                raise ScenarioError(f"MentorshipModel: {key!r} is not {hint}; give its dotted name")
            key = matches[0]
        dotted[key] = value
    return dotted
