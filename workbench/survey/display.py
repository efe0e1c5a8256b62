"""The notebook card of a :class:`~workbench.survey.loading.Survey` (``Survey._repr_html_``).

Built from :func:`workbench.display.card`: who answered, the waves, each
scale's items and Cronbach's alpha by wave (from
:func:`~workbench.survey.reliability.reliability_table`), the group columns
with their reference levels, and the mean score of each scale by wave.

Examples
--------
>>> import workbench
>>> survey = workbench.load_survey("examples/survey_synthetic.csv",
...                                "examples/codebook_synthetic.toml")  # doctest: +SKIP
>>> survey  # in a notebook: the card  # doctest: +SKIP
"""

from __future__ import annotations

import pandas as pd

from workbench.survey.loading import Survey


def fmt_alpha(value: float) -> str:
    """Alpha as shown in the card (3 decimals; ``–`` when it cannot be computed)."""
    return "–" if pd.isna(value) else f"{value:.3f}"


def fmt_score(value: float) -> str:
    """A mean scale score as shown in the card (2 decimals)."""
    return "–" if pd.isna(value) else f"{value:.2f}"


def scale_table(survey: Survey, reliability: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per scale: items, reversed items, answer range, latent trait, alpha per wave."""
    if reliability is None:  # alpha only: the card does not show omega's bootstrap interval
        from workbench.survey.reliability import reliability_table

        reliability = reliability_table(survey, n_resamples=0)
    alpha = reliability.set_index(["scale", "wave"])["alpha"]
    rows = []
    for name, spec in survey.codebook.scales.items():
        row = {
            "scale": name,
            "items": len(spec.items),
            "reversed": len(spec.reverse),
            "answers": f"{spec.low}–{spec.high}",
            "model trait": spec.latent or "–",
        }
        for wave in survey.waves:
            value = alpha.get((name, wave), float("nan"))
            row[f"alpha {wave}"] = "n/a (1 item)" if spec.single_item else fmt_alpha(value)
        rows.append(row)
    return pd.DataFrame(rows)


def wave_means(survey: Survey, scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean score (all respondents) per scale × wave, formatted, with the respondents scored."""
    scores = survey.scores() if scores is None else scores
    rows = []
    for name in survey.codebook.scales:
        row = {"scale": name}
        for wave in survey.waves:
            part = scores.loc[scores["wave"].astype(str) == wave, name]
            row[wave] = f"{fmt_score(part.mean())} (n={int(part.notna().sum())})"
        rows.append(row)
    return pd.DataFrame(rows)


def survey_card(survey: Survey) -> str:
    """The HTML card shown when a survey ends a notebook cell."""
    from workbench.display import card
    from workbench.survey.groups import reference_levels

    book = survey.codebook
    waves = ", ".join(
        f"{w} (week {survey.week(w)})" if survey.week(w) is not None else w for w in survey.waves
    )
    facts = [
        f"{survey.respondents:,} respondents, {len(survey.data):,} rows; waves: {waves}",
    ]
    if "participated" in survey.data:
        took_part = survey.data.loc[survey.data["participated"].fillna(False).astype(bool)]
        facts.append(
            f"{took_part['respondent'].nunique():,} of {survey.respondents:,} respondents "
            "took part in the program"
        )
    references = reference_levels(survey)
    if references:
        facts.append(
            "groups (reference level): "
            + ", ".join(f"{column} ({level})" for column, level in references.items())
        )
    rule = book.scoring
    facts.append(
        f"score = {rule.statistic} of the answered items when at least "
        f"{rule.min_answered:.0%} of a scale's items were answered; alpha = Cronbach's "
        "(survey.reliability() adds 95% intervals and omega)"
    )
    tables = {
        "scales (alpha by wave)": scale_table(survey),
        "mean score by wave": wave_means(survey),
    }
    return card(f"Survey {survey.source}", facts, tables)
