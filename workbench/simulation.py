"""Run scenarios: one seeded run, or replications, returning tidy pandas tables.

Examples
--------
>>> from workbench.scenario import Scenario
>>> result = simulate(Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 6}), rng=3)
>>> sorted(result.tables())
['gaps', 'links', 'metrics', 'run', 'students']
>>> result.value("belonging", week=0) > 0
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.dynamics import END_REASONS
from workbench.model import MentorshipModel
from workbench.renamed import renamed
from workbench.scenario import Scenario
from workbench.seeding import RngLike, as_seed, derive_seeds

TABLES: tuple[str, ...] = ("metrics", "gaps", "run", "students", "links")


def _renamed_seed(function: str, rng: RngLike, seed: int | None) -> RngLike:
    """``rng`` after the ``seed=`` -> ``rng=`` rename (:func:`workbench.renamed.renamed`)."""
    return renamed(function, "seed", "rng", seed, rng, stacklevel=4)


def _version() -> str:
    from workbench._version import __version__

    return __version__


@dataclass(frozen=True)
class RunResult:
    """The tables of one run (or of several replications stacked).

    Attributes
    ----------
    metrics : DataFrame
        ``week, attribute, group, metric, value`` (see :mod:`workbench.metrics`).
    gaps : DataFrame
        ``week, attribute, reference, group, metric, gap``.
    run : DataFrame
        One row per run: ``scenario, scenario_hash, seed, replication, version,
        students, weeks``.
    students : DataFrame
        One row per student at the end of the run.
    links : DataFrame
        One row per mentor–mentee link, with how and when it ended.
    """

    metrics: pd.DataFrame
    gaps: pd.DataFrame
    run: pd.DataFrame
    students: pd.DataFrame
    links: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The five tables by name."""
        return {name: getattr(self, name) for name in TABLES}

    def value(
        self, metric: str, week: int = -1, attribute: str = "all", group: str = "all"
    ) -> float:
        """One metric's value (mean over replications); ``week=-1`` is the last week."""
        frame = self.metrics
        if week < 0:
            week = int(frame["week"].max()) + 1 + week
        mask = (
            (frame["metric"] == metric)
            & (frame["week"] == week)
            & (frame["attribute"] == attribute)
            & (frame["group"] == group)
        )
        return float(frame.loc[mask, "value"].mean())

    def _repr_html_(self) -> str:
        import matplotlib.pyplot as plt

        from workbench.display import card
        from workbench.plots import plot_gaps, plot_metric, summary_table

        run = self.run
        names = ", ".join(dict.fromkeys(run["scenario"].astype(str)))
        count = len(run)
        facts = [
            f"{count} run{'s' * (count != 1)} of {int(run['students'].iloc[0]):,} students "
            f"over {int(run['weeks'].iloc[0])} weeks ({_replications(run['replication'])})",
            "bands in the plots: 95% of replications; gap = reference group minus group",
        ]
        table = summary_table(self)[
            ["belonging start", "belonging end", "belonging change", "confidence end"]
            + ["belonging gap end"]
        ]
        table.index = [
            "everyone" if attribute == "all" else f"{attribute} = {group}"
            for attribute, group in table.index
        ]
        attributes = [a for a in self.metrics["attribute"].unique() if a != "all"]
        fig, axes = plt.subplots(1, 2, figsize=(11, 3), constrained_layout=True)
        plot_metric(self.metrics, "belonging", attributes[0] if attributes else "all", axes[0])
        plot_gaps(self.gaps, "belonging", axes[1])
        for ax in axes:
            ax.set_xlim(right=ax.get_xlim()[1] * 1.35)  # room for the direct labels
            ax.title.set_fontsize(10)
        return card(f"Run of “{names}”", facts, {"start and end by group": table}, fig)

    @classmethod
    def concat(cls, results: Iterable[RunResult]) -> RunResult:
        results = list(results)
        return cls(
            *(pd.concat([getattr(r, name) for r in results], ignore_index=True) for name in TABLES)
        )


def _replications(numbers: pd.Series) -> str:
    values = sorted(int(v) for v in numbers.unique())
    if len(values) == 1:
        return f"replication {values[0]}"
    return f"replications {values[0]}–{values[-1]}"


def _student_table(model: MentorshipModel) -> pd.DataFrame:
    roster, state = model.roster, model.state
    columns: dict[str, object] = {
        "id": roster.ids.astype(str),
        "site": roster.site.astype(str),
        "grade": roster.grade,
        "role_start": roster.role.astype(str),
        "role": state.role.astype(str),
    }
    for name in roster.attribute_names:
        columns[name] = roster.attributes[name].astype(str).to_numpy()
    columns.update(
        barriers=roster.barriers.sum(1),
        uncovered_barriers=state.uncovered.astype(np.int64),
        belonging_start=state.belonging_start,
        belonging=state.belonging,
        confidence_start=state.confidence_start,
        confidence=state.confidence,
        skill_start=roster.skills.mean(1),
        skill=state.skill.mean(1),
        engagement_start=state.engagement_start,
        engagement=state.engagement,
        dependency=state.dependency,
        active=state.active,
        dropped_week=state.dropped_week,
        enrolled=state.enrolled,
        left_week=state.left_week,
        under_threat=state.threatened,
        meetings=state.meetings,
        sessions_scheduled=state.scheduled,
        sessions_attended=state.attended,
        weeks_matched=state.weeks_matched,
        rematches=state.rematches,
        early_closures=state.closures,
        ties=model.ties.degree,
        cross_group_ties=model.ties.cross_degree,
    )
    return pd.DataFrame(columns)


def _link_table(model: MentorshipModel) -> pd.DataFrame:
    links, ids = model.state.links, model.roster.ids.astype(str)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_quality = np.where(
            links.meetings > 0, links.quality_sum / np.maximum(links.meetings, 1), np.nan
        )
    return pd.DataFrame(
        {
            "mentor": ids[links.mentor],
            "mentee": ids[links.mentee],
            "group": links.group,
            "start_week": links.start,
            "end_week": links.end,
            "end_reason": np.asarray(END_REASONS, dtype=object)[links.reason].astype(str),
            "weeks": links.weeks,
            "meetings": links.meetings,
            "mean_quality": mean_quality,
            "trust": links.trust,
            "worst_poor_streak": links.worst_streak,
            "score": links.score,
            "affinity": links.affinity,
            "complementarity": links.complementarity,
            "cross_group": links.cross,
            "role_model": links.role_model,
            "fit": links.fit,
        }
    )


def simulate(
    scenario: Scenario, rng: RngLike = None, replication: int = 0, *, seed: int | None = None
) -> RunResult:
    """Run one replication of ``scenario``.

    Parameters
    ----------
    scenario
        The program design.
    rng
        This run's seed (int, SeedSequence or Generator; see
        :mod:`workbench.seeding`); by default the replication's seed derived
        from ``scenario.seed`` (so ``simulate(s, replication=k)`` equals the
        k-th replication of :func:`run_scenario`). The integer seed used is
        stored in the ``run`` table.
    replication
        Label stored with the tables (and, without ``rng``, which derived seed to use).
    seed
        Old name of ``rng`` (deprecated).
    """
    rng = _renamed_seed("simulate", rng, seed)
    seed = as_seed(rng, default=derive_seeds(scenario.seed, replication + 1)[replication])
    model = MentorshipModel(scenario, rng=seed)
    model.run_model()
    metrics, gaps = model.recorder.tables()
    run = pd.DataFrame(
        {
            "scenario": [scenario.name],
            "scenario_hash": [scenario.hash()],
            "seed": [np.uint64(seed)],
            "replication": [replication],
            "version": [_version()],
            "students": [len(model.roster)],
            "weeks": [model.steps],
            "policy": [scenario.matching.policy],
            "rotation": [scenario.rotation.policy],
        }
    )
    tables = {
        "metrics": metrics,
        "gaps": gaps,
        "students": _student_table(model),
        "links": _link_table(model),
    }
    for frame in tables.values():
        frame.insert(0, "replication", replication)
    return RunResult(run=run, **tables)


def run_scenario(
    scenario: Scenario,
    rng: RngLike = None,
    replications: int | None = None,
    progress: bool = False,
    *,
    seed: int | None = None,
) -> RunResult:
    """Run ``replications`` (default: the scenario's) seeded replications, stacked.

    The k-th replication's seed is derived from the root seed (``rng``, by
    default ``scenario.seed``) by :func:`workbench.seeding.derive_seeds`, so
    results do not depend on how many replications are run. ``seed`` is the
    old name of ``rng`` (deprecated).
    """
    root = as_seed(_renamed_seed("run_scenario", rng, seed), default=scenario.seed)
    count = scenario.replications if replications is None else replications
    seeds = derive_seeds(root, count)
    from tqdm.auto import tqdm

    results = []
    # a context manager, so an interruption ends the bar's line before any message
    with tqdm(total=count, desc=scenario.name, unit="run", disable=not progress) as bar:
        for k in range(count):
            results.append(simulate(scenario, seeds[k], replication=k))
            bar.update()
    return RunResult.concat(results)


# -- several designs side by side (in memory; for many designs, use a sweep) ------------
def end_values(
    results: Mapping[str, RunResult],
    metrics: Iterable[str],
    attribute: str = "all",
    group: str = "all",
) -> pd.DataFrame:
    """Each design's value of each metric at the last week, mean over replications.

    Parameters
    ----------
    results
        Design name → its :class:`RunResult` (e.g. from :func:`run_scenario`).
    metrics
        Metric names (see :mod:`workbench.metrics`).
    attribute, group
        Whose value: everyone by default, or one group (``"first_gen"``, ``"yes"``).

    Examples
    --------
    >>> small = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 4})
    >>> designs = {"none": simulate(small, rng=1),
    ...            "training": simulate(small.with_overrides({"levers.mentor_training": 1.0}), rng=1)}
    >>> end_values(designs, ["belonging", "retention"]).columns.tolist()
    ['belonging', 'retention']
    """
    metrics = list(metrics)
    rows = {
        name: {m: result.value(m, attribute=attribute, group=group) for m in metrics}
        for name, result in results.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=metrics).rename_axis("design")


def stack_designs(
    results: Mapping[str, RunResult],
    metric: str,
    attribute: str = "all",
    group: str = "all",
    gap: bool = False,
) -> pd.DataFrame:
    """One metric of several designs in one ``metrics``-shaped table, one group per design.

    The ``group`` column holds the design name, so
    :func:`workbench.plots.plot_metric` draws one line (with its band) per design.
    With ``gap``, the values are the equity gap of ``attribute``/``group`` (reference
    minus group) from the ``gaps`` tables.
    """
    frames = []
    for name, result in results.items():
        table = result.gaps.rename(columns={"gap": "value"}) if gap else result.metrics
        keep = (table["metric"] == metric) & (table["attribute"] == attribute)
        keep &= table["group"] == group
        frames.append(
            table.loc[keep, ["replication", "week", "metric", "value"]].assign(
                attribute="all", group=name
            )
        )
    if not frames:
        raise ValueError("stack_designs needs at least one design")
    return pd.concat(frames, ignore_index=True)
