"""Speed of the simulation: student-weeks per second, vectorised vs the naive Mesa form.

Run:  .venv/bin/python benchmarks/bench_model.py [--quick]

The vectorised model (workbench.model) is timed on cohorts of 100, 1,000,
10,000 and 100,000 students (sites of at most 1,000) over 36 weeks, whole runs
including building the cohort, matching and recording. The naive form writes
the same weekly rules as a Python ``step()`` per agent (the textbook Mesa
way), on the same cohort and initial pairing, for 100 and 1,000 students; the
ratio compares the weekly loop of both in the same process.
"""

from __future__ import annotations

import argparse
import math
import time

import mesa
import numpy as np

from workbench.dynamics import advance_week
from workbench.matching import match_roster, pairwise_terms
from workbench.model import MentorshipModel
from workbench.scenario import BARRIERS, Scenario, load_scenario


class NaiveStudent(mesa.Agent):
    """One student stepping on its own: the per-agent form of workbench.dynamics."""

    def __init__(self, model: NaiveModel, index: int) -> None:
        super().__init__(model)
        roster = model.roster
        self.belonging = self.belonging_start = float(roster.belonging[index])
        self.confidence = self.confidence_start = float(roster.confidence[index])
        self.engagement = float(model.engagement[index])
        self.skill = [float(s) for s in roster.skills[index]]
        self.uncovered = float(model.uncovered[index])
        self.dependency = 0.0
        self.active = True
        self.partner: NaiveStudent | None = None
        self.is_mentor = False
        self.trust = 0.0
        self.affinity = self.complementarity = self.cross = 0.0
        self.weeks_together = 0
        self.attended = 0

    def attend(self) -> None:
        p = self.model.program.dynamics
        prob = 1 / (
            1
            + math.exp(
                -(
                    p.attend_base
                    + p.attend_engagement * (self.engagement - 0.5)
                    - p.barrier_penalty * self.uncovered
                )
            )
        )
        sessions = self.model.program.levers.sessions_per_week
        self.attended = (
            sum(self.random.random() < prob for _ in range(sessions)) if self.active else 0
        )

    def step(self) -> None:
        p = self.model.program.dynamics
        levers = self.model.program.levers
        if not self.active or self.partner is None:
            return
        met = min(self.attended, self.partner.attended)
        if self.is_mentor:
            quality = 1 / (
                1
                + math.exp(
                    -(
                        p.quality_base
                        + p.quality_affinity * self.affinity
                        + p.quality_complementarity * self.complementarity
                        + p.quality_training * levers.mentor_training
                        + p.quality_trust * self.trust
                        + p.supervision_boost * levers.adult_supervision
                        + p.quality_noise * self.random.gauss(0, 1)
                    )
                )
            )
            self.partner.quality = self.quality = quality
        quality = self.quality
        dose = met * quality
        self.belonging += (
            p.belonging_gain * dose * (1 + p.cross_group_bonus * self.cross) * (1 - self.belonging)
        )
        if self.is_mentor:
            self.confidence += p.mentor_confidence_gain * dose * (1 - self.confidence)
            self.trust += p.trust_gain * dose * (1 - self.trust)
        else:
            drag = 1 - p.dependency_drag * self.dependency
            self.confidence += p.confidence_gain * dose * drag * (1 - self.confidence)
            for k, mine in enumerate(self.skill):
                lead = max(self.partner.skill[k] - mine, 0.0)
                self.skill[k] = mine + p.skill_gain * dose * lead * (1 - mine)
            target = self.partner.trust * (1 - 0.7 * levers.activity_variety)
            self.dependency += p.dependency_growth * (target - self.dependency)
        self.weeks_together += 1
        missed = levers.sessions_per_week - self.attended
        self.engagement += (
            p.engagement_response * (dose - 0.5 * met)
            - p.missed_penalty * missed
            - p.monotony * (1 - levers.activity_variety) * min(self.weeks_together / 12, 1)
        )
        self.engagement = min(max(self.engagement, 0.0), 1.0)
        for name in ("belonging", "confidence"):
            now, start = getattr(self, name), getattr(self, f"{name}_start")
            now += p.drift * (start - now) + 0.01 * self.random.gauss(0, 1)
            setattr(self, name, min(max(now, 0.0), 1.0))
        shortfall = min(max((p.dropout_threshold - self.engagement) / p.dropout_threshold, 0), 1)
        if self.random.random() < p.dropout_hazard * shortfall:
            self.active = False
            self.partner.partner = None
            self.partner = None


class NaiveModel(mesa.Model):
    """The same cohort and first pairing, stepped agent by agent."""

    def __init__(self, scenario: Scenario, seed: int) -> None:
        super().__init__(rng=seed)
        self.program = scenario
        vector = MentorshipModel(scenario, rng=seed)
        self.roster = vector.roster
        self.engagement = vector.state.engagement
        supports = np.array([getattr(scenario.levers.supports, b) for b in BARRIERS])
        self.uncovered = (self.roster.barriers & ~supports).sum(1)
        self.people = [NaiveStudent(self, i) for i in range(len(self.roster))]
        pairing = match_roster(self.roster, scenario.matching, self.rng)
        terms = pairwise_terms(self.roster, pairing.mentor, pairing.mentee)
        for k, (a, b) in enumerate(zip(pairing.mentor, pairing.mentee, strict=True)):
            mentor, mentee = self.people[a], self.people[b]
            mentor.partner, mentee.partner, mentor.is_mentor = mentee, mentor, True
            for agent in (mentor, mentee):
                agent.affinity = terms["affinity"][k]
                agent.complementarity = terms["complementarity"][k]
                agent.cross = terms["cross_group"][k]

        # the textbook way to record outcomes by group: a DataCollector over the agents
        attributes = self.roster.attributes
        for person, (_, row) in zip(self.people, attributes.iterrows(), strict=True):
            person.groups = dict(row)
        reporters = {}
        for metric in ("belonging", "confidence", "engagement", "dependency", "active"):
            reporters[metric] = lambda m, metric=metric: np.mean(
                [getattr(a, metric) for a in m.people]
            )
            for name in attributes.columns:
                for level in attributes[name].unique():
                    reporters[f"{metric}:{name}={level}"] = (
                        lambda m, metric=metric, name=name, level=level: np.mean(
                            [getattr(a, metric) for a in m.people if a.groups[name] == level]
                        )
                    )
        self.datacollector = mesa.DataCollector(model_reporters=reporters)

    def step(self) -> None:
        for agent in self.people:
            agent.attend()
        # mentors first, so each pair's quality is drawn once per week
        for agent in sorted(self.people, key=lambda a: not a.is_mentor):
            agent.step()
        self.datacollector.collect(self)


def vectorised_weekly(scenario: Scenario, seed: int) -> tuple[float, float]:
    """(seconds for the whole run, seconds per week of the rules + records alone).

    The second figure is the same work as the naive form's week: the weekly
    rules of :func:`workbench.dynamics.advance_week` and recording by group.
    """
    start = time.perf_counter()
    model = MentorshipModel(scenario, rng=seed)
    model.run_model()
    total = time.perf_counter() - start
    twin = MentorshipModel(scenario, rng=seed)
    twin.step()  # match once, then time the rules alone
    rules_start = time.perf_counter()
    for week in range(2, scenario.levers.weeks + 1):
        advance_week(twin.state, scenario, week, twin.rng)
        twin.recorder.record(week, twin.state, twin.ties)
    rules = (time.perf_counter() - rules_start) / max(scenario.levers.weeks - 1, 1)
    return total, rules


def naive_weekly(scenario: Scenario, seed: int) -> float:
    model = NaiveModel(scenario, seed)
    start = time.perf_counter()
    for _ in range(scenario.levers.weeks):
        model.step()
    return (time.perf_counter() - start) / scenario.levers.weeks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-student district")
    args = parser.parse_args()
    base = load_scenario("scenarios/baseline.toml")
    sizes = [100, 300, 1_000, 10_000] + ([] if args.quick else [100_000])
    print(f"{'students':>9} {'sites':>6} {'run s':>8} {'student-weeks/s':>16} {'naive ratio':>12}")
    for size in sizes:
        sites = max(1, size // 1_000)
        scenario = base.with_overrides({"cohort.size": size, "cohort.sites": sites})
        vectorised_weekly(scenario, seed=0)  # warm up imports and caches
        # best of several runs: on a shared VM the minimum is the stable figure
        runs = [vectorised_weekly(scenario, seed=s) for s in range(5 if size < 50_000 else 1)]
        total = min(t for t, _ in runs)
        per_week = min(w for _, w in runs)
        ratio = ""
        if size <= 1_000:
            naive = min(naive_weekly(scenario, seed=s) for s in range(3))
            ratio = f"{naive / per_week:10.0f}x"
        rate = size * scenario.levers.weeks / total
        print(f"{size:>9,} {sites:>6} {total:>8.3f} {rate:>16,.0f} {ratio:>12}")
    print(
        "(run s: a whole 36-week run incl. cohort, matching, check-ins and records;\n"
        " naive ratio: one week of the rules + records by group, the naive per-agent Mesa\n"
        " step() with a DataCollector divided by the vectorised advance_week + record)"
    )


if __name__ == "__main__":
    main()
