"""A page that loads while the last run publishes still shows the finished pictures.

No browser: the kernel side is the real one (the widgets, ipywidgets' own
answer to a page's ``request_states``), the wire records every comm message in
the order a kernel sends them, and :class:`Page` does what a page's widget
manager does on loading (Voila, or a browser tab reopened on a running
kernel): it builds its widgets from the snapshot, and drops every update that
arrives before it has created them (JupyterLab's kernel connection has no
handler for them yet). Then it runs what :data:`workbench.widgets.page.PAGE_SCRIPT`
does once the widgets are restored: press every hidden ``wb-resync`` button.

Before the fix the dashboard stayed at "run 2 of 2…" in that page for ever:
the day-of-use browser test's hang on an idle machine, where the first runs
end just as a reloaded page connects.
"""

from __future__ import annotations

import logging
import threading

import comm
import pytest
from comm.base_comm import BaseComm
from ipywidgets.widgets.widget import Widget, _instances

import workbench
from workbench.widgets import Dashboard
from workbench.widgets.runner import LiveRunner
from workbench.widgets.sync import RESYNC_CLASS

REPS = 2


class Wire:
    """Every comm message the kernel's widgets send, in order (the kernel's iopub channel)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[str, str, dict]] = []

    def create_comm(self, **kwargs) -> BaseComm:
        return _RecordingComm(self, **kwargs)


class _RecordingComm(BaseComm):
    def __init__(self, wire: Wire, **kwargs) -> None:
        self._wire = wire  # before BaseComm.__init__, which publishes the comm_open
        super().__init__(**kwargs)

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys) -> None:
        with self._wire.lock:
            self._wire.messages.append((self.comm_id, msg_type, data or {}))


class Page:
    """A page loading: a snapshot of the widget states, then models, updates only after that."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.seen = 0
        self.snapshot: dict[str, dict] | None = None
        self.models: dict[str, dict] = {}
        self.dropped = 0

    def connect(self, monkeypatch) -> None:
        """Ask for every widget's state as a page's widget manager does (``request_states``)."""
        with self.wire.lock:
            self.seen = len(self.wire.messages)  # what was sent before the page was there is gone
        control = self.wire.create_comm(target_name="jupyter.widget.control")
        monkeypatch.setattr(Widget, "_control_comm", control)
        Widget._handle_control_comm_msg({"content": {"data": {"method": "request_states"}}})

    def receive(self) -> None:
        """Handle the messages that have arrived since the last call."""
        with self.wire.lock:
            new, self.seen = self.wire.messages[self.seen :], len(self.wire.messages)
        for comm_id, kind, data in new:
            if kind == "comm_msg" and data.get("method") == "update_states":
                self.snapshot = {key: dict(item["state"]) for key, item in data["states"].items()}
            elif kind == "comm_open":
                self.models[comm_id] = dict(data.get("state", {}))
            elif kind == "comm_msg" and data.get("method") == "update":
                if comm_id in self.models:
                    self.models[comm_id].update(data["state"])
                else:
                    self.dropped += 1  # no model yet: nowhere to deliver it

    def create_models(self) -> None:
        """The page has made a model of every widget in its snapshot."""
        assert self.snapshot is not None, "the page never got its snapshot"
        self.models.update(self.snapshot)

    def run_page_script(self) -> None:
        """Press every hidden resend button (the page script, once the widgets are restored)."""
        for model_id, state in list(self.models.items()):
            if RESYNC_CLASS in state.get("_dom_classes", ()):
                click = {
                    "content": {"data": {"method": "custom", "content": {"event": "click"}}},
                    "buffers": [],
                }
                _instances[model_id]._handle_msg(click)

    def value(self, widget) -> str:
        return self.models[widget.model_id]["value"]


@pytest.fixture
def wire(monkeypatch):
    wire = Wire()
    monkeypatch.setattr(comm, "create_comm", wire.create_comm)
    return wire


@pytest.fixture
def small():
    return workbench.load_scenario("scenarios/baseline.toml").with_overrides(
        {"cohort.size": 60, "levers.weeks": 4}
    )


def test_a_page_loading_while_the_last_run_publishes_shows_the_finished_pictures(
    wire, small, monkeypatch, caplog
):
    caplog.set_level(logging.DEBUG, logger="workbench.widgets")
    board = Dashboard(small, replications=REPS, live=False, worlds=0, debounce=0.0)
    try:
        # force the timing: the full result waits until the page has its snapshot
        holding, release = threading.Event(), threading.Event()
        publish = board._runner.publish

        def held_publish(live):
            if live.complete:
                holding.set()
                assert release.wait(60), "the test never released the last result"
            publish(live)

        board._runner.publish = held_publish
        board.refresh(wait=False)
        assert holding.wait(120), "the runs never reached their last result"
        page = Page(wire)
        page.connect(monkeypatch)  # the page's snapshot: the last run not yet shown
        page.receive()
        assert f"run {REPS} of {REPS}" in page.snapshot[board.status.model_id]["value"]
        release.set()  # the last result is published while the page makes its models
        assert board.wait(timeout=120)
        page.receive()
        assert page.dropped > 0, "the forced timing did not put the update in the gap"
        page.create_models()
        page.run_page_script()
        page.receive()

        assert "Up to date" in page.value(board.status), page.value(board.status)
        assert 'data-complete="true"' in page.value(board.summary)
        assert page.value(board.trajectory_image) == board.trajectory_image.value
        assert page.value(board.network_image) == board.network_image.value
        # the runner thread's steps are in the log (what to read when a page hangs)
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "job 1 started" in logged and "job 1 ended (2 results published)" in logged
        assert "the page asked for the live widgets again" in logged
    finally:
        release.set()
        board.close()


def test_a_page_that_loads_after_the_runs_needs_no_resend(wire, small, monkeypatch):
    """The ordinary case, for contrast: the snapshot already holds the finished pictures."""
    board = Dashboard(small, replications=REPS, live=False, worlds=0, debounce=0.0)
    try:
        board.refresh(wait=True)
        page = Page(wire)
        page.connect(monkeypatch)
        page.receive()
        page.create_models()
        assert "Up to date" in page.value(board.status)
        assert page.dropped == 0
    finally:
        board.close()


def test_a_resend_waits_for_a_picture_being_written_and_sends_the_new_one(wire, small):
    """Writers hold the lock: a resend never sends an older value after a newer one."""
    board = Dashboard(small, replications=REPS, live=False, worlds=0)
    try:
        sent = threading.Event()
        with board._live.lock:  # a publish in the middle of writing the pictures
            resend = threading.Thread(target=lambda: (board._live.resend(), sent.set()))
            resend.start()
            assert not sent.wait(0.2), "the resend did not wait for the writer"
            board.status.value = "<div>newest</div>"
        resend.join(timeout=30)
        assert sent.is_set()
        with wire.lock:
            updates = [
                data["state"]["value"]
                for comm_id, kind, data in wire.messages
                if comm_id == board.status.model_id
                and kind == "comm_msg"
                and "value" in data.get("state", {})
            ]
        assert updates[-1] == "<div>newest</div>"
    finally:
        board.close()


def test_a_request_while_the_last_result_is_published_runs_and_the_runner_goes_idle():
    """A new job requested exactly while the previous job's last result is being published."""
    publishing, go_on = threading.Event(), threading.Event()
    seen: list[tuple[str, int]] = []

    def work(job, stale):
        yield (job, 1)
        yield (job, 2)

    def publish(result):
        if result == ("first", 2):
            publishing.set()
            assert go_on.wait(30)
        seen.append(result)

    runner = LiveRunner(work, publish, debounce=0.0)
    try:
        runner.request("first")
        assert publishing.wait(30)
        runner.request("second")  # arrives mid-publish of the first job's last result
        go_on.set()
        assert runner.wait(timeout=30)
        assert seen[-1] == ("second", 2)
        assert not runner.busy
    finally:
        runner.close()


def test_the_runner_lives_on_when_reporting_an_error_fails_too(caplog):
    caplog.set_level(logging.DEBUG, logger="workbench.widgets.runner")

    def work(job, stale):
        if job == "bad":
            raise ValueError("broken job")
        yield job

    def on_error(error):
        raise RuntimeError("the error report failed as well")

    seen: list[str] = []
    runner = LiveRunner(work, seen.append, on_error, debounce=0.0)
    try:
        runner.request("bad")
        assert runner.wait(timeout=30)
        runner.request("good")
        assert runner.wait(timeout=30)
        assert seen == ["good"]
        assert "the error report failed as well" in caplog.text
    finally:
        runner.close()
