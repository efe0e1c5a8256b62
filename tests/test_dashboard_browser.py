"""Real-browser tests of ``workbench dashboard``: Debian's chromium driven by Python playwright.

A day of use, as a coordinator would: open the page, explore with the
keyboard, pin and compare, save, reopen the saved file, try the district
preset, match a roster, look at the sweep tab, reload the page 20 times and
close it. Along the way: nothing is fetched from outside this computer (every
other request is refused and listed), axe-core finds no serious or critical
accessibility violation, every slider has its label as accessible name and one
Tab stop, readouts are rounded, labels are not cut off and do not overlap, and
pictures have alt text and no text below 11 px. At the end the kernel
processes and the memory of everything the dashboard started return to their
level before the first page.

Screenshots go to ``test-artifacts/``. Skipped (with the reason) only when
``/usr/bin/chromium`` is missing; ``scripts/test.sh`` installs it with apt-get.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import pytest
from browser_support import (
    ARTIFACTS,
    ROOT,
    LocalOnly,
    axe_violations,
    chromium,
    free_port,
    needs_chromium,
    process_tree,
    serving_process,
)

WIDGETS_READY = 150_000  # ms for the kernel to start and the first picture to show
ATTEMPTS = 3
RELOADS = 20
CULL_SECONDS = 30  # kernels of pages gone without notice are stopped after this
SETTLE_SECONDS = 90  # most to wait for the processes to come back to their start
VIEWPORT = {"width": 1500, "height": 1100}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("voila") / "voila.log"
    save_dir = tmp_path_factory.mktemp("saved")
    command = [sys.executable, "-m", "workbench.cli", "dashboard", "--port", str(port)]
    command += ["--host", "127.0.0.1", "--scenario", str(ROOT / "scenarios" / "baseline.toml")]
    command += ["--save-dir", str(save_dir), "--cull-seconds", str(CULL_SECONDS)]
    with serving_process(command, f"http://127.0.0.1:{port}/", log) as (url, process):
        yield {"url": url, "process": process, "save_dir": save_dir, "log": log}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def _open(context, url: str):
    """A page showing the dashboard with its first full picture; retries a stuck load."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    last: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        page = context.new_page()
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            _ready(page)
            return page
        except PlaywrightTimeout as error:  # Voila can hang before the widgets render
            last = error
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"dashboard-stuck-attempt{attempt}.png"))
            page.close(run_before_unload=True)
    raise AssertionError(f"the dashboard did not become ready in {ATTEMPTS} attempts: {last}")


def _ready(page) -> None:
    page.wait_for_selector('.wb-summary[data-complete="true"]', timeout=WIDGETS_READY)
    page.wait_for_selector(".wb-trajectories img[src]", timeout=30_000)


def _settle(pid: int) -> int:
    """Kernels still running once none is left or ending, or after SETTLE_SECONDS."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while (tree := process_tree(pid)).kernels + tree.ending and time.monotonic() < deadline:
        time.sleep(1)
    return tree.kernels


def _upload(page, selector: str, path: Path) -> None:
    """Choose ``path`` in the file dialog the upload button opens (reached by keyboard)."""
    with page.expect_file_chooser(timeout=30_000) as chooser:
        page.locator(selector).focus()
        page.keyboard.press("Enter")
    chooser.value.set_files(str(path))


def _summary(page) -> dict[str, str]:
    summary = page.locator(".wb-summary")
    return {key: summary.get_attribute(f"data-{key}") for key in ("hash", "belonging", "complete")}


def _wait_new_summary(page, before: str) -> None:
    page.wait_for_function(
        """hash => {
            const s = document.querySelector('.wb-summary');
            return s && s.dataset.hash !== hash && s.dataset.complete === 'true';
        }""",
        arg=before,
        timeout=WIDGETS_READY,
    )


def _no_serious_violations(page, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"axe-core on {where}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in violations
    )


def _check_page_quality(page, where: str) -> None:
    """Accessible names, Tab stops, rounded readouts, uncut labels, pictures, no overlaps."""
    report = page.evaluate(
        """() => {
        const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
        const out = {unnamed: [], stops: [], readouts: [], cut: [], counts: [], pictures: [],
                     overlaps: []};
        for (const w of document.querySelectorAll('.wb-app .widget-slider')) {
            if (!visible(w)) continue;
            const label = (w.querySelector(':scope > .widget-label') || {}).textContent || '';
            for (const h of w.querySelectorAll('[role=slider]')) {
                if (!h.getAttribute('aria-label') || h.getAttribute('aria-label') !== label.trim())
                    out.unnamed.push(label.trim() || w.className);
            }
            const focusable = [...w.querySelectorAll(
                'input, select, button, textarea, [tabindex], [contenteditable=true]')]
                .filter(el => el.tabIndex >= 0 && !el.disabled);
            if (w.querySelector('[role=slider][aria-disabled=true], .noUi-target[disabled]'))
                continue;
            if (focusable.length !== 1) out.stops.push(`${label.trim()}: ${focusable.length}`);
            for (const h of w.querySelectorAll('[role=slider]')) {
                const now = h.getAttribute('aria-valuenow') || '';
                if (!/^-?\\d+(\\.\\d{1,4})?$/.test(now)) out.readouts.push(`${label.trim()}: ${now}`);
            }
            const readout = w.querySelector('.widget-readout');
            if (readout && !/^-?\\d+(\\.\\d{1,2})?$/.test(readout.textContent.trim()))
                out.readouts.push(`${label.trim()}: ${readout.textContent}`);
        }
        const labels = [...document.querySelectorAll(
            '.wb-app .widget-label, .wb-app button, .wb-app h2, .wb-app h3')].filter(visible);
        for (const el of labels) {
            if (el.scrollWidth > el.clientWidth + 1) out.cut.push(el.textContent.trim());
        }
        for (const b of document.querySelectorAll('.wb-app button')) {
            if (visible(b) && /\\(\\d+\\)\\s*$/.test(b.textContent)) out.counts.push(b.textContent);
        }
        for (const img of document.querySelectorAll('.wb-app img')) {
            if (!visible(img)) continue;
            const alt = img.getAttribute('alt') || '';
            const shown = img.naturalWidth ? img.clientWidth / img.naturalWidth : 0;
            const px = parseFloat(img.dataset.minFontPx || '0') * shown;
            if (alt.length < 40 || !img.naturalWidth || px < 11)
                out.pictures.push(`${img.closest('[class*=wb-]').className}: alt ${alt.length}` +
                                  ` chars, smallest text ${px.toFixed(1)} px`);
        }
        const boxes = labels.concat([...document.querySelectorAll(
            '.wb-app .widget-slider .noUi-target, .wb-app select, .wb-app img')].filter(visible))
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, r]) => r.width > 0 && r.height > 0);
        for (let i = 0; i < boxes.length; i++) {
            for (let j = i + 1; j < boxes.length; j++) {
                const [a, ra] = boxes[i], [b, rb] = boxes[j];
                if (a.contains(b) || b.contains(a)) continue;
                const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
                const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
                if (w > 2 && h > 2)
                    out.overlaps.push(`${a.textContent.trim().slice(0, 30) || a.tagName} / ` +
                                      `${b.textContent.trim().slice(0, 30) || b.tagName}`);
            }
        }
        return out;
    }"""
    )
    for key, problems in report.items():
        assert problems == [], f"{where}: {key}: {problems[:8]}"


@pytest.mark.slow  # 20 reloads, each a new kernel: several minutes
def test_a_day_of_use_leaves_nothing_running_and_nothing_unreadable(server, browser, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    pid = server["process"].pid
    # The readiness poll fetched the page once without running it (as a link preview or a
    # curl would): its kernel is culled, and no kernel is kept warm for a page to come.
    kernels_at_start = _settle(pid)
    assert kernels_at_start == 0, "the kernel of a page never shown was not stopped"
    start = process_tree(pid)
    context = browser.new_context(viewport=VIEWPORT)
    local = LocalOnly(context)
    page = _open(context, server["url"])
    # once its widgets were restored the page asked for the pictures again (a run finished
    # while the page was making its widgets would otherwise never show: "run 4 of 4" for ever)
    page.wait_for_selector('button.wb-resync[data-wb-resync="sent"]', state="attached")
    page.screenshot(path=str(ARTIFACTS / "dashboard-start.png"))
    _check_page_quality(page, "the dashboard")
    _no_serious_violations(page, "the dashboard")
    summary_text = page.locator(".wb-summary").inner_text()
    assert "0–1 scale" in summary_text and "average answer of" in summary_text
    page.locator("details.wb-reading summary").click()
    assert "How to read these numbers" in page.locator("details.wb-reading").inner_text()

    # Keyboard only: focus the mentor-training slider handle and press the right arrow.
    before = _summary(page)
    image_before = page.locator(".wb-trajectories img").get_attribute("src")
    handle = page.locator(".wb-levers-mentor-training .noUi-handle")
    assert handle.get_attribute("aria-label") == "Mentor training"
    value_before = float(handle.get_attribute("aria-valuenow"))
    handle.focus()
    page.keyboard.press("ArrowRight")
    _wait_new_summary(page, before["hash"])
    after = _summary(page)
    assert float(handle.get_attribute("aria-valuenow")) > value_before
    assert after["belonging"] != before["belonging"]
    assert page.locator(".wb-trajectories img").get_attribute("src") != image_before
    box = page.locator(".wb-trajectories").bounding_box()  # the pictures stay in view
    assert box is not None and box["y"] < page.viewport_size["height"]

    # Typing in a slider's box moves the handle to exactly that value.
    readout = page.locator(".wb-cohort-mentor-share .widget-readout")
    before = _summary(page)
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("0.25")
    page.keyboard.press("Enter")
    _wait_new_summary(page, before["hash"])
    share = page.locator(".wb-cohort-mentor-share .noUi-handle")
    page.wait_for_function(
        "() => document.querySelector('.wb-cohort-mentor-share .noUi-handle')"
        ".getAttribute('aria-valuenow') === '0.25'",
        timeout=10_000,
    )
    assert share.get_attribute("aria-valuetext") == "0.25"
    assert readout.inner_text().strip() == "0.25"
    position = page.evaluate(
        "() => document.querySelector('.wb-cohort-mentor-share .noUi-target').noUiSlider.get()"
    )
    assert float(position) == pytest.approx(0.25)  # the handle sits at the typed value

    # Everyone together: the gap panel says why it is empty.
    before = _summary(page)
    page.locator(".wb-group-by select").select_option(label="Everyone together")
    page.wait_for_function(
        "() => (document.querySelector('.wb-trajectories img') || {alt: ''})"
        ".alt.includes('No groups chosen')",
        timeout=WIDGETS_READY,
    )
    page.locator(".wb-group-by select").select_option(label="First in family at university")

    # Pin, change when partners change, and read the comparison in words.
    page.get_by_role("button", name="Pin this design").click()
    page.locator(".wb-comparison").wait_for(state="visible", timeout=WIDGETS_READY)
    before = _summary(page)
    page.locator(".wb-rotation-policy select").select_option(
        label="Change partners every few weeks"
    )
    _wait_new_summary(page, before["hash"])
    page.wait_for_function(
        "() => [...document.querySelectorAll('.wb-verdict')]"
        ".some(v => v.textContent.includes('Change partners every few weeks'))",
        timeout=WIDGETS_READY,
    )
    verdicts = page.locator(".wb-verdict").all_inner_texts()
    rows = page.locator(".wb-comparison table tbody tr").count()
    assert len(verdicts) == rows >= 7
    assert all(v.startswith("With “When partners change” at Change partners") for v in verdicts)
    assert all(("95% interval" in v) or ("same as" in v) for v in verdicts)
    changed = page.locator(".wb-changes").inner_text()
    assert "Keep the same partner all year → Change partners every few weeks" in changed
    page.locator(".wb-comparison").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "dashboard-comparison.png"), full_page=True)
    _check_page_quality(page, "the comparison")
    _no_serious_violations(page, "the comparison")

    # Save under a human name; the message goes once the settings change again.
    name = "Rotate every 6 weeks (Lincoln MS)"
    page.locator(".wb-dashboard input[type=text]").fill(name)
    page.get_by_role("button", name="Save settings as a file").click()
    saved_line = page.locator(".wb-saved-line")
    saved_line.wait_for(timeout=60_000)
    assert name in saved_line.inner_text()
    saved = server["save_dir"] / "Rotate_every_6_weeks_Lincoln_MS.toml"
    assert saved.is_file()
    link = page.locator("a.wb-link")
    assert link.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
    before = _summary(page)
    page.locator(".wb-levers-adult-supervision .noUi-handle").focus()
    page.keyboard.press("ArrowRight")
    _wait_new_summary(page, before["hash"])
    assert page.locator(".wb-saved-line").count() == 0

    # Reopen the saved file: it comes back under its own name.
    _upload(page, ".wb-scenario-upload", saved)
    try:
        page.wait_for_function(
            "name => { const s = document.querySelector('.wb-start select');"
            " return s && s.selectedOptions[0].textContent.replace(/\\u00a0/g, ' ')"
            ".startsWith(name); }",
            arg=name,
            timeout=60_000,
        )
    except Exception as error:
        page.screenshot(path=str(ARTIFACTS / "dashboard-reopen-failed.png"))
        status = page.locator(".wb-dashboard .wb-status").first.inner_text()
        shown = page.locator(".wb-start select").evaluate("s => s.selectedOptions[0].textContent")
        raise AssertionError(f"reopened design not shown: {status!r}, start {shown!r}") from error
    assert page.locator(".wb-dashboard input[type=text]").input_value() == name

    # The district preset asks before running 100,000 students.
    page.locator(".wb-start select").select_option(label="district")
    confirm = page.locator(".wb-confirm")
    confirm.wait_for(state="visible", timeout=60_000)
    assert "100,000 students" in confirm.inner_text()
    page.get_by_role("button", name="Not now").click()
    page.locator(".wb-status", has_text="Not run").wait_for(timeout=60_000)

    # Match a roster; the CSV link looks like a link.
    page.get_by_role("button", name="Match your students").focus()  # keyboard only
    page.keyboard.press("Enter")
    bad = tmp_path / "notes.txt"
    bad.write_text("this is not a roster\n")
    _upload(page, ".wb-roster-upload", bad)
    alert = page.locator(".wb-matcher [role=alert]")
    alert.wait_for(timeout=60_000)
    assert "not a CSV file" in alert.inner_text()
    roster = ROOT / "examples" / "roster_synthetic.csv"
    _upload(page, ".wb-roster-upload", roster)
    rows = page.locator(".wb-pairs table tbody tr")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() > 10
    ids = {line.split(",")[0] for line in roster.read_text().splitlines()[1:]}
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[2] in ids and cells[3] in ids  # mentor and mentee come from the upload
    assert cells[5].strip()  # every pair has a reason
    download = page.locator("a.wb-download")
    assert download.get_attribute("download").endswith("_pairs.csv")
    assert download.evaluate("a => getComputedStyle(a).textDecorationLine") == "underline"
    assert page.locator(".wb-roster-upload").inner_text().strip() == "Upload roster (.csv)"
    page.screenshot(path=str(ARTIFACTS / "matcher-pairs.png"), full_page=True)
    _check_page_quality(page, "the matcher")
    _no_serious_violations(page, "the matcher")

    # The sweep tab before any sweep: words, not empty menus or a broken picture.
    page.get_by_role("button", name="Explore a sweep").click()
    intro = page.locator(".wb-explorer-intro")
    intro.wait_for(timeout=30_000)
    assert "No sweep is open yet" in intro.inner_text()
    assert page.locator(".wb-explorer img").count() == 0
    assert "--out" not in page.locator(".wb-explorer").inner_text()
    page.screenshot(path=str(ARTIFACTS / "explorer-empty.png"))
    _no_serious_violations(page, "the sweep explorer")
    page.close(run_before_unload=True)

    # Reload 20 times, then close: at most one kernel per open page at any time.
    page = _open(context, server["url"])
    most = 0
    for _ in range(RELOADS):
        page.reload(wait_until="domcontentloaded", timeout=60_000)
        _ready(page)
        most = max(most, process_tree(pid).kernels)
    page.close(run_before_unload=True)
    context.close()
    # a reloaded page's kernel is shut down by its page (Voila's shutdown request) while the
    # next page starts; once that page shows its picture only its own kernel is left, but on a
    # busy machine the old one's shutdown can still be finishing. Without the shutdown (and
    # culling) there would be 21
    assert most <= 2, f"{most} kernels alive while one page was open"
    log = server["log"].read_text()
    assert "403 POST /voila/api/shutdown" not in log, "a page's kernel shutdown was refused"

    kernels = _settle(pid)
    end = process_tree(pid)
    assert kernels == 0, f"{kernels} kernels still running {SETTLE_SECONDS} s after the last page"
    growth = (end.rss - start.rss) / 2**20
    print(
        f"before the first page: {start.processes} processes, {start.rss / 2**20:.0f} MB; after "
        f"{RELOADS + 2} pages closed: {end.processes} processes, {end.rss / 2**20:.0f} MB; "
        f"most kernels at once {most}"
    )
    assert end.processes == start.processes, "processes left over from the day"
    assert growth < 80, f"memory grew by {growth:.0f} MB over the day"
    assert local.refused == [], f"the page tried to fetch from outside: {local.refused}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_voila_its_kernels_and_removes_the_temporary_folder(
    browser, tmp_path, signum
):
    """``kill`` (SIGTERM) and Ctrl+C (SIGINT) stop everything the dashboard started."""
    import os
    import tempfile

    import psutil

    port = free_port()
    command = [sys.executable, "-m", "workbench.cli", "dashboard", "--port", str(port)]
    command += ["--save-dir", str(tmp_path)]
    log = tmp_path / "voila.log"
    with serving_process(command, f"http://127.0.0.1:{port}/", log) as (url, process):
        context = browser.new_context(viewport=VIEWPORT)
        page = _open(context, url)
        tree = [process, *psutil.Process(process.pid).children(recursive=True)]
        assert process_tree(process.pid).kernels >= 1  # the page's (and the readiness poll's)
        mine = [
            folder
            for folder in Path(tempfile.gettempdir()).glob("workbench-dashboard-*")
            if (folder / "owner.json").is_file()
            and f'"pid": {process.pid},' in (folder / "owner.json").read_text()
        ]
        assert len(mine) == 1
        os.kill(process.pid, signum)  # the command itself, not its process group
        assert process.wait(timeout=60) == 0
        context.close()
    gone, alive = psutil.wait_procs(tree[1:], timeout=30)
    assert alive == [], f"still running after {signum.name}: {[p.cmdline() for p in alive]}"
    assert not mine[0].exists()
    assert "Traceback" not in log.read_text()
    del page
