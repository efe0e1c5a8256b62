"""Every notebook under notebooks/ runs top to bottom on small sizes, and keeps to the rules.

The notebooks are run by papermill (a real kernel), with the small values of
:data:`SMALL` given to whichever of those parameters a notebook declares in its
``parameters`` cell; a real run uses the notebook's own values.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import nbformat
import papermill
import pytest

import workbench

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    path for path in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in path.parts
)
IDS = [str(path.relative_to(ROOT / "notebooks").with_suffix("")) for path in NOTEBOOKS]

# The CI sizes: small enough for the suite, large enough that every narrative still holds.
SMALL = {
    "cohort_size": 120,
    "replications": 3,
    "budget": 120,
    "workers": 1,
    "samples": 8,
}

# Public: the names workbench exports, and its public subpackages.
PUBLIC_MODULES = set(workbench.SUBPACKAGES)


def _code(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_the_notebooks_users_are_promised_exist() -> None:
    names = {path.relative_to(ROOT / "notebooks").parts[0] for path in NOTEBOOKS}
    assert {
        "01_researcher_quickstart.ipynb",
        "02_coordinator_guide.ipynb",
        "03_teaching_program_design",
        "04_fit_to_survey.ipynb",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_clean_and_uses_only_the_public_api(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, "store without outputs"
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1, "one cell tagged 'parameters' (papermill)"
    assigned = {
        target.id
        for node in ast.parse(parameters[0].source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert set(papermill.inspect_notebook(str(path))) == assigned, "papermill reads every one"
    for source in _code(notebook):
        tree = ast.parse(
            "\n".join(line for line in source.splitlines() if not line.startswith("%"))
        )
        for node in ast.walk(tree):
            module = None
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if module.split(".")[0] == "workbench" and module.count(".") <= 1:
                    exported = importlib.import_module(module).__all__
                    for alias in node.names:
                        assert alias.name in exported, f"{module}.{alias.name} is not public"
            elif isinstance(node, ast.Import):
                module = ",".join(alias.name for alias in node.names)
            for name in re.findall(r"workbench\.(\w+)", module or ""):
                assert name in PUBLIC_MODULES, f"imports internal module workbench.{name}"
        for name in re.findall(r"\bworkbench\.(\w+)", source):
            assert name in workbench.__all__ or name in PUBLIC_MODULES, (
                f"uses workbench.{name}, which is not public"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    declared = papermill.inspect_notebook(str(path))
    output = tmp_path / path.name
    papermill.execute_notebook(
        str(path),
        str(output),
        parameters={name: value for name, value in SMALL.items() if name in declared},
        cwd=str(path.parent),
        kernel_name="python3",
        progress_bar=False,
        execution_timeout=900,
    )
    executed = nbformat.read(output, as_version=4)
    errors = [
        output
        for cell in executed.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors
    assert any(cell.get("outputs") for cell in executed.cells if cell.cell_type == "code")
