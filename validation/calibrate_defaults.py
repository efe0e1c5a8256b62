"""Calibrate the Dynamics defaults on the validation cases (history matching, GP emulators).

Usage, from the repository root (about 10 minutes on one core)::

    .venv/bin/python validation/calibrate_defaults.py [--budget 1200] [--seed 7]

Only the checks whose ``role`` is ``"calibration"`` in the case file are
fitted; by default only their arms are simulated. The ``"held_out"`` checks
are read from the case file and are never fitted: ``workbench validate``
tests them afterwards, or ``--predict-held-out`` simulates them during the
calibration as predicted-only summaries (so it reports how well the
posterior predicts them). ``--holdout CASE.CHECK`` holds out a calibration
check as well; nothing brings a held-out check into the fit but changing its
role in the case file (and saying why in docs/validation.md).

The validation cases become one calibration target
(:func:`workbench.validation.validation_target`: one summary per check, the
published figure and its uncertainty as the observation) and the project's
generic calibration (:func:`workbench.calibration.calibrate`) fits the eight
Dynamics parameters in :data:`PARAMETERS` over their prior box:

1. Latin-hypercube design (scipy.stats.qmc), two seeds per point, each seed
   one replication of every arm the calibration checks use (300 students);
2. one scikit-learn Gaussian-process emulator per summary;
3. three waves of history matching (implausibility < 3, second-largest over
   the summaries), each wave's runs inside the previous NROY space;
4. importance sampling on the emulators for the posterior; confirmation runs
   of the real simulator at posterior draws.

The proposed defaults are the posterior means rounded to three significant
figures; the 90% credible intervals are their uncertainty. Writes
``validation/calibration/`` (samples, intervals, checks, waves, design,
diagnostics.json and defaults.json). Applying the defaults to
``workbench/scenario.py`` is a separate, reviewed commit.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from workbench.calibration import Parameter, calibrate
from workbench.validation import load_cases, validation_target
from workbench.validation.cases import CaseBook

# prior box: wide, plausible ranges of the mechanisms the cases inform
PARAMETERS = [
    Parameter("dynamics.belonging_gain", 0.004, 0.04),  # effect sizes (overall, cross-age)
    Parameter("dynamics.supervision_boost", 0.0, 3.0),  # the supervision moderator
    Parameter("dynamics.quality_base", -2.5, 0.5),  # quality level: leverage of supervision
    Parameter("dynamics.quality_affinity", 0.0, 3.0),  # similarity -> quality (Eby)
    Parameter("dynamics.quality_trust", 0.0, 3.0),  # what a re-match loses (trust reset)
    Parameter("dynamics.premature_harm", 0.0, 0.3),  # harm of a premature ending
    Parameter("dynamics.dropout_threshold", 0.1, 0.5),  # early-closure rate (Kupersmidt)
    Parameter("dynamics.drift", 0.005, 0.06),  # persistence of gains and harms
]
OUT = Path(__file__).with_name("calibration")


def holdout_names(book: CaseBook, names: list[str], extra: list[str]) -> list[str]:
    """Exact ``case.check`` names left out of the fit: the case file's held-out checks + ``extra``.

    Raises ValueError for an ``extra`` name that is not a check. Names are
    exact: the calibration's substring matching never reaches another check.
    """
    unknown = [name for name in extra if name not in names]
    if unknown:
        raise ValueError(f"--holdout {unknown[0]}: no such check; known: {', '.join(names)}")
    held_out = [name for name in book.held_out() if name in names]
    held = [*held_out, *(name for name in extra if name not in held_out)]
    for name in held:
        reached = [other for other in names if name in other]
        if reached != [name]:
            raise ValueError(f"held-out name {name!r} would also hold out {reached}")
    return held


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=1200, help="simulator calls in all")
    parser.add_argument("--cohort-size", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--holdout",
        action="append",
        default=[],
        metavar="CASE.CHECK",
        help="hold out a calibration check as well (only predicted); repeatable. The case "
        "file's held-out checks are always held out",
    )
    parser.add_argument(
        "--cases", type=Path, default=None, help="case file (default: the packaged cases.toml)"
    )
    parser.add_argument(
        "--predict-held-out",
        action="store_true",
        help="simulate the held-out checks too and report the calibration's predictions for "
        "them (never fitted; costs their arms' runs). Default: only the calibration checks' "
        "arms are simulated; `workbench validate` tests the held-out ones",
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    book = load_cases(args.cases)
    role = None if args.predict_held_out else "calibration"
    target = validation_target(book, cohort_size=args.cohort_size, role=role)
    try:
        holdout = holdout_names(book, target.names, args.holdout)
    except ValueError as error:
        parser.error(str(error))
    print(f"fitted: {', '.join(n for n in target.names if n not in holdout)}")
    print(
        f"held out (case file roles{' and --holdout' if args.holdout else ''}): "
        f"{', '.join(holdout) or 'none'}"
    )
    result = calibrate(
        target,
        PARAMETERS,
        budget=args.budget,
        seeds_per_point=2,
        waves=3,
        rng=args.seed,
        holdout=holdout,
        progress=True,
    )
    defaults = {
        row.parameter.removeprefix("dynamics."): float(f"{row.mean:.3g}")
        for row in result.intervals.itertuples()
    }
    result.save(args.out)
    (args.out / "defaults.json").write_text(
        json.dumps(
            {
                "defaults": defaults,
                "budget": args.budget,
                "cohort_size": args.cohort_size,
                "seed": args.seed,
                "holdout": holdout,
                "runtime_seconds": time.perf_counter() - started,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(result.report())
    print("proposed defaults (posterior means):", json.dumps(defaults))
    print(f"wrote {args.out}/ in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
