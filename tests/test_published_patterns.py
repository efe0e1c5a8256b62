"""Published patterns the model was not calibrated or validated on, through the public API.

An independent review (issue 15: "published patterns the developers were not
told about, run through the public API, must come out in the published order,
or the tool must report them as uncertain across plausible worlds"). None of
these patterns is a case in ``workbench/validation/cases.toml``; the one that is
(the overall effect) is here only as an anchor, judged over plausible worlds
rather than at the defaults.

Each test states a published ordering as design A (published better) against
design B, runs :func:`workbench.verdict` over plausible worlds, and fails only
when the tool states the *opposite* with confidence (``reversed``: B better in
at least 90% of worlds, with no assumption flipping it). ``holds``,
``uncertain`` and ``no real difference`` pass, except for patterns whose
published finding is "no reliable difference", where a confident verdict either
way fails. A pattern the tool gets wrong is an ``xfail(strict=True)`` with its
reason, so that a fix shows up as an unexpected pass. Two were wrong on 43edfc2
(the equity gaps, and the rotation verdict's knock-out at 100 worlds, the last
test) and pass since the fixes on main (3cf3ba4, bfac102): they now guard them.

No simulated number is written here: only orderings and verdict words.
Sizes are modest (300 students, 40 worlds) to keep the file to seconds of CPU
(about 16 s in all); the equity-gap check uses 200 worlds (the tool's default)
and the knock-out 100, where a too-small world set hid what they test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import workbench
from workbench.worlds import judge

ROOT = Path(__file__).resolve().parents[1]
WORLDS = 40
STUDENTS = 300
#: Root seed of every verdict here (the baseline scenario's own seed).
SEED = 20251027

CONFIDENT = ("holds", "reversed")


@pytest.fixture(scope="module")
def worlds() -> workbench.PlausibleWorlds:
    return workbench.PlausibleWorlds.default(n=WORLDS, rng=0)


@pytest.fixture(scope="module")
def baseline() -> workbench.Scenario:
    return workbench.load_scenario(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"cohort.size": STUDENTS}
    )


def _design(scenario: workbench.Scenario, name: str, **changes) -> workbench.Scenario:
    return scenario.with_overrides({"name": name, **changes})


def _no_program(scenario: workbench.Scenario) -> workbench.Scenario:
    return _design(scenario, "no program", **{"levers.sessions_per_week": 0})


def _not_contradicted(v, outcome: str) -> None:
    """A (published better) is not reported worse than B with confidence."""
    row = v.table.loc[outcome]
    assert row["verdict"] != "reversed", (
        f"the tool states the opposite of the published order: {row['reading']}"
    )


def _no_confident_difference(v, outcome: str) -> None:
    """A published null: the tool must not claim a difference either way with confidence."""
    row = v.table.loc[outcome]
    assert row["verdict"] not in CONFIDENT, (
        f"published: no reliable difference; the tool says {row['verdict']!r}: {row['reading']}"
    )


# -- anchor (a calibration case, here over plausible worlds) ------------------------------
def test_anchor_a_program_raises_mentees_belonging(baseline, worlds):
    """DuBois et al. 2002 (d = 0.18), DuBois et al. 2011 (d = 0.21), Raposa et al. 2019
    (g = 0.21, 70 studies): mentoring programs have a small positive average effect.
    In cases.toml as ``overall_effect`` (at the defaults); here over plausible worlds."""
    v = workbench.verdict(
        baseline,
        _no_program(baseline),
        worlds=worlds,
        outcomes=["mentee_belonging", "mentee_confidence"],
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")
    _not_contradicted(v, "mentee_confidence")


# -- 1. frequency of contact ---------------------------------------------------------------
def test_more_frequent_contact_does_better(baseline, worlds):
    """DuBois et al. 2002: expectations for frequency of contact are among the coded best
    practices, and the best-practice index moderates effects; Karcher 2005: mentees whose
    mentors came consistently gained more (connectedness, self-esteem) than mentees of
    mentors who often missed. Two sessions a week against one."""
    v = workbench.verdict(
        _design(baseline, "two sessions a week", **{"levers.sessions_per_week": 2}),
        baseline,
        worlds=worlds,
        outcomes=["mentee_belonging", "mentee_confidence"],
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")
    _not_contradicted(v, "mentee_confidence")


# -- 2. consistent attendance (barriers removed) ---------------------------------------------
def test_consistent_attendance_does_better(baseline, worlds):
    """Karcher 2005 (Psychology in the Schools 42(1)): mentees of consistently attending
    high-school mentors gained more than mentees of inconsistent ones. Expressed as every
    support on (barriers to attending removed) against none."""
    supports = {
        f"levers.supports.{kind}": True
        for kind in ("transport", "schedule", "language", "caregiving")
    }
    v = workbench.verdict(
        _design(baseline, "all supports", **supports),
        baseline,
        worlds=worlds,
        outcomes=["mentee_belonging"],
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")


# -- 3. longer programs ------------------------------------------------------------------------
def test_a_school_year_does_better_than_a_term(baseline, worlds):
    """Grossman & Rhodes 2002: impacts grew with the length of the relationship (a year or
    more: the most improvements; progressively fewer for shorter ones). Expressed as the
    program's effect (against the same students without it, at the same week) of a
    36-week program minus that of a 12-week program, world by world."""
    year = baseline
    term = _design(baseline, "one term", **{"levers.weeks": 12})
    outcomes = ["mentee_belonging"]
    long_effect = workbench.verdict(
        year, _no_program(year), worlds=worlds, outcomes=outcomes, rng=SEED
    )
    short_effect = workbench.verdict(
        term, _no_program(term), worlds=worlds, outcomes=outcomes, rng=SEED
    )
    v = judge(
        long_effect.differences - short_effect.differences,
        worlds,
        names=("the school-year program's effect", "the one-term program's effect"),
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")


# -- 4. structured activities ------------------------------------------------------------------
def test_structured_activities_do_better(baseline, worlds):
    """DuBois et al. 2002: structured activities for mentors and youth are among the best
    practices associated with larger effects. activity_variety 1 (joint projects,
    mini-goals) against 0."""
    v = workbench.verdict(
        _design(baseline, "structured activities", **{"levers.activity_variety": 1.0}),
        _design(baseline, "no structured activities", **{"levers.activity_variety": 0.0}),
        worlds=worlds,
        outcomes=["mentee_belonging", "retention"],
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")
    _not_contradicted(v, "retention")


# -- 5. mentor training ------------------------------------------------------------------------
def test_mentor_training_does_better(baseline, worlds):
    """DuBois et al. 2002: ongoing training of mentors goes with larger effects;
    Kupersmidt, Stump, Stelter & Rhodes 2017 (JCP): the Training standard predicted match
    length (cases.toml checks match weeks at the defaults; here mentee outcomes and
    retention over plausible worlds). Full training against none."""
    v = workbench.verdict(
        _design(baseline, "trained mentors", **{"levers.mentor_training": 1.0}),
        _design(baseline, "untrained mentors", **{"levers.mentor_training": 0.0}),
        worlds=worlds,
        outcomes=["mentee_belonging", "retention"],
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")
    _not_contradicted(v, "retention")


# -- 6. monitoring and ongoing support ---------------------------------------------------------
def test_monitoring_and_support_do_better(baseline, worlds):
    """DuBois et al. 2002: monitoring of program implementation and support for mentors
    are among the best practices associated with larger effects (McQuillin & Lyons 2021's
    closure result is a case; the effect on mentees is not). Check-ins every two weeks
    with the default response against none."""
    v = workbench.verdict(
        baseline,
        _design(baseline, "no check-ins", **{"levers.checkin_every_weeks": 0}),
        worlds=worlds,
        outcomes=["mentee_belonging"],
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")


# -- 6b. training and consistent support keep matches going -----------------------------------
def test_training_and_support_keep_matches_going(baseline, worlds):
    """Herrera, DuBois & Grossman 2013 (The Role of Risk, MDRC; 30 programs): mentors who
    received early-match training and consistent program support met more often and had
    longer-lasting relationships. Full training with weekly check-ins and a strong
    response, against no training and no check-ins: the share still in the program."""
    v = workbench.verdict(
        _design(
            baseline,
            "trained and supported",
            **{
                "levers.mentor_training": 1.0,
                "levers.checkin_every_weeks": 1,
                "levers.coordinator_response": 1.0,
            },
        ),
        _design(
            baseline,
            "neither",
            **{"levers.mentor_training": 0.0, "levers.checkin_every_weeks": 0},
        ),
        worlds=worlds,
        outcomes=["retention", "mentee_retention"],
        rng=SEED,
    )
    _not_contradicted(v, "retention")
    _not_contradicted(v, "mentee_retention")


# -- 7. mentors gain too -----------------------------------------------------------------------
def test_cross_age_mentors_gain_connectedness(worlds):
    """Karcher 2009 (Professional School Counseling): high-school students who served as
    cross-age peer mentors rose in school connectedness and self-esteem against
    comparison peers. The cross-age policy against no program, mentors only (the
    all-student mean minus the mentees' share of it)."""
    cross_age = workbench.load_scenario(ROOT / "scenarios" / "policy_cross_age.toml")
    cross_age = cross_age.with_overrides({"cohort.size": STUDENTS})
    outcomes = ["belonging", "confidence", "mentee_belonging", "mentee_confidence"]
    v = workbench.verdict(
        cross_age, _no_program(cross_age), worlds=worlds, outcomes=outcomes, rng=SEED
    )
    # the share of mentees in the roster every world shares (run_scenario's replication 0)
    students = workbench.run_scenario(
        cross_age.with_overrides({"levers.weeks": 1}), rng=SEED, replications=1
    ).students
    mentees = float(np.mean(students["role"].astype(str) == "mentee"))
    assert 0 < mentees < 1
    d = v.differences
    mentors = pd.DataFrame(
        {
            level: (d[level] - mentees * d[f"mentee_{level}"]) / (1 - mentees)
            for level in ("belonging", "confidence")
        }
    )
    mentor_verdict = judge(mentors, worlds, names=("mentoring", "no program"), rng=SEED)
    _not_contradicted(mentor_verdict, "belonging")
    _not_contradicted(mentor_verdict, "confidence")


# -- 8. demographic matching is not a strong moderator -----------------------------------------
def test_same_or_cross_group_matching_is_no_settled_difference(baseline, worlds):
    """Rhodes, Reddy, Grossman & Lee 2002 (same- vs cross-race matches: similar benefits);
    DuBois et al. 2002 (matching on race or gender not a significant moderator). Pairs
    chosen across first-generation, disability and language background against pairs
    chosen alike: the tool must not claim either is better for mentees with confidence."""
    v = workbench.verdict(
        _design(baseline, "cross-group pairs", **{"matching.policy": "cross_group"}),
        _design(baseline, "alike pairs", **{"matching.policy": "affinity"}),
        worlds=worlds,
        outcomes=["mentee_belonging"],
        rng=SEED,
    )
    _no_confident_difference(v, "mentee_belonging")


# -- 9. belonging declines without support -----------------------------------------------------
def test_belonging_declines_over_the_year_without_a_program(baseline, worlds):
    """Anderman, L. H. 2003 (J. Experimental Education 72(1): belonging declined over the
    middle-school year); Gillen-O'Neel & Fuligni 2013 (Child Development 84(2): belonging
    declined across high school). No program: the start of the year (week 1) against its
    end (week 36)."""
    none = _no_program(baseline)
    v = workbench.verdict(
        _design(none, "start of the year", **{"levers.weeks": 1}),
        _design(none, "end of the year"),
        worlds=worlds,
        outcomes=["belonging"],
        rng=SEED,
    )
    _not_contradicted(v, "belonging")


# -- 9b. effects fade after the program ends ------------------------------------------------
def test_effects_fade_after_the_program_ends(baseline, worlds):
    """Herrera, Grossman, Kauh & McMaken 2011 (Child Development 82(1); BBBS school-based
    mentoring, randomised): first-year impacts were not sustained into the next school
    year. The program's effect (against the same students without it, read at the same
    week) at its end, minus its effect after a follow-up school year without meetings
    (``levers.follow_up_weeks``): the published order is a smaller effect at follow-up."""
    later = {"levers.follow_up_weeks": 36}
    outcomes = ["mentee_belonging"]
    at_end = workbench.verdict(
        baseline, _no_program(baseline), worlds=worlds, outcomes=outcomes, rng=SEED
    )
    followed = _design(baseline, "followed up", **later)
    at_follow_up = workbench.verdict(
        followed,
        _design(_no_program(baseline), "no program, followed up", **later),
        worlds=worlds,
        outcomes=outcomes,
        rng=SEED,
    )
    v = judge(
        at_end.differences - at_follow_up.differences,
        worlds,
        names=("the effect at the program's end", "the effect a year later"),
        rng=SEED,
    )
    _not_contradicted(v, "mentee_belonging")


# -- 10. youth at higher environmental risk benefit at least as much ---------------------------
# Found WRONG by this review on 43edfc2: the tool said with confidence ('reversed', no
# parameter named) that the default program widens these gaps against no program. Since
# 3cf3ba4 barrier_penalty's plausible range starts at 0.2 and the verdict is reported
# uncertain, turning on it: the tool no longer states the opposite with confidence, though
# the model's default still widens the gaps (see the review report).


@pytest.mark.parametrize("attribute", ["first_gen", "disability"])
def test_youth_at_risk_benefit_at_least_as_much(baseline, attribute):
    """DuBois et al. 2002 (youth from backgrounds of environmental risk and disadvantage
    appear most likely to benefit); Herrera, DuBois & Grossman 2013 (youth with differing
    risk profiles derived similar benefits). The program's effect on the gap of a group
    with more barriers: the published order is a gap no wider with the program than
    without it."""
    worlds = workbench.PlausibleWorlds.default(n=200, rng=0)  # the default number
    gap = f"belonging_gap:{attribute}"
    v = workbench.verdict(baseline, _no_program(baseline), worlds=worlds, outcomes=[gap], rng=SEED)
    _not_contradicted(v, gap)


# -- knock-out: a confident verdict must survive the ends of its assumptions' ranges ------------
# Found WRONG by this review on 43edfc2: over 40 or 100 worlds the tool said rotating lowers
# belonging with confidence, naming nothing, while planned_harm_share = 0 (an end of its
# plausible range) turns it. Since bfac102 a share whose Clopper-Pearson interval does not
# clear 90% is 'uncertain'.


def _survives_its_ends(a, b, worlds, outcome: str, parameter: str) -> None:
    """A confident verdict keeps its word with an assumption at either end of its range.

    An uncertain verdict must read as unsettled to a coordinator.
    """
    judged = workbench.verdict(a, b, worlds=worlds, outcomes=[outcome], rng=SEED)
    said = judged.table.loc[outcome, "verdict"]
    if said not in CONFIDENT:
        reading = judged.table.loc[outcome, "reading"]
        assert reading.startswith(("Uncertain", "No real difference")), reading
        return
    for end in worlds.summary().loc[parameter, "plausible"]:
        knocked = workbench.verdict(
            a, b, worlds=worlds.with_values(**{parameter: end}), outcomes=[outcome], rng=SEED
        )
        assert knocked.table.loc[outcome, "verdict"] == said, (
            f"'{said}' over plausible worlds, but with {parameter} = {end} (an end of its "
            f"plausible range): {knocked.table.loc[outcome, 'reading']}"
        )


def test_a_confident_rotation_verdict_survives_planned_harm_at_its_ends(baseline):
    """Issue 15's knock-out criterion on its headline verdict: "rotating every 6 weeks
    lowers belonging" may be stated with confidence only if it keeps its word with
    planned_harm_share (an assumption) at either end of its plausible range."""
    rotating = _design(baseline, "rotate every 6 weeks", **{"rotation.policy": "periodic"})
    worlds = workbench.PlausibleWorlds.default(n=100, rng=0)
    _survives_its_ends(rotating, baseline, worlds, "belonging", "planned_harm_share")


# Found WRONG by this review at 3cf3ba4: over lesson 05's 40 worlds the tool said all supports
# raise belonging ('holds', no parameter named), while with barrier_penalty (an assumption) at
# 0.2, the low end of its plausible range, supports are better in only about 85% of worlds.
# Since the knock-outs (verdict(knockouts=3), the default) the tool reports it uncertain.
def test_the_supports_verdict_survives_barrier_penalty_at_its_ends(baseline, worlds):
    """Lesson 05's 'most solid verdict of the course' under the same knock-out criterion."""
    supports = {
        f"levers.supports.{kind}": True
        for kind in ("transport", "schedule", "language", "caregiving")
    }
    _survives_its_ends(
        _design(baseline, "all supports", **supports),
        baseline,
        worlds,
        "belonging",
        "barrier_penalty",
    )
