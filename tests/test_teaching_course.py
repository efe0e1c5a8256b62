"""The teaching course in notebooks/03_teaching_program_design/ is well formed.

Executing the notebooks is tests/test_notebooks.py's job (and with it, every
lesson's reading checks: cells tagged ``reading-check`` that recompute what the
text above them says and raise when the numbers no longer say it). These tests
check the structure: parameters, objectives, exercises, hidden solutions,
discussion prompts students can see, a check under every written reading, and
that the instructor's nbconvert command really removes the solutions and the
instructor notes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

from workbench.worlds.verdict import HOLDS, share_interval

COURSE = Path(__file__).resolve().parents[1] / "notebooks" / "03_teaching_program_design"
LESSONS = sorted(COURSE.glob("*.ipynb"))
VOCABULARY = {"cohort_size", "replications", "weeks", "seed"}


def _tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def _read(path: Path):
    return nbformat.read(path, as_version=4)


def test_course_has_a_start_and_its_lessons() -> None:
    names = [path.name for path in LESSONS]
    assert names[0] == "00_start_here.ipynb"
    assert 5 <= len(names) - 1 <= 9
    assert "07_critique_the_model.ipynb" in names and "08_ethics_of_matching.ipynb" in names
    start = "\n".join(cell.source for cell in _read(LESSONS[0]).cells)
    for name in names[1:]:
        assert f"]({name})" in start, f"the start page does not list {name}"


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


def _instructor_command() -> list[str]:
    """The tags the start page's nbconvert command removes (read from the page itself)."""
    text = "\n".join(cell.source for cell in _read(LESSONS[0]).cells)
    command = text.split("jupyter nbconvert --to notebook", 1)[1].split("```", 1)[0]
    return re.findall(r"--TagRemovePreprocessor\.remove_cell_tags (\w+)", command)


def _student_copy(path: Path, tags: list[str]):
    from nbconvert.exporters import NotebookExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = tags
    body, _ = NotebookExporter(config=config).from_filename(str(path))
    return nbformat.reads(body, as_version=4)


def test_the_documented_command_removes_solutions_and_instructor_notes() -> None:
    assert set(_instructor_command()) == {"solution", "instructor"}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_student_copy_has_no_solutions_or_instructor_notes(path: Path) -> None:
    original = _read(path)
    student = _student_copy(path, _instructor_command())
    removed = [c for c in original.cells if {"solution", "instructor"} & set(_tags(c))]
    assert len(student.cells) == len(original.cells) - len(removed)
    text = "\n".join(cell.source for cell in student.cells)
    assert "For instructors" not in text and "**Solution.**" not in text
    assert "**Exercise" in text and "**Discuss.**" in text, "students see exercises and prompts"
    if path.stem.startswith("00"):
        assert any("For instructors" in c.source for c in removed), "the notes are tagged"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_states_objectives_and_discussion_outside_the_folds(path: Path) -> None:
    cells = _read(path).cells
    assert any("**After this lesson you can**" in c.source for c in cells[:3])
    for cell in cells:
        if "solution" in _tags(cell):
            assert "Discuss" not in cell.source, "a discussion prompt is hidden in a solution"
    folds = [c for c in cells if "solution" in _tags(c) and c.cell_type == "markdown"]
    prompts = [c for c in cells if c.cell_type == "markdown" and "**Discuss.**" in c.source]
    assert len(prompts) >= len(folds) >= 1


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_written_reading_has_a_computed_check(path: Path) -> None:
    cells = _read(path).cells
    text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    assert "in our runs" not in text.lower(), "say the numbers, not 'in our runs'"
    assert "EXPECT" not in text, "a placeholder was left in"
    for k, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.startswith("### What the"):
            check = cells[k + 1]
            assert "reading-check" in _tags(check), f"reading in cell {k} has no check under it"
            tree = ast.parse(check.source)
            assert any(isinstance(node, ast.Assert) for node in ast.walk(tree))
    checks = [c for c in cells if "reading-check" in _tags(c)]
    assert checks, "a lesson without a reading check"
    for check in checks:
        assert check.cell_type == "code" and "solution" not in _tags(check)


def test_start_page_has_a_glossary_and_a_session_plan() -> None:
    cells = _read(LESSONS[0]).cells
    glossary = next(c.source for c in cells if c.source.startswith("## Words we use"))
    for term in [
        "Replication",
        "Seed",
        "Band",
        "Gap",
        "Latent 0–1 scale",
        "Two kinds of retention",
        "Plausible worlds",
    ]:
        assert f"**{term}**" in glossary, term
    assert "`workbench.verdict`" in glossary and "`enrolled`" in glossary, "the v2 words"
    notes = next(c.source for c in cells if c.source.startswith("## For instructors"))
    assert "90-minute session" in notes and "| 75–90 |" in notes
    assert "--to html" in notes, "the printable worksheet command"


def test_printable_worksheet_has_questions_and_no_solutions_or_code() -> None:
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = _instructor_command()
    config.TemplateExporter.exclude_input = True
    path = COURSE / "08_ethics_of_matching.ipynb"
    html, _ = HTMLExporter(config=config).from_filename(str(path))
    assert "Discuss." in html and "Exercise 1." in html
    assert "Solution" not in html and "import workbench" not in html


POLICY_LESSONS = [
    path for path in LESSONS if path.stem[:2] in {"01", "02", "03", "04", "05", "06", "07"}
]


@pytest.mark.parametrize("path", POLICY_LESSONS, ids=lambda p: p.stem)
def test_policy_lesson_judges_its_verdict_over_plausible_worlds(path: Path) -> None:
    """Every lesson that states a policy verdict also states it over plausible worlds.

    A ``workbench.verdict`` call, a reading under it whose check reads the
    verdict's table, and a word for the case the worlds do not settle.
    """
    cells = _read(path).cells
    code = [cell.source for cell in cells if cell.cell_type == "code"]
    assert any("workbench.verdict(" in source for source in code)
    counts = [
        node.value.value
        for source in code
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        and [getattr(target, "id", None) for target in node.targets] == ["WORLDS"]
        and isinstance(node.value, ast.Constant)
    ]
    assert len(counts) == 1, "one named count of worlds, WORLDS = ..."
    assert any("PlausibleWorlds.default(n=WORLDS" in source for source in code)
    # Enough worlds that a verdict true in 19 worlds in 20 can be said to hold: the exact 95%
    # interval of 95% of WORLDS must clear the threshold (with 40 worlds only 40 of 40 would).
    assert share_interval(round(0.95 * counts[0]), counts[0])[0] >= HOLDS, f"{counts[0]} worlds"
    checks = [c.source for c in cells if "reading-check" in _tags(c)]
    assert any(".table" in source or ".by(" in source for source in checks)
    text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    assert "plausible worlds" in text.lower() and "uncertain" in text.lower()


def test_lessons_set_only_model_settings_that_exist() -> None:
    """A setting a lesson changes (``"dynamics.x"``) must exist in the model.

    The first model's ``closure_penalty`` was removed in model v2; a lesson
    still switching it off would fail only when run, in the middle of a class.
    """
    from workbench.scenario import Scenario

    sections = {
        name: set(type(getattr(Scenario(), name)).model_fields)
        for name in ["dynamics", "levers", "rotation", "matching"]
    }
    for path in LESSONS:
        source = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
        for section, key in re.findall(r"[\"'](dynamics|levers|rotation|matching)\.(\w+)", source):
            assert key in sections[section], f"{path.name}: {section}.{key} is not a setting"
        for key in re.findall(r"with_values\((\w+)=", source):
            assert key in sections["dynamics"], f"{path.name}: worlds.with_values({key}=...)"
