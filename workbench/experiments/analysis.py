"""Analysing a sweep: load it into pandas, compare policies, measure Sobol' sensitivity.

- :func:`load_results`: every stored table of a sweep, each run once, in one call;
- :func:`compare`: an outcome by policy (any parameters) and group, with means
  and bootstrap confidence intervals over replications (:func:`scipy.stats.bootstrap`),
  the equity gaps likewise, and differences from a reference policy;
- :func:`sensitivity`: first-order and total Sobol' indices of an outcome to
  the swept parameters (:func:`SALib.analyze.sobol.analyze`).

Examples
--------
>>> import tempfile
>>> from workbench.experiments.runner import sweep
>>> spec = {"base": None, "fixed": {"cohort.size": 40, "levers.weeks": 4}, "replications": 3,
...         "parameters": {"levers.mentor_training": {"levels": [0.0, 1.0]}}}
>>> report = sweep(spec, tempfile.mkdtemp() + "/cmp", workers=1, progress=False)
>>> table = compare(report.path, metric="belonging")
>>> list(table["levers.mentor_training"])
[0.0, 1.0]
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from workbench.experiments.spec import SweepError
from workbench.experiments.store import ResultStore
from workbench.renamed import renamed
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng


@dataclass(frozen=True)
class SweepResults:
    """A sweep's stored results as pandas tables.

    Attributes
    ----------
    path : Path
        The store.
    manifest : dict
        What was swept, how, with which seeds and versions.
    design : DataFrame
        One row per planned run: ``run_id, point, replication, seed`` and parameters.
    outcomes : DataFrame
        One row per stored or failed run: ``status``, ``error``, ``seconds``, ``worker``.
    failures : DataFrame
        Runs recorded as failed (and not since stored), with their error and traceback.
    tables : dict of DataFrame
        The model's tables (for a scenario: metrics, gaps, run, students, links),
        each led by ``run_id, point, replication``; also reachable as attributes
        (``results.metrics``).
    """

    path: Path
    manifest: dict[str, Any]
    design: pd.DataFrame
    outcomes: pd.DataFrame
    failures: pd.DataFrame
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(
            f"{type(self).__name__} has no table {name!r}; tables: {sorted(tables)}"
        )

    @property
    def parameters(self) -> list[str]:
        """The swept parameters (dotted names), in the sweep file's order."""
        return list(self.manifest.get("parameters", []))

    @property
    def missing(self) -> pd.DataFrame:
        """Planned runs that are neither stored nor recorded as failed."""
        known = set(self.outcomes["run_id"])
        return self.design[~self.design["run_id"].isin(known)].reset_index(drop=True)

    def with_parameters(self, name: str) -> pd.DataFrame:
        """Table ``name`` with the run's parameter values joined as columns."""
        columns = ["run_id", "seed", *self.parameters]
        return self.tables[name].merge(self.design[columns], on="run_id", how="left")

    def by_point(
        self, metrics: Sequence[str] = ("belonging", "confidence", "retention")
    ) -> pd.DataFrame:
        """One row per design point: its parameters, runs stored, and each metric's
        mean over those runs at the last week (everyone)."""
        stored = self.outcomes[self.outcomes["status"] == "ok"].drop_duplicates("run_id")
        table = self.design.drop_duplicates("point").set_index("point")[self.parameters]
        table["runs"] = stored.groupby("point")["run_id"].nunique().reindex(table.index)
        table["runs"] = table["runs"].fillna(0).astype(int)
        if "metrics" in self.tables:
            for metric in metrics:
                values = run_values(self, metric)
                table[metric] = values.groupby("point")["value"].mean().reindex(table.index)
        return table.reset_index()

    def _repr_html_(self) -> str:
        from workbench.display import card

        manifest = self.manifest
        points = self.by_point()
        stored = int(points["runs"].sum())
        facts = [
            *([manifest["description"]] if manifest.get("description") else []),
            f"{manifest.get('points', '?')} design points × {manifest.get('replications', '?')} "
            f"replications = {len(self.design)} runs: {stored} stored, "
            f"{len(self.failures)} failed, {len(self.missing)} not run yet",
            f"swept: {', '.join(self.parameters) or 'nothing'}; store: {self.path}",
            "compare(results, metric, by=...) gives means and intervals by policy",
        ]
        figure = None
        if "metrics" in self.tables and 0 < len(points) <= 8:
            import matplotlib.pyplot as plt

            from workbench.experiments.plots import plot_trajectories

            figure, ax = plt.subplots(figsize=(6, 3), constrained_layout=True)
            plot_trajectories(self, "belonging", ax=ax)
        title = f"Sweep “{manifest.get('name', self.path.name)}”"
        return card(title, facts, {"last week, mean over runs": points}, figure)


def load_results(path: str | Path | Any, tables: Sequence[str] | None = None) -> SweepResults:
    """Load a sweep store (or a :class:`~workbench.experiments.runner.SweepReport`).

    Parameters
    ----------
    path
        The store folder.
    tables
        Which tables to read (default: all).
    """
    path = Path(getattr(path, "path", path))
    store = ResultStore(path)
    manifest = store.manifest()
    names = store.table_names() if tables is None else list(tables)
    loaded = {}
    for name in names:
        frame = store.read_table(name)
        if frame is not None:
            loaded[name] = frame
    outcomes = store.outcomes()
    stored, failed = store.status()
    failures = (
        outcomes[outcomes["run_id"].isin(failed) & (outcomes["status"] == "failed")]
        .drop_duplicates("run_id", keep="last")
        .sort_values(["point", "replication"], ignore_index=True)
    )
    return SweepResults(
        path=path,
        manifest=manifest,
        design=store.design(),
        outcomes=outcomes,
        failures=failures,
        tables=loaded,
    )


def _results(results: SweepResults | str | Path | Any, names: Sequence[str]) -> SweepResults:
    if isinstance(results, SweepResults):
        return results
    return load_results(results, tables=names)


# -- one value per run -------------------------------------------------------------------
def run_values(
    results: SweepResults,
    metric: str,
    week: int = -1,
    attribute: str = "all",
    gap: bool = False,
    change: bool = False,
) -> pd.DataFrame:
    """One outcome per run and group: ``run_id, point, replication, group, value``.

    ``week=-1`` is each run's last week; ``change`` subtracts week 0 (the
    level before the program). With ``gap``, the value is the equity gap
    (reference level minus group, from the ``gaps`` table).
    """
    name, column = ("gaps", "gap") if gap else ("metrics", "value")
    if name not in results.tables:
        raise SweepError(f"{results.path}: no {name} table stored (is the sweep empty?)")
    frame = results.tables[name]
    known = sorted(frame["metric"].unique())
    if metric not in known:
        raise SweepError(f"{results.path}: metric {metric!r} not stored; known: {', '.join(known)}")
    attributes = sorted(frame["attribute"].unique())
    if attribute not in attributes:
        raise SweepError(
            f"{results.path}: attribute {attribute!r} not stored; known: {', '.join(attributes)}"
        )
    part = frame[(frame["metric"] == metric) & (frame["attribute"] == attribute)]
    last = part.groupby("run_id")["week"].transform("max")
    chosen = part[part["week"] == last] if week < 0 else part[part["week"] == week]
    if chosen.empty:
        raise SweepError(f"{results.path}: no week {week} stored for {metric!r}")
    keys = ["run_id", "point", "replication", "group"]
    out = chosen[[*keys, column]].rename(columns={column: "value"})
    if change:
        start = part[part["week"] == 0][[*keys, column]].rename(columns={column: "start"})
        out = out.merge(start, on=keys, how="left")
        out["value"] = out["value"] - out.pop("start")
    return out.reset_index(drop=True)


# -- bootstrap ---------------------------------------------------------------------------
_RNG_KEYWORD = "rng" if "rng" in inspect.signature(stats.bootstrap).parameters else "random_state"


def mean_ci(
    values: np.ndarray,
    level: float = 0.95,
    n_resamples: int = 2000,
    rng: np.random.Generator | None = None,
) -> tuple[float, float, float]:
    """Mean of ``values`` and its BCa bootstrap interval (NaN interval below two values).

    Examples
    --------
    >>> mean, low, high = mean_ci(np.arange(20.0), rng=np.random.default_rng(0))
    >>> low < mean < high
    True
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.nan, np.nan, np.nan
    mean = float(x.mean())
    if x.size < 2:
        return mean, np.nan, np.nan
    if np.ptp(x) <= 1e-12 * max(1.0, abs(mean)):  # constant: no sampling spread
        return mean, mean, mean
    rng = rng or np.random.default_rng(0)
    for method in ("BCa", "percentile"):  # BCa is undefined for some lumpy samples
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            result = stats.bootstrap(
                (x,),
                np.mean,
                confidence_level=level,
                n_resamples=n_resamples,
                method=method,
                vectorized=True,
                **{_RNG_KEYWORD: rng},
            )
        low, high = result.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            break
    return mean, float(low), float(high)


def diff_ci(
    a: np.ndarray,
    b: np.ndarray,
    paired: bool,
    level: float = 0.95,
    n_resamples: int = 2000,
    rng: np.random.Generator | None = None,
) -> tuple[float, float, float]:
    """Mean of ``a`` minus mean of ``b`` with a bootstrap interval.

    Paired (same seeds, replication by replication) differences are resampled
    as one sample; otherwise the two samples are resampled independently.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        return mean_ci(a - b, level, n_resamples, rng)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if a.size == 0 or b.size == 0:
        return np.nan, np.nan, np.nan
    diff = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2:
        return diff, np.nan, np.nan
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return diff, diff, diff
    result = stats.bootstrap(
        (a, b),
        lambda x, y, axis: np.mean(x, axis=axis) - np.mean(y, axis=axis),
        confidence_level=level,
        n_resamples=n_resamples,
        method="percentile",
        vectorized=True,
        **{_RNG_KEYWORD: rng or np.random.default_rng(0)},
    )
    low, high = result.confidence_interval
    return diff, float(low), float(high)


# -- compare -----------------------------------------------------------------------------
def _by_columns(results: SweepResults, by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return results.parameters or ["point"]
    columns = [by] if isinstance(by, str) else list(by)
    unknown = [c for c in columns if c not in results.design.columns or c in ("run_id", "seed")]
    if unknown:
        raise SweepError(
            f"compare: by {unknown[0]!r} is not a swept parameter; swept: "
            f"{', '.join(results.parameters) or '(none)'} (or 'point')"
        )
    return columns


def _reference_mask(frame: pd.DataFrame, by: list[str], reference: Any) -> pd.Series:
    if isinstance(reference, dict):
        unknown = sorted(set(reference) - set(by))
        if unknown:
            raise SweepError(f"compare: reference names {unknown[0]!r}, which is not in by={by}")
        mask = pd.Series(True, index=frame.index)
        for key, value in reference.items():
            mask &= frame[key].astype(str) == str(value)
        return mask
    if len(by) != 1:
        raise SweepError(
            "compare: with several by columns give reference as a dict of their values"
        )
    return frame[by[0]].astype(str) == str(reference)


def compare(
    results: SweepResults | str | Path | Any,
    metric: str = "belonging",
    *,
    by: str | Sequence[str] | None = None,
    week: int = -1,
    attribute: str = "all",
    change: bool = False,
    reference: Any = None,
    level: float = 0.95,
    n_resamples: int = 2000,
    rng: RngLike = DEFAULT_SEED,
    seed: int | None = None,
    worlds: Any = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Compare an outcome across policies, by group, with bootstrap confidence intervals.

    Parameters
    ----------
    results
        A :class:`SweepResults` or a store folder.
    metric
        Any stored metric: belonging, confidence, attendance, retention, ...
    by
        Parameter(s) that define a policy (default: all swept parameters, i.e.
        each design point); runs with the same values are pooled.
    week
        Week to compare (default: each run's last week).
    attribute
        Group attribute (e.g. ``"first_gen"``): rows per level, and the
        equity gap of each level to the reference level. ``"all"``: cohort means.
    change
        Compare the change from week 0 instead of the level.
    reference
        A policy to difference against: a value of a single ``by`` column or a
        dict of ``by`` values. Adds ``diff, diff_low, diff_high`` (paired by
        replication when the sweep used common seeds).
    level, n_resamples
        Confidence level and bootstrap resamples.
    rng
        Randomness of the bootstrap (:func:`workbench.seeding.as_rng`; default
        :data:`workbench.seeding.DEFAULT_SEED`, so the same store gives the same
        intervals). ``seed`` is its deprecated name.
    worlds
        Also judge each policy against the reference over plausible worlds (a
        number of worlds or a :class:`workbench.worlds.PlausibleWorlds`): the
        bootstrap interval says how sure the difference is *at the default
        parameters*; the worlds say whether it holds across the parameters the
        evidence allows (:func:`workbench.worlds.verdicts`). Needs ``reference``
        and a scenario sweep whose policies are whole design points. Adds
        ``worlds_better`` (share of worlds in which the policy is better),
        ``worlds_verdict`` and ``worlds_reading``.
    progress
        Progress bars for the plausible-worlds runs.

    Returns
    -------
    DataFrame
        ``*by, attribute, group, quantity ("value" or "gap"), metric, mean,
        low, high, n`` (+ ``diff, diff_low, diff_high``; + the ``worlds_``
        columns), one row per policy, group and quantity.
    """
    results = _results(results, ("metrics", "gaps"))
    by = _by_columns(results, by)
    rng = as_rng(renamed("compare", "seed", "rng", seed, rng, default=DEFAULT_SEED))
    design = results.design[["run_id", *[c for c in by if c != "point"]]]
    pieces = [("value", run_values(results, metric, week, attribute, change=change))]
    if attribute != "all" and "gaps" in results.tables:
        pieces.append(
            ("gap", run_values(results, metric, week, attribute, gap=True, change=change))
        )
    paired = results.manifest.get("sweep", {}).get("design", {}).get("seeds") == "common"
    rows = []
    for quantity, values in pieces:
        frame = values.merge(design, on="run_id", how="left") if len(design.columns) > 1 else values
        if "point" in by and "point" not in frame:
            frame["point"] = values["point"]
        groups = frame.groupby([*by, "group"], sort=True, dropna=False)
        ref_values: dict[str, pd.DataFrame] = {}
        if reference is not None:
            ref = frame[_reference_mask(frame, by, reference)]
            if ref.empty:
                raise SweepError(f"compare: no stored runs match reference {reference!r}")
            ref_values = {g: part for g, part in ref.groupby("group")}
        for key, part in groups:
            key = key if isinstance(key, tuple) else (key,)
            mean, low, high = mean_ci(part["value"].to_numpy(), level, n_resamples, rng)
            row = dict(zip([*by, "group"], key, strict=True))
            row.update(
                attribute=attribute,
                quantity=quantity,
                metric=metric,
                mean=mean,
                low=low,
                high=high,
                n=int(part["value"].notna().sum()),
            )
            if reference is not None:
                base = ref_values.get(row["group"])
                if base is None:
                    row.update(diff=np.nan, diff_low=np.nan, diff_high=np.nan)
                else:
                    pair = (
                        paired and part["replication"].is_unique and base["replication"].is_unique
                    )
                    if pair:
                        joined = part.merge(base, on="replication", suffixes=("", "_ref"))
                        a, b = joined["value"].to_numpy(), joined["value_ref"].to_numpy()
                    else:
                        a, b = part["value"].to_numpy(), base["value"].to_numpy()
                    d, dl, dh = diff_ci(a, b, pair, level, n_resamples, rng)
                    row.update(diff=d, diff_low=dl, diff_high=dh)
            rows.append(row)
    columns = [*by, "attribute", "group", "quantity", "metric", "mean", "low", "high", "n"]
    if reference is not None:
        columns += ["diff", "diff_low", "diff_high"]
    table = pd.DataFrame(rows, columns=columns)
    if worlds is not None:
        table = _with_worlds(table, results, by, reference, metric, attribute, worlds, progress)
    return table


#: A verdict word of :mod:`workbench.worlds` (design A against B) said from the policy's side.
_POLICY_WORDS = {"holds": "better", "reversed": "worse"}


def _policy_overrides(results: SweepResults, by: list[str], key: tuple) -> dict[str, Any]:
    """The scenario settings of one policy (``by`` values, or a design point's parameters)."""
    values = dict(zip(by, key, strict=True))
    if by == ["point"]:
        row = results.design[results.design["point"] == values["point"]].iloc[0]
        values = {name: row[name] for name in results.parameters}
    return {
        name: value.item() if hasattr(value, "item") else value for name, value in values.items()
    }


def _with_worlds(
    table: pd.DataFrame,
    results: SweepResults,
    by: list[str],
    reference: Any,
    metric: str,
    attribute: str,
    worlds: Any,
    progress: bool,
) -> pd.DataFrame:
    """``table`` with each policy's verdict against the reference over plausible worlds."""
    from workbench.scenario import parse_scenario
    from workbench.worlds import verdicts

    if reference is None:
        raise SweepError("compare: plausible worlds need a reference policy to judge against")
    if results.manifest.get("scenario") is None:
        raise SweepError("compare: plausible worlds need a sweep of a scenario (this one has none)")
    if by != ["point"] and not set(results.parameters) <= set(by):
        raise SweepError(
            "compare: plausible worlds judge whole designs; put every swept parameter in by "
            f"({', '.join(results.parameters)})"
        )
    base = parse_scenario(results.manifest["scenario"], source=f"{results.path} (manifest)")
    keys = table[by].drop_duplicates().itertuples(index=False, name=None)
    reference_key = tuple(table.loc[_reference_mask(table, by, reference), by].iloc[0])

    def design(key: tuple) -> Any:
        settings = _policy_overrides(results, by, key)
        name = ", ".join(f"{k}={v}" for k, v in settings.items())  # which setting is which
        return base.with_overrides({**settings, "name": name})

    designs = {
        " / ".join(map(str, key)): design(key) for key in keys if tuple(key) != reference_key
    }
    outcome = metric if attribute == "all" else f"{metric}_gap:{attribute}"
    judged = verdicts(
        designs,
        design(reference_key),
        worlds=worlds,
        outcomes=[outcome],
        rng=int(results.manifest.get("root_seed", 0)),
        progress=progress,
    )
    label = table[by].astype(str).agg(" / ".join, axis=1)
    rows = (table["quantity"] == "value") if attribute == "all" else (table["quantity"] == "gap")
    for column, source in (
        ("worlds_better", "share_a_better"),
        ("worlds_verdict", "verdict"),
        ("worlds_reading", "reading"),
    ):
        values = {name: v.table.loc[outcome, source] for name, v in judged.items()}
        if column == "worlds_verdict":  # from the policy's side of the reference
            values = {name: _POLICY_WORDS.get(word, word) for name, word in values.items()}
        table[column] = label.map(values).where(rows)
    return table


# -- sensitivity -------------------------------------------------------------------------
def sensitivity(
    results: SweepResults | str | Path | Any,
    metric: str = "belonging",
    *,
    week: int = -1,
    attribute: str = "all",
    group: str = "all",
    gap: bool = False,
    change: bool = False,
    n_resamples: int = 1000,
    level: float = 0.95,
    rng: RngLike = DEFAULT_SEED,
    seed: int | None = None,
    num_resamples: int | None = None,
) -> pd.DataFrame:
    """Sobol' indices of an outcome to the swept parameters (a ``sobol`` design).

    The outcome of a design point is its mean over replications; SALib's
    :func:`SALib.analyze.sobol.analyze` estimates the indices, with bootstrap
    confidence half-widths.

    Parameters
    ----------
    metric, week, attribute, group, gap, change
        Which outcome (as in :func:`compare`); ``gap`` uses the equity gap of
        ``group`` (a level of ``attribute``) to the reference level.
    n_resamples, level
        Bootstrap resamples and confidence level of SALib's confidence intervals
        (``num_resamples``, SALib's own name, is deprecated here).
    rng
        Seed of that bootstrap (:func:`workbench.seeding.as_rng`): the same store gives
        the same intervals. ``seed`` is its deprecated name.

    Returns
    -------
    DataFrame
        Indexed by parameter: ``S1, S1_conf, ST, ST_conf``. With a
        second-order design, ``.attrs["S2"]`` holds the pairwise indices.
        ``.attrs["warnings"]`` says, one line each, when the indices are not
        reliable (see :func:`sensitivity_warnings`); ``.attrs["base_samples"]``
        is the design's base sample count N.
    """
    rng = renamed("sensitivity", "seed", "rng", seed, rng, default=DEFAULT_SEED)
    n_resamples = renamed(
        "sensitivity", "num_resamples", "n_resamples", num_resamples, n_resamples, default=1000
    )
    # SALib seeds its bootstrap only for a truthy seed (seed=0 meant "unseeded"): draw one >= 1
    salib_seed = int(as_rng(rng).integers(1, 2**31 - 1))
    from SALib.analyze import sobol as sobol_analyze

    results = _results(results, ("metrics", "gaps"))
    problem = results.manifest.get("sobol_problem")
    if problem is None:
        kind = results.manifest.get("sweep", {}).get("design", {}).get("kind")
        raise SweepError(
            f"{results.path}: sensitivity needs a sobol design (this sweep is {kind}); "
            'set [design] kind = "sobol"'
        )
    values = run_values(results, metric, week, attribute, gap=gap, change=change)
    if attribute != "all" or gap:
        levels = sorted(values["group"].unique())
        if group not in levels:
            raise SweepError(
                f"sensitivity: group {group!r} not stored for {attribute}; known: {', '.join(levels)}"
            )
    values = values[values["group"] == group]
    per_point = values.groupby("point")["value"].mean()
    points = int(results.manifest["points"])
    missing = sorted(set(range(points)) - set(per_point.index))
    if missing:
        raise SweepError(
            f"{results.path}: {len(missing)} of {points} design points have no stored run "
            f"(first: point {missing[0]}); resume the sweep (or --retry-failed) before analysing"
        )
    y = per_point.reindex(range(points)).to_numpy(dtype=float)
    second = bool(results.manifest["sweep"]["design"].get("second_order"))
    problem = {
        "num_vars": problem["num_vars"],
        "names": problem["names"],
        "bounds": problem["bounds"],
    }
    indices = sobol_analyze.analyze(
        problem,
        y,
        calc_second_order=second,
        num_resamples=n_resamples,
        conf_level=level,
        print_to_console=False,
        seed=salib_seed,
    )
    table = pd.DataFrame(
        {key: indices[key] for key in ("S1", "S1_conf", "ST", "ST_conf")},
        index=pd.Index(problem["names"], name="parameter"),
    )
    if second:
        table.attrs["S2"] = pd.DataFrame(
            indices["S2"], index=problem["names"], columns=problem["names"]
        )
    base = points // (2 * problem["num_vars"] + 2 if second else problem["num_vars"] + 2)
    table.attrs.update(metric=metric, week=week, attribute=attribute, group=group, gap=gap)
    table.attrs["base_samples"] = base
    table.attrs["warnings"] = sensitivity_warnings(table, base, second)
    return table


#: Widest acceptable 95% half-width of a Sobol' index before a warning.
SOBOL_HALF_WIDTH = 0.1


def sensitivity_warnings(
    table: pd.DataFrame, base_samples: int, second_order: bool = False
) -> list[str]:
    """Why a Sobol' table should not be read as it stands (empty when it can), one line each.

    Flags total indices above 1 and first-order indices below 0 (impossible
    values: sampling error, too few samples; a negative S1 whose interval
    reaches 0 is read as 0), and confidence half-widths wider
    than :data:`SOBOL_HALF_WIDTH`. The error of Saltelli's estimators falls as
    ``1/√N``, so the base samples needed for the widest half-width ``h`` to
    reach the threshold are about ``N·(h/0.1)²`` (rounded up to a power of two,
    as Sobol' sequences want).

    Examples
    --------
    >>> table = pd.DataFrame({"S1": [0.5, -0.08], "S1_conf": [0.2, 0.05],
    ...                       "ST": [1.09, 0.1], "ST_conf": [0.3, 0.05]}, index=["a", "b"])
    >>> for line in sensitivity_warnings(table, 64):
    ...     print(line)
    a: ST = 1.09 is above 1, which a total index cannot be: too few samples
    b: S1 = -0.08 is below 0, which a first-order index cannot be: too few samples
    intervals up to ±0.30 (a: ST): read the indices as rough; about 1024 base samples (now 64), i.e. 4096 design points, would bring them to ±0.1
    """
    lines = []
    for name, row in table.iterrows():
        if row["ST"] > 1:
            lines.append(
                f"{name}: ST = {row['ST']:.2f} is above 1, which a total index cannot be: "
                "too few samples"
            )
        if row["S1"] < 0 and row["S1"] + row["S1_conf"] < 0:
            lines.append(
                f"{name}: S1 = {row['S1']:.2f} is below 0, which a first-order index cannot be: "
                "too few samples"
            )
        elif row["S1"] < 0:
            lines.append(
                f"{name}: S1 = {row['S1']:.2f} is below 0 but within its interval of it "
                f"(± {row['S1_conf']:.2f}): read it as 0"
            )
    conf = table[["S1_conf", "ST_conf"]]
    widest = float(np.nanmax(conf.to_numpy())) if conf.size else 0.0
    if widest > SOBOL_HALF_WIDTH or not np.isfinite(widest):
        where = conf.stack().idxmax()
        needed = base_samples * (widest / SOBOL_HALF_WIDTH) ** 2
        needed = int(2 ** math.ceil(math.log2(max(needed, base_samples + 1))))
        per = 2 * len(table) + 2 if second_order else len(table) + 2
        lines.append(
            f"intervals up to ±{widest:.2f} ({where[0]}: {where[1].removesuffix('_conf')}): read "
            f"the indices as rough; about {needed} base samples (now {base_samples}), i.e. "
            f"{needed * per} design points, would bring them to ±{SOBOL_HALF_WIDTH:g}"
        )
    return lines
