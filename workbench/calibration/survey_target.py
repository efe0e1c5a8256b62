"""The survey calibration target: simulated cohort -> simulated survey -> the same summaries.

Summaries, per scale (linked to a latent trait) × wave: the mean scale score
of the whole cohort and the gap between groups (reference level mean − level
mean) for each group column the scenario also has — the same information as
the group means, without their exact linear ties (see :class:`SummarySpec`). Observed summaries come from the real survey (by
default only students who took part, when the codebook has a
``participated`` column); their sampling covariance from a bootstrap over
respondents (so the pre/post correlation of the same students is kept).

The simulated cohort has as many students as the surveyed one, so the
observed summaries are compared with the simulator's run-to-run spread
(``noise="simulator"``): a real cohort is one draw of the same kind the
simulator makes, including cohort-level variation (who happens to enrol) that
a bootstrap over the surveyed students cannot see; the bootstrap variance is
kept as a floor.

Simulated summaries: the scenario (with the calibrated parameters overridden)
is run with :func:`workbench.simulation.simulate` on a cohort of the same size and group
shares; each student's latent belonging and confidence at each wave's week
become answers through the fitted :class:`~workbench.survey.measurement.MeasurementModel`;
the simulated survey is scored by the codebook's rule. Waves at week 0 use
the starting levels, waves at the last week the final levels; a wave at
another week runs the program cut short at that week (the planned ending
changes no latent level, so the trajectory up to that week is the same).

With ``anchor_start`` the scenario's starting levels (mean, spread, group
shifts and group shares) are set from the first wave when it is at week 0, so
the calibration spends its runs on the dynamics rather than on where students
started: the simulated first wave matches the observed one by construction.
The starting shifts of scenario groups the survey does *not* record (e.g.
first-generation students when the file has no such column) are set to zero
then: the observed first wave already contains whatever those groups do to the
starting levels, so applying the scenario's shifts on top would pull the
simulated start away from the data (by 0.06 on the 0-1 scale with the baseline
scenario's three groups). Those groups' barrier odds stay: they govern who can
take part, which a survey cannot tell. Without a week-0 wave the scenario's
starting levels, group shifts included, are used as they are (``info["anchored"]``
is ``False`` and the report says so).

Examples
--------
>>> target = survey_target(scenario, survey)  # doctest: +SKIP
>>> result = calibrate(target, [Parameter("dynamics.belonging_gain", 0.0, 0.06)])  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.calibration.target import Target
from workbench.errors import WorkbenchError
from workbench.renamed import renamed
from workbench.scenario import Scenario, parse_scenario
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng
from workbench.survey.loading import Survey
from workbench.survey.measurement import MeasurementModel
from workbench.survey.scoring import prorate


@dataclass(frozen=True)
class SummarySpec:
    """Which statistics make the summary vector.

    Per scale × wave: the mean score of the whole cohort, then for each group
    column and each non-reference level the gap ``reference mean − level mean``.
    Overall mean and gaps carry the same information as the group means but
    without their exact linear ties (the overall mean is a weighted average of
    any column's level means), which would make the summaries' covariance
    nearly singular and the likelihood over-confident.
    """

    scales: list[str]
    waves: list[str]
    gaps: list[tuple[str, str, str]]  # (attribute, reference, level)

    @property
    def cells(self) -> list[tuple[str, str]]:
        """(attribute, level) whose means are needed, per scale × wave: ("all", "all") first."""
        out = [("all", "all")]
        for attribute, reference, level in self.gaps:
            for cell in ((attribute, reference), (attribute, level)):
                if cell not in out:
                    out.append(cell)
        return out

    @property
    def names(self) -> list[str]:
        out = []
        for scale in self.scales:
            for wave in self.waves:
                out.append(f"{scale}|{wave}|all")
                out += [f"{scale}|{wave}|gap {a}: {r} - {g}" for a, r, g in self.gaps]
        return out

    @property
    def combination(self) -> np.ndarray:
        """(summaries, cell means) matrix: summaries = combination @ cell means."""
        cells = self.cells
        per = 1 + len(self.gaps)
        blocks = len(self.scales) * len(self.waves)
        matrix = np.zeros((blocks * per, blocks * len(cells)))
        for b in range(blocks):
            row, col = b * per, b * len(cells)
            matrix[row, col] = 1.0
            for k, (attribute, reference, level) in enumerate(self.gaps, start=1):
                matrix[row + k, col + cells.index((attribute, reference))] = 1.0
                matrix[row + k, col + cells.index((attribute, level))] = -1.0
        return matrix

    def masks(self, data: pd.DataFrame) -> np.ndarray:
        """(cells, n) boolean: which rows of a scored table enter each cell mean."""
        rows = []
        for _scale in self.scales:
            for wave in self.waves:
                at_wave = (data["wave"].astype(str) == wave).to_numpy()
                for attribute, level in self.cells:
                    if attribute == "all":
                        rows.append(at_wave)
                    else:
                        rows.append(at_wave & (data[attribute].astype(str) == level).to_numpy())
        return np.array(rows)

    def values(self, data: pd.DataFrame) -> np.ndarray:
        """(cells, n) score matrix aligned with :meth:`masks`."""
        per_scale = len(self.waves) * len(self.cells)
        return np.repeat(np.array([data[s].to_numpy(float) for s in self.scales]), per_scale, 0)

    def means(self, data: pd.DataFrame) -> np.ndarray:
        """The summary vector of a scored table."""
        values = self.values(data)
        masks = self.masks(data) & np.isfinite(values)
        values = np.where(masks, values, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.combination @ (values.sum(1) / masks.sum(1))


def _bootstrap_covariance(
    spec: SummarySpec, data: pd.DataFrame, draws: int, rng: np.random.Generator
) -> np.ndarray:
    codes, _ = pd.factorize(data["respondent"])
    values = spec.values(data)
    masks = spec.masks(data) & np.isfinite(values)
    values = np.where(masks, values, 0.0)
    n = codes.max() + 1
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=draws)[:, codes]  # (B, rows)
    totals = counts @ (values * masks).T
    sizes = counts @ masks.T
    with np.errstate(invalid="ignore", divide="ignore"):
        summaries = (totals / sizes) @ spec.combination.T
    return np.atleast_2d(np.cov(summaries[np.isfinite(summaries).all(1)].T))


def _set_shift(effect: dict, latent: str, shift: float) -> None:
    """Set a group's starting shift of ``latent`` on the latent scale; a belonging shift
    replaces a published share gap (``belonging_gap``), which is only another way to give it."""
    effect[latent] = shift
    if latent == "belonging":
        effect["belonging_gap"] = None


def _anchor(
    scenario: Scenario,
    survey: Survey,
    data: pd.DataFrame,
    model: MeasurementModel,
    wave: str,
    groups: list[str],
) -> Scenario:
    """Starting levels, group shifts and group shares from the first wave (week 0)."""
    estimates = model.latent_estimates(Survey(survey.codebook, data, survey.source))
    start = estimates[estimates["wave"].astype(str) == wave]
    config = scenario.model_dump()
    cohort = config["cohort"]
    for column in groups:
        levels = cohort["attributes"][column]["levels"]
        counts = start[column].astype(str).value_counts()
        shares = np.array([counts.get(level, 0) for level in levels], dtype=float) + 0.5
        cohort["attributes"][column]["shares"] = list(shares / shares.sum())
    effects = {(e["attribute"], e["level"]): e for e in cohort["group_effects"]}
    for effect in effects.values():  # the survey's own latent shifts replace published gaps
        effect.pop("belonging_gap", None)
    for (column, _level), effect in effects.items():
        if column not in groups:  # the survey does not record this group: see the module doc
            _set_shift(effect, "belonging", 0.0)
            _set_shift(effect, "confidence", 0.0)
    for latent, scale in model.latents.items():
        values = start[latent].to_numpy(float)
        ok = np.isfinite(values)
        shift_total = np.zeros(len(start))
        for column in groups:
            levels = cohort["attributes"][column]["levels"]
            reference = survey.codebook.groups.reference.get(column) or str(
                start[column].astype(str).value_counts().index[0]
            )
            base = np.nanmean(values[(start[column].astype(str) == reference).to_numpy() & ok])
            for level in levels:
                if level == reference:
                    if (column, level) in effects:
                        _set_shift(effects[(column, level)], latent, 0.0)
                    continue
                else:
                    hit = (start[column].astype(str) == level).to_numpy() & ok
                    shift = (
                        float(np.clip(np.nanmean(values[hit]) - base, -0.5, 0.5))
                        if hit.any()
                        else 0.0
                    )
                effect = effects.setdefault((column, level), {"attribute": column, "level": level})
                _set_shift(effect, latent, shift)
                shift_total += shift * (start[column].astype(str) == level).to_numpy()
        reliability = max(model.scales_[scale].reliability, 0.1)
        true_var = np.nanvar(values) * reliability - np.var(shift_total[ok])
        cohort["initial"][f"{latent}_mean"] = float(
            np.clip(np.nanmean(values) - shift_total[ok].mean(), 0.05, 0.95)
        )
        cohort["initial"][f"{latent}_sd"] = float(np.clip(np.sqrt(max(true_var, 1e-4)), 0.0, 0.5))
    cohort["group_effects"] = list(effects.values())
    return parse_scenario(config, source=f"{scenario.name} anchored to {survey.source}")


def survey_target(
    scenario: Scenario,
    survey: Survey,
    *,
    measurement: MeasurementModel | None = None,
    participants_only: bool = True,
    anchor_start: bool = True,
    n_resamples: int = 500,
    rng: RngLike = DEFAULT_SEED,
    seed: int | None = None,
    bootstrap: int | None = None,
) -> Target:
    """A calibration :class:`Target` comparing simulated and observed surveys.

    Parameters
    ----------
    scenario
        The program design to fit (its cohort is resized to the surveyed cohort).
    survey
        The observed survey; its codebook needs ``[waves]`` (wave -> week) and
        scales with ``latent = "belonging"`` / ``"confidence"``.
    measurement
        A fitted measurement model (default: fitted to ``survey``).
    participants_only
        Compare only students who took part (codebook ``program.participated``).
    anchor_start
        Set starting levels from the week-0 wave (see the module docstring).
    n_resamples
        Bootstrap resamples (over respondents) for the observed summaries' covariance.
    rng
        Randomness of the bootstrap (:func:`workbench.seeding.as_rng`).
    seed, bootstrap
        Deprecated names of ``rng`` and ``n_resamples``; kept for one release.
    """
    rng = renamed("survey_target", "seed", "rng", seed, rng, default=DEFAULT_SEED)
    n_resamples = renamed(
        "survey_target", "bootstrap", "n_resamples", bootstrap, n_resamples, default=500
    )
    book = survey.codebook
    source = survey.source
    if not book.waves:
        raise WorkbenchError(
            f"{source}: the codebook needs a [waves] table (wave = program week) to compare "
            "with a simulation"
        )
    weeks = {wave: book.waves[wave] for wave in survey.waves if wave in book.waves}
    too_late = {w: k for w, k in weeks.items() if k > scenario.levers.weeks}
    if too_late:
        raise WorkbenchError(
            f"{source}: waves {too_late} are after the scenario's last week "
            f"({scenario.levers.weeks}); set levers.weeks or the codebook's [waves]"
        )
    try:
        model = measurement or MeasurementModel().fit(survey)
    except ValueError as error:  # e.g. no scale names a latent trait: a codebook problem
        raise WorkbenchError(str(error)) from None
    data = survey.data
    if participants_only and "participated" in data:
        data = data[data["participated"].fillna(False).to_numpy(bool)].reset_index(drop=True)
        if data.empty:
            raise WorkbenchError(f"{source}: no respondent took part in the program")
    if scenario.cohort.roster is not None:
        raise WorkbenchError(
            "survey calibration simulates a synthetic cohort shaped like the surveyed one; "
            "remove cohort.roster from the scenario"
        )
    attributes = scenario.cohort.attributes
    groups = [c for c in survey.group_columns if c in attributes]
    for column in groups:
        unknown = sorted(set(data[column].dropna().astype(str)) - set(attributes[column].levels))
        if unknown:
            raise WorkbenchError(
                f"{source}: column {column!r}: levels {unknown} are not levels of the "
                f"scenario's cohort.attributes.{column} ({attributes[column].levels})"
            )
    scored = Survey(book, data, source).scores()
    references = {
        column: book.groups.reference.get(column)
        or str(data[column].dropna().astype(str).value_counts().index[0])
        for column in groups
    }
    spec = SummarySpec(
        scales=list(model.scales_),
        waves=list(weeks),
        gaps=[
            (c, references[c], level)
            for c in groups
            for level in attributes[c].levels
            if level != references[c]
        ],
    )
    observed = spec.means(scored)
    covariance = _bootstrap_covariance(spec, scored, n_resamples, as_rng(rng))
    respondents = int(data["respondent"].nunique())
    base = scenario.with_overrides({"cohort.size": max(respondents, 2 * scenario.cohort.sites)})
    first = next(iter(weeks))
    if anchor_start and weeks[first] == 0:
        base = _anchor(base, survey, data, model, first, groups)
    rule = book.scoring
    latents = list(model.latents)

    def simulate(params: dict[str, float], seed: int) -> np.ndarray:
        latent_table = latent_waves(base.with_overrides(params), weeks, latents, groups, seed)
        fake = model.simulate_survey(latent_table, rng=np.random.default_rng(seed))
        scores = latent_table[["wave", *groups]].copy()
        for scale in model.scales_:
            answers = fake.items(scale).to_numpy()
            scores[scale] = prorate(answers, rule.min_answered, rule.statistic)
        return spec.means(scores)

    return Target(
        simulate=simulate,
        observed=observed,
        covariance=covariance,
        names=spec.names,
        noise="simulator",
        info={
            "scenario": base,
            "measurement": model,
            "spec": spec,
            "respondents": respondents,
            "participants_only": participants_only and "participated" in survey.data,
            "anchored": anchor_start and weeks[first] == 0,
            "groups": groups,
            "ignored_groups": [c for c in survey.group_columns if c not in groups],
            # scenario attributes the survey does not record: no starting shifts when anchored
            "unrecorded_attributes": [a for a in attributes if a not in groups],
        },
    )


def latent_waves(
    scenario: Scenario,
    weeks: dict[str, int],
    latents: list[str],
    groups: list[str],
    seed: int,
    program: bool = False,
) -> pd.DataFrame:
    """One row per simulated student × wave: latent levels at the wave's week, groups,
    and with ``program`` also ``participated``, ``pair_id`` (first link) and ``sessions_attended``.
    """
    from workbench.simulation import simulate

    last = scenario.levers.weeks
    result = simulate(scenario, rng=seed)
    students = result.students
    frames = []
    for wave, week in weeks.items():
        if week == 0:
            table = students.drop(columns=latents)
            table = table.rename(columns={f"{t}_start": t for t in latents})
        elif week == last:
            table = students
        else:
            short = scenario.with_overrides({"levers.weeks": week})
            table = simulate(short, rng=seed).students
        frame = table[["id", *groups]].rename(columns={"id": "respondent"})
        for latent in latents:
            frame[latent] = table[latent].to_numpy(float)
        frames.append(frame.assign(wave=wave))
    out = pd.concat(frames, ignore_index=True)
    if program:
        links = result.links.reset_index(drop=True)
        pair = {}
        for k, row in enumerate(links.itertuples()):
            pair.setdefault(row.mentor, f"link{k}")
            pair.setdefault(row.mentee, f"link{k}")
        sessions = dict(zip(students["id"], students["sessions_attended"], strict=True))
        matched = dict(zip(students["id"], students["weeks_matched"] > 0, strict=True))
        out["participated"] = out["respondent"].map(matched).astype("boolean")
        out["pair_id"] = out["respondent"].map(pair).astype("string")
        out["sessions_attended"] = out["respondent"].map(sessions).astype(float)
    return out


def simulate_survey_for(target: Target, params: dict[str, float], seed: int) -> Survey:
    """A full simulated survey (with program columns) for a survey target at ``params``."""
    info = target.info
    model: MeasurementModel = info["measurement"]
    spec: SummarySpec = info["spec"]
    book = model.codebook_
    weeks = {wave: book.waves[wave] for wave in spec.waves}
    table = latent_waves(
        info["scenario"].with_overrides(params),
        weeks,
        list(model.latents),
        info["groups"],
        seed,
        program=True,
    )
    return model.simulate_survey(table, rng=np.random.default_rng(seed))
