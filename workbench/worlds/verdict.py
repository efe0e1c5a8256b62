"""Verdicts with their uncertainty: design A against design B over plausible worlds.

Both designs run over the same worlds, roster and seeds (:mod:`workbench.worlds.engine`),
so each world gives one paired difference A − B per outcome. A verdict reports,
per outcome, the mean difference and its spread over worlds, the **share of
plausible worlds in which A is better**, one word, a sentence, and which
parameters or variants flip it (:mod:`workbench.worlds.discovery`).

The words, in the order they are decided:

``no real difference``
    in at least :data:`NEGLIGIBLE_SHARE` of worlds the difference is within the
    outcome's negligible band (:data:`workbench.worlds.outcomes.NEGLIGIBLE`);
``holds``
    A is better in at least :data:`HOLDS` of worlds;
``reversed``
    A is better in at most :data:`REVERSED` of worlds (B is better);
``uncertain``
    anything in between: the evidence does not settle it; **also** a verdict that
    would hold (or be reversed) by its share but *reverses within the plausible
    range of an assumption* (a flip rule on a parameter whose basis is
    ``assumption``, or on the identity variant): a verdict that hinges on an
    assumption is not a finding, however many worlds the assumption's range gives it;
    **and** one whose share is not known well enough from the worlds run: the
    exact (Clopper–Pearson) 95% interval of the share (``share_low`` to
    ``share_high``) must clear the threshold, so 19 of 20 worlds (interval
    75%–100%) is not enough to say "holds", while 190 of 200 (91%–97%) is.

Examples
--------
>>> import numpy as np, pandas as pd
>>> worlds = PlausibleWorlds.default(n=50, rng=0)
>>> diff = pd.DataFrame({"belonging": np.full(50, -0.03)})
>>> v = judge(diff, worlds, names=("rotation", "staying"))
>>> v.table.loc["belonging", "verdict"], float(v.table.loc["belonging", "share_a_better"])
('reversed', 0.0)
>>> v.sentences()[0]
'rotation lowers end-of-year belonging compared with staying in 100% of plausible worlds (mean difference -0.030; 90% of worlds between -0.030 and -0.030).'
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import binomtest, spearmanr

from workbench.scenario import Scenario, load_scenario
from workbench.seeding import DEFAULT_SEED, RngLike, as_seed, derive_seeds, seed_record
from workbench.worlds.discovery import Rule, flip_rules
from workbench.worlds.engine import design_roster, run_worlds
from workbench.worlds.outcomes import DEFAULT_OUTCOMES, Outcome, check_outcomes, parse_outcome
from workbench.worlds.plausible import HYPERCUBE, PlausibleWorlds, basis, plausible

#: A is better in at least this share of plausible worlds: the verdict holds.
HOLDS = 0.9
#: A is better in at most this share of plausible worlds: the verdict is reversed.
REVERSED = 0.1
#: The difference is negligible in at least this share of worlds: no real difference.
NEGLIGIBLE_SHARE = 0.9
#: The spread reported: the central 90% of worlds.
SPREAD = (0.05, 0.95)
#: Confidence of the interval of the share of worlds (Monte Carlo error of a finite set).
SHARE_CONFIDENCE = 0.95
#: Worlds a knock-out (an assumption set to one end of its range) is run in.
KNOCKOUT_WORLDS = 40
WORDS = ("holds", "uncertain", "reversed", "no real difference")


def word(share_better: float, share_negligible: float) -> str:
    """The verdict word for the share of worlds where A is better (module docstring).

    Examples
    --------
    >>> word(0.95, 0.2), word(0.5, 0.2), word(0.03, 0.0), word(0.6, 0.95)
    ('holds', 'uncertain', 'reversed', 'no real difference')
    """
    if share_negligible >= NEGLIGIBLE_SHARE:
        return "no real difference"
    if share_better >= HOLDS:
        return "holds"
    if share_better <= REVERSED:
        return "reversed"
    return "uncertain"


@dataclass(frozen=True, eq=False)
class Verdict:
    """Design A against design B over plausible worlds, outcome by outcome.

    Attributes
    ----------
    names : (str, str)
        The designs' names, A first.
    worlds : PlausibleWorlds
        The worlds both designs ran in.
    differences : DataFrame
        A − B per world (rows) and outcome (columns).
    table : DataFrame
        One row per outcome: ``mean_difference``, ``sd_difference``, ``low``,
        ``high`` (the central 90% of worlds), ``share_a_better`` with its 95%
        interval ``share_low``–``share_high``, ``share_negligible``, ``verdict``, ``flips_with``, ``reading``.
    rules : dict
        Outcome → the :class:`~workbench.worlds.discovery.Rule` list of its tree.
    outcomes_a, outcomes_b : DataFrame or None
        Each design's outcomes per world (None when judged from differences).
    seed : int, str or None
        What the runs were seeded with.
    knockouts : DataFrame or None
        With ``knockouts=K`` (:func:`verdicts`): per outcome judged holds or
        reversed, its K most influential assumptions each set to either end of
        its plausible range in the first :data:`KNOCKOUT_WORLDS` worlds, and the
        share of those worlds in which A is better (``outcome, parameter, end,
        value, worlds, share_a_better, reverses``; ``reverses``: the verdict's word
        no longer stands there, A better in under 90% of them for *holds*).
    """

    names: tuple[str, str]
    worlds: PlausibleWorlds
    differences: pd.DataFrame
    table: pd.DataFrame
    rules: Mapping[str, list[Rule]]
    outcomes_a: pd.DataFrame | None = None
    outcomes_b: pd.DataFrame | None = None
    seed: int | str | None = None
    _better: pd.DataFrame = field(default=None, repr=False)  # type: ignore[assignment]
    knockouts: pd.DataFrame | None = None

    def sentences(self) -> list[str]:
        """One sentence per outcome, as a coordinator would read it."""
        return self.table["reading"].tolist()

    def by(self, column: str, outcome: str | None = None, bins: int = 4) -> pd.DataFrame:
        """Share of worlds in which A is better, per variant (or range) of one world column.

        Parameters
        ----------
        column
            A column of the worlds table: ``"identity"`` gives one row per
            variant; a numeric parameter is cut into ``bins`` quantile ranges.
        outcome
            One outcome; by default all of them (one column each).

        Returns
        -------
        DataFrame
            One row per variant or range: ``worlds`` (how many), then the share
            of those worlds in which A is better, per outcome.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> worlds = PlausibleWorlds.default(n=40, rng=0)
        >>> bridge = (worlds.table["identity"] == "bridge").to_numpy()
        >>> v = judge(pd.DataFrame({"belonging": np.where(bridge, 0.05, -0.05)}), worlds)
        >>> v.by("identity")["belonging"].to_dict()
        {'both': 0.0, 'bridge': 1.0, 'none': 0.0, 'role_model': 0.0}
        """
        table = self.worlds.table
        if column not in table.columns:
            raise KeyError(
                f"{column!r} is not drawn in these worlds; drawn: {', '.join(table.columns)}"
            )
        key = table[column]
        if pd.api.types.is_numeric_dtype(key):
            key = pd.qcut(key, bins, duplicates="drop")
        better = self._better if outcome is None else self._better[[outcome]]
        grouped = better.groupby(key.to_numpy(), observed=True)
        out = grouped.mean()
        out.insert(0, "worlds", grouped.size())
        out.index.name = column
        return out

    def __str__(self) -> str:
        shown = self.table.drop(columns=["reading"])
        with pd.option_context("display.width", 200, "display.max_colwidth", 60):
            text = shown.to_string(float_format=lambda x: f"{x:.3f}")
        a, b = self.names
        head = (
            f"{a} (A) against {b} (B) over {len(self.worlds)} plausible worlds; difference = A − B"
        )
        lines = [head, text, self.legend()]
        if self.worlds.screening:
            lines.append(f"worlds: {self.worlds.screening}")
        return "\n".join([*lines, "", *self.sentences(), *self._knockout_lines()])

    def _knockout_lines(self) -> list[str]:
        """The knock-outs run, one line per outcome (none when none were asked for)."""
        if self.knockouts is None:
            return []
        if self.knockouts.empty:
            return [
                "",
                "Knock-outs: no verdict held or was reversed (nor would have with more "
                "worlds), so none were run.",
            ]
        lines = [
            "",
            f"Knock-outs (an assumption set to an end of its plausible range in "
            f"{int(self.knockouts['worlds'].iloc[0])} worlds; share of them where "
            f"{self.names[0]} is better):",
        ]
        for outcome, rows in self.knockouts.groupby("outcome", sort=False):
            parts = [
                f"{row.parameter} = {row.value:g}: {row.share_a_better:.0%}"
                + (" (the verdict does not stand)" if row.reverses else "")
                for row in rows.itertuples()
            ]
            lines.append(f"  {outcome}: " + "; ".join(parts))
        return lines

    def legend(self) -> str:
        """What the table's words and share columns mean, with the designs' names."""
        a, b = self.names
        return (
            f"verdict: holds = {a} better in at least {HOLDS:.0%} of worlds; reversed = {b} "
            f"better in at least {1 - REVERSED:.0%}; uncertain = the evidence (or the number "
            f"of worlds run) does not settle it; share_low-share_high = 95% interval of "
            f"share_a_better; low-high = the central 90% of worlds' differences"
        )

    def __repr__(self) -> str:
        words = ", ".join(f"{k}: {v}" for k, v in self.table["verdict"].items())
        return (
            f"<Verdict {self.names[0]} vs {self.names[1]} over {len(self.worlds)} worlds: {words}>"
        )

    def _repr_html_(self) -> str:
        from workbench.display import card

        a, b = self.names
        facts = [
            f"{a} (A) against {b} (B) over {len(self.worlds)} plausible worlds, "
            "same students and seeds in both (paired); difference = A − B",
            self.legend() + f"; no real difference = negligible in ≥ {NEGLIGIBLE_SHARE:.0%}",
            *([f"worlds: {self.worlds.screening}"] if self.worlds.screening else []),
            *self.sentences(),
        ]
        return card("Verdict", facts, {"per outcome": self.table.drop(columns=["reading"])})


def judge(
    differences: pd.DataFrame,
    worlds: PlausibleWorlds,
    names: tuple[str, str] = ("A", "B"),
    rng: RngLike = DEFAULT_SEED,
) -> Verdict:
    """The verdict on given per-world differences A − B (one column per outcome name).

    :func:`verdict` runs the designs and calls this; tests and other engines can
    call it directly.
    """
    if len(differences) != len(worlds):
        raise ValueError(f"{len(differences)} differences for {len(worlds)} worlds")
    differences = differences.reset_index(drop=True).rename_axis("world")
    rows, rules, better = {}, {}, {}
    for name in differences.columns:
        outcome = parse_outcome(name)
        diff = differences[name].to_numpy(np.float64)
        signed = diff if outcome.higher_is_better else -diff
        better[name] = signed > 0
        share = float(np.mean(better[name]))
        negligible = float(np.mean(np.abs(diff) < outcome.negligible))
        share_low, share_high = share_interval(int(better[name].sum()), len(diff))
        verdict_word = word(share, negligible)
        found = (
            []
            if verdict_word == "no real difference"
            else flip_rules(worlds.table, better[name], rng=rng)
        )
        rules[name] = found
        low, high = np.quantile(diff, SPREAD)
        flips = [rule for rule in found if _flips(rule)]
        hinges = [rule for rule in flips if rule.basis == "assumption"]
        if hinges and verdict_word in ("holds", "reversed"):
            verdict_word = "uncertain"  # it hinges on an assumption (module docstring)
            flips = hinges + [rule for rule in flips if rule not in hinges]
        too_few = (verdict_word == "holds" and share_low < HOLDS) or (
            verdict_word == "reversed" and share_high > REVERSED
        )
        if too_few:
            verdict_word = "uncertain"
        rows[name] = {
            "mean_difference": float(diff.mean()),
            "sd_difference": float(diff.std(ddof=1)) if len(diff) > 1 else 0.0,
            "low": float(low),
            "high": float(high),
            "share_a_better": share,
            "share_low": share_low,
            "share_high": share_high,
            "share_negligible": negligible,
            "verdict": verdict_word,
            "flips_with": "; ".join(
                dict.fromkeys(f"{rule.parameter} ({rule.basis})" for rule in flips)
            ),
            "reading": reading(
                outcome,
                names,
                diff,
                share,
                negligible,
                verdict_word,
                flips,
                share_interval=(share_low, share_high) if too_few else None,
            ),
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "outcome"
    return Verdict(
        names=names,
        worlds=worlds,
        differences=differences,
        table=table,
        rules=rules,
        seed=seed_record(rng),
        _better=pd.DataFrame(better, index=differences.index),
    )


def share_interval(better: int, worlds: int) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval of the share of worlds in which A is better.

    Examples
    --------
    >>> [round(x, 3) for x in share_interval(19, 20)]
    [0.751, 0.999]
    >>> share_interval(0, 0)
    (0.0, 1.0)
    """
    if worlds == 0:
        return 0.0, 1.0
    ci = binomtest(better, worlds).proportion_ci(SHARE_CONFIDENCE, method="exact")
    return float(ci.low), float(ci.high)


def _flips(rule: Rule) -> bool:
    """A rule that turns the verdict: A better in most worlds on one side, not on the other."""
    below, above = rule.share_below, rule.share_above
    return (below > 0.5 > above) or (above > 0.5 > below)


def _verbs(outcome: Outcome) -> tuple[str, str]:
    """What a better and a worse difference do to the outcome, in words."""
    return ("raises", "lowers") if outcome.higher_is_better else ("narrows", "widens")


def _spread(diff: np.ndarray) -> str:
    """The mean difference and the central 90% of worlds, in brackets."""
    low, high = np.quantile(diff, SPREAD)
    return f"(mean difference {diff.mean():+.3f}; 90% of worlds between {low:+.3f} and {high:+.3f})"


def reading(
    outcome: Outcome,
    names: tuple[str, str],
    diff: np.ndarray,
    share: float,
    negligible: float,
    verdict_word: str,
    flips: Sequence[Rule] = (),
    share_interval: tuple[float, float] | None = None,
) -> str:
    """The one-sentence reading of one outcome's verdict.

    ``share_interval`` is given when the verdict is uncertain only because too few
    worlds were run to place the share on one side of the threshold.
    """
    a, b = names
    up, down = _verbs(outcome)
    spread = _spread(diff)
    what = outcome.words
    if verdict_word == "no real difference":
        return (
            f"No real difference: {a} and {b} give about the same {what} (within "
            f"±{outcome.negligible:g} in {negligible:.0%} of plausible worlds)."
        )
    turn = ""
    if flips:
        rule = flips[0]
        kind = "an assumption" if rule.basis == "assumption" else f"{rule.basis}"
        if verdict_word == "uncertain":
            turn = (
                f" It turns on {rule.parameter} ({kind}): {a} {up} it in "
                f"{rule.share_below:.0%} of worlds where {rule.condition_below} and in "
                f"{rule.share_above:.0%} where {rule.condition_above}."
            )
        else:  # the side of the split where the majority goes the other way
            below = (rule.share_below >= 0.5) != (verdict_word == "holds")
            condition = rule.condition_below if below else rule.condition_above
            there = rule.share_below if below else rule.share_above
            worlds = rule.worlds_below if below else rule.worlds_above
            verb, part = (down, 1 - there) if verdict_word == "holds" else (up, there)
            turn = (
                f" It reverses where {condition} ({kind}; {worlds} worlds): there {a} "
                f"{verb} it in {part:.0%} of them."
            )
    if verdict_word == "holds":
        return (
            f"{a} {up} {what} compared with {b} in {share:.0%} of plausible worlds {spread}." + turn
        )
    if verdict_word == "reversed":
        return (
            f"{a} {down} {what} compared with {b} in {1 - share:.0%} of plausible worlds "
            f"{spread}." + turn
        )
    # said from the side of the majority of worlds
    most, other, part = (up, down, share) if share >= 0.5 else (down, up, 1 - share)
    if share_interval is not None:
        low_share, high_share = share_interval if share >= 0.5 else share_interval[::-1]
        if share < 0.5:
            low_share, high_share = 1 - low_share, 1 - high_share
        return (
            f"Uncertain: {a} {most} {what} compared with {b} in {part:.0%} of the "
            f"{len(diff)} plausible worlds run {spread}, but so few worlds cannot tell "
            f"whether that is at least {HOLDS:.0%} of all plausible worlds (95% interval "
            f"{low_share:.0%}–{high_share:.0%}); run more worlds to settle it." + turn
        )
    return (
        f"Uncertain: {a} {most} {what} compared with {b} in {part:.0%} of plausible worlds "
        f"and {other} it in the rest {spread}; the evidence does not settle it." + turn
    )


def verdict(
    design_a: Scenario | str | Path,
    design_b: Scenario | str | Path,
    worlds: PlausibleWorlds | int | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    rng: RngLike = None,
    *,
    replications: int = 1,
    progress: bool = False,
    workers: int = 1,
    knockouts: int = 3,
    knockout_worlds: int = KNOCKOUT_WORLDS,
) -> Verdict:
    """Is design A better than design B, and in how many plausible worlds?

    Parameters
    ----------
    design_a, design_b
        Scenarios, or paths of scenario TOML files.
    worlds
        The plausible worlds, or how many to draw
        (:meth:`PlausibleWorlds.default`, seed 0); default 200.
    outcomes
        Outcome names (:mod:`workbench.worlds.outcomes`).
    rng
        Root seed of the roster and runs, shared by both designs (default:
        design A's ``seed``). Same designs, worlds and ``rng`` ⇒ the same table.
    replications
        Copies of the cohort per world, averaged (:func:`run_worlds`): less of
        each run's own chance in the per-world differences, at that many times
        the cost.
    progress
        tqdm bars over the weeks of each design.
    workers
        Processes the designs run in at once (each design is one stacked run;
        results do not depend on it).
    knockouts
        For each outcome judged *holds* or *reversed* (or that would be, but the
        worlds run cannot place its share past the bar), also set each of its
        ``knockouts`` most influential assumptions (by rank correlation with the
        difference over the worlds) to either end of its plausible range, in
        ``knockout_worlds`` worlds, as a reviewer's knock-out would: a verdict
        whose word does not stand there by its own rule (the 95% interval of the
        share of those worlds where A is better wholly above 90% for *holds*, below
        10% for *reversed*) is *uncertain*: it hinges on that assumption. Costs
        about ``knockouts × 2 × knockout_worlds`` more runs per design and reference.
    knockout_worlds
        Worlds each knock-out is run in (the first ones of ``worlds``; default
        :data:`KNOCKOUT_WORLDS`). With few, a verdict can fail to stand at an end
        only because its interval is wide; the sentence then says so, and more
        knock-out worlds settle it.

    Examples
    --------
    >>> from workbench.scenario import Scenario
    >>> base = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 8})
    >>> rotating = base.with_overrides({"rotation.policy": "periodic", "rotation.every_weeks": 2})
    >>> v = verdict(rotating, base, worlds=6, outcomes=["belonging"])
    >>> list(v.table.columns[:4])
    ['mean_difference', 'sd_difference', 'low', 'high']
    """
    a, b = (_scenario(design) for design in (design_a, design_b))
    root = as_seed(rng, default=a.seed)
    single = verdicts(
        {a.name: a},
        b,
        worlds,
        outcomes,
        root,
        replications=replications,
        progress=progress,
        workers=workers,
        knockouts=knockouts,
        knockout_worlds=knockout_worlds,
    )
    return single[a.name]


def verdicts(
    designs: Mapping[str, Scenario | str | Path],
    reference: Scenario | str | Path,
    worlds: PlausibleWorlds | int | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    rng: RngLike = None,
    *,
    replications: int = 1,
    progress: bool = False,
    workers: int = 1,
    knockouts: int = 3,
    knockout_worlds: int = KNOCKOUT_WORLDS,
) -> dict[str, Verdict]:
    """Each design against one reference design, over the same plausible worlds.

    The reference runs once; each design is one stacked run. This is what a
    comparison of several policies (``compare``, the dashboard's pins) calls.

    Parameters
    ----------
    designs
        Name → scenario (or TOML path) of each design A.
    reference
        Design B of every verdict.
    worlds, outcomes, replications, progress, workers, knockouts, knockout_worlds
        As for :func:`verdict`.
    rng
        Root seed shared by every run (default: the reference's ``seed``).

    Returns
    -------
    dict
        Name → its :class:`Verdict` against the reference; :func:`verdict_table`
        stacks their tables.
    """
    b = _scenario(reference)
    named = {name: _scenario(design) for name, design in designs.items()}
    if worlds is None or isinstance(worlds, int):
        worlds = PlausibleWorlds.default(n=200 if worlds is None else worlds)
    parsed = [parse_outcome(name) for name in outcomes]
    if not parsed:
        raise ValueError("give at least one outcome")
    names = [outcome.name for outcome in parsed]
    root = as_seed(rng, default=b.seed)
    rosters = {name: design_roster(design, root) for name, design in named.items()}
    rosters[""] = design_roster(b, root)
    for roster in rosters.values():  # a bad outcome fails before any run
        check_outcomes(parsed, roster)

    jobs = {"": (b, rosters[""])} | {name: (named[name], rosters[name]) for name in named}
    results = _run_designs(jobs, worlds, root, names, replications, progress, workers)
    base = results[""]
    out = {}
    for name, design in named.items():
        result = results[name]
        judged = judge(result - base, worlds, names=(design.name, b.name), rng=root)
        out[name] = Verdict(
            names=judged.names,
            worlds=worlds,
            differences=judged.differences,
            table=judged.table,
            rules=judged.rules,
            outcomes_a=result,
            outcomes_b=base,
            seed=seed_record(root),
            _better=judged._better,
        )
    if knockouts > 0:
        run = functools.partial(
            _run_designs,
            root=root,
            names=names,
            replications=replications,
            progress=progress,
            workers=workers,
        )
        out = _knock_out(out, jobs, worlds, knockouts, run, knockout_worlds)
    return out


def _influential(verdict: Verdict, outcome: str, count: int) -> list[str]:
    """The ``count`` assumptions drawn over a range whose values go most with A − B."""
    table = verdict.worlds.table
    diff = verdict.differences[outcome]
    scores = {}
    varies = np.ptp(diff.to_numpy()) > 0
    for name in table.columns:
        if verdict.worlds.how.get(name) != HYPERCUBE or basis(name) != "assumption":
            continue
        column = table[name].to_numpy(np.float64)
        if not varies or np.ptp(column) == 0:
            scores[name] = 0.0
            continue
        rho = spearmanr(column, diff.to_numpy()).statistic
        scores[name] = abs(float(rho)) if np.isfinite(rho) else 0.0
    return sorted(scores, key=lambda name: (-scores[name], name))[:count]


def _knock_out(
    out: dict[str, Verdict],
    jobs: Mapping[str, tuple[Scenario, Any]],
    worlds: PlausibleWorlds,
    count: int,
    run: Any,
    size: int = KNOCKOUT_WORLDS,
) -> dict[str, Verdict]:
    """Re-judge confident verdicts with their top assumptions at the ends of their ranges."""
    wanted: dict[str, dict[str, list[str]]] = {}  # design -> outcome -> parameters
    claims: dict[tuple[str, str], str] = {}  # the word each knocked verdict would say
    for name, v in out.items():
        for outcome, row in v.table.iterrows():
            claim = _claim(row)
            if claim is not None:
                wanted.setdefault(name, {})[outcome] = _influential(v, outcome, count)
                claims[name, outcome] = claim
    knocks = sorted({p for outcomes in wanted.values() for ps in outcomes.values() for p in ps})
    if not knocks:
        return {name: replace(v, knockouts=_knockout_frame([])) for name, v in out.items()}
    if size < 2:
        raise ValueError(f"knockout_worlds must be at least 2, got {size}")
    some = worlds.take(np.arange(min(int(size), len(worlds))))
    designs = {"": jobs[""]} | {name: jobs[name] for name in wanted}
    rows: dict[str, list[dict]] = {name: [] for name in out}
    for parameter in knocks:
        for end, value in zip(("low", "high"), plausible(parameter), strict=True):
            results = run(designs, some.with_values(**{parameter: value}))
            for name, outcomes in wanted.items():
                diff = results[name] - results[""]
                for outcome, parameters in outcomes.items():
                    if parameter not in parameters:
                        continue
                    spec = parse_outcome(outcome)
                    signed = diff[outcome] if spec.higher_is_better else -diff[outcome]
                    wins = signed.to_numpy() > 0
                    share = float(np.mean(wins))
                    low, high = share_interval(int(wins.sum()), len(wins))
                    # the word no longer stands there, by the verdict's own rule: the
                    # share's interval does not clear HOLDS (REVERSED)
                    claim = claims[name, outcome]
                    reverses = low < HOLDS if claim == "holds" else high > REVERSED
                    rows[name].append(
                        {
                            "outcome": outcome,
                            "parameter": parameter,
                            "end": end,
                            "value": float(value),
                            "worlds": len(some),
                            "share_a_better": share,
                            "share_low": low,
                            "share_high": high,
                            "reverses": bool(reverses),
                        }
                    )
    return {name: _with_knockouts(v, _knockout_frame(rows[name])) for name, v in out.items()}


def _claim(row: pd.Series) -> str | None:
    """The word a knock-out tests: *holds* or *reversed*, or None when there is none.

    A verdict uncertain only because the worlds run cannot place its share past
    the bar (no assumption named) is knocked out too: if it hinges on an
    assumption, "run more worlds" would be the wrong advice.
    """
    if row["verdict"] in ("holds", "reversed"):
        return str(row["verdict"])
    would = word(float(row["share_a_better"]), float(row["share_negligible"]))
    if row["verdict"] == "uncertain" and would in ("holds", "reversed") and not row["flips_with"]:
        return would
    return None


def _knockout_frame(rows: list[dict]) -> pd.DataFrame:
    columns = [
        "outcome",
        "parameter",
        "end",
        "value",
        "worlds",
        "share_a_better",
        "share_low",
        "share_high",
        "reverses",
    ]
    return pd.DataFrame(rows, columns=columns)


def _with_knockouts(v: Verdict, knockouts: pd.DataFrame) -> Verdict:
    """``v`` with its knock-out table; an outcome that reverses in one becomes uncertain."""
    table = v.table.copy()
    a, b = v.names
    for outcome, found in knockouts[knockouts["reverses"].astype(bool)].groupby(
        "outcome", sort=False
    ):
        spec = parse_outcome(outcome)
        up, down = _verbs(spec)
        share = float(table.loc[outcome, "share_a_better"])
        # the sentence cites the end where the word stands least (stable: ties keep order)
        worst = found["share_a_better"].to_numpy()
        first = found.iloc[int(np.argmin(worst if share >= 0.5 else -worst))]
        most, part = (up, share) if share >= 0.5 else (down, 1 - share)
        if share >= 0.5:
            there, low, high = first["share_a_better"], first["share_low"], first["share_high"]
        else:
            there, low, high = (
                1 - first["share_a_better"],
                1 - first["share_high"],
                1 - first["share_low"],
            )
        table.loc[outcome, "verdict"] = "uncertain"
        named = "; ".join(f"{p} (assumption)" for p in dict.fromkeys(found["parameter"]))
        old = table.loc[outcome, "flips_with"]
        table.loc[outcome, "flips_with"] = "; ".join(x for x in (named, old) if x)
        diff = v.differences[outcome].to_numpy(np.float64)
        # clearly below the bar there, or only not shown to clear it with these worlds
        why = (
            "it hinges on that assumption."
            if high < HOLDS
            else "so few worlds cannot show that it holds there, so it hinges on that "
            "assumption until more are run (knockout_worlds)."
        )
        table.loc[outcome, "reading"] = (
            f"Uncertain: {a} {most} {spec.words} compared with {b} in {part:.0%} of "
            f"plausible worlds {_spread(diff)}, but with {first['parameter']} (an assumption) at "
            f"the {first['end']} end of its plausible range ({first['value']:g}) {a} {most} "
            f"it in {there:.0%} of {int(first['worlds'])} worlds ({SHARE_CONFIDENCE:.0%} "
            f"interval {low:.0%}–{high:.0%}; a verdict needs all of that interval above "
            f"{HOLDS:.0%}): {why}"
        )
    return replace(v, table=table, knockouts=knockouts)


#: Worlds per stacked run. Fixed, not derived from ``workers``, so a verdict is the same
#: however many processes run it; more worlds are run in chunks of this size (in parallel
#: with ``workers``), chunk ``c > 0`` seeded from the ``c``-th seed derived from the root,
#: the same for every design (paired differences).
WORLDS_PER_RUN = 100


def _run_designs(
    jobs: Mapping[str, tuple[Scenario, Any]],
    worlds: PlausibleWorlds,
    root: int,
    names: list[str],
    replications: int,
    progress: bool,
    workers: int,
) -> dict[str, pd.DataFrame]:
    """Each design's per-world outcomes: stacked runs of :data:`WORLDS_PER_RUN` worlds.

    With ``workers > 1`` the runs (designs × chunks of worlds) share that many
    processes, forked where the platform allows (the children inherit the loaded
    model instead of importing it again). Every run is seeded from ``root`` and its
    chunk alone, so the results do not depend on ``workers``.
    """
    count = len(worlds)
    chunks = [np.arange(s, min(s + WORLDS_PER_RUN, count)) for s in range(0, count, WORLDS_PER_RUN)]
    derived = derive_seeds(root, len(chunks))
    chunk_seeds = [root, *derived[1:]]
    parts = {
        (name, c): (design, roster, chunk if len(chunks) > 1 else None, chunk_seeds[c])
        for name, (design, roster) in jobs.items()
        for c, chunk in enumerate(chunks)
    }
    options = {"outcomes": names, "replications": replications}

    def task(part: tuple) -> tuple:
        design, roster, chunk, seed = part
        some = worlds if chunk is None else worlds.take(chunk)
        return design, some, seed, roster

    if workers <= 1 or len(parts) <= 1:
        done = {
            key: _run_part(*task(part), progress=progress, **options) for key, part in parts.items()
        }
    else:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        size = min(workers, len(parts))
        with ProcessPoolExecutor(max_workers=size, mp_context=context) as pool:
            futures = {
                key: pool.submit(_run_part, *task(part), **options) for key, part in parts.items()
            }
            done = {key: future.result() for key, future in futures.items()}
    out = {}
    for name in jobs:
        frames = [done[(name, c)] for c in range(len(chunks))]
        table = pd.concat(frames) if len(frames) > 1 else frames[0]
        out[name] = table.set_axis(pd.RangeIndex(count, name="world"))
    return out


def _run_part(
    design: Scenario,
    worlds: PlausibleWorlds,
    seed: int,
    roster: Any,
    *,
    outcomes: list[str],
    replications: int,
    progress: bool = False,
) -> pd.DataFrame:
    return run_worlds(
        design,
        worlds,
        seed,
        outcomes=outcomes,
        roster=roster,
        replications=replications,
        progress=progress,
    )


def verdict_table(verdicts: Mapping[str, Verdict]) -> pd.DataFrame:
    """The tables of several verdicts stacked: one row per design and outcome.

    Examples
    --------
    >>> import numpy as np
    >>> worlds = PlausibleWorlds.default(n=20, rng=0)
    >>> one = judge(pd.DataFrame({"belonging": np.full(20, 0.05)}), worlds)
    >>> verdict_table({"training": one, "supervision": one}).index.tolist()
    [('training', 'belonging'), ('supervision', 'belonging')]
    """
    return pd.concat({name: v.table for name, v in verdicts.items()}, names=["design", "outcome"])


def _scenario(design: Scenario | str | Path) -> Scenario:
    return design if isinstance(design, Scenario) else load_scenario(design)
