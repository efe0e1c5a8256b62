"""Scale scores: reverse coding and the missing-answer rule.

Rule (stated in the codebook's ``[scoring]``): a respondent's scale score is
the mean of the scale's answered items after reverse coding (``low + high −
answer`` for reverse-keyed items) when at least ``min_answered`` (default 80%)
of the items were answered — i.e. the score is *prorated* over the missing
items — and missing otherwise. With ``statistic = "sum"`` the prorated sum
(mean × number of items) is reported instead.

Examples
--------
>>> import numpy as np
>>> prorate(np.array([[1., 2., 3., 4., 5.], [1., np.nan, 3., 4., 5.], [1., np.nan, np.nan, 4., 5.]]))
array([3.  , 3.25,  nan])
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.survey.loading import Survey


def prorate(answers: np.ndarray, min_answered: float = 0.8, statistic: str = "mean") -> np.ndarray:
    """Row scores of an (n, k) answer matrix (NaN = unanswered) by the proration rule."""
    answers = np.asarray(answers, dtype=float)
    k = answers.shape[1]
    answered = np.isfinite(answers).sum(1)
    enough = answered >= np.ceil(min_answered * k - 1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(answers, 1) / answered
    out = np.where(enough & (answered > 0), mean, np.nan)
    return out * k if statistic == "sum" else out


def id_columns(survey: Survey) -> list[str]:
    """Respondent, wave, group and program columns of ``survey.data``."""
    roles = [r for r in ("participated", "pair_id", "sessions_attended") if r in survey.data]
    return ["respondent", "wave", *survey.group_columns, *roles]


def score(survey: Survey) -> pd.DataFrame:
    """One row per respondent × wave: id columns, one score column per scale.

    Also ``<scale>_answered``: how many of the scale's items were answered.
    """
    rule = survey.codebook.scoring
    frame = survey.data[id_columns(survey)].copy()
    for name in survey.codebook.scales:
        items = survey.items(name).to_numpy()
        frame[name] = prorate(items, rule.min_answered, rule.statistic)
        frame[f"{name}_answered"] = np.isfinite(items).sum(1)
    return frame


def pomp(scores: np.ndarray | pd.Series, low: float, high: float) -> np.ndarray:
    """Mean-item scores rescaled to 0-1 ("percent of maximum possible", as a share)."""
    return (np.asarray(scores, dtype=float) - low) / (high - low)
