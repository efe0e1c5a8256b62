"""Verdicts: shares, words, sentences and flip rules on known per-world differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.errors import WorkbenchError
from workbench.scenario import Scenario
from workbench.worlds import PlausibleWorlds, judge, verdict
from workbench.worlds.verdict import HOLDS, NEGLIGIBLE_SHARE, REVERSED, word

WORLDS = PlausibleWorlds.default(n=200, rng=0)


def _differences(values: np.ndarray, outcome: str = "belonging") -> pd.DataFrame:
    return pd.DataFrame({outcome: values})


def _with_share_lower(share: float, size: float = 0.03) -> np.ndarray:
    """Differences where B is better in ``share`` of the 200 worlds (by ``size``)."""
    lower = np.zeros(200, bool)
    lower[: round(share * 200)] = True
    return np.where(np.random.default_rng(1).permutation(lower), -size, size)


@pytest.mark.parametrize(
    ("share_lower", "expected", "phrase"),
    [
        (0.95, "reversed", "A lowers end-of-year belonging compared with B in 95% of plausible"),
        (
            0.87,
            "uncertain",
            "Uncertain: A lowers end-of-year belonging compared with B in 87% of plausible",
        ),
        (0.5, "uncertain", "the evidence does not settle it"),
        (0.04, "holds", "A raises end-of-year belonging compared with B in 96% of plausible"),
    ],
)
def test_share_and_words(share_lower: float, expected: str, phrase: str) -> None:
    v = judge(_differences(_with_share_lower(share_lower)), WORLDS)
    row = v.table.loc["belonging"]
    assert row["share_a_better"] == pytest.approx(1 - share_lower)
    assert row["verdict"] == expected
    assert phrase in row["reading"]


def test_thresholds_are_named_and_inclusive() -> None:
    assert word(HOLDS, 0.0) == "holds"
    assert word(REVERSED, 0.0) == "reversed"
    assert word(0.5, NEGLIGIBLE_SHARE) == "no real difference"
    assert word(1.0, NEGLIGIBLE_SHARE - 0.01) == "holds"


def test_tiny_differences_are_no_real_difference_even_when_consistent() -> None:
    v = judge(_differences(np.full(200, 0.002)), WORLDS, names=("circles", "pairs"))
    row = v.table.loc["belonging"]
    assert row["share_a_better"] == 1.0
    assert row["verdict"] == "no real difference"
    assert row["reading"].startswith("No real difference: circles and pairs")


def test_a_narrower_gap_is_better() -> None:
    v = judge(_differences(np.full(200, -0.03), "belonging_gap:first_gen"), WORLDS)
    row = v.table.loc["belonging_gap:first_gen"]
    assert row["share_a_better"] == 1.0 and row["verdict"] == "holds"
    assert "narrows the first gen gap in end-of-year belonging" in row["reading"]


def test_tree_recovers_a_planted_flipping_parameter() -> None:
    table = WORLDS.table
    cut = 0.2
    flip = (table["planned_harm_share"] < cut).to_numpy()
    noise = np.random.default_rng(3).random(200) < 0.04  # a few worlds the other way
    values = np.where(flip ^ noise, 0.02, -0.02)
    v = judge(_differences(values), WORLDS)
    rule = v.rules["belonging"][0]
    assert rule.parameter == "planned_harm_share"
    assert rule.threshold == pytest.approx(cut, abs=0.03)
    assert rule.share_below > 0.85 and rule.share_above < 0.15
    assert v.table.loc["belonging", "verdict"] == "uncertain"
    assert v.table.loc["belonging", "flips_with"].startswith("planned_harm_share (assumption)")
    assert "It turns on planned_harm_share (an assumption)" in v.sentences()[0]


def test_tree_recovers_a_planted_identity_variant_and_by_identity() -> None:
    role = (WORLDS.table["identity"] == "role_model").to_numpy()
    v = judge(_differences(np.where(role, 0.02, -0.02)), WORLDS)
    rule = v.rules["belonging"][0]
    assert (rule.parameter, rule.value) == ("identity", "role_model")
    assert rule.share_above == 1.0 and rule.share_below == 0.0
    shares = v.by("identity")
    assert shares.loc["role_model", "belonging"] == 1.0
    assert shares.drop(index="role_model")["belonging"].eq(0.0).all()
    assert shares["worlds"].sum() == 200
    binned = v.by("planned_harm_share", bins=4)
    assert len(binned) == 4 and binned["worlds"].sum() == 200


def test_no_rules_when_the_verdict_is_unanimous() -> None:
    v = judge(_differences(np.full(200, 0.05)), WORLDS)
    assert v.rules["belonging"] == [] and v.table.loc["belonging", "flips_with"] == ""


SMALL = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 8, "name": "staying"})
ROTATING = SMALL.with_overrides(
    {"rotation.policy": "periodic", "rotation.every_weeks": 2, "name": "rotating"}
)


def test_same_worlds_and_seed_same_verdict_table() -> None:
    worlds = PlausibleWorlds.default(n=8, rng=1)
    outcomes = ["belonging", "retention", "belonging_gap:first_gen"]
    one = verdict(ROTATING, SMALL, worlds, outcomes=outcomes, rng=3)
    two = verdict(ROTATING, SMALL, worlds, outcomes=outcomes, rng=3)
    pd.testing.assert_frame_equal(one.table, two.table)
    pd.testing.assert_frame_equal(one.differences, two.differences)
    other = verdict(ROTATING, SMALL, worlds, outcomes=outcomes, rng=4)
    assert not one.differences.equals(other.differences)
    assert one.names == ("rotating", "staying")
    pd.testing.assert_frame_equal(one.outcomes_a - one.outcomes_b, one.differences)


def test_same_design_twice_is_no_difference_at_all() -> None:
    """Paired: the same design against itself differs by exactly zero in every world."""
    v = verdict(SMALL, SMALL, PlausibleWorlds.default(n=5, rng=0), rng=2)
    assert (v.differences.to_numpy() == 0).all()
    assert set(v.table["verdict"]) == {"no real difference"}


def test_bad_outcomes_fail_before_any_run() -> None:
    with pytest.raises(WorkbenchError, match="expected one of belonging"):
        verdict(SMALL, SMALL, 3, outcomes=["happiness"])
    with pytest.raises(WorkbenchError, match="no group attribute 'shoe_size'"):
        verdict(SMALL, SMALL, 3, outcomes=["belonging_gap:shoe_size"])


def test_no_rule_from_noise() -> None:
    """Labels that do not depend on any parameter: the permutation test keeps the tree quiet."""
    from workbench.worlds.discovery import flip_rules

    found = [
        bool(flip_rules(WORLDS.table, np.random.default_rng(seed).random(200) < 0.5, rng=seed))
        for seed in range(20)
    ]
    assert sum(found) <= 2  # about 5% expected by the test's level


def test_a_verdict_that_reverses_within_an_assumption_is_uncertain() -> None:
    column = WORLDS.table["planned_harm_share"].to_numpy()
    low = column < np.quantile(column, 0.1)  # the tenth of worlds lowest on that assumption
    v = judge(_differences(np.where(low, 0.03, -0.03)), WORLDS, names=("rotating", "staying"))
    # 90% of worlds say "lower", but the rest is a region of an assumption's range
    assert v.table.loc["belonging", "share_a_better"] == pytest.approx(0.1)
    assert v.table.loc["belonging", "verdict"] == "uncertain"
    reading = v.sentences()[0]
    assert reading.startswith("Uncertain: rotating lowers end-of-year belonging compared with")
    assert "in 90% of plausible worlds" in reading and "does not settle it" in reading
    assert "It turns on planned_harm_share (an assumption): rotating raises it in 100%" in reading


def test_a_verdict_that_reverses_only_within_calibrated_values_keeps_its_word() -> None:
    column = WORLDS.table["belonging_gain"].to_numpy()
    low = column < np.quantile(column, 0.05)
    v = judge(_differences(np.where(low, 0.03, -0.03)), WORLDS, names=("rotating", "staying"))
    assert v.table.loc["belonging", "verdict"] == "reversed"
    reading = v.sentences()[0]
    assert reading.startswith("rotating lowers end-of-year belonging compared with staying in 95%")
    assert "It reverses where belonging_gain < " in reading and "(calibrated;" in reading


def test_several_designs_against_one_reference_equal_their_single_verdicts() -> None:
    from workbench.worlds import verdict_table, verdicts

    worlds = PlausibleWorlds.default(n=4, rng=2)
    trained = SMALL.with_overrides({"levers.mentor_training": 1.0, "name": "trained"})
    several = verdicts({"rotating": ROTATING, "trained": trained}, SMALL, worlds, rng=5)
    for name, design in (("rotating", ROTATING), ("trained", trained)):
        alone = verdict(design, SMALL, worlds, rng=5)
        pd.testing.assert_frame_equal(several[name].table, alone.table)
    stacked = verdict_table(several)
    assert stacked.index.get_level_values("design").unique().tolist() == ["rotating", "trained"]


def test_replications_reach_the_runs() -> None:
    from workbench.worlds import run_worlds

    worlds = PlausibleWorlds.default(n=3, rng=0)
    v = verdict(ROTATING, SMALL, worlds, outcomes=["belonging"], rng=2, replications=2)
    expected = run_worlds(ROTATING, worlds, 2, outcomes=["belonging"], replications=2)
    pd.testing.assert_frame_equal(v.outcomes_a, expected)
    once = verdict(ROTATING, SMALL, worlds, outcomes=["belonging"], rng=2)
    assert not once.outcomes_a.equals(v.outcomes_a)


@pytest.mark.parametrize(
    ("better", "worlds", "expected"),
    [
        (19, 20, "uncertain"),
        (20, 20, "uncertain"),
        (38, 40, "uncertain"),
        (40, 40, "holds"),
        (190, 200, "holds"),
        (186, 200, "uncertain"),
        (1, 20, "uncertain"),
        (0, 40, "reversed"),
    ],
)
def test_a_share_known_too_loosely_from_few_worlds_is_uncertain(better, worlds, expected) -> None:
    """The exact 95% interval of the share must clear 90% (10%) to hold (be reversed):
    even 20 of 20 worlds is too few (the interval reaches down to 83%), 40 of 40 is not."""
    from scipy.stats import beta

    subset = PlausibleWorlds.default(n=worlds, rng=5)
    values = np.r_[np.full(better, 0.03), np.full(worlds - better, -0.03)]
    v = judge(_differences(values), subset, names=("rotating", "staying"))
    row = v.table.loc["belonging"]
    assert row["verdict"] == expected
    # the interval is Clopper-Pearson's, by its beta-quantile formula
    low = beta.ppf(0.025, better, worlds - better + 1) if better else 0.0
    high = beta.ppf(0.975, better + 1, worlds - better) if better < worlds else 1.0
    assert row["share_low"] == pytest.approx(low) and row["share_high"] == pytest.approx(high)
    if expected == "uncertain":
        assert "run more worlds" in v.sentences()[0]


def test_a_confident_verdict_that_reverses_at_an_assumptions_end_becomes_uncertain() -> None:
    """The knock-out a reviewer would run: with ``premature_harm`` large and
    ``planned_harm_share`` at its low end, rotation no longer costs belonging.

    A tiny school so the test is quick; the verdict's word before the knock-outs is
    checked first, so the test fails if the knock-outs did nothing.
    """
    from workbench.scenario import Scenario
    from workbench.worlds import verdict
    from workbench.worlds.plausible import plausible

    base = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 12})
    rotating = base.with_overrides(
        {"name": "rotating", "rotation.policy": "periodic", "rotation.every_weeks": 2}
    )
    worlds = PlausibleWorlds.default(n=40, rng=0).with_values(
        planned_harm_share=0.5, belonging_gain=0.0
    )
    # every planned ending costs half a premature one and meetings add nothing: rotating loses
    plain = verdict(rotating, base, worlds, outcomes=["belonging"], rng=3, knockouts=0)
    assert plain.table.loc["belonging", "verdict"] == "reversed"
    assert plain.knockouts is None
    knocked = verdict(rotating, base, worlds, outcomes=["belonging"], rng=3, knockouts=40)
    ko = knocked.knockouts
    assert set(ko["outcome"]) == {"belonging"} and set(ko["end"]) == {"low", "high"}
    assert len(ko) == 2 * ko["parameter"].nunique()
    # the knock-outs set each parameter to the ends of its plausible range
    for row in ko.itertuples():
        assert row.value == plausible(row.parameter)[0 if row.end == "low" else 1]
    fixed = {"planned_harm_share", "belonging_gain"}
    assert not fixed & set(ko["parameter"])  # only parameters drawn over a range
    word = knocked.table.loc["belonging", "verdict"]
    assert word == ("uncertain" if ko["reverses"].any() else "reversed")


def test_knock_outs_turn_a_verdict_uncertain_only_where_it_reverses() -> None:
    """The knock-out logic on outcomes made by hand: A is better in every world except
    where ``monotony`` sits at the low end of its range, and only for belonging."""
    from workbench.worlds.plausible import plausible
    from workbench.worlds.verdict import Verdict, _knock_out

    worlds = PlausibleWorlds.default(n=50, rng=1)
    low = plausible("monotony")[0]

    def run(designs, some):
        n = len(some)
        flipped = np.isclose(some.table["monotony"].to_numpy(), low)
        a = pd.DataFrame({"belonging": np.where(flipped, -0.05, 0.05), "confidence": 0.05})
        a.index = pd.RangeIndex(n)
        return {"": a * 0.0, **{name: a for name in designs if name}}

    differences = run({"A": None}, worlds)["A"]
    judged = judge(differences, worlds, names=("A", "B"))
    assert (judged.table["verdict"] == "holds").all()
    v = Verdict(
        names=judged.names,
        worlds=worlds,
        differences=judged.differences,
        table=judged.table,
        rules=judged.rules,
        _better=judged._better,
    )
    # monotony goes with nothing here, so ask for every drawn assumption
    out = _knock_out({"A": v}, {"": None, "A": None}, worlds, 100, run)["A"]
    table, ko = out.table, out.knockouts
    assert table.loc["belonging", "verdict"] == "uncertain"
    assert table.loc["confidence", "verdict"] == "holds"
    assert "monotony (assumption)" in table.loc["belonging", "flips_with"]
    reading = table.loc["belonging", "reading"]
    assert (
        f"with monotony (an assumption) at the low end of its plausible range ({low:g})" in reading
    )
    assert "A raises it in 0% of 40 worlds (95% interval 0%–9%; a verdict needs all of that" in (
        reading
    )
    flagged = ko[ko["reverses"]]
    assert list(zip(flagged["outcome"], flagged["parameter"], flagged["end"], strict=True)) == [
        ("belonging", "monotony", "low")
    ]


def test_a_knock_out_keeps_the_word_only_if_its_interval_clears_the_bar() -> None:
    """92% of 40 worlds at an assumption's end is not 'holds' there: its interval (80–98%)
    does not clear 90%, so the verdict hinges on that end, as a reviewer re-running it sees."""
    from workbench.worlds.plausible import plausible
    from workbench.worlds.verdict import _knock_out

    worlds = PlausibleWorlds.default(n=50, rng=1)
    low = plausible("monotony")[0]

    def run(designs, some):
        at_low = np.isclose(some.table["monotony"].to_numpy(), low)
        losing = at_low & (np.arange(len(some)) % 12 == 0)  # 4 of 40 at the low end
        a = pd.DataFrame({"belonging": np.where(losing, -0.05, 0.05)}, index=range(len(some)))
        return {"": a * 0.0, **{name: a for name in designs if name}}

    judged = judge(run({"A": None}, worlds)["A"], worlds, names=("A", "B"))
    assert judged.table.loc["belonging", "verdict"] == "holds"
    out = _knock_out({"A": judged}, {"": None, "A": None}, worlds, 100, run)["A"]
    ko = out.knockouts.set_index(["parameter", "end"])
    assert ko.loc[("monotony", "low"), "share_a_better"] == pytest.approx(0.9)
    assert ko.loc[("monotony", "low"), "reverses"]
    assert not ko.loc[("monotony", "high"), "reverses"]
    assert out.table.loc["belonging", "verdict"] == "uncertain"


def test_a_knock_out_that_only_lacks_worlds_says_so_and_more_worlds_settle_it() -> None:
    """39 of 40 worlds at an end: the interval (87-100%) does not clear 90%, the sentence
    says too few worlds were run there (not that the verdict fails), and the same end run in
    200 worlds (198 of 200: 96-100%) lets the word stand."""
    from workbench.worlds.plausible import plausible
    from workbench.worlds.verdict import _knock_out

    worlds = PlausibleWorlds.default(n=200, rng=1)
    low = plausible("monotony")[0]

    def run(designs, some):
        at_low = np.isclose(some.table["monotony"].to_numpy(), low)
        losing = at_low & (np.arange(len(some)) % 100 == 7)  # 1 of 40, 2 of 200
        a = pd.DataFrame({"belonging": np.where(losing, -0.05, 0.05)}, index=range(len(some)))
        return {"": a * 0.0, **{name: a for name in designs if name}}

    judged = judge(run({"A": None}, worlds)["A"], worlds, names=("A", "B"))
    assert judged.table.loc["belonging", "verdict"] == "holds"
    few = _knock_out({"A": judged}, {"": None, "A": None}, worlds, 100, run)["A"]
    assert few.table.loc["belonging", "verdict"] == "uncertain"
    reading = few.table.loc["belonging", "reading"]
    assert "in 98% of 40 worlds" in reading and "so few worlds cannot show" in reading
    many = _knock_out({"A": judged}, {"": None, "A": None}, worlds, 100, run, 200)["A"]
    assert many.table.loc["belonging", "verdict"] == "holds"
    assert not many.knockouts["reverses"].any()
    with pytest.raises(ValueError, match="knockout_worlds"):
        _knock_out({"A": judged}, {"": None, "A": None}, worlds, 100, run, 1)


@pytest.mark.parametrize(
    ("verdict_word", "share", "negligible", "flips", "claim"),
    [
        ("holds", 0.97, 0.0, "", "holds"),
        ("reversed", 0.02, 0.0, "", "reversed"),
        ("uncertain", 0.92, 0.0, "", "holds"),  # too few worlds to place 92% past 90%
        ("uncertain", 0.06, 0.0, "", "reversed"),
        ("uncertain", 0.95, 0.0, "monotony (assumption)", None),  # the hinge is named
        ("uncertain", 0.60, 0.0, "", None),
        ("no real difference", 0.95, 0.95, "", None),
    ],
)
def test_knock_outs_test_the_word_a_verdict_claims(verdict_word, share, negligible, flips, claim):
    from workbench.worlds.verdict import _claim

    row = pd.Series(
        {
            "verdict": verdict_word,
            "share_a_better": share,
            "share_negligible": negligible,
            "flips_with": flips,
        }
    )
    assert _claim(row) == claim


def test_a_verdict_too_close_to_call_is_knocked_out_not_sent_for_more_worlds() -> None:
    """Rotating every 2 weeks lowers belonging in all 20 worlds run, which 20 worlds cannot
    place past the bar (interval up to 17%): it is knocked out all the same, and where it
    does not stand the sentence names the assumption instead of asking for more worlds."""
    from workbench.worlds.verdict import _claim

    base = Scenario().with_overrides({"cohort.size": 60, "levers.weeks": 12})
    rotating = base.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 2})
    v = verdict(rotating, base, worlds=20, outcomes=["belonging", "enrolled"], knockouts=1)
    plain = verdict(rotating, base, worlds=20, outcomes=["belonging", "enrolled"], knockouts=0)
    claimed = {o for o, row in plain.table.iterrows() if _claim(row) is not None}
    assert set(v.knockouts["outcome"]) == claimed
    for outcome in claimed - set(v.knockouts.query("reverses")["outcome"]):
        assert v.table.loc[outcome, "reading"] == plain.table.loc[outcome, "reading"]
    for outcome in set(v.knockouts.query("reverses")["outcome"]):
        assert "run more worlds" not in v.table.loc[outcome, "reading"]
        assert "(an assumption) at the" in v.table.loc[outcome, "reading"]
