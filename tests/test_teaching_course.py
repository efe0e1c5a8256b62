"""The teaching course in notebooks/03_teaching_program_design/ is well formed.

Executing the notebooks is tests/test_notebooks.py's job; these tests check
their structure: parameters, exercises, hidden solutions, and that the
instructor's nbconvert command really removes the solutions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

COURSE = Path(__file__).resolve().parents[1] / "notebooks" / "03_teaching_program_design"
LESSONS = sorted(COURSE.glob("*.ipynb"))
VOCABULARY = {"cohort_size", "replications", "weeks", "seed"}


def _tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_course_has_a_start_and_five_to_seven_lessons() -> None:
    names = [path.name for path in LESSONS]
    assert names[0] == "00_start_here.ipynb"
    assert 5 <= len(names) - 1 <= 7


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_valid_and_stored_without_outputs(path: Path) -> None:
    notebook = _read(path)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_first_code_cell_holds_only_parameters(path: Path) -> None:
    code = [cell for cell in _read(path).cells if cell.cell_type == "code"]
    first = code[0]
    assert "parameters" in _tags(first)
    assert not any("parameters" in _tags(cell) for cell in code[1:])
    names = set()
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.Assign), "the parameters cell only assigns"
        assert isinstance(node.value, ast.Constant)
        names.update(target.id for target in node.targets)
    assert names and names <= VOCABULARY
    rest = "\n".join(cell.source for cell in code[1:])
    for name in names:
        assert name in rest, f"{name} is defined but not used"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_an_exercise_and_hidden_solutions(path: Path) -> None:
    cells = _read(path).cells
    assert any(cell.cell_type == "markdown" and "**Exercise" in cell.source for cell in cells)
    solutions = [cell for cell in cells if "solution" in _tags(cell)]
    assert any(cell.cell_type == "code" for cell in solutions)
    for cell in solutions:
        assert cell.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_uses_only_the_public_api_and_repository_paths(path: Path) -> None:
    source = "\n".join(cell.source for cell in _read(path).cells if cell.cell_type == "code")
    tree = ast.parse(source)
    allowed = {
        "workbench",
        "workbench.plots",
        "workbench.widgets",
        "numpy",
        "pandas",
        "matplotlib.pyplot",
        "networkx",
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            assert {alias.name for alias in node.names} <= allowed
        elif isinstance(node, ast.ImportFrom):
            assert node.module in allowed
    assert "http" not in source
    for line in source.splitlines():
        assert len(line) <= 100


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_links_resolve(path: Path) -> None:
    text = "\n".join(cell.source for cell in _read(path).cells if cell.cell_type == "markdown")
    links = [part.split(")")[0] for part in text.split("](")[1:]]
    assert any(link.startswith("../../docs/model.md") for link in links) or path.stem.startswith(
        "00"
    )
    for link in links:
        target = (COURSE / link.split("#")[0]).resolve()
        assert target.exists(), link


def test_student_copy_has_no_solutions() -> None:
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = ["solution"]
    path = COURSE / "03_why_rotate.ipynb"
    original = _read(path)
    body, _ = NotebookExporter(config=config).from_filename(str(path))
    student = nbformat.reads(body, as_version=4)
    assert not [cell for cell in student.cells if "solution" in _tags(cell)]
    solutions = [cell for cell in original.cells if "solution" in _tags(cell)]
    assert solutions
    assert len(student.cells) == len(original.cells) - len(solutions)
    assert any("**Exercise" in cell.source for cell in student.cells)
