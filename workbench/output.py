"""Every file the workbench writes goes through here: all of it appears, or none does.

Three rules protect a user's files:

* ``--out`` never deletes what the tool did not write. A results folder carries
  a marker file (:data:`MARKER`) naming the command that wrote it; an existing
  non-empty folder without the same command's marker is refused, and so are
  the working directory and its parents.
* An earlier output is replaced by *rename-aside*: the new folder is complete
  before the old one is moved out of the way, so a crash at any moment leaves
  the old result or the new one, never neither.
* Temporary files and folders live beside their target (same file system, so
  the final ``os.replace`` is atomic on POSIX) and are removed on any error;
  leftovers of a killed process are swept the next time the same target is
  written.

Examples
--------
>>> import tempfile, pandas as pd
>>> base = Path(tempfile.mkdtemp())
>>> with atomic_folder(base / "out", command="run") as folder:
...     _ = write_tables(folder, {"metrics": pd.DataFrame({"x": [1]})})
>>> sorted(p.name for p in (base / "out").iterdir())
['.workbench-output', 'metrics.parquet']
>>> (base / "mine").mkdir(); _ = (base / "mine" / "notes.txt").write_text("keep me")
>>> with atomic_folder(base / "mine", command="run") as folder:
...     pass
Traceback (most recent call last):
...
workbench.errors.WorkbenchError: ...mine: folder has files the workbench did not write (notes.txt); give a new or empty folder for --out
>>> with atomic_file(base / "pairs.csv") as temporary:
...     pd.DataFrame({"a": [1]}).to_csv(temporary, index=False)
>>> (base / "pairs.csv").read_text()
'a\\n1\\n'
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from workbench._version import __version__
from workbench.errors import WorkbenchError

#: File inside every results folder, naming the command that wrote it.
MARKER = ".workbench-output"
_TEMP_SUFFIX = ".tmp"


def check_out_folder(path: str | Path, command: str) -> Path:
    """Refuse an ``--out`` folder that writing there could damage; return it as a Path.

    Call it before long work, so a refusal comes first; :func:`atomic_folder`
    calls it again just before writing.

    Raises
    ------
    WorkbenchError
        ``path`` is a file, the working directory or one of its parents, or a
        non-empty folder that is not an earlier output of ``command``.
    """
    path = Path(path)
    where = path.expanduser().resolve()
    cwd = Path.cwd().resolve()
    if where == cwd or where in cwd.parents:
        raise WorkbenchError(
            f"{path}: is the working folder or one of its parents; give a new folder for --out"
        )
    for parent in (where, *where.parents):
        if parent.exists() and not parent.is_dir():
            raise WorkbenchError(
                f"{path}: {parent} is a file, not a folder; give a folder for --out"
            )
    if where.is_dir():
        owner = _marker_command(where)
        contents = sorted(p.name for p in where.iterdir())
        if contents and owner is None:
            listed = ", ".join(contents[:3]) + (
                f" and {len(contents) - 3} more" if len(contents) > 3 else ""
            )
            raise WorkbenchError(
                f"{path}: folder has files the workbench did not write ({listed}); "
                "give a new or empty folder for --out"
            )
        if owner is not None and owner != command:
            raise WorkbenchError(
                f"{path}: holds the output of `workbench {owner}`, not `workbench {command}`; "
                "give another folder for --out"
            )
    return path


def _marker_command(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / MARKER).read_text(encoding="utf-8"))["command"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _temporary_name(target: Path, suffix: str = "") -> str:
    return f".{target.name}.{os.getpid()}.{os.urandom(4).hex()}{_TEMP_SUFFIX}{suffix}"


def _sweep_leftovers(target: Path) -> None:
    """Remove temporaries of ``target`` left by processes that no longer run."""
    for leftover in target.parent.glob(f".{target.name}.*{_TEMP_SUFFIX}*"):
        try:
            pid = int(leftover.name[len(target.name) + 2 :].split(".", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def atomic_folder(path: str | Path, *, command: str = "output") -> Iterator[Path]:
    """Yield a temporary sibling folder that becomes ``path`` only if the block succeeds.

    Parameters
    ----------
    path
        The results folder (``--out``). It may not exist yet, be empty, or hold an
        earlier output of the same ``command``; anything else is refused
        (:func:`check_out_folder`).
    command
        The command writing the folder, recorded in its :data:`MARKER`.

    An exception (or Ctrl-C) inside the block removes the temporary folder and
    leaves ``path`` as it was.
    """
    path = check_out_folder(path, command)
    path.parent.mkdir(parents=True, exist_ok=True)
    _sweep_leftovers(path)
    temporary = path.parent / _temporary_name(path)
    temporary.mkdir()
    try:
        yield temporary
        marker = {"command": command, "version": __version__}
        (temporary / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        check_out_folder(path, command)  # nothing appeared there while we worked
        _replace_folder(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _replace_folder(new: Path, target: Path) -> None:
    if not target.exists():
        new.rename(target)
        return
    aside = target.parent / _temporary_name(target, ".old")
    target.rename(aside)
    try:
        new.rename(target)
    except BaseException:
        aside.rename(target)
        raise
    shutil.rmtree(aside, ignore_errors=True)


@contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix) that replaces it on success.

    The suffix is kept so that writers choosing a format by extension
    (matplotlib, pandas) still do. On error the temporary is removed and
    ``path`` is untouched.
    """
    with atomic_files([path]) as (temporary,):
        yield temporary


@contextmanager
def atomic_files(paths: Sequence[str | Path]) -> Iterator[list[Path]]:
    """Yield temporary paths for several files; all are put in place only if all were written.

    Each temporary is created (empty) before the block runs, so an unwritable
    folder is found before any work or any file is written.
    """
    targets = [Path(p) for p in paths]
    for target in targets:
        if target.is_dir():
            raise WorkbenchError(f"{target}: is a folder; give a file name")
    temporaries: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            _sweep_leftovers(target)
            temporary = target.parent / _temporary_name(target, target.suffix)
            temporary.touch(exist_ok=False)
            temporaries.append(temporary)
        yield list(temporaries)
        for temporary, target in zip(temporaries, targets, strict=True):
            os.replace(temporary, target)
    except BaseException:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write each table as ``<name>.parquet`` (pyarrow) in ``folder`` (a temporary folder)."""
    paths = []
    for name, frame in tables.items():
        target = folder / f"{name}.parquet"
        frame.to_parquet(target, index=False, engine="pyarrow")
        paths.append(target)
    return paths


__all__ = [
    "MARKER",
    "atomic_file",
    "atomic_files",
    "atomic_folder",
    "check_out_folder",
    "write_tables",
    "write_text",
]
