"""Does a verdict depend on an assumption? The validation run once per value of one setting.

A Dynamics setting documented as an *assumption* (an identity variant, a
size that was tried over a range) should not decide whether the model
reproduces a published pattern without that being said. :func:`validate_across`
runs the same cases, with the same seeds, once per value of one setting and
tabulates every check's estimate and verdict per value; ``depends`` marks the
checks whose verdict changes.

Examples
--------
>>> from workbench.validation import load_cases
>>> setting_values("identity")
['both', 'bridge', 'role_model', 'none']
>>> values = setting_values("threat_decline")  # plausible low, default, plausible high
>>> values == sorted(values) and 2 <= len(values) <= 3
True
>>> table = validate_across(load_cases(), "identity", cases=["same_identity_mentor"],
...                         quick=True, progress=False)  # doctest: +SKIP
>>> wide_table(table)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.validation.cases import CaseBook
from workbench.validation.runner import run_validation


def setting_values(setting: str) -> list[Any]:
    """The values a Dynamics ``setting`` is tried at: its variants, or its plausible range's
    ends and its default.

    Raises WorkbenchError (one line) for a name that is not a Dynamics setting
    or has no documented plausible values.
    """
    from workbench.scenario import Dynamics

    field = Dynamics.model_fields.get(setting)
    if field is None:
        raise WorkbenchError(
            f"--across {setting}: not a dynamics parameter; see workbench/scenario.py Dynamics"
        )
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    plausible = extra.get("plausible")
    if not plausible:
        raise WorkbenchError(
            f"--across {setting}: no plausible values documented; give them: --across {setting}=A,B"
        )
    if all(isinstance(v, str) for v in plausible):
        return list(plausible)
    low, high = plausible
    values = sorted({float(low), float(field.default), float(high)})
    return values


def validate_across(
    book: CaseBook,
    setting: str,
    values: Sequence[Any] | None = None,
    **run: Any,
) -> pd.DataFrame:
    """Run the validation once per value of one Dynamics ``setting``; one row per check and value.

    Parameters
    ----------
    book
        The cases.
    setting
        A Dynamics field, e.g. ``"identity"`` or ``"role_model_bonus"``.
    values
        Values to try (default: :func:`setting_values`).
    **run
        Passed to :func:`workbench.validation.run_validation` (``cases``,
        ``quick``, ``replications``, ``dynamics``...). Every value runs with
        the same seeds.

    Returns
    -------
    DataFrame
        ``case, check, role, kind, setting, value, mean, ci_low, ci_high, verdict``.
    """
    values = list(values) if values is not None else setting_values(setting)
    base = dict(run.pop("dynamics", None) or {})
    frames = []
    for value in values:
        result = run_validation(book, dynamics={**base, setting: value}, **run)
        frame = result.summary[
            ["case", "check", "role", "kind", "mean", "ci_low", "ci_high", "verdict"]
        ].copy()
        frame.insert(4, "setting", setting)
        frame.insert(5, "value", str(value))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def wide_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per check, one column per value (``verdict (mean)``), and ``depends``."""

    def cell(row: pd.Series) -> str:
        mean = "n/a" if not math.isfinite(row["mean"]) else f"{row['mean']:.3f}"
        return f"{row['verdict']} ({mean})"

    table = table.assign(cell=table.apply(cell, axis=1))
    order = list(dict.fromkeys(table["value"]))
    keys = ["case", "check", "role"]
    wide = table.pivot(index=keys, columns="value", values="cell")[order]
    wide.columns = [f"{table['setting'].iloc[0]}={value}" for value in order]
    depends = table.groupby(keys)["verdict"].nunique() > 1
    wide["depends"] = depends.reindex(wide.index).map({True: "yes", False: "no"})
    ranked = table.drop_duplicates(keys)[keys]
    return wide.reindex(pd.MultiIndex.from_frame(ranked)).reset_index()
