"""The ``workbench`` command line.

Each sub-command lives in its own module under :mod:`workbench.commands` with
``add_parser(subparsers)`` and ``run(args) -> int``; this module finds them, so
adding a command touches no other file. Only the chosen command's module is
imported (``workbench --help`` reads each command's one-line help from its
source), so the command line starts fast.

Every failure ends in one line on stderr, never a traceback:

======================================  ==========
what                                    exit code
======================================  ==========
bad input (:class:`WorkbenchError`,     2
a file that cannot be read or written,
a damaged data file, out of memory,
a bad flag)
Ctrl-C (SIGINT)                         130
SIGTERM                                 143
output closed early (``| head``)        quietly, 0
a bug in the workbench                  1, with how to see the traceback
======================================  ==========

SIGTERM is turned into the same interruption as Ctrl-C, so a command cleans up
(finished runs written, locks released, temporary files removed) either way.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import json
import os
import pkgutil
import signal
import sys
from types import FrameType

from workbench import commands
from workbench.errors import WorkbenchError

DEBUG_VARIABLE = "WORKBENCH_DEBUG"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so cleanup runs as for Ctrl-C."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors that point to ``--help``."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def command_names() -> list[str]:
    """The sub-commands, sorted."""
    return sorted(info.name for info in pkgutil.iter_modules(commands.__path__))


def command_help(name: str) -> str:
    """A command's one-line help, read from its module's source without importing it."""
    spec = importlib.util.find_spec(f"{commands.__name__}.{name}")
    source = spec.loader.get_source(spec.name) if spec and spec.loader else None  # type: ignore[union-attr]
    tree = ast.parse(source or "")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_parser":
            for keyword in node.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return (ast.get_docstring(tree) or "").split("\n", 1)[0]


def build_parser(command: str | None = None, *, overview: bool = False) -> argparse.ArgumentParser:
    """The parser; with ``command``, only that command's module is imported.

    With ``overview``, no command module is imported (enough for ``--help`` and
    for refusing an unknown command); with neither, every command's full parser
    is built (for tests and docs).
    """
    parser = _Parser(
        prog="workbench",
        description="Simulate, match and evaluate inclusive peer-mentorship programs.",
    )
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    for name in command_names():
        if name == command or (command is None and not overview):
            module = importlib.import_module(f"{commands.__name__}.{name}")
            sub = module.add_parser(subparsers)
            sub.set_defaults(handler=module.run)
        else:
            subparsers.add_parser(name, help=command_help(name))
    return parser


def _chosen_command(argv: list[str]) -> str | None:
    names = set(command_names())
    for token in argv:
        if not token.startswith("-"):
            return token if token in names else None
    return None


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _one_line(error: BaseException) -> str | None:
    """The message for an expected failure, or None for a bug."""
    if isinstance(error, WorkbenchError):
        return str(error)
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return f"{where}{error.strerror or error}"
    if isinstance(error, MemoryError):
        return "not enough memory for this job; make it smaller (fewer students, runs or samples)"
    if isinstance(error, json.JSONDecodeError):
        return f"a JSON file is damaged ({error.msg}, line {error.lineno})"
    if type(error).__module__.split(".")[0] == "pyarrow":
        return f"a Parquet file is damaged or unreadable ({str(error).splitlines()[0]})"
    return None


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``workbench`` script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _chosen_command(argv)
    prog = f"workbench {command}" if command else "workbench"
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        parser = build_parser(command) if command else build_parser(overview=True)
        args = parser.parse_args(argv)
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below, not at exit
        return status
    except Terminated:
        # a new line first: a progress bar interrupted mid-frame leaves its line open
        print(f"\n{prog}: stopped (SIGTERM)", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print(f"\n{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader (e.g. `| head`) has gone: stop quietly, and keep Python's own
        # flush at exit from failing again on the closed pipe
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        message = _one_line(error)
        if os.environ.get(DEBUG_VARIABLE):
            raise
        if message is None:
            print(
                f"{prog}: internal error: {type(error).__name__}: {error} "
                f"(please report it; set {DEBUG_VARIABLE}=1 to see the traceback)",
                file=sys.stderr,
            )
            return 1
        print(f"{prog}: error: {message}", file=sys.stderr)
        return 2
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
