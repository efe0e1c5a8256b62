"""The look every picture shares: the colour-blind-safe palette, line styles, metric
titles, plain names of groups and the band over replications. A leaf module, so the pictures of runs
(:mod:`workbench.plots`), sweeps, validation and the dashboard read one definition
without importing each other.
"""

from __future__ import annotations

import pandas as pd

OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
TITLES = {
    "belonging": "Sense of belonging",
    "confidence": "Confidence (self-efficacy)",
    "attendance": "Attendance",
    "retention": "Still in the program",
    "enrolled": "Still enrolled (school/course)",
    "dependency": "Dependency on the mentor",
    "cross_group_ties": "Cross-group ties per student",
    "isolated": "Students with no ties",
    "skill": "Skill",
    "matched": "Matched this week",
    "rematches": "Rematches per student",
    "in_poor_pair": "In a pair rated poor",
}


ATTRIBUTE_NAMES = {
    "first_gen": "first-generation status",
    "language_background": "language background",
    "disability": "disability",
}
GROUP_NAMES = {
    ("first_gen", "yes"): "first-generation",
    ("first_gen", "no"): "not first-generation",
    ("disability", "yes"): "with a disability",
    ("disability", "no"): "no disability",
    ("language_background", "multilingual"): "multilingual",
    ("language_background", "english_first"): "English first",
}


def plain_name(attribute: str, group: str | None = None) -> str:
    """A plain name for a group attribute, or for one of its groups, for slides.

    Examples
    --------
    >>> plain_name("first_gen"), plain_name("first_gen", "yes")
    ('first-generation status', 'first-generation')
    >>> plain_name("sports_club", "yes")
    'sports club: yes'
    """
    if group is None:
        return ATTRIBUTE_NAMES.get(attribute, attribute.replace("_", " "))
    if attribute == "all" and group == "all":
        return "everyone"
    return GROUP_NAMES.get((attribute, group), f"{attribute.replace('_', ' ')}: {group}")


def band(frame: pd.DataFrame, value: str = "value", level: float = 0.95) -> pd.DataFrame:
    """Mean and central interval of ``value`` over replications, by week."""
    low, high = (1 - level) / 2, 1 - (1 - level) / 2
    grouped = frame.groupby("week")[value]
    return pd.DataFrame(
        {"mean": grouped.mean(), "low": grouped.quantile(low), "high": grouped.quantile(high)}
    )
