"""``workbench survey SURVEY.csv --codebook CODEBOOK.toml``: reliability and group report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "survey",
        help="check and summarise a survey file",
        description="Validate a survey CSV against its codebook, then print reliability "
        "(Cronbach's alpha, McDonald's omega, with 95% intervals; not applicable to one-item "
        "scales) per scale and wave, item statistics, and group means and gaps by wave with "
        "95% confidence intervals. --out also writes them as CSV tables with the scores and "
        "gaps.png.",
    )
    parser.add_argument("survey", type=Path, help="survey CSV (long or wide)")
    parser.add_argument("--codebook", type=Path, required=True, help="codebook TOML")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="also write reliability.csv, items.csv, group_means.csv, group_gaps.csv, "
        "scores.csv and gaps.png here",
    )
    return parser


def _print_problems(error) -> None:
    for line in error.problems[1:]:
        print(line, file=sys.stderr)


def _fixed(value: float, digits: int = 3) -> str:
    return "n/a" if value != value else f"{value:.{digits}f}"


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

    if args.out is not None:  # refuse a bad --out before reading anything
        from workbench.output import check_out_folder

        check_out_folder(args.out, "survey")
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
    reliability = tables["reliability"]
    with pd.option_context("display.width", 160, "display.max_columns", 30):
        print(
            "\nReliability (alpha: pairwise, Feldt 95% CI; omega: pairwise ML one-factor, "
            "bootstrap 95% CI; omega n = respondents with 2+ answers):"
        )
        shown = pd.DataFrame(
            {
                "scale": reliability["scale"],
                "wave": reliability["wave"],
                "n": reliability["n"],
                "items": reliability["items"],
                "alpha [95% CI]": [
                    f"{_fixed(a)} [{_fixed(lo)}, {_fixed(hi)}]" if a == a else "n/a"
                    for a, lo, hi in reliability[["alpha", "alpha_low", "alpha_high"]].to_numpy()
                ],
                "omega [95% CI]": [
                    f"{_fixed(o)} [{_fixed(lo)}, {_fixed(hi)}]" if o == o else "n/a"
                    for o, lo, hi in reliability[["omega", "omega_low", "omega_high"]].to_numpy()
                ],
                "omega n": reliability["omega_n"],
            }
        )
        print(shown.to_string(index=False))
        for row in reliability[reliability["note"] != ""].itertuples():
            print(f"note: {row.scale} ({row.wave}): {row.note}")
        print("\nItem statistics (reverse-keyed items already flipped):")
        columns = ["scale", "wave", "item", "n", "missing", "mean", "sd", "item_rest_r", "loading"]
        print(tables["items"][columns].round(3).to_string(index=False))
        print("\nGroup means (t 95% CI):")
        columns = ["scale", "wave", "attribute", "group", "n", "mean", "low", "high"]
        print(tables["group_means"][columns].round(3).to_string(index=False))
        gaps = tables["group_gaps"]
        if len(gaps):
            print("\nGroup gaps (reference mean - group mean, Welch 95% CI):")
            columns = ["scale", "wave", "attribute", "reference", "group", "gap", "low", "high"]
            print(gaps[columns].round(3).to_string(index=False))
        else:
            print("\nGroup gaps: none (the codebook names no group columns)")
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

        with atomic_folder(args.out, command="survey") as folder:
            for name, frame in tables.items():
                frame.to_csv(folder / f"{name}.csv", index=False)
            scores.to_csv(folder / "scores.csv", index=False)
            gaps = tables["group_gaps"].rename(columns={"gap": "gap_observed"})
            if len(gaps):
                plot_gaps(gaps).savefig(folder / "gaps.png", dpi=120)
        print(f"\nwrote {args.out}")
    return 0
