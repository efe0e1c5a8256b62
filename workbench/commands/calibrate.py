"""``workbench calibrate SCENARIO.toml SURVEY.csv --codebook CODEBOOK.toml``: fit, report, plots."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.calibration.target import DEFAULT_PARAMETERS


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "calibrate",
        help="fit scenario parameters to a survey",
        description="Fit scenario parameters to the observed survey's mean scale scores by wave "
        "and group (Latin hypercube design, Gaussian-process emulators, history matching, "
        "importance sampling, confirmation runs). Prints the posterior and diagnostics; with "
        "--out writes tables and plots.",
    )
    parser.add_argument("scenario", type=Path, help="scenario TOML file")
    parser.add_argument("survey", type=Path, help="survey CSV (long or wide)")
    parser.add_argument("--codebook", type=Path, required=True, help="codebook TOML")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument(
        "--budget", type=int, default=800, help="simulator runs in all (default 800)"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=None,
        metavar="KEY=LOW:HIGH",
        help="a parameter and its prior range, e.g. dynamics.drift=0:0.1 (repeatable; "
        f"default: {', '.join(DEFAULT_PARAMETERS)})",
    )
    parser.add_argument(
        "--holdout",
        action="append",
        default=[],
        metavar="TEXT",
        help="leave out summaries whose name contains TEXT (e.g. 'gap disability' or '|post|') "
        "and only predict them (repeatable)",
    )
    parser.add_argument("--waves", type=int, default=3, help="history-matching waves (1-5)")
    parser.add_argument("--seed", type=_seed, default=0, help="root seed (0 or more)")
    parser.add_argument(
        "--jobs", type=int, default=1, help="parallel simulator processes (-1 = all cores)"
    )
    parser.add_argument(
        "--all-respondents",
        action="store_true",
        help="compare every respondent, not only those who took part",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; give 0 or more")
    return value


def run(args: argparse.Namespace) -> int:
    from workbench.calibration import calibrate, parse_parameter
    from workbench.calibration.survey_target import survey_target
    from workbench.errors import WorkbenchError
    from workbench.scenario import load_scenario
    from workbench.survey import SurveyError, load_survey

    scenario = load_scenario(args.scenario)
    try:
        survey = load_survey(args.survey, args.codebook)
    except SurveyError as error:
        for line in error.problems[1:]:
            print(line, file=sys.stderr)
        raise
    parameters = [parse_parameter(text) for text in (args.param or DEFAULT_PARAMETERS)]
    for parameter in parameters:  # every parameter must be a valid scenario setting
        for value in (parameter.low, parameter.high):
            try:
                scenario.with_overrides({parameter.name: value})
            except WorkbenchError as error:
                raise WorkbenchError(f"--param {parameter.name}: {error}") from None
    if args.budget < 1:
        raise WorkbenchError("--budget must be positive")
    if not 1 <= args.waves <= 5:
        raise WorkbenchError("--waves must be 1 to 5")
    from workbench.calibration.core import allocate_budget

    allocate_budget(args.budget, 2, args.waves, None)  # refuse a budget too small, before any work
    if args.jobs == 0 or args.jobs < -1:
        raise WorkbenchError("--jobs must be a positive number of processes, or -1 for all cores")
    if args.out is not None:  # refuse a bad --out before the long run, not after it
        from workbench.output import check_out_folder

        check_out_folder(args.out, "calibrate")
    target = survey_target(scenario, survey, participants_only=not args.all_respondents)
    info = target.info
    print(
        f"calibrating {len(parameters)} parameters to {len(target.observed)} summaries of "
        f"{info['respondents']} respondents"
        + (" (participants)" if info["participants_only"] else "")
        + (
            f"; group columns not in the scenario: {info['ignored_groups']}"
            if info["ignored_groups"]
            else ""
        )
        + (
            "; starting levels from the first wave"
            + (
                f" (no starting shifts for {', '.join(info['unrecorded_attributes'])}: "
                "not in the survey)"
                if info["unrecorded_attributes"]
                else ""
            )
            if info["anchored"]
            else "; no week-0 wave: starting levels from the scenario"
        ),
        file=sys.stderr,  # status: the result on stdout starts with what the fit cannot tell
    )
    result = calibrate(
        target,
        parameters,
        budget=args.budget,
        waves=args.waves,
        holdout=args.holdout,
        rng=args.seed,
        progress=not args.quiet,
        workers=args.jobs,
    )
    print(result.report())
    if args.out is not None:
        _write(args.out, result, target, survey)
        print(f"wrote {args.out}")
    return 0


def _write(out: Path, result, target, survey) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from workbench.calibration.survey_target import simulate_survey_for
    from workbench.output import atomic_folder
    from workbench.survey.compare import (
        category_frequencies,
        compare_distributions,
        compare_gaps,
        compare_regressions,
    )
    from workbench.survey.plots import (
        plot_categories,
        plot_checks,
        plot_gaps,
        plot_means,
        plot_posterior,
        plot_regressions,
    )

    median = result.intervals.set_index("parameter")["median"].to_dict()
    simulated = simulate_survey_for(target, median, seed=result.diagnostics["seed"] + 1)
    observed = survey
    if target.info["participants_only"]:
        keep = survey.data["participated"].fillna(False).to_numpy(bool)
        observed = survey.subset(keep)
    distributions = compare_distributions(observed, simulated)
    frequencies = category_frequencies(observed, simulated)
    gaps = compare_gaps(observed, simulated)
    regressions = compare_regressions(observed, simulated)
    with atomic_folder(out, command="calibrate") as folder:
        result.save(folder)
        distributions.to_csv(folder / "compare_distributions.csv", index=False)
        frequencies.to_csv(folder / "compare_categories.csv", index=False)
        gaps.to_csv(folder / "compare_gaps.csv", index=False)
        regressions.to_csv(folder / "compare_regression.csv", index=False)
        (folder / "report.txt").write_text(result.report() + "\n", encoding="utf-8")
        figures = {
            "posterior.png": plot_posterior(result.samples, result.intervals),
            "predictive_checks.png": plot_checks(result.checks),
            "means.png": plot_means(distributions),
            "categories.png": plot_categories(frequencies),
            "gaps.png": plot_gaps(gaps),
        }
        if len(regressions):
            figures["regression.png"] = plot_regressions(regressions)
        for name, figure in figures.items():
            figure.savefig(folder / name, dpi=110)
