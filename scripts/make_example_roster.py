"""Write the bundled SYNTHETIC example roster and its preferences file.

Nobody in these files is a real student: the roster is drawn from the default
scenario's synthetic cohort (:func:`workbench.cohort.generate_roster`), 60
students in 2 sites, and written in the roster CSV layout with
:meth:`workbench.roster.Roster.to_frame`. Two pairs are marked must-not-meet
and a few students get explicit rankings, to show those features.

Run from the repository root::

    .venv/bin/python scripts/make_example_roster.py

It rewrites ``examples/roster_synthetic.csv`` and
``examples/preferences_synthetic.csv`` (same seed, same files).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from workbench.cohort import generate_roster
from workbench.scenario import Scenario

SEED = 20251123
OUT = Path("examples")


def main() -> None:
    cohort = Scenario().cohort.model_copy(update={"size": 60, "sites": 2})
    rng = np.random.default_rng(SEED)
    roster = generate_roster(cohort, rng)
    roster = replace(roster, must_not_meet=np.array([[0, 2], [5, 7]], dtype=np.intp))
    frame = roster.to_frame()
    frame.insert(0, "id", frame.pop("id").str.replace("s", "syn", regex=False))
    frame["must_not_meet"] = frame["must_not_meet"].str.replace("s", "syn", regex=False)
    frame = frame.drop(columns=["belonging", "confidence"], errors="ignore")
    OUT.mkdir(exist_ok=True)
    frame.to_csv(OUT / "roster_synthetic.csv", index=False)

    # a few mentees rank up to three mentors of their own site, best first
    lines = ["id,ranking"]
    for site in sorted(set(frame["site"])):
        here = frame[frame["site"] == site]
        mentors = here.loc[here["role"] == "mentor", "id"].to_numpy()
        for student in here.loc[here["role"] == "mentee", "id"].to_numpy()[:4]:
            ranked = rng.choice(mentors, size=3, replace=False)
            lines.append(f"{student},{';'.join(ranked)}")
    (OUT / "preferences_synthetic.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT / 'roster_synthetic.csv'} ({len(frame)} students) and preferences")


if __name__ == "__main__":
    main()
