"""Debounced background runs: the latest request wins, the picture updates when ready.

A :class:`LiveRunner` owns one worker thread. :meth:`LiveRunner.request`
records the newest job. A request after a quiet spell (nothing waiting or
running, no request for ``debounce`` seconds) starts at once, so a single
change answers without delay; during a burst of requests the worker waits
until none has come for ``debounce`` seconds, then runs the newest job
(debounce with a leading edge). A job is a generator of results
(e.g. a first look, then all replications); each result is published unless a
newer request has arrived meanwhile, in which case the job is abandoned
between steps. Until something is published the old picture stays.

The worker thread logs each step (request, start, each result published, a job
abandoned or failed, idle) at DEBUG level on the ``workbench.widgets.runner``
logger: when a page seems to hang, that log says whether the runner is still
working, idle, or was never asked.

Examples
--------
>>> seen = []
>>> runner = LiveRunner(lambda job, stale: iter([job * 10]), seen.append, debounce=0.05)
>>> for job in (1, 2, 3):
...     runner.request(job)
>>> runner.wait(timeout=5)
True
>>> seen[-1], 20 in seen  # the newest job's result; one in the middle of a burst never runs
(30, False)
>>> runner.close()
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

log = logging.getLogger(__name__)

Work = Callable[[Any, Callable[[], bool]], Iterator[Any]]


class LiveRunner:
    """Run the newest job in a background thread after a quiet period.

    Parameters
    ----------
    work
        ``work(job, stale) -> iterator of results``; ``stale()`` turns true when
        a newer job is waiting (stop early then).
    publish
        Called in the worker thread with each fresh result.
    on_error
        Called with the exception if ``work`` or ``publish`` fails (the runner
        keeps working).
    debounce
        Seconds without a new request before a job of a burst starts (a
        request after a quiet spell starts at once).
    """

    def __init__(
        self,
        work: Work,
        publish: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        debounce: float = 0.1,
    ) -> None:
        self.work = work
        self.publish = publish
        self.on_error = on_error or (lambda error: None)
        self.debounce = debounce
        self._cond = threading.Condition()
        self._job: Any = None
        self._waiting = False
        self._busy = False
        self._closed = False
        self._generation = 0
        self._requested_at = 0.0
        self._last_request = -float("inf")
        self._thread: threading.Thread | None = None

    def request(self, job: Any, immediate: bool = False) -> None:
        """Ask for ``job`` to run (replacing any job not yet started)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the runner is closed")
            now = time.monotonic()
            quiet = not (self._waiting or self._busy) and now - self._last_request >= self.debounce
            self._job = job
            self._waiting = True
            self._generation += 1
            self._requested_at = now - (self.debounce if immediate or quiet else 0.0)
            self._last_request = now
            log.debug(
                "request %d (%s): %s",
                self._generation,
                "at once" if immediate or quiet else "debounced",
                _describe(job),
            )
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="workbench-live-runs", daemon=True
                )
                self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether a job is waiting or running."""
        with self._cond:
            return self._waiting or self._busy

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job is waiting or running; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not (self._waiting or self._busy), timeout)

    def close(self) -> None:
        """Stop the worker thread (after the job it is running, if any)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        log.debug("close requested")

    def _stale(self, generation: int) -> bool:
        return self._generation != generation

    def _loop(self) -> None:
        while True:
            with self._cond:
                log.debug("idle")
                self._cond.wait_for(lambda: self._waiting or self._closed)
                if self._closed:
                    log.debug("closed: the thread ends")
                    return
                while (left := self._requested_at + self.debounce - time.monotonic()) > 0:
                    self._cond.wait(left)
                    if self._closed:
                        log.debug("closed: the thread ends")
                        return
                job, generation = self._job, self._generation
                self._waiting, self._busy = False, True
            log.debug("job %d started: %s", generation, _describe(job))
            published = 0
            try:
                for result in self.work(job, lambda g=generation: self._stale(g)):
                    if self._stale(generation):
                        log.debug("job %d abandoned after %d results", generation, published)
                        break
                    self.publish(result)
                    published += 1
                    log.debug("job %d published result %d", generation, published)
            except Exception as error:  # noqa: BLE001 - reported to the widget, runner lives on
                log.debug("job %d failed", generation, exc_info=True)
                try:
                    self.on_error(error)
                except Exception:  # noqa: BLE001 - a dead runner would leave the page hanging
                    log.exception("job %d: reporting its error failed too", generation)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
                log.debug("job %d ended (%d results published)", generation, published)


def _describe(job: Any) -> str:
    """A short description of a job for the log (parts of a tuple, each by name if it has one)."""
    parts = job if isinstance(job, tuple) else (job,)
    return ", ".join(
        f"{type(part).__name__} {getattr(part, 'name', '')}".strip()
        if not isinstance(part, int | float | str)
        else repr(part)
        for part in parts
    )
