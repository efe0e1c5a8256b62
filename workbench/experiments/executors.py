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

import asyncio
import concurrent.futures as cf
import contextlib
import logging
import math
import multiprocessing
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from workbench.experiments.spec import SweepError
from workbench.experiments.worker import start_worker

#: Most local worker processes per usable core (more only add memory and contention).
WORKERS_PER_CORE = 4
#: Longest wait for a Dask scheduler, seconds.
MAX_TIMEOUT = 3600.0
#: Address schemes a sweep can reach a Dask scheduler by.
SCHEMES = ("tcp", "tls")
_NO_HANDSHAKE = "no connection, or no Dask handshake"


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where known, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def max_workers() -> int:
    """The most local worker processes a sweep may start: :data:`WORKERS_PER_CORE` per core."""
    return WORKERS_PER_CORE * usable_cores()


def check_workers(workers: int | None) -> None:
    """Refuse a worker count below 1 or above :func:`max_workers`, in one line."""
    if workers is None:
        return
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SweepError(f"--workers {workers}: must be a whole number of at least 1")
    if workers > max_workers():
        raise SweepError(
            f"--workers {workers}: at most {max_workers()} here ({WORKERS_PER_CORE} per usable "
            f"core, {usable_cores()} cores); for more, run a Dask cluster and use --scheduler"
        )


def check_timeout(timeout: float) -> None:
    """Refuse a scheduler timeout that is not a finite number of seconds in (0, MAX_TIMEOUT]."""
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise SweepError(f"--timeout {timeout!r}: expected a number of seconds")
    if not math.isfinite(timeout) or not 0 < timeout <= MAX_TIMEOUT:
        raise SweepError(
            f"--timeout {timeout}: must be a number of seconds above 0 and at most {MAX_TIMEOUT:g}"
        )


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

    def lost(self, error: BaseException) -> bool:
        """Whether ``error`` means the run was lost with the executor, not failed by itself.

        A lost run is not recorded; the sweep stops and a rerun redoes it.
        """
        return False

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
        check_workers(workers)
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

    Connecting — TCP connect and Dask's handshake both — must finish within
    ``timeout`` seconds: an address that does not answer, answers slowly or is
    not a Dask scheduler (a web server, say) is a one-line :class:`SweepError`,
    and no client is made. Workers must have this package installed (the
    model travels by name). Tables come back to this process, which alone
    writes the store, so workers need no shared file system. Runs cancelled
    because the scheduler was lost count as :meth:`lost`, not failed.
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, timeout: float = 10.0, client: Any = None
    ) -> None:
        if address is None and client is None:
            raise SweepError("dask executor: give a scheduler address, e.g. tcp://127.0.0.1:8786")
        check_timeout(timeout)
        if address is not None:
            check_address(address)
        self.address = address
        self.timeout = float(timeout)
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
        # the sweep reports a lost or silent scheduler in its own line; Dask's log
        # would add its own lines (and tracebacks) to it
        self._log_levels = _quiet("distributed")
        try:
            info = self._connect(Client)
        except BaseException:
            self.__exit__()
            raise
        threads = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
        self.workers = max(1, threads)
        return self

    def _connect(self, client_type: type) -> dict[str, Any]:
        if self._client is None:
            start = time.monotonic()
            probe_scheduler(self.address, self.timeout)
            left = max(1.0, self.timeout - (time.monotonic() - start))
            try:
                self._client = client_type(self.address, timeout=f"{left}s", set_as_default=False)
            except Exception as error:
                raise SweepError(self._no_answer(_reason(error))) from None
        try:
            return self._client.scheduler_info()
        except Exception as error:
            raise SweepError(self._no_answer(_reason(error))) from None

    def _no_answer(self, reason: str) -> str:
        return no_answer(self.address, self.timeout, reason)

    def __exit__(self, *exc: object) -> None:
        if self._client is not None and self._own_client:
            client, self._client = self._client, None
            with contextlib.suppress(Exception):  # a lost scheduler cannot be told goodbye
                client.close(timeout=self.timeout)
        for name, level in getattr(self, "_log_levels", {}).items():
            logging.getLogger(name).setLevel(level)

    def lost(self, error: BaseException) -> bool:
        from distributed.comm.core import CommClosedError

        return isinstance(error, cf.CancelledError | CommClosedError)

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
        if self._client.status == "running":  # a lost scheduler has nothing to cancel
            with contextlib.suppress(Exception):
                self._client.cancel(list(pending))


def make_executor(
    workers: int | None = None, scheduler: str | None = None, timeout: float = 10.0
) -> Executor:
    """The executor for ``--workers N`` / ``--scheduler ADDR``.

    ``workers=1`` runs serially in this process; ``None`` uses every core.
    """
    check_workers(workers)
    check_timeout(timeout)
    if scheduler is not None:
        if workers is not None:
            raise SweepError(
                "give --workers or --scheduler, not both (a cluster sets its own workers)"
            )
        return DaskExecutor(scheduler, timeout=timeout)
    if workers == 1:
        return SerialExecutor()
    return ProcessExecutor(workers)


def check_address(address: str) -> None:
    """Refuse a scheduler address this sweep cannot use, before any connection is tried."""
    if not isinstance(address, str) or not address.strip():
        raise SweepError("--scheduler: empty address; e.g. tcp://127.0.0.1:8786")
    scheme, sep, rest = address.strip().partition("://")
    if not sep:
        scheme, rest = "tcp", address.strip()
    if scheme not in SCHEMES:
        raise SweepError(
            f"--scheduler {address}: {scheme}:// is not supported; give "
            f"{' or '.join(s + '://HOST:PORT' for s in SCHEMES)}, e.g. tcp://127.0.0.1:8786"
        )
    host, colon, port = rest.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SweepError(
            f"--scheduler {address}: expected HOST:PORT with a port number, "
            "e.g. tcp://127.0.0.1:8786"
        )


def no_answer(address: str | None, timeout: float, reason: str) -> str:
    return (
        f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s ({reason}); "
        "start one with `dask scheduler` and `dask worker ADDRESS`, or check the address"
    )


def probe_scheduler(address: str | None, timeout: float) -> None:
    """Connect to ``address`` and complete Dask's handshake within ``timeout`` seconds.

    distributed's own ``connect`` bounds the TCP connection but then waits
    for the handshake without a limit, so an endpoint that accepts and never
    answers would hang a sweep. The probe runs on its own event loop in a
    daemon thread (so it also works under Jupyter's running loop) and is
    abandoned when the deadline passes.
    """
    from distributed.comm import connect

    outcome: dict[str, BaseException | None] = {}

    async def attempt() -> None:
        comm = await asyncio.wait_for(connect(address, timeout=timeout), timeout)
        await comm.close()

    def run() -> None:
        try:
            asyncio.run(attempt())
            outcome["error"] = None
        except BaseException as error:  # reported by the caller
            outcome["error"] = error

    thread = threading.Thread(target=run, name="dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if "error" not in outcome:
        raise SweepError(no_answer(address, timeout, _NO_HANDSHAKE))
    error = outcome["error"]
    if error is not None:
        reason = _NO_HANDSHAKE if isinstance(error, asyncio.TimeoutError) else _reason(error)
        raise SweepError(no_answer(address, timeout, reason))


def _quiet(package: str) -> dict[str, int]:
    """Silence the loggers of ``package`` below CRITICAL; returns their levels to restore."""
    names = [package] + [
        name for name in logging.root.manager.loggerDict if name.startswith(package + ".")
    ]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return levels


def _reason(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
