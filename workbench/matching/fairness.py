"""Fairness report of a matching: who mentors, who is mentored, who gets the worse matches.

One row per attribute level (plus an ``all`` row):

``students``        students of that level in the roster
``roster_share``    their share of the roster
``mentor_share``    their share among matched mentors
``mentee_share``    their share among matched mentees
``matched_rate``    share of them who were matched
``mean_score_mentee``  mean pair score of links where they are the mentee
``mean_score_mentor``  mean pair score of links where they are the mentor
``score_gap``       overall mean score minus ``mean_score_mentee`` (positive: that
                    level's mentees systematically get worse matches)
``cross_group_share``  share of their mentees' links that cross a difference on this
                    attribute (on the ``all`` row: links differing on any cross-group attribute)

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.matching import match_roster
>>> from workbench.scenario import Scenario
>>> s = Scenario().with_overrides({"cohort.size": 60})
>>> roster = generate_roster(s.cohort, np.random.default_rng(0))
>>> table = fairness_report(roster, match_roster(roster, s.matching, np.random.default_rng(1)))
>>> list(table.columns)[:4], table.iloc[-1]["attribute"]
(['attribute', 'level', 'students', 'roster_share'], 'all')
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.matching.pairing import Pairing
from workbench.roster import Roster


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def fairness_report(
    roster: Roster, pairing: Pairing, cross_group_attributes: Sequence[str] | None = None
) -> pd.DataFrame:
    """The fairness table of ``pairing`` on ``roster`` (see the module docstring)."""
    mentors = np.unique(pairing.mentor)
    mentees = np.unique(pairing.mentee)
    matched = np.zeros(len(roster), dtype=bool)
    matched[pairing.mentor] = matched[pairing.mentee] = True
    overall = _mean(pairing.score)
    cross_names = list(cross_group_attributes or roster.attribute_names)
    rows = []
    for name in roster.attribute_names:
        codes, levels = roster.group_codes(name)
        differ = codes[pairing.mentor] != codes[pairing.mentee]
        for code, level in enumerate(levels):
            mine = codes == code
            if not mine.any():
                continue
            as_mentee = mine[pairing.mentee]
            rows.append(
                {
                    "attribute": name,
                    "level": level,
                    "students": int(mine.sum()),
                    "roster_share": float(mine.mean()),
                    "mentor_share": _mean(mine[mentors].astype(float)),
                    "mentee_share": _mean(mine[mentees].astype(float)),
                    "matched_rate": float(matched[mine].mean()),
                    "mean_score_mentee": _mean(pairing.score[as_mentee]),
                    "mean_score_mentor": _mean(pairing.score[mine[pairing.mentor]]),
                    "score_gap": overall - _mean(pairing.score[as_mentee]),
                    "cross_group_share": _mean(differ[as_mentee].astype(float)),
                }
            )
    any_differ = np.zeros(len(pairing), dtype=bool)
    for name in cross_names:
        codes = roster.group_codes(name)[0]
        any_differ |= codes[pairing.mentor] != codes[pairing.mentee]
    rows.append(
        {
            "attribute": "all",
            "level": "all",
            "students": len(roster),
            "roster_share": 1.0,
            "mentor_share": 1.0 if len(mentors) else float("nan"),
            "mentee_share": 1.0 if len(mentees) else float("nan"),
            "matched_rate": float(matched.mean()) if len(roster) else float("nan"),
            "mean_score_mentee": overall,
            "mean_score_mentor": overall,
            "score_gap": 0.0,
            "cross_group_share": _mean(any_differ.astype(float)),
        }
    )
    return pd.DataFrame(rows)
