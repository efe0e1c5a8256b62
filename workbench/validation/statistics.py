"""The statistics the validation studies report, computed on simulated students and links.

Every function takes the tables of one replication (``students``/``links``
frames of :class:`workbench.RunResult`, one per study arm) and returns one
number, so a case's figure can be computed per replication and summarised
over replications like a study's estimate over samples.

Examples
--------
>>> import numpy as np
>>> round(hedges_g(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 2.0, 3.0])), 3)
0.674
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from workbench.dynamics import PLANNED_ENDS

SHORT_MATCH_WEEKS = 12  # Grossman & Rhodes (2002): relationships ending within ~3 months


def pooled_sd(a: np.ndarray, b: np.ndarray) -> float:
    """Pooled within-group standard deviation of two samples (ddof = 1).

    Examples
    --------
    >>> pooled_sd(np.array([1.0, 3.0]), np.array([2.0, 4.0]))
    1.4142135623730951
    """
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return float("nan")
    pooled = ((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2)
    return float(np.sqrt(pooled))


def hedges_g(treatment: np.ndarray, control: np.ndarray) -> float:
    """Hedges' g: standardised mean difference with the small-sample correction.

    ``g = J · (mean_t − mean_c) / s_pooled`` with ``J = 1 − 3 / (4(n_t + n_c) − 9)``
    (Hedges & Olkin 1985), the effect size of the mentoring meta-analyses.

    Examples
    --------
    >>> round(hedges_g(np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])), 3)
    0.8
    """
    treatment = np.asarray(treatment, dtype=float)
    control = np.asarray(control, dtype=float)
    sd = pooled_sd(treatment, control)
    if not np.isfinite(sd) or sd == 0:
        return float("nan")
    correction = 1.0 - 3.0 / (4.0 * (len(treatment) + len(control)) - 9.0)
    return float(correction * (treatment.mean() - control.mean()) / sd)


def population(students: pd.DataFrame, who: str) -> pd.DataFrame:
    """Students a study measures: ``"mentee"``, ``"mentor"`` (by starting role) or ``"all"``."""
    if who == "all":
        return students
    return students[students["role_start"] == who]


def _paired(
    treated: pd.DataFrame, control: pd.DataFrame, outcome: str, who: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if outcome not in treated.columns or outcome not in control.columns:
        from workbench.errors import WorkbenchError

        raise WorkbenchError(
            f"validation: outcome {outcome!r} is not a column of the simulated students "
            f"(columns: {', '.join(map(str, treated.columns))}); this model version cannot "
            "run the case"
        )
    t = population(treated, who).set_index("id")
    c = population(control, who).set_index("id")
    # complete cases: a student without a score in either arm (unscorable survey) is left out
    common = t.index[t[outcome].notna()].intersection(c.index[c[outcome].notna()])
    return t.loc[common], c.loc[common]


def effect_size(
    treated: pd.DataFrame, control: pd.DataFrame, outcome: str = "belonging", who: str = "mentee"
) -> float:
    """Hedges' g of the post-program ``outcome`` of ``who``, program arm vs no-program arm."""
    t, c = _paired(treated, control, outcome, who)
    return hedges_g(t[outcome].to_numpy(), c[outcome].to_numpy())


def match_history(links: pd.DataFrame) -> pd.DataFrame:
    """Each student's first match: its length, how it ended, and how many matches followed.

    Returns one row per student who was ever matched, indexed by ``id``, with
    ``first_weeks``, ``first_reason``, ``matches`` and a ``history`` label:

    ``intact``
        one match, lasting to the end of the program;
    ``short``
        first match ended unplanned within :data:`SHORT_MATCH_WEEKS` weeks;
    ``medium``
        first match ended unplanned later, before the program's end;
    ``rematched``
        matched again after the first match ended.
    """
    ends = pd.concat(
        [
            links[["mentor", "start_week", "weeks", "end_reason"]].rename(columns={"mentor": "id"}),
            links[["mentee", "start_week", "weeks", "end_reason"]].rename(columns={"mentee": "id"}),
        ],
        ignore_index=True,
    ).sort_values(["id", "start_week"], kind="stable")
    first = ends.groupby("id").first()
    count = ends.groupby("id").size()
    frame = pd.DataFrame(
        {
            "first_weeks": first["weeks"],
            "first_reason": first["end_reason"],
            "matches": count,
        }
    )
    planned = frame["first_reason"].isin(PLANNED_ENDS)
    history = np.where(
        frame["matches"] > 1,
        "rematched",
        np.where(
            planned,
            "intact",
            np.where(frame["first_weeks"] < SHORT_MATCH_WEEKS, "short", "medium"),
        ),
    )
    frame["history"] = history
    return frame


def subgroup_impact(
    treated: pd.DataFrame,
    links: pd.DataFrame,
    control: pd.DataFrame,
    group: str,
    outcome: str = "belonging",
    who: str = "mentee",
) -> float:
    """Impact on one match-history group, in pooled-SD units, against the same students' control.

    Students are grouped by :func:`match_history` in the program arm; their
    post-program ``outcome`` is compared with the same students' outcome in
    the no-program arm (the counterfactual a randomised study estimates), and
    the mean difference is divided by the pooled SD of the whole population,
    so groups are on the scale of :func:`effect_size`. NaN if the group is empty.
    """
    t, c = _paired(treated, control, outcome, who)
    sd = pooled_sd(t[outcome].to_numpy(), c[outcome].to_numpy())
    history = match_history(links)
    members = history.index[history["history"] == group].intersection(t.index)
    if len(members) == 0 or not np.isfinite(sd) or sd == 0:
        return float("nan")
    return float((t.loc[members, outcome] - c.loc[members, outcome]).mean() / sd)


def early_closure_share(links: pd.DataFrame) -> float:
    """Share of matches that closed unplanned (``dropout``) before the program ended."""
    if len(links) == 0:
        return float("nan")
    return float((~links["end_reason"].isin(PLANNED_ENDS | {"active"})).mean())


def risk_closure_difference(
    students: pd.DataFrame, links: pd.DataFrame, risk: str = "barriers", at_risk: int = 1
) -> float:
    """Early-closure share of matches whose mentee has ``risk >= at_risk`` minus those at 0.

    ``risk`` is a count column of the students table (default: the student's
    barriers to taking part: transport, schedule, language, caregiving).
    """
    level = students.set_index("id")[risk].reindex(links["mentee"]).to_numpy()
    high, none = links[level >= at_risk], links[level == 0]
    if len(high) == 0 or len(none) == 0:
        return float("nan")
    return early_closure_share(high) - early_closure_share(none)


def mean_match_weeks(links: pd.DataFrame) -> float:
    """Mean length of all matches in weeks (a match still going at the program's end counts
    to the end), the "match length" of program records."""
    if len(links) == 0:
        return float("nan")
    return float(links["weeks"].mean())


def first_mentor_identity(students: pd.DataFrame, links: pd.DataFrame, attribute: str) -> pd.Series:
    """For each mentee, ``"same"`` or ``"cross"``: does the first mentor share ``attribute``?

    The first mentor is the mentor of the mentee's earliest link. Mentees
    never matched are left out. With matching that ignores ``attribute``,
    this is the random assignment of a same- or other-identity mentor of
    Dennehy & Dasgupta (2017).
    """
    level = students.set_index("id")[attribute]
    first = links.sort_values(["mentee", "start_week"], kind="stable").groupby("mentee").first()
    mentee_level = level.reindex(first.index).to_numpy()
    mentor_level = level.reindex(first["mentor"]).to_numpy()
    return pd.Series(
        np.where(mentee_level == mentor_level, "same", "cross"), index=first.index, name="mentor"
    )


def identity_group(
    students: pd.DataFrame, links: pd.DataFrame, attribute: str, level: str, mentor: str
) -> pd.Index:
    """Ids of mentees of ``attribute == level`` whose first mentor is ``mentor`` (same/cross)."""
    identity = first_mentor_identity(students, links, attribute)
    ids = students.loc[students[attribute] == level, "id"]
    members = identity.index[identity == mentor]
    return members.intersection(pd.Index(ids))


def identity_impact(
    treated: pd.DataFrame,
    links: pd.DataFrame,
    control: pd.DataFrame,
    attribute: str,
    level: str,
    mentor: str,
    outcome: str = "belonging",
    units: str = "sd",
) -> float:
    """Impact on mentees of one level whose first mentor is ``mentor`` (same/cross identity).

    Post-program ``outcome`` against the same students without the program:
    with ``units="sd"``, in units of the pooled SD of that level's mentees
    (the scale of g); with ``units="share"`` (a yes/no outcome such as
    ``enrolled``), the difference of shares.
    """
    if units not in ("sd", "share"):
        raise ValueError(f"units must be 'sd' or 'share', not {units!r}")
    t, c = _paired(treated, control, outcome, "mentee")
    members = identity_group(treated, links, attribute, level, mentor).intersection(t.index)
    if len(members) == 0:
        return float("nan")
    difference = float(
        (t.loc[members, outcome].astype(float) - c.loc[members, outcome].astype(float)).mean()
    )
    if units == "share":
        return difference
    level_ids = t.index[t[attribute] == level]
    sd = pooled_sd(
        t.loc[level_ids, outcome].to_numpy(float), c.loc[level_ids, outcome].to_numpy(float)
    )
    if not np.isfinite(sd) or sd == 0:
        return float("nan")
    return difference / sd


def standardised_change(
    students: pd.DataFrame, outcome: str, who: str = "mentee", where: dict | None = None
) -> float:
    """Mean change from the start over the SD at the start (Becker 1988's standardised change).

    ``outcome`` and ``outcome + "_start"`` must be on the same scale (both
    latent, or both measured by the survey instrument). ``where`` keeps
    students with ``attribute == level`` for each item.
    """
    chosen = population(students, who)
    for attribute, level in (where or {}).items():
        chosen = chosen[chosen[attribute] == level]
    pre = chosen[f"{outcome}_start"].to_numpy(float)
    post = chosen[outcome].to_numpy(float)
    keep = np.isfinite(pre) & np.isfinite(post)
    if keep.sum() < 2:
        return float("nan")
    sd = float(np.std(pre[keep], ddof=1))
    if sd == 0:
        return float("nan")
    return float((post[keep] - pre[keep]).mean() / sd)


def similarity_quality_rho(links: pd.DataFrame) -> float:
    """Spearman correlation of a match's affinity (similarity) with its mean meeting quality."""
    met = links[links["meetings"] > 0]
    if len(met) < 3:
        return float("nan")
    return float(stats.spearmanr(met["affinity"], met["mean_quality"]).statistic)


def _effect_size(arms, roles, options):
    (treated, _), (control, _) = arms[roles["treated"]], arms[roles["control"]]
    return effect_size(treated, control, **options)


def _effect_size_difference(arms, roles, options):
    control = arms[roles["control"]][0]
    return effect_size(arms[roles["treated"]][0], control, **options) - effect_size(
        arms[roles["other"]][0], control, **options
    )


def _subgroup_impact(arms, roles, options):
    (treated, links), (control, _) = arms[roles["treated"]], arms[roles["control"]]
    return subgroup_impact(treated, links, control, **options)


def _subgroup_difference(arms, roles, options):
    (treated, links), (control, _) = arms[roles["treated"]], arms[roles["control"]]
    options = dict(options)
    reference = options.pop("reference")
    group = options.pop("group")
    return subgroup_impact(treated, links, control, group, **options) - subgroup_impact(
        treated, links, control, reference, **options
    )


def _closure(arms, roles, options):
    return early_closure_share(arms[roles["treated"]][1])


def _closure_difference(arms, roles, options):
    return early_closure_share(arms[roles["treated"]][1]) - early_closure_share(
        arms[roles["other"]][1]
    )


def _weeks_difference(arms, roles, options):
    return mean_match_weeks(arms[roles["treated"]][1]) - mean_match_weeks(arms[roles["other"]][1])


def _identity_impact(arms, roles, options):
    (treated, links), (control, _) = arms[roles["treated"]], arms[roles["control"]]
    return identity_impact(treated, links, control, **options)


def _identity_difference(arms, roles, options):
    (treated, links), (control, _) = arms[roles["treated"]], arms[roles["control"]]
    options = dict(options)
    mentor, reference = options.pop("mentor"), options.pop("reference")
    return identity_impact(treated, links, control, mentor=mentor, **options) - identity_impact(
        treated, links, control, mentor=reference, **options
    )


def _change(arms, roles, options):
    return standardised_change(arms[roles["treated"]][0], **options)


def _risk_closure(arms, roles, options):
    students, links = arms[roles["treated"]]
    return risk_closure_difference(students, links, **options)


def _rho(arms, roles, options):
    return similarity_quality_rho(arms[roles["treated"]][1])


#: statistic name -> (arm roles it needs, function(arms, roles, options) -> float);
#: ``arms`` maps an arm name to that replication's ``(students, links)`` tables.
STATISTICS = {
    "effect_size": (("treated", "control"), _effect_size),
    "effect_size_difference": (("treated", "other", "control"), _effect_size_difference),
    "subgroup_impact": (("treated", "control"), _subgroup_impact),
    "subgroup_difference": (("treated", "control"), _subgroup_difference),
    "early_closure_share": (("treated",), _closure),
    "early_closure_difference": (("treated", "other"), _closure_difference),
    "match_weeks_difference": (("treated", "other"), _weeks_difference),
    "risk_closure_difference": (("treated",), _risk_closure),
    "similarity_quality_rho": (("treated",), _rho),
    "identity_impact": (("treated", "control"), _identity_impact),
    "identity_difference": (("treated", "control"), _identity_difference),
    "standardised_change": (("treated",), _change),
}
