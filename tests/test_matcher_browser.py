"""Real-browser test of the roster matcher: an SIS-shaped export from upload to downloaded files.

Serves the matcher widget (the dashboard's Match tab, the same
:class:`~workbench.widgets.RosterMatcher`) with Voila on a free 127.0.0.1 port,
and in Debian's chromium (playwright): uploads a school export, checks the
proposed column map, confirms it, reads the warnings, sets "shared free
periods" with the keyboard, makes pairs, downloads the pairing list and the
list of those not matched, and checks the rule and the names from those files.
Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import nbformat
import pytest
from browser_support import ARTIFACTS, chromium, free_port, needs_chromium, serving
from sis_exports import EXPORT_A, write_export

from workbench.commands.dashboard import voila_command, write_template

pytestmark = [needs_chromium, pytest.mark.slow]
READY = 150_000  # ms for the kernel to start and the widget to show


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("matcher")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from workbench.widgets import RosterMatcher\nmatcher = RosterMatcher(rng=0)\nmatcher"
        )
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = folder / "matcher.ipynb"
    nbformat.write(notebook, path)
    write_template(folder / "jupyter")  # the page template without outside links
    port = free_port()
    command = voila_command(path, port, "127.0.0.1")
    command[0] = sys.executable
    url = f"http://127.0.0.1:{port}/"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(folder / "jupyter"))
        with serving(command, url, folder / "voila.log", cwd=folder) as served:
            yield served


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _upload(page, selector: str, path) -> None:
    with page.expect_file_chooser(timeout=30_000) as chooser:
        page.locator(selector).focus()
        page.keyboard.press("Enter")
    chooser.value.set_files(str(path))


def _download(page, selector: str) -> list[dict[str, str]]:
    with page.expect_download(timeout=30_000) as download:
        page.locator(selector).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_sis_export_from_upload_to_checked_downloads(server, browser, tmp_path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    export = write_export(tmp_path, EXPORT_A, "sis_export.csv")
    facts = {
        row["Student ID"]: row
        for row in csv.DictReader(io.StringIO(EXPORT_A))  # the raw cells, read independently
    }
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.goto(server, wait_until="domcontentloaded", timeout=60_000)
    page.locator(".wb-roster-upload").wait_for(timeout=READY)
    _upload(page, ".wb-roster-upload", export)

    # the proposed column map, one row per column
    rows = page.locator(".wb-column-row")
    rows.nth(14).wait_for(timeout=60_000)
    assert rows.count() == 15

    def chosen(header: str) -> str:
        label = page.locator(".widget-label", has_text=header)
        select = rows.filter(has=label).first.locator("select")
        text = select.evaluate("s => s.options[s.selectedIndex].text")
        return text.replace("\xa0", " ")  # ipywidgets shows spaces as no-break spaces

    assert chosen("Last Name") == "name (shown, never matched)"
    assert chosen("Free Periods") == "list: free periods"
    assert chosen("Wants to mentor") == "role / wants to mentor"
    page.get_by_role("button", name="Use these columns").click()

    # the warnings are shown and nothing is matched until the coordinator says so
    checks = page.locator(".wb-checks")
    checks.get_by_text("Free Periods: 2 students have a blank cell", exact=False).wait_for(
        timeout=30_000
    )
    assert "Home Language: 1 student has a blank cell" in checks.inner_text()
    assert page.locator(".wb-pairs table").count() == 0
    page.screenshot(path=str(ARTIFACTS / "matcher-columns-and-warnings.png"), full_page=True)

    # shared free periods: at least 1, by keyboard on the slider
    handle = page.locator(".wb-shared-periods .noUi-handle")
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => parseFloat(document.querySelector('.wb-shared-periods .noUi-handle')"
        ".getAttribute('aria-valuenow')) === 1",
        timeout=30_000,
    )
    page.get_by_role("button", name="Make pairs").click()
    page.locator(".wb-pairs table tbody tr").first.wait_for(timeout=60_000)
    assert "students paired" in page.locator(".wb-match-summary").inner_text()
    page.screenshot(path=str(ARTIFACTS / "matcher-sis-pairs.png"), full_page=True)

    pairs = _download(page, "a.wb-download")
    waiting = _download(page, "a.wb-download-waiting")
    assert pairs
    for pair in pairs:
        mentor, mentee = facts[pair["mentor"]], facts[pair["mentee"]]
        periods = [set(s["Free Periods"].split(";")) - {""} for s in (mentor, mentee)]
        assert periods[0] & periods[1], pair  # the rule holds in the downloaded file
        assert pair["mentor_name"] == f"{mentor['First Name']} {mentor['Last Name']}"
    paired = {p["mentor"] for p in pairs} | {p["mentee"] for p in pairs}
    assert paired | {w["id"] for w in waiting} == set(facts)
    blank = {w["id"]: w["reason"] for w in waiting if not facts[w["id"]]["Free Periods"]}
    assert len(blank) == 2 and all("Free Periods cell is blank" in r for r in blank.values())
    page.close()
