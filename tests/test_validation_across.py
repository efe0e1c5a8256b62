"""``validate --across``: the validation once per value of one setting, and which verdicts
depend on it."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.scenario import Dynamics
from workbench.validation import load_cases
from workbench.validation.across import setting_values, validate_across, wide_table


def test_setting_values_are_the_documented_ones() -> None:
    assert setting_values("identity") == list(
        Dynamics.model_fields["identity"].json_schema_extra["plausible"]
    )
    low, high = Dynamics.model_fields["threat_decline"].json_schema_extra["plausible"]
    default = Dynamics.model_fields["threat_decline"].default
    assert setting_values("threat_decline") == sorted({low, default, high})
    with pytest.raises(WorkbenchError, match="--across nope: not a dynamics parameter"):
        setting_values("nope")


def test_wide_table_marks_the_checks_whose_verdict_changes() -> None:
    long = pd.DataFrame(
        {
            "case": ["c"] * 4,
            "check": ["x", "y", "x", "y"],
            "role": "held_out",
            "kind": "direction",
            "setting": "identity",
            "value": ["both", "both", "bridge", "bridge"],
            "mean": [0.1, 0.2, -0.1, 0.25],
            "ci_low": 0.0,
            "ci_high": 0.0,
            "verdict": ["pass", "pass", "miss", "pass"],
        }
    )
    wide = wide_table(long)
    assert list(wide.columns) == [
        "case",
        "check",
        "role",
        "identity=both",
        "identity=bridge",
        "depends",
    ]
    assert wide.set_index("check")["depends"].to_dict() == {"x": "yes", "y": "no"}
    assert wide.set_index("check").loc["x", "identity=bridge"] == "miss (-0.100)"


def test_validate_across_runs_every_value_with_the_same_seeds() -> None:
    book = load_cases()
    table = validate_across(
        book,
        "dropout_hazard",
        [0.0, 0.6],
        cases=["early_closure"],
        replications=2,
        cohort_size=60,
        progress=False,
    )
    assert list(table["value"]) == ["0.0", "0.6"]
    means = table.set_index("value")["mean"]
    # without the dropout hazard only students leaving school end matches early
    assert means["0.0"] < means["0.6"]


def test_a_bad_value_is_refused_before_simulating(capsys) -> None:
    code = main(["validate", "--quick", "--only", "early_closure", "--across", "identity=banana"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "identity=banana" in err and "\n" not in err
    code = main(
        ["validate", "--only", "early_closure", "--across", "identity", "--set", "identity=both"]
    )
    assert code == 2
    assert "give it once" in capsys.readouterr().err
