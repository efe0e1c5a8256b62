"""The notebooks as a new user meets them: opened in JupyterLab, run, read in a real browser.

JupyterLab (the one the README's first command installs) serves a copy of each
notebook with its papermill parameters set to the small test sizes; Debian's
chromium opens it, runs every cell through JupyterLab's own "run all"
command, and the test reads what a user would see: no error output, the
workbench's cards rendered as HTML (not as text), and in the coordinator's
guide the dashboard drawn as live widgets. The copies live in a temporary
folder beside links to ``scenarios/`` and ``examples/``, so JupyterLab's
autosave never writes into the repository. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from browser_support import ARTIFACTS, ROOT, chromium, free_port, needs_chromium, serving
from test_notebooks import SMALL

pytestmark = needs_chromium
TOKEN = "workbench-test"
NOTEBOOKS = ("01_researcher_quickstart.ipynb", "02_coordinator_guide.ipynb")
LESSON = "03_teaching_program_design/03_why_rotate.ipynb"
RUN_ALL = int(
    os.environ.get("WB_RUN_ALL", 600_000)
)  # ms for every cell of a small notebook (kernel start included)


def _small_copy(name: str, folder: Path) -> None:
    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    for cell in notebook.cells:
        if "parameters" in cell.metadata.get("tags", []):
            lines = []
            for line in cell.source.splitlines():
                key = line.split("=")[0].strip()
                lines.append(f"{key} = {SMALL[key]!r}" if key in SMALL else line)
            cell.source = "\n".join(lines)
    (folder / "notebooks" / name).parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "notebooks" / name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    (folder / "notebooks").mkdir()
    for name in ("scenarios", "examples"):
        (folder / name).symlink_to(ROOT / name)
    for name in (*NOTEBOOKS, LESSON):
        _small_copy(name, folder)
    # Draw every cell (JupyterLab 4 otherwise renders only the cells in view), in a
    # settings folder of the test's own, not the user's.
    settings = folder / "lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    quiet = folder / "lab-settings" / "@jupyterlab" / "apputils-extension"
    quiet.mkdir(parents=True)
    (quiet / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    os.environ["JUPYTERLAB_SETTINGS_DIR"] = str(folder / "lab-settings")
    port = free_port()
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}"]
    command += ["--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", "--expose-app-in-browser"]
    command += [f"--ServerApp.root_dir={folder}", "--allow-root", "--LabApp.news_url=None"]
    command += ["--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    command += ["--LabApp.extension_manager=readonly"]  # no calls to PyPI from the test
    command += [f"--LabApp.workspaces_dir={folder / 'workspaces'}"]  # no user state kept
    url = f"http://127.0.0.1:{port}/lab?token={TOKEN}"
    with serving(command, f"http://127.0.0.1:{port}/api?token={TOKEN}", folder / "lab.log"):
        yield f"http://127.0.0.1:{port}", folder
    assert url  # the server answered; the tests below opened it


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _open(browser, base: str, name: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/lab/tree/notebooks/{name}?token={TOKEN}&reset", timeout=120_000)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
        " && window.jupyterapp.shell.currentWidget.sessionContext"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session"
        " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
        timeout=120_000,
    )
    return page


def _run_all(browser, base: str, name: str, page=None):
    page = page or _open(browser, base, name)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # Done when every code cell has an execution count (collapsed ones too) and the
    # kernel is idle.
    try:
        page.wait_for_function(
            """() => {
                const panel = window.jupyterapp.shell.currentWidget;
                const cells = panel.content.model.cells;
                for (let i = 0; i < cells.length; i++) {
                    const cell = cells.get(i);
                    if (cell.type === 'code' && cell.executionCount === null) return false;
                }
                return panel.sessionContext.session.kernel.status === 'idle';
            }""",
            timeout=RUN_ALL,
        )
    except Exception as error:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"jupyterlab-stuck-{name}.png"), full_page=True)
        prompts = page.evaluate(
            "() => [...window.jupyterapp.shell.currentWidget.node"
            ".querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent)"
        )
        raise AssertionError(
            f"{name}: not every cell ran in JupyterLab; prompts {prompts}"
        ) from error
    return page


def _no_errors(page) -> None:
    errors = page.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')
    assert errors.count() == 0, errors.first.inner_text()


def test_researcher_notebook_runs_in_jupyterlab_and_shows_cards(lab, browser) -> None:
    base, _ = lab
    page = _run_all(browser, base, "01_researcher_quickstart.ipynb")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-researcher.png"))
    _no_errors(page)
    html = page.locator('.jp-OutputArea-output[data-mime-type="text/html"]')
    texts = " ".join(html.all_inner_texts())
    assert "Scenario “baseline”" in texts  # the scenario card, rendered as HTML
    assert f"{SMALL['cohort_size']} students" in texts  # with the parameters the copy set
    assert "Sweep “matching_x_rotation”" in texts
    assert page.locator(".jp-OutputArea-output img").count() >= 4  # plots and card pictures
    page.close()


def test_coordinator_guide_draws_the_dashboard_as_live_widgets(lab, browser) -> None:
    base, _ = lab
    page = _run_all(browser, base, "02_coordinator_guide.ipynb")
    page.locator('.wb-summary[data-complete="true"]').first.wait_for(timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-coordinator.png"))
    _no_errors(page)
    assert page.locator(".wb-pairs table tbody tr").count() > 10  # the roster matcher's pairs
    assert page.get_by_text("Made in the dashboard from").count() >= 1  # the saved design card
    assert page.get_by_text("60 students in 2 site(s)").count() >= 1  # the roster card
    page.close()


def test_lesson_opens_in_jupyterlab_with_its_solutions_folded_and_runs(lab, browser) -> None:
    base, folder = lab
    notebook = nbformat.read(folder / "notebooks" / LESSON, as_version=4)
    solutions = [c for c in notebook.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and any(c.cell_type == "code" for c in solutions)
    page = _open(browser, base, LESSON)
    panel = "window.jupyterapp.shell.currentWidget.node"
    page.wait_for_function(f"() => {panel}.querySelectorAll('.jp-Cell').length > 0")
    hidden = page.evaluate(f"() => {panel}.querySelectorAll('.jp-InputPlaceholder').length")
    assert hidden == len(solutions)  # on opening, every answer is a collapsed cell
    indices = [k for k, c in enumerate(notebook.cells) if "solution" in c.metadata.get("tags", [])]
    visible = f"""indices => {{
        const cells = [...{panel}.querySelectorAll('.jp-Notebook-cell')];
        return indices.map(k => {{
            const area = cells[k].querySelector('.jp-InputArea');
            return area !== null && area.checkVisibility();
        }});
    }}"""
    assert not any(page.evaluate(visible, indices))  # and no answer's text can be seen
    others = [k for k, c in enumerate(notebook.cells) if k not in indices]
    assert all(page.evaluate(visible, others))  # while every other cell can
    page = _run_all(browser, base, LESSON, page)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-lesson.png"))
    _no_errors(page)
    # After Run All, JupyterLab shows the solution cells' outputs and renders the
    # written answers (00_start_here says so: students get a copy without solutions);
    # the written answers still sit in closed folds, and the solution code stays hidden.
    written = [k for k in indices if notebook.cells[k].cell_type == "markdown"]
    folded = page.evaluate(
        f"""indices => {{
            const cells = [...{panel}.querySelectorAll('.jp-Notebook-cell')];
            return indices.map(k => {{
                const fold = cells[k].querySelector('details');
                const text = fold && fold.querySelector(':scope > :not(summary)');
                return fold !== null && !fold.open && text !== null && !text.checkVisibility();
            }});
        }}""",
        written,
    )
    assert written and all(folded)
    code = [k for k in indices if notebook.cells[k].cell_type == "code"]
    assert not any(page.evaluate(visible, code))
    assert page.locator(".jp-OutputArea-output img").count() >= 2  # the lesson's pictures
    page.close()
