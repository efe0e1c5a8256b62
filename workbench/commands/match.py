"""``workbench match ROSTER.csv``: read a school export, show it back, pair it, explain every pair.

Order of work: the column map (``--columns``, or proposed from the headers and
printed; ``--write-columns`` saves it for the coordinator to confirm or edit),
the roster preview with its warnings (``--strict`` refuses to go on while any
remain), then matching. Everything is validated before anything is written,
and every file goes through :mod:`workbench.output`: the pairs, the students
left out and the teacher lists appear together, or none do.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError
from workbench.matching import POLICIES

if TYPE_CHECKING:
    from workbench.matching.api import MatchResult
    from workbench.roster_preview import RosterPreview


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "match",
        help="pair a roster CSV with a matching policy and explain every pair",
        description="Match a roster (a school export as it comes; see docs/matching.md): show "
        "how each column is read (the column map) and warnings about the roster, then who was "
        "matched, who was not and why, the fit scores, a fairness table and how every other "
        "policy does on the same roster; write the pairs (--out), those left out "
        "(--unmatched-out) and printable teacher lists (--teacher-lists).",
    )
    parser.add_argument("roster", type=Path, help="roster CSV, e.g. examples/roster_sis.csv")
    parser.add_argument(
        "--columns",
        type=Path,
        metavar="MAP.toml",
        help="column map: what each column means (default: proposed from the headers)",
    )
    parser.add_argument(
        "--write-columns",
        type=Path,
        metavar="MAP.toml",
        help="save the column map used (e.g. the proposed one) to confirm or edit it",
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop before matching if the roster has warnings"
    )
    parser.add_argument(
        "--preview-only", action="store_true", help="show the column map and warnings; no matching"
    )
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
    parser.add_argument(
        "--teacher-lists",
        type=Path,
        metavar="FOLDER",
        help="write a printable pair list (HTML and CSV) per site or homeroom into FOLDER",
    )
    parser.add_argument(
        "--lists-by",
        default="site",
        metavar="COLUMN",
        help="one teacher list per 'site' (default) or per value of a column such as Homeroom",
    )
    parser.add_argument(
        "--include-sensitive",
        action="store_true",
        help="show sensitive columns (IEP, ELL, first-gen...) on the teacher lists",
    )
    parser.add_argument("--no-compare", action="store_true", help="skip running the other policies")
    return parser


def _check_targets(args: argparse.Namespace) -> None:
    files = [p for p in (args.out, args.unmatched_out, args.write_columns) if p is not None]
    for path in files:
        if path.is_dir():
            raise WorkbenchError(f"{path}: is a folder; give a file name")
    resolved = [p.resolve() for p in files]
    if len(set(resolved)) != len(resolved):
        raise WorkbenchError("--out, --unmatched-out and --write-columns must be different files")
    if args.roster.resolve() in resolved or (
        args.columns is not None and args.columns.resolve() in resolved[:2]
    ):
        raise WorkbenchError("an output file would overwrite the roster or its column map")
    for path in files:  # an unwritable place is refused before any work
        existing = next(p for p in (path.resolve().parent, *path.resolve().parents) if p.exists())
        if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
            raise WorkbenchError(
                f"{path}: cannot write there ({existing} is not a writable folder)"
            )
    if args.teacher_lists is not None:
        from workbench.output import check_out_folder

        check_out_folder(args.teacher_lists, "match")


def run(args: argparse.Namespace) -> int:
    from workbench.columns import columns_toml
    from workbench.output import atomic_files, atomic_folder, write_text
    from workbench.roster_preview import preview_roster

    _check_targets(args)
    preview = preview_roster(args.roster, args.columns)
    print(preview.text())
    if args.write_columns is not None:
        write_text(args.write_columns, columns_toml(preview.columns, args.roster.name))
        print(f"\nwrote {args.write_columns}: check it, edit it, then use --columns")
    elif preview.proposed:
        print(
            "\nthe column map above was proposed from the headers: save it with "
            "--write-columns MAP.toml, check it, and pass --columns MAP.toml"
        )
    if args.strict:
        preview.check_strict()
    if args.preview_only:
        return 0
    files = [(p, name) for p, name in ((args.out, "pairs"), (args.unmatched_out, "unmatched"))]
    files = [(p, name) for p, name in files if p is not None]
    with contextlib.ExitStack() as stack:
        # the temporaries exist before any work: an unwritable place fails first
        temporaries = stack.enter_context(atomic_files([p for p, _ in files])) if files else []
        folder = None
        if args.teacher_lists is not None:
            folder = stack.enter_context(atomic_folder(args.teacher_lists, command="match"))
        result, written = _match_and_write(args, preview, files, temporaries, folder)
    if args.out is not None:
        print(f"\nwrote {args.out} ({len(result.pairs)} links)")
    if args.unmatched_out is not None:
        print(f"wrote {args.unmatched_out} ({len(result.unmatched)} students)")
    if args.teacher_lists is not None:
        print(f"wrote {written} teacher list(s) (HTML and CSV) in {args.teacher_lists}")
    return 0


def _match_and_write(
    args: argparse.Namespace,
    preview: RosterPreview,
    files: list[tuple[Path, str]],
    temporaries: list[Path],
    folder: Path | None,
) -> tuple[MatchResult, int]:
    """Match, print the report, and write every output into its temporary place."""
    from workbench.matching.api import match
    from workbench.pairlist import teacher_lists, write_lists_into

    result = match(
        preview.roster,
        policy=args.policy,
        weights=args.weights,
        preferences=args.preferences,
        rng=args.seed,
    )
    if folder is not None:
        teacher_lists(result, args.lists_by, args.include_sensitive)  # a bad column, now
    print()
    print(result.summary())
    print()
    print(result.plain_summary())
    fair = result.fairness.copy()
    print("\nfairness by group (shares among matched mentors/mentees; mean score as mentee):")
    columns = ["attribute", "level", "students", "mentor_share", "mentee_share"]
    columns += ["matched_rate", "mean_score_mentee", "cross_group_share"]
    print(fair[columns].to_string(index=False, float_format=lambda v: f"{v:.2f}"))
    if not args.no_compare:
        table = result.compare()
        table.insert(0, "", ["*" if p == args.policy else "" for p in table["policy"]])
        print("\nall policies on this roster (same weights; * = chosen):")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    tables = {"pairs": result.pairs, "unmatched": result.unmatched}
    for temporary, (_, name) in zip(temporaries, files, strict=True):
        tables[name].to_csv(temporary, index=False, encoding="utf-8")
    written = 0
    if folder is not None:
        written = len(write_lists_into(result, folder, args.lists_by, args.include_sensitive)) // 3
    return result, written
