"""Where runs execute: in this process, in a local process pool, or on a Dask cluster.

All three share one interface (as in the EMA Workbench): a context manager
whose :meth:`Executor.imap_unordered` yields ``(item, result, error)`` as runs
finish, keeping only a small window of runs in flight so an interrupted sweep
loses little and a huge sweep does not queue millions of tasks. The pool or
the cluster connection is opened once per sweep, in ``__enter__``.

Examples
--------
>>> with SerialExecutor() as executor:
...     [result for _, result, _ in executor.imap_unordered(abs, [-1, -2])]
[1, 2]
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from workbench.experiments.spec import SweepError
from workbench.experiments.worker import start_worker


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where known, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class Executor(ABC):
    """A place to run a sweep's runs; use as a context manager."""

    name: str = "executor"
    workers: int = 1

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @abstractmethod
    def imap_unordered(
        self, fn: Callable[..., Any], items: Iterable[Any], *args: Any
    ) -> Iterator[tuple[Any, Any, BaseException | None]]:
        """Yield ``(item, fn(*args, item), None)`` or ``(item, None, error)`` as each finishes."""

    def describe(self) -> str:
        return f"{self.name} ({self.workers} worker{'s' if self.workers != 1 else ''})"


class SerialExecutor(Executor):
    """Run each run in this process, one after another (debugging, tiny sweeps)."""

    name = "serial"

    def imap_unordered(self, fn, items, *args):
        for item in items:
            try:
                result = fn(*args, item)
            except Exception as error:
                yield item, None, error
            else:
                yield item, result, None


class _Windowed(Executor):
    """Shared loop: submit up to ``window`` runs, yield each as it completes, top up."""

    window_per_worker = 3

    @abstractmethod
    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any: ...

    @abstractmethod
    def _as_completed(
        self, pending: dict[Any, Any], top_up: Callable[[], list[Any]]
    ) -> Iterator[Any]:
        """Yield the futures of ``pending`` as they finish; ``top_up()`` submits more."""

    @abstractmethod
    def _cancel(self, pending: set[Any]) -> None: ...

    def imap_unordered(self, fn, items, *args):
        iterator = iter(items)
        window = max(2, self.workers * self.window_per_worker)
        pending: dict[Any, Any] = {}

        def top_up() -> list[Any]:
            added = []
            while len(pending) < window:
                item = next(iterator, _END)
                if item is _END:
                    break
                future = self._submit(fn, *args, item)
                pending[future] = item
                added.append(future)
            return added

        top_up()
        try:
            for future in self._as_completed(pending, top_up):
                item = pending.pop(future)
                try:
                    result = future.result()
                except Exception as error:
                    yield item, None, error
                else:
                    yield item, result, None
        finally:
            if pending:
                self._cancel(set(pending))


_END = object()


class ProcessExecutor(_Windowed):
    """A pool of local worker processes (default: one per core), started once.

    Workers start with ``spawn`` — the start method ``import mesa`` selects and
    the only safe one next to threads (tqdm, Jupyter) — so the model must be
    importable; workers ignore Ctrl-C and leave it to the sweep, which stores
    what has finished and stops.
    """

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise SweepError(f"--workers {workers}: must be at least 1")
        self.workers = workers or usable_cores()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._depth = 0

    def __enter__(self) -> ProcessExecutor:
        # re-entrant: several sweeps inside one ``with ProcessExecutor() as pool`` share a pool
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=start_worker,
                initargs=(os.getpid(),),
            )
        self._depth += 1
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _submit(self, fn, *args):
        assert self._pool is not None, "use the executor in a with-block"
        return self._pool.submit(fn, *args)

    def _as_completed(self, pending, top_up):
        while pending:
            done, _ = cf.wait(set(pending), return_when=cf.FIRST_COMPLETED)
            yield from done
            top_up()

    def _cancel(self, pending):
        for future in pending:
            future.cancel()


class DaskExecutor(_Windowed):
    """Runs on a Dask distributed cluster given its scheduler address (``tcp://host:port``).

    The connection is tried for ``timeout`` seconds; a scheduler that does not
    answer is a one-line :class:`SweepError`. Workers must have this package
    installed (the model travels by name). Tables come back to this process,
    which alone writes the store, so workers need no shared file system.
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, timeout: float = 10.0, client: Any = None
    ) -> None:
        if address is None and client is None:
            raise SweepError("dask executor: give a scheduler address, e.g. tcp://127.0.0.1:8786")
        self.address = address
        self.timeout = timeout
        self._client = client
        self._own_client = client is None
        self.workers = 1

    def __enter__(self) -> DaskExecutor:
        try:
            from distributed import Client
        except ImportError:  # pragma: no cover - declared dependency
            raise SweepError(
                "--scheduler needs dask[distributed]: pip install 'dask[distributed]'"
            ) from None
        if self._client is None:
            try:
                self._client = Client(
                    self.address, timeout=f"{self.timeout}s", set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as error:
                reason = str(error).splitlines()[0] if str(error) else type(error).__name__
                raise SweepError(
                    f"--scheduler {self.address}: no answer within {self.timeout:g} s ({reason}); "
                    "start one with `dask scheduler` and `dask worker ADDRESS`, or check the address"
                ) from None
        info = self._client.scheduler_info()
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        self.workers = max(1, threads)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None and self._own_client:
            self._client.close()
            self._client = None

    def _submit(self, fn, *args):
        return self._client.submit(fn, *args, pure=False)

    def _as_completed(self, pending, top_up):
        from distributed import as_completed

        # tied to our client's loop: the client need not be the default one
        finished = as_completed(list(pending), loop=self._client.loop, raise_errors=False)
        for future in finished:
            yield future
            for new in top_up():
                finished.add(new)

    def _cancel(self, pending):
        self._client.cancel(list(pending))


def make_executor(
    workers: int | None = None, scheduler: str | None = None, timeout: float = 10.0
) -> Executor:
    """The executor for ``--workers N`` / ``--scheduler ADDR``.

    ``workers=1`` runs serially in this process; ``None`` uses every core.
    """
    if scheduler is not None:
        if workers is not None:
            raise SweepError(
                "give --workers or --scheduler, not both (a cluster sets its own workers)"
            )
        if not scheduler.strip():
            raise SweepError("--scheduler: empty address; e.g. tcp://127.0.0.1:8786")
        return DaskExecutor(scheduler, timeout=timeout)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)
