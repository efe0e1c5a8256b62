"""Group means and gaps by wave, with confidence intervals.

Gaps follow the simulation's convention (:mod:`workbench.metrics`):
``gap = reference level mean − level mean``, where the reference is the
codebook's ``groups.reference`` or else the most common level. Intervals for
means use Student's t; intervals for gaps use Welch's t (unequal variances).

Examples
--------
>>> from workbench.survey.codebook import Codebook
>>> from workbench.survey.loading import survey_from_frame
>>> book = Codebook.model_validate({"survey": {"respondent": "id"},
...     "scales": {"s": {"items": ["a", "b"], "low": 1, "high": 5}},
...     "groups": {"columns": ["g"]}})
>>> frame = pd.DataFrame({"id": list("pqrstu"), "g": list("xxxyyy"),
...                       "a": [4, 5, 4, 2, 3, 2], "b": [5, 4, 4, 2, 2, 3]})
>>> gaps = group_gaps(survey_from_frame(frame, book))
>>> round(float(gaps["gap"].iloc[0]), 2)  # x: mean 4.33, y: mean 2.33
2.0
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from workbench.survey.loading import Survey

MEAN_COLUMNS = ["scale", "wave", "attribute", "group", "n", "mean", "sd", "se", "low", "high"]
GAP_COLUMNS = [
    "scale",
    "wave",
    "attribute",
    "reference",
    "group",
    "n_reference",
    "n_group",
    "gap",
    "low",
    "high",
    "p_value",
]


def reference_levels(survey: Survey) -> dict[str, str]:
    """Reference level per group column (declared, else the most common level)."""
    declared = survey.codebook.groups.reference
    out = {}
    for column in survey.group_columns:
        counts = survey.data.drop_duplicates("respondent")[column].value_counts()
        out[column] = declared.get(column) or (str(counts.index[0]) if len(counts) else "")
    return out


def _mean_row(values: np.ndarray, level: float) -> dict[str, float]:
    values = values[np.isfinite(values)]
    n = values.size
    mean = float(values.mean()) if n else float("nan")
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    se = sd / np.sqrt(n) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * se) if n > 1 else float("nan")
    return {"n": n, "mean": mean, "sd": sd, "se": se, "low": mean - half, "high": mean + half}


def group_means(
    survey: Survey, scores: pd.DataFrame | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Mean scale score per scale × wave × group column × level (and ``all``)."""
    scores = survey.scores() if scores is None else scores
    rows = []
    for scale in survey.codebook.scales:
        for wave in survey.waves:
            part = scores[scores["wave"] == wave]
            rows.append(
                {"scale": scale, "wave": wave, "attribute": "all", "group": "all"}
                | _mean_row(part[scale].to_numpy(float), level)
            )
            for column in survey.group_columns:
                for group, sub in part.groupby(column, sort=True):
                    rows.append(
                        {"scale": scale, "wave": wave, "attribute": column, "group": str(group)}
                        | _mean_row(sub[scale].to_numpy(float), level)
                    )
    return pd.DataFrame(rows, columns=MEAN_COLUMNS)


def group_gaps(
    survey: Survey, scores: pd.DataFrame | None = None, level: float = 0.95
) -> pd.DataFrame:
    """Reference-minus-level gap per scale × wave × group column × other level, Welch CI.

    Always has the columns of :data:`GAP_COLUMNS` (no rows without group columns).
    """
    scores = survey.scores() if scores is None else scores
    references = reference_levels(survey)
    rows = []
    for scale in survey.codebook.scales:
        for wave in survey.waves:
            part = scores[scores["wave"] == wave]
            for column, reference in references.items():
                ref = part.loc[part[column] == reference, scale].dropna().to_numpy(float)
                for group, sub in part.groupby(column, sort=True):
                    if str(group) == reference:
                        continue
                    other = sub[scale].dropna().to_numpy(float)
                    row = {
                        "scale": scale,
                        "wave": wave,
                        "attribute": column,
                        "reference": reference,
                        "group": str(group),
                        "n_reference": ref.size,
                        "n_group": other.size,
                        "gap": float(ref.mean() - other.mean())
                        if ref.size and other.size
                        else float("nan"),
                    }
                    if ref.size > 1 and other.size > 1:
                        test = stats.ttest_ind(ref, other, equal_var=False)
                        interval = test.confidence_interval(level)
                        row |= {
                            "low": float(interval.low),
                            "high": float(interval.high),
                            "p_value": float(test.pvalue),
                        }
                    else:
                        row |= {"low": np.nan, "high": np.nan, "p_value": np.nan}
                    rows.append(row)
    return pd.DataFrame(rows, columns=GAP_COLUMNS)
