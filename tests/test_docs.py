"""Documentation that must not drift from the code."""

from __future__ import annotations

from pathlib import Path

from workbench.reference import END, START, parameter_table
from workbench.scenario import Dynamics


def test_model_doc_parameter_table_is_current() -> None:
    text = Path("docs/model.md").read_text(encoding="utf-8")
    embedded = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert embedded == parameter_table().strip(), "run: python -m workbench.reference"


def test_every_dynamics_parameter_has_meaning_unit_and_source() -> None:
    for name, info in Dynamics.model_fields.items():
        extra = info.json_schema_extra or {}
        assert info.description, name
        assert extra.get("unit") and extra.get("source"), name
