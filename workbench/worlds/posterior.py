"""The calibrated parameters' posterior, shipped with the package.

``posterior.csv`` (next to this module) is a copy of
``validation/calibration/samples.csv``: one row per posterior draw of the
calibration on the validation cases, one column ``dynamics.NAME`` per calibrated
parameter. A test checks that the copy equals the calibration's file, so the
installed package draws from the posterior the validation report describes.

Examples
--------
>>> frame = load_posterior()
>>> len(frame) > 100, all(name in NUMERIC for name in frame.columns)
(True, True)
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.dynamics import NUMERIC
from workbench.errors import WorkbenchError

#: Column prefix of the calibration's samples file.
PREFIX = "dynamics."
#: Model v1 names still found in older samples files, and their v2 names.
RENAMED: dict[str, str] = {"closure_penalty": "premature_harm"}


def posterior_path() -> Traversable:
    """Where the shipped posterior samples are (inside the installed package)."""
    return resources.files(__package__) / "posterior.csv"


def load_posterior(path: str | Path | Traversable | None = None) -> pd.DataFrame:
    """Posterior samples as a DataFrame, one column per :class:`Dynamics` parameter name.

    Parameters
    ----------
    path
        A samples CSV in the calibration's layout; by default the shipped copy.

    Raises
    ------
    WorkbenchError
        A column that is not ``dynamics.NAME`` of a numeric parameter, no rows,
        or a value that is not a finite number (one line, naming file and column).
    """
    source = posterior_path() if path is None else path
    source = Path(source) if isinstance(source, str) else source
    with source.open("r") as handle:
        frame = pd.read_csv(handle)
    columns = []
    for column in frame.columns:
        name = str(column).removeprefix(PREFIX)
        name = RENAMED.get(name, name)
        if not str(column).startswith(PREFIX) or name not in NUMERIC:
            raise WorkbenchError(
                f"{source}: column {column!r} is not dynamics.NAME of a numeric model parameter"
            )
        columns.append(name)
    if len(set(columns)) != len(columns):
        raise WorkbenchError(f"{source}: a parameter appears twice (old and new name?)")
    if frame.empty:
        raise WorkbenchError(f"{source}: no posterior samples")
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise WorkbenchError(
            f"{source}: row {row + 2}, column {frame.columns[col]!r}: not a finite number"
        )
    return pd.DataFrame(values, columns=columns)
