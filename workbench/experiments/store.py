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
``error``, ``traceback``, ``seconds``, ``worker``) and, in its metadata, the
batch's other tables: a run counts as stored only if its batch's every table
is there and reads (:meth:`ResultStore.check_batch`); a damaged batch is
refused in one line saying how to have its runs redone. ``design.parquet``
keeps a copy of the manifest in its metadata, from which the same sweep
restores a lost ``manifest.json``. ``.lock`` is an OS lock (``flock``) held
while a sweep writes, so a stale lock can never block a resume. Finished runs are buffered for at most ``flush_seconds``
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

import datetime as dt
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
from workbench.output import MARKER, _sweep_leftovers, _temporary_name, check_out_folder

try:  # POSIX: the kernel releases a flock when its holder dies, however it dies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FORMAT = "workbench-sweep/1"
LOCK = ".lock"
#: Schema-metadata key of design.parquet holding a copy of the manifest (to restore a lost one).
MANIFEST_COPY = b"workbench.manifest"
#: Schema-metadata key of a batch's outcomes.parquet listing the batch's other tables.
BATCH_TABLES = b"workbench.tables"
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
        self._checked: set[str] = set()  # batches whose every table was found readable

    # -- layout ---------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def batches_path(self) -> Path:
        return self.path / "batches"

    @property
    def design_path(self) -> Path:
        return self.path / "design.parquet"

    @property
    def exists(self) -> bool:
        return self.manifest_path.is_file()

    @property
    def looks_like_a_store(self) -> bool:
        """Holds a store's design or batches (whether or not its manifest is there)."""
        return self.design_path.is_file() or self.batches_path.is_dir()

    def manifest(self) -> dict[str, Any]:
        """The manifest written when the sweep started.

        Raises
        ------
        SweepError
            The folder is not a store, or its manifest is missing or damaged
            (the message says how to restore it without losing the batches).
        """
        if not self.exists:
            if self.looks_like_a_store:
                raise SweepError(self._manifest_problem("is missing"))
            raise SweepError(
                f"{self.path}: not a sweep store (no manifest.json); run workbench sweep first"
            )
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise SweepError(self._manifest_problem(f"is damaged ({_reason(error)})")) from None
        if not isinstance(manifest, dict):
            raise SweepError(self._manifest_problem("is damaged (not a JSON object)"))
        return manifest

    def _manifest_problem(self, what: str) -> str:
        if self.manifest_copy() is not None:
            remedy = (
                "run the same workbench sweep command again to restore it from design.parquet "
                "(the batches are kept)"
            )
        else:
            remedy = (
                "restore it from a backup (the batches are intact), or move the folder aside "
                f"(mv {self.path} {self.path}.old) and run the sweep again to start over"
            )
        return f"{self.manifest_path}: {what}; {remedy}"

    def manifest_copy(self) -> dict[str, Any] | None:
        """The copy of the manifest kept in design.parquet's metadata (``None`` if unreadable)."""
        try:
            metadata = pq.read_schema(self.design_path).metadata or {}
            copy = json.loads(metadata[MANIFEST_COPY])
        except (OSError, pa.ArrowException, KeyError, ValueError):
            return None
        return copy if isinstance(copy, dict) else None

    def restore_manifest(self, sweep_hash: str, model: str) -> bool:
        """Rewrite a missing or damaged manifest from its copy if it is this sweep's.

        Returns whether it did. The copy is only used when its sweep hash and
        model are those of the sweep being resumed, so a store is never
        adopted by another sweep.
        """
        from workbench.output import write_text

        copy = self.manifest_copy()
        if copy is None or copy.get("sweep_hash") != sweep_hash or copy.get("model") != model:
            return False
        try:
            self.manifest()
            return False  # nothing to restore
        except SweepError:
            pass
        write_text(self.manifest_path, _manifest_text(copy))
        return True

    def batches(self) -> list[Path]:
        """Finished batch folders, oldest first (temporary folders are not listed)."""
        if not self.batches_path.is_dir():
            return []
        return sorted(
            p for p in self.batches_path.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    # -- creating and opening ----------------------------------------------------------
    def create(self, manifest: dict[str, Any], design: pd.DataFrame) -> None:
        """Create the store whole (manifest, design, empty batches) or not at all.

        The store is built in a hidden sibling folder and renamed into place;
        ``rename`` fails if another sweep created the folder meanwhile, which
        is refused in one line. A creation killed part-way leaves a hidden
        folder that the next creation removes.
        """
        check_out_folder(self.path, "sweep")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_leftovers(self.path)
        temporary = self.path.parent / _temporary_name(self.path)
        temporary.mkdir()
        try:
            (temporary / "batches").mkdir()
            document = {"format": FORMAT, **manifest}
            table = pa.Table.from_pandas(design, preserve_index=False)
            metadata = {**(table.schema.metadata or {}), MANIFEST_COPY: _manifest_text(document)}
            pq.write_table(table.replace_schema_metadata(metadata), temporary / "design.parquet")
            (temporary / "manifest.json").write_text(_manifest_text(document), encoding="utf-8")
            (temporary / MARKER).write_text(
                json.dumps({"command": "sweep", "version": manifest.get("version")}) + "\n",
                encoding="utf-8",
            )
            try:
                # atomic, and refused if the folder is no longer empty (an empty one is replaced)
                os.rename(temporary, self.path)
            except OSError:
                if self.path.is_dir() and any(self.path.iterdir()):
                    raise SweepError(
                        f"{self.path}: another sweep created this store at the same moment; "
                        "wait for it to end, then run the same command again to resume"
                    ) from None
                raise
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
        """Hold the store's lock while writing; clear temporaries a killed sweep left.

        The lock is a ``flock`` on ``.lock`` (released by the kernel when its
        holder ends, even by SIGKILL or a container restart, so a reused PID
        never keeps a store locked); the file also records who holds it —
        host, PID, boot id and process start time — for the message and for
        file systems without ``flock``.
        """
        fd = self._lock()
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
                (self.path / LOCK).unlink(missing_ok=True)
                os.close(fd)  # releases the flock

    def _lock(self) -> int:
        lock = self.path / LOCK
        for _ in range(3):
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                try:  # the holder may have removed the file just before we locked it
                    same = os.stat(lock).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
                if not same:
                    os.close(fd)
                    continue
                owner = _read_owner(fd)
                if owner is not None and _owner_alive(owner, flock_held=fcntl is not None):
                    raise BlockingIOError
            except BlockingIOError:
                os.close(fd)
                raise SweepError(self._busy(_read_owner_file(lock))) from None
            except BaseException:
                os.close(fd)
                raise
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(_me()).encode(), 0)
            return fd
        raise SweepError(f"{self.path}: could not take the store's lock; try again")

    def _busy(self, owner: dict[str, Any] | None) -> str:
        who = "another sweep"
        if owner is not None:
            who = (
                f"another sweep (process {owner.get('pid')} on {owner.get('host')}, "
                f"since {owner.get('since', '?')})"
            )
        return (
            f"{self.path}: in use by {who}; wait for it to end, or if no sweep is writing "
            f"there, delete {self.path / LOCK} and run again"
        )

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
            outcome_table = _outcome_table(outcomes).replace_schema_metadata(
                {BATCH_TABLES: json.dumps(names)}
            )
            pq.write_table(outcome_table, temporary / "outcomes.parquet")
            for file in temporary.iterdir():
                _fsync(file)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        # the commit point: after the rename the batch is stored, whatever happens next
        os.rename(temporary, self.batches_path / name)
        _fsync(self.batches_path)
        self._checked.add(name)
        return self.batches_path / name

    # -- reading ---------------------------------------------------------------------
    def check_batch(self, batch: Path) -> None:
        """Refuse a batch unless every table it should hold is there and readable.

        Each Parquet file's footer (its metadata) is read, which finds a file
        truncated or zeroed by a crash or a full disk; the tables the batch
        lists in ``outcomes.parquet`` must all be present.
        """
        if batch.name in self._checked:
            return
        outcomes = batch / "outcomes.parquet"
        files = sorted(batch.glob("*.parquet"))
        try:
            if not outcomes.is_file():
                raise _Damaged("outcomes.parquet", "missing")
            for file in files:
                try:
                    pq.read_metadata(file)
                except (OSError, pa.ArrowException) as error:
                    raise _Damaged(file.name, _reason(error)) from None
            listed = json.loads((pq.read_schema(outcomes).metadata or {}).get(BATCH_TABLES, "[]"))
            for name in listed:
                if not (batch / f"{name}.parquet").is_file():
                    raise _Damaged(f"{name}.parquet", "missing")
        except _Damaged as damage:
            raise SweepError(self._damaged(batch, *damage.args)) from None
        self._checked.add(batch.name)

    def _damaged(self, batch: Path, file: str, reason: str) -> str:
        return (
            f"{batch}: damaged batch ({file}: {reason}); move it out of the store "
            f"(mv {batch} {self.path / ('damaged-' + batch.name)}) and run the same "
            "workbench sweep command again: its runs are redone"
        )

    def _read(self, batch: Path, name: str) -> pa.Table:
        self.check_batch(batch)
        try:
            return pq.read_table(batch / name)
        except (OSError, pa.ArrowException) as error:
            raise SweepError(self._damaged(batch, name, _reason(error))) from None

    def outcomes(self) -> pd.DataFrame:
        """Every recorded outcome with its ``batch``, oldest first."""
        frames = []
        for batch in self.batches():
            table = self._read(batch, "outcomes.parquet").replace_schema_metadata(None)
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
            table = self._read(batch, file.name)
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
        try:
            return pq.read_table(self.design_path).replace_schema_metadata(None).to_pandas()
        except (OSError, pa.ArrowException) as error:
            raise SweepError(
                f"{self.design_path}: damaged ({_reason(error)}); restore it from a backup, or "
                f"move the folder aside (mv {self.path} {self.path}.old) and run the sweep again"
            ) from None


class _Damaged(Exception):
    """(file name, reason) of the first problem found in a batch."""


def _reason(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _manifest_text(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, default=str)


# -- who holds the lock ---------------------------------------------------------------------
def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _start_time(pid: int) -> str | None:
    """Clock ticks since boot at which ``pid`` started (field 22 of /proc/PID/stat)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _me() -> dict[str, Any]:
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "boot_id": _boot_id(),
        "start": _start_time(os.getpid()),
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _parse_owner(text: str) -> dict[str, Any] | None:
    try:
        owner = json.loads(text)
    except ValueError:
        parts = text.split()  # an older store's "host pid"
        if len(parts) == 2 and parts[1].isdigit():
            return {"host": parts[0], "pid": int(parts[1])}
        return None
    return owner if isinstance(owner, dict) else None


def _read_owner(fd: int) -> dict[str, Any] | None:
    return _parse_owner(os.pread(fd, 4096, 0).decode("utf-8", "replace"))


def _read_owner_file(lock: Path) -> dict[str, Any] | None:
    try:
        return _parse_owner(lock.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def _owner_alive(owner: dict[str, Any], flock_held: bool) -> bool:
    """Whether the recorded holder of an unlocked ``.lock`` still runs.

    Where ``flock`` works, an unlocked file is stale whatever it says. Without
    it, the holder counts as alive only if it is on this machine, in this boot,
    and its PID still names a process started at the recorded time.
    """
    if flock_held:
        return False
    if owner.get("host") != socket.gethostname():
        return True  # cannot check another machine's processes
    pid, start = owner.get("pid"), owner.get("start")
    if not isinstance(pid, int) or start is None or owner.get("boot_id") != _boot_id():
        return False
    return _start_time(pid) == start


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
