"""``workbench sweep SWEEP.toml``: run a parameter sweep into a resumable result store."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sweep",
        help="run a parameter sweep (grid, Latin hypercube or Sobol') with replications",
        description="Run every run of a sweep file that is not stored yet, on local processes "
        "(default: all cores) or a Dask cluster, storing each as Parquet as it finishes. "
        "Run the same command again to resume an interrupted sweep.",
    )
    parser.add_argument(
        "sweep", type=Path, help="sweep TOML file, e.g. scenarios/sweep_policies.toml"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: all cores; 1 = serial; at most 4 per core)",
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDR",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="result store (default: runs/<sweep name>)"
    )
    parser.add_argument(
        "--retry-failed",
        action="store_true",
        help="rerun runs recorded as failed by an earlier attempt",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds to wait for the Dask scheduler to connect and answer (default 10, "
        "at most 3600)",
    )
    parser.add_argument(
        "--flush-seconds",
        type=float,
        default=2.0,
        help="longest a finished run waits in memory before it is written (default 2; "
        "a kill loses at most this much work)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    import sys

    from workbench.experiments.executors import check_timeout, check_workers
    from workbench.experiments.runner import check_flush_seconds, sweep

    # numbers first: a refusal comes before the sweep file is read or a cluster is called
    check_workers(args.workers)
    check_timeout(args.timeout)
    check_flush_seconds(args.flush_seconds)
    with terminate_as_interrupt():
        report = sweep(
            args.sweep,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            retry_failed=args.retry_failed,
            timeout=args.timeout,
            progress=not args.quiet,
            flush_seconds=args.flush_seconds,
            announce=lambda line: print(line, file=sys.stderr, flush=True),
        )
    print(
        f"{report.path}: {report.runs - report.failed_total} of {report.runs} runs stored "
        f"({report.completed} now, {report.stored_before} before) on {report.executor} "
        f"in {report.seconds:.1f} s"
    )
    if report.failed_total:
        print(
            f"{report.failed_total} run(s) failed; their errors are in the store "
            "(workbench.load_results(...).failures); fix and rerun with --retry-failed",
            file=sys.stderr,
        )
        return 1
    return 0


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while the sweep runs: finished runs are written, the lock freed.

    ``kill``, ``docker stop`` and batch schedulers end a job with SIGTERM,
    whose default action would skip every ``finally``. Raising
    :class:`KeyboardInterrupt` instead runs the same path as Ctrl-C. (Until
    ``workbench.cli`` installs this for every command; only the main thread
    can set a handler, so elsewhere this does nothing.)
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
