"""``workbench match ROSTER.csv``: pair a real roster, explain every pair, compare policies.

Everything is validated before anything is written; the pairing list is
written atomically (a temporary file renamed into place), so a failed run
leaves no output file.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.matching import POLICIES


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "match",
        help="pair a roster CSV with a matching policy and explain every pair",
        description="Match a roster (one row per student; see docs/matching.md), print who was "
        "matched, who was not and why, the cross-group share, the score distribution, a "
        "fairness table and how every other policy does on the same roster; write the "
        "pairing list (pair/group id, students, score, reason) with --out.",
    )
    parser.add_argument("roster", type=Path, help="roster CSV, e.g. examples/roster_synthetic.csv")
    parser.add_argument(
        "--policy",
        default="optimal",
        choices=sorted(POLICIES),
        metavar="NAME",
        help=f"matching policy (default: optimal); one of: {', '.join(sorted(POLICIES))}",
    )
    parser.add_argument(
        "--weights",
        type=Path,
        help="TOML file: [weights] and other matching settings (see examples/match_weights.toml)",
    )
    parser.add_argument(
        "--preferences", type=Path, help="CSV of explicit rankings: id,ranking (ids best first)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--out", type=Path, help="write the pairing list here (CSV)")
    parser.add_argument(
        "--unmatched-out", type=Path, help="write the unmatched students and why here (CSV)"
    )
    parser.add_argument("--no-compare", action="store_true", help="skip running the other policies")
    return parser


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            frame.to_csv(stream, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    from workbench.matching.api import match

    for path in (args.out, args.unmatched_out):
        if path is not None and path.is_dir():
            raise WorkbenchError(f"{path}: is a folder; give a CSV file name")
    result = match(
        args.roster,
        policy=args.policy,
        weights=args.weights,
        preferences=args.preferences,
        seed=args.seed,
    )
    print(result.summary())
    fair = result.fairness.copy()
    print("\nfairness by group (shares among matched mentors/mentees; mean score as mentee):")
    columns = ["attribute", "level", "students", "mentor_share", "mentee_share"]
    columns += ["matched_rate", "mean_score_mentee", "cross_group_share"]
    print(fair[columns].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if not args.no_compare:
        table = result.compare(seed=args.seed)
        table.insert(0, "", ["*" if p == args.policy else "" for p in table["policy"]])
        print("\nall policies on this roster (same weights; * = chosen):")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if args.out is not None:
        _write_csv(result.pairs, args.out)
        print(f"\nwrote {args.out} ({len(result.pairs)} links)")
    if args.unmatched_out is not None:
        _write_csv(result.unmatched, args.unmatched_out)
        print(f"wrote {args.unmatched_out} ({len(result.unmatched)} students)")
    return 0
