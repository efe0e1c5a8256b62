"""The result store: a folder of Parquet files that a kill can never leave half-written.

Layout::

    OUT/
      manifest.json          the sweep (design, base scenario and its hash, seeds,
                             package version, model); written once, atomically
      design.parquet         one row per run: run_id, point, replication, seed, parameters
      batches/
        b000001-1f2e3d4c/    runs finished together, written in a hidden temporary
          outcomes.parquet   folder then renamed into place (atomic on POSIX), so a
          metrics.parquet    batch is there whole or not at all
          gaps.parquet ...   one file per table the model returns

``outcomes.parquet`` lists every run in the batch (``status`` ok or failed,
``error``, ``traceback``, ``seconds``, ``worker``): it is what makes a run
count as stored. Finished runs are buffered for at most ``flush_seconds``
(or ``flush_runs`` runs) so that fast runs do not each pay for six small files;
a SIGKILL loses at most that buffer, which the next run of the same command
recomputes with the same seeds. Ctrl-C flushes the buffer before stopping.
Batches are encoded and synced by one writer thread (Arrow and fsync release
the GIL), so runs go on while the previous batch is written.
The tables are ordinary Parquet: DuckDB, Polars or Spark read
``OUT/batches/*/metrics.parquet`` directly.

Examples
--------
>>> import tempfile
>>> store = ResultStore(tempfile.mkdtemp() + "/demo")
>>> store.exists
False
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from workbench.experiments.spec import SweepError
from workbench.experiments.worker import Outcome

FORMAT = "workbench-sweep/1"
OUTCOME_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("point", pa.int64()),
        ("replication", pa.int64()),
        ("seed", pa.uint64()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("traceback", pa.string()),
        ("seconds", pa.float64()),
        ("worker", pa.string()),
    ]
)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    """Write JSON to a temporary sibling, then rename it over ``path``."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), encoding="utf-8")
    os.replace(temporary, path)


class ResultStore:
    """A sweep's on-disk results (see the module docstring for the layout).

    Parameters
    ----------
    path
        The store folder.
    flush_seconds, flush_runs
        Write buffered runs when the oldest has waited this long, or when this
        many are buffered.
    """

    def __init__(self, path: str | Path, flush_seconds: float = 2.0, flush_runs: int = 200) -> None:
        self.path = Path(path)
        self.flush_seconds = flush_seconds
        self.flush_runs = flush_runs
        self._buffer: list[Outcome] = []
        self._writer: ThreadPoolExecutor | None = None
        self._pending: Future | None = None
        self._oldest: float | None = None
        self._sequence = 0

    # -- layout ---------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def batches_path(self) -> Path:
        return self.path / "batches"

    @property
    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """The manifest written when the sweep started."""
        if not self.exists:
            raise SweepError(
                f"{self.path}: not a sweep store (no manifest.json); run workbench sweep first"
            )
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def batches(self) -> list[Path]:
        """Finished batch folders, oldest first (temporary folders are not listed)."""
        if not self.batches_path.is_dir():
            return []
        return sorted(
            p for p in self.batches_path.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    # -- creating and opening ----------------------------------------------------------
    def create(self, manifest: dict[str, Any], design: pd.DataFrame) -> None:
        """Create the store whole (manifest, design, empty batches) or not at all."""
        if self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise SweepError(
                f"{self.path}: exists and is not a sweep store; choose another --out or remove it"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:8]}.tmp")
        temporary.mkdir()
        try:
            (temporary / "batches").mkdir()
            pq.write_table(
                pa.Table.from_pandas(design, preserve_index=False), temporary / "design.parquet"
            )
            (temporary / "manifest.json").write_text(
                json.dumps({"format": FORMAT, **manifest}, indent=2, sort_keys=True, default=str),
                encoding="utf-8",
            )
            if self.path.exists():
                self.path.rmdir()  # an empty folder the user made for us
            os.rename(temporary, self.path)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise

    def check_same_sweep(self, sweep_hash: str, model: str) -> None:
        """Refuse to resume into a store that holds a different sweep."""
        manifest = self.manifest()
        if manifest.get("format") != FORMAT:
            raise SweepError(f"{self.path}: unknown store format {manifest.get('format')!r}")
        if manifest.get("sweep_hash") != sweep_hash or manifest.get("model") != model:
            raise SweepError(
                f"{self.path}: holds a different sweep (hash {manifest.get('sweep_hash')}, "
                f"this one is {sweep_hash}); use another --out, or delete the folder to start over"
            )

    @contextmanager
    def writing(self) -> Iterator[ResultStore]:
        """Hold the store's lock while writing; clear temporaries a killed sweep left."""
        lock = self.path / ".lock"
        me = f"{socket.gethostname()} {os.getpid()}"
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                if self._lock_is_live(lock):
                    owner = lock.read_text(encoding="utf-8").strip()
                    raise SweepError(
                        f"{self.path}: in use by another sweep (process {owner}); wait for it to end"
                    ) from None
                lock.unlink(missing_ok=True)  # left by a killed sweep
                continue
            os.write(fd, me.encode())
            os.close(fd)
            break
        else:  # pragma: no cover - two sweeps racing for a stale lock
            raise SweepError(f"{self.path}: could not take the store's lock; try again")
        try:
            for leftover in self.batches_path.glob(".tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)
            self._sequence = len(self.batches())
            yield self
        finally:
            try:
                self.flush()  # waits for the writer thread, then writes what is left
            finally:
                if self._writer is not None:
                    self._writer.shutdown(wait=True)
                    self._writer = None
                lock.unlink(missing_ok=True)

    @staticmethod
    def _lock_is_live(lock: Path) -> bool:
        try:
            host, pid = lock.read_text(encoding="utf-8").split()
        except (OSError, ValueError):
            return False
        if host != socket.gethostname():
            return True  # cannot check another machine's processes: assume alive
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    # -- writing ---------------------------------------------------------------------
    def add(self, outcome: Outcome) -> bool:
        """Buffer a finished run; hand the buffer to the writer when due (returns whether)."""
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(outcome)
        if (
            len(self._buffer) >= self.flush_runs
            or time.monotonic() - self._oldest >= self.flush_seconds
        ):
            self._flush_in_background()
            return True
        return False

    def flush(self) -> Path | None:
        """Write buffered runs as one batch folder now; ``None`` if nothing was buffered.

        Waits for a batch being written in the background first (and raises its error).
        """
        self._drain()
        if not self._buffer:
            return None
        outcomes, self._buffer = self._buffer, []
        try:
            return self._write(outcomes, self._next_name())
        except BaseException:  # nothing of this batch is visible: keep it for the next try
            self._buffer = outcomes + self._buffer
            raise

    def _flush_in_background(self) -> None:
        """Hand the buffer to the writer thread, which encodes and syncs while runs go on.

        Parquet encoding and fsync release the GIL, so a serial sweep keeps
        simulating while the previous batch is written. One batch at a time:
        the next waits for this one (and raises its error).
        """
        self._drain()
        outcomes, self._buffer = self._buffer, []
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="store-writer")
        self._pending = self._writer.submit(self._write, outcomes, self._next_name())

    def _drain(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _next_name(self) -> str:
        self._sequence += 1
        return f"b{self._sequence:06d}-{uuid.uuid4().hex[:8]}"

    def _write(self, outcomes: list[Outcome], name: str) -> Path:
        temporary = self.batches_path / f".tmp-{name}"
        temporary.mkdir(parents=True)
        try:
            names = sorted({table for o in outcomes if o.ok for table in o.tables})
            for table_name in names:
                done = [o for o in outcomes if o.ok and table_name in o.tables]
                pq.write_table(labelled(table_name, done), temporary / f"{table_name}.parquet")
            pq.write_table(_outcome_table(outcomes), temporary / "outcomes.parquet")
            for file in temporary.iterdir():
                _fsync(file)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        # the commit point: after the rename the batch is stored, whatever happens next
        os.rename(temporary, self.batches_path / name)
        _fsync(self.batches_path)
        return self.batches_path / name

    # -- reading ---------------------------------------------------------------------
    def outcomes(self) -> pd.DataFrame:
        """Every recorded outcome with its ``batch``, oldest first."""
        frames = []
        for batch in self.batches():
            table = pq.read_table(batch / "outcomes.parquet")
            frames.append(table.append_column("batch", pa.array([batch.name] * table.num_rows)))
        if not frames:
            empty = OUTCOME_SCHEMA.empty_table().append_column("batch", pa.array([], pa.string()))
            return empty.to_pandas()
        return pa.concat_tables(frames).to_pandas()

    def status(self) -> tuple[dict[str, str], dict[str, str]]:
        """``(stored, failed)``: run id → batch holding its result; run id → last error.

        A run stored successfully is stored once (the first batch that holds it
        wins, should two ever do); a failure that later succeeded is not listed.
        """
        stored: dict[str, str] = {}
        failed: dict[str, str] = {}
        frame = self.outcomes()
        for run, status, error, batch in zip(
            frame["run_id"], frame["status"], frame["error"], frame["batch"], strict=True
        ):
            if status == "ok":
                stored.setdefault(run, batch)
            else:
                failed[run] = error
        return stored, {run: error for run, error in failed.items() if run not in stored}

    def read_table(self, name: str) -> pd.DataFrame | None:
        """One table of all stored runs, each run once, in (point, replication) order."""
        stored, _ = self.status()
        by_batch: dict[str, list[str]] = {}
        for run, batch in stored.items():
            by_batch.setdefault(batch, []).append(run)
        parts = []
        for batch in self.batches():
            file = batch / f"{name}.parquet"
            if batch.name not in by_batch or not file.is_file():
                continue
            table = pq.read_table(file)
            keep = pc.is_in(table["run_id"], value_set=pa.array(by_batch[batch.name], pa.string()))
            parts.append(table.filter(keep))
        if not parts:
            return None
        table = pa.concat_tables(parts, promote_options="permissive")
        frame = table.to_pandas()
        return frame.sort_values(["point", "replication"], kind="stable", ignore_index=True)

    def table_names(self) -> list[str]:
        """Names of the tables stored (besides ``outcomes``)."""
        names = {f.stem for batch in self.batches() for f in batch.glob("*.parquet")}
        return sorted(names - {"outcomes"})

    def design(self) -> pd.DataFrame:
        return pd.read_parquet(self.path / "design.parquet")


LABELS = ("run_id", "point", "replication")


def labelled(name: str, outcomes: list[Outcome]) -> pa.Table:
    """Table ``name`` of several runs stacked, led by ``run_id, point, replication``.

    One pandas concatenation and one Arrow conversion per batch rather than per
    run (the conversion dominates the per-run cost of storing small tables).
    """
    frames = [o.tables[name] for o in outcomes]
    lengths = np.array([len(frame) for frame in frames], dtype=np.int64)
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.drop(columns=[c for c in LABELS if c in frame.columns])
    table = pa.Table.from_pandas(frame, preserve_index=False)
    labels = {
        "run_id": pa.array(np.repeat([o.run_id for o in outcomes], lengths), pa.string()),
        "point": pa.array(np.repeat([o.point for o in outcomes], lengths), pa.int64()),
        "replication": pa.array(np.repeat([o.replication for o in outcomes], lengths), pa.int64()),
    }
    for position, (column, values) in enumerate(labels.items()):
        table = table.add_column(position, column, values)
    return table


def _outcome_table(outcomes: list[Outcome]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "run_id": o.run_id,
                "point": o.point,
                "replication": o.replication,
                "seed": o.seed,
                "status": "ok" if o.ok else "failed",
                "error": o.error,
                "traceback": o.traceback,
                "seconds": o.seconds,
                "worker": o.worker,
            }
            for o in outcomes
        ],
        schema=OUTCOME_SCHEMA,
    )
