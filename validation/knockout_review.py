"""Knock out every assumption for the bundled policy questions: does a confident verdict stand?

Usage, from the repository root (a few minutes per confident question on two cores)::

    .venv/bin/python validation/knockout_review.py [--worlds 200] [--out validation/knockout_review.csv]

Issue 15's reviewer test, run over *all* assumptions rather than the three the
default knock-outs pick: each bundled policy question (a scenario against the
baseline or no program) is judged over ``--worlds`` plausible worlds with
``knockouts`` = every assumption drawn over a range, so each is set to either
end of its plausible range in all the worlds. A verdict the tool states with
confidence (holds / reversed) must keep its word at every end; the script
prints each question's verdicts, any end where a word does not stand, and
writes the knock-out table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from workbench.scenario import load_scenario
from workbench.worlds import PlausibleWorlds, verdict
from workbench.worlds.plausible import HYPERCUBE, basis

ROOT = Path(__file__).parents[1]
#: question -> (design A, design B[, settings changed in design B]), scenario file stems
QUESTIONS = {
    "rotate every 6 weeks vs stay": ("rotation_periodic", "baseline"),
    "Plan B vs no Plan B": ("plan_b", "baseline"),
    "all supports vs none": ("supports_on", "baseline"),
    "cross-group vs alike pairs": ("matching_cross_group", "matching_affinity"),
    "cross-age vs same-age peers": ("policy_cross_age", "policy_peer"),
    "the program vs no program": ("baseline", "no_program"),
    "check-ins every 2 weeks vs none": ("baseline", "baseline", {"levers.checkin_every_weeks": 0}),
}
OUTCOMES = ["belonging", "confidence", "retention", "enrolled", "belonging_gap:first_gen"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "validation" / "knockout_review.csv")
    args = parser.parse_args(argv)
    worlds = PlausibleWorlds.default(n=args.worlds, rng=0)
    every = [n for n, how in worlds.how.items() if how == HYPERCUBE and basis(n) == "assumption"]
    tables, lost = [], 0
    for question, (a, b, *changed) in QUESTIONS.items():
        designs = [load_scenario(ROOT / "scenarios" / f"{name}.toml") for name in (a, b)]
        if changed:  # design B is a scenario with some settings changed
            designs[1] = designs[1].with_overrides({**changed[0], "name": question})
        v = verdict(
            *designs,
            worlds,
            outcomes=OUTCOMES,
            rng=0,
            knockouts=len(every),
            knockout_worlds=len(worlds),
            workers=2,
        )
        print(f"\n== {question} ({a} vs {b}) ==")
        shown = ["share_a_better", "share_low", "share_high", "verdict", "flips_with"]
        print(v.table[shown].round(3).to_string())
        if v.knockouts is not None and not v.knockouts.empty:
            ko = v.knockouts.assign(question=question)
            tables.append(ko)
            fails = ko[ko["reverses"]]
            lost += int(fails["outcome"].nunique())
            for row in fails.itertuples():
                print(
                    f"  does not stand: {row.outcome} with {row.parameter} = {row.value:g} "
                    f"({row.share_a_better:.0%} of {row.worlds} worlds): reported uncertain"
                )
        confident = v.table[v.table["verdict"].isin(["holds", "reversed"])]
        print(f"  confident after every knock-out: {', '.join(confident.index) or 'none'}")
    if tables:
        pd.concat(tables).to_csv(args.out, index=False)
    print(f"\n{lost} verdicts the knock-outs turned uncertain; table: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
