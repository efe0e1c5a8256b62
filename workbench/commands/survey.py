"""``workbench survey SURVEY.csv --codebook CODEBOOK.toml``: reliability and group report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "survey",
        help="check and summarise a survey file",
        description="Validate a survey CSV against its codebook, then report reliability "
        "(Cronbach's alpha, McDonald's omega) per scale and wave, item statistics, and group "
        "means and gaps by wave with 95% confidence intervals.",
    )
    parser.add_argument("survey", type=Path, help="survey CSV (long or wide)")
    parser.add_argument("--codebook", type=Path, required=True, help="codebook TOML")
    parser.add_argument(
        "--out", type=Path, default=None, help="also write CSV tables and gaps.png here"
    )
    return parser


def _print_problems(error) -> None:
    for line in error.problems[1:]:
        print(line, file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from workbench.survey import (
        SurveyError,
        group_gaps,
        group_means,
        item_statistics,
        load_survey,
        reliability_table,
    )

    try:
        survey = load_survey(args.survey, args.codebook)
    except SurveyError as error:
        _print_problems(error)
        raise
    scores = survey.scores()
    tables = {
        "reliability": reliability_table(survey),
        "items": item_statistics(survey),
        "group_means": group_means(survey, scores),
        "group_gaps": group_gaps(survey, scores),
    }
    respondents = survey.data["respondent"].nunique()
    print(f"{args.survey}: {respondents} respondents, waves {', '.join(survey.waves)}")
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print("\nReliability (alpha with 95% CI, omega):")
        print(tables["reliability"].round(3).to_string(index=False))
        print("\nGroup gaps (reference mean - group mean, Welch 95% CI):")
        columns = ["scale", "wave", "attribute", "reference", "group", "gap", "low", "high"]
        print(tables["group_gaps"][columns].round(3).to_string(index=False))
    weak = tables["items"][tables["items"]["item_rest_r"] < 0.2]
    for row in weak.itertuples():
        print(
            f"note: item {row.item} ({row.scale}, {row.wave}) correlates only "
            f"{row.item_rest_r:.2f} with the rest of its scale; check its wording or reverse coding"
        )
    if args.out is not None:
        import matplotlib

        matplotlib.use("Agg")
        from workbench.output import atomic_folder
        from workbench.survey.plots import plot_gaps

        with atomic_folder(args.out) as folder:
            for name, frame in tables.items():
                frame.to_csv(folder / f"{name}.csv", index=False)
            scores.to_csv(folder / "scores.csv", index=False)
            gaps = tables["group_gaps"].rename(columns={"gap": "gap_observed"})
            if len(gaps):
                plot_gaps(gaps).savefig(folder / "gaps.png", dpi=120)
        print(f"\nwrote {args.out}")
    return 0
