"""Shared plumbing of the real-browser tests: Debian's chromium, a local server, waiting for it.

The browser is ``/usr/bin/chromium`` driven by Python playwright (never a
downloaded browser build); ``scripts/test.sh`` installs it with apt-get.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START = 240.0  # seconds for a server to answer HTTP (a cold start on a busy machine)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (scripts/test.sh installs it: apt-get install "
    "chromium); the real-browser tests need it",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = SERVER_START) -> None:
    """Poll ``url`` until it answers 200; fail at once if ``process`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def serving_process(
    command: list[str], url: str, log: Path, cwd: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run a server ``command`` (own process group), wait for ``url``; yield both, stop it after."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
            # a shell without job control starts background jobs with SIGINT ignored; the
            # server gets Ctrl+C's default, as in a terminal
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            wait_http(url, process)
            yield url, process
        except Exception:
            print(log.read_text())
            raise
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextlib.contextmanager
def serving(command: list[str], url: str, log: Path, cwd: Path | None = None) -> Iterator[str]:
    """Run a server ``command`` (own process group), wait for ``url``, stop it afterwards."""
    with serving_process(command, url, log, cwd) as (address, _):
        yield address


LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class LocalOnly:
    """Refuse every request a browser context makes to anywhere but this computer, and list them.

    A page that needs nothing from the internet works with all of them refused;
    ``refused`` says what it tried to fetch.
    """

    def __init__(self, context) -> None:
        self.refused: list[str] = []
        context.route("**/*", self._route)

    def _route(self, route) -> None:
        from urllib.parse import urlsplit

        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()


AXE = ROOT / "tests" / "data" / "axe-core" / "axe.min.js"
_AXE_RUN = """async () => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary),
    }));
}"""


def axe_violations(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations on ``page`` at the given impacts (the script is injected inline)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return [v for v in page.evaluate(_AXE_RUN) if v["impact"] in impacts]


class Tree(NamedTuple):
    """What a server process and its descendants hold."""

    kernels: int  # ipykernel processes
    processes: int  # every running process, the server included
    rss: int  # resident memory in bytes, added up
    ending: int  # processes that have ended (or are ending) and are not yet reaped


def process_tree(pid: int) -> Tree:
    """Kernels, running processes, memory and ending processes of ``pid`` and its descendants.

    A process that is ending has already let go of its memory and its command
    line (a zombie, or a culled kernel still exiting): it is counted as
    ``ending``, not among the running ``processes``.
    """
    import psutil

    root = psutil.Process(pid)
    kernels, processes, rss, ending = 0, 0, 0, 0
    for process in [root, *root.children(recursive=True)]:
        try:
            command = process.cmdline()
            if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD) or not command:
                ending += 1
                continue
            kernels += "ipykernel_launcher" in " ".join(command)
            rss += process.memory_info().rss
            processes += 1
        except psutil.NoSuchProcess:  # gone (ZombieProcess is one too)
            continue
    return Tree(kernels, processes, rss, ending)


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Debian chromium under playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
