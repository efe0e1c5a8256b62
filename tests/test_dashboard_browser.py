"""Real-browser test of ``workbench dashboard``: Debian's chromium driven by Python playwright.

Starts the Voila app on a free 127.0.0.1 port, waits for it properly (HTTP
poll, then the dashboard's summary element), retries a load that hangs before
the widgets appear (Voila issue 1428), moves a slider with the keyboard and
checks the pictures change, then uploads a bad file and the example roster
into the matcher and checks the message and the pairs. Screenshots go to
``test-artifacts/``.

Skipped (with the reason) only when ``/usr/bin/chromium`` is missing;
``scripts/test.sh`` installs it with apt-get first.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, ROOT, chromium, free_port, needs_chromium, serving

WIDGETS_READY = 150_000  # ms for the kernel to start and the first picture to show
ATTEMPTS = 3

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    save_dir = tmp_path_factory.mktemp("saved")
    command = [sys.executable, "-m", "workbench.cli", "dashboard", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--scenario", str(ROOT / "scenarios" / "baseline.toml")]
    command += ["--save-dir", str(save_dir)]
    with serving(command, f"http://127.0.0.1:{port}/", log) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _open(browser, url: str):
    """A page showing the dashboard with its first full picture; retries a stuck load."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    last: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            page.wait_for_selector('.wb-summary[data-complete="true"]', timeout=WIDGETS_READY)
            page.wait_for_selector(".wb-trajectories[src]", timeout=30_000)
            return page
        except PlaywrightTimeout as error:  # Voila can hang before the widgets render
            last = error
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"dashboard-stuck-attempt{attempt}.png"))
            page.close()
    raise AssertionError(f"the dashboard did not become ready in {ATTEMPTS} attempts: {last}")


def _upload(page, selector: str, path: Path) -> None:
    """Choose ``path`` in the file dialog the upload button opens (reached by keyboard)."""
    with page.expect_file_chooser(timeout=30_000) as chooser:
        page.locator(selector).focus()
        page.keyboard.press("Enter")
    chooser.value.set_files(str(path))


def _summary(page) -> dict[str, str]:
    summary = page.locator(".wb-summary")
    return {key: summary.get_attribute(f"data-{key}") for key in ("hash", "belonging", "complete")}


def test_slider_changes_the_picture_and_the_matcher_pairs_an_uploaded_roster(
    server, browser, tmp_path
):
    ARTIFACTS.mkdir(exist_ok=True)
    page = _open(browser, server)
    page.screenshot(path=str(ARTIFACTS / "dashboard-start.png"))
    before = _summary(page)
    image_before = page.locator(".wb-trajectories").get_attribute("src")

    # Keyboard only: focus the mentor-training slider handle and press the right arrow.
    handle = page.locator(".wb-levers-mentor-training .noUi-handle")
    assert handle.get_attribute("role") == "slider"
    value_before = float(handle.get_attribute("aria-valuenow"))
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        """hash => {
            const s = document.querySelector('.wb-summary');
            return s && s.dataset.hash !== hash && s.dataset.complete === 'true';
        }""",
        arg=before["hash"],
        timeout=WIDGETS_READY,
    )
    after = _summary(page)
    assert float(handle.get_attribute("aria-valuenow")) > value_before
    assert after["belonging"] != before["belonging"]
    assert page.locator(".wb-trajectories").get_attribute("src") != image_before
    box = page.locator(".wb-trajectories").bounding_box()  # the pictures stay in view
    assert box is not None and box["y"] < page.viewport_size["height"]
    page.screenshot(path=str(ARTIFACTS / "dashboard-after-slider.png"))

    # The roster matcher: a bad upload gives a message, the example roster gives pairs.
    page.get_by_role("button", name="Match your students").focus()  # keyboard only
    page.keyboard.press("Enter")
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a roster\n")
    _upload(page, ".wb-roster-upload", bad)
    alert = page.locator(".wb-matcher [role=alert]")
    alert.wait_for(timeout=60_000)
    assert "not a CSV file" in alert.inner_text()

    roster = ROOT / "examples" / "roster_synthetic.csv"
    if not roster.is_file():  # the example is generated by another part of the project
        import numpy as np

        import workbench

        cohort = workbench.Scenario().cohort.model_copy(update={"size": 60})
        roster = tmp_path / "roster_synthetic.csv"
        workbench.generate_roster(cohort, np.random.default_rng(1)).to_frame().to_csv(
            roster, index=False
        )
    _upload(page, ".wb-roster-upload", roster)
    rows = page.locator(".wb-pairs table tbody tr")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() > 10
    ids = {line.split(",")[0] for line in roster.read_text().splitlines()[1:]}
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[2] in ids and cells[3] in ids  # mentor and mentee come from the upload
    assert cells[5].strip()  # every pair has a reason
    assert page.locator(".wb-matcher [role=alert]").count() == 0
    assert page.locator("a.wb-download").get_attribute("download").endswith("_pairs.csv")
    page.screenshot(path=str(ARTIFACTS / "matcher-pairs.png"), full_page=True)
    page.close()
