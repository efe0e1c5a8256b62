"""Writing result folders atomically: all files appear together, or none do."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder that replaces ``path`` only on success.

    An exception (or Ctrl-C) inside the block removes the temporary folder, so a
    failed run never leaves a half-written output folder behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield temporary
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    if path.exists():
        shutil.rmtree(path)
    temporary.rename(path)


def write_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> list[Path]:
    """Write each table as ``<name>.parquet`` (pyarrow) in ``folder``."""
    paths = []
    for name, frame in tables.items():
        target = folder / f"{name}.parquet"
        frame.to_parquet(target, index=False, engine="pyarrow")
        paths.append(target)
    return paths
