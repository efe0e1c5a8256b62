"""Files coming in through the widgets: bundled scenarios, uploaded scenarios and rosters.

Uploads are checked with the same loaders the command line uses
(:func:`workbench.load_scenario`, :func:`workbench.load_roster`), so a bad
file gives the same one-line message, naming the uploaded file.

Examples
--------
>>> files = bundled_scenarios()
>>> "baseline" in files or files == {}
True
>>> upload = ({"name": "notes.txt", "content": memoryview(b"hello"), "size": 5},)
>>> try:
...     roster_from_upload(upload)
... except UploadError as error:
...     print(error)
notes.txt: not a CSV file; choose the roster saved as .csv (one row per student, an 'id' column)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.roster import Roster, load_roster
from workbench.scenario import Scenario, load_scenario


class UploadError(WorkbenchError):
    """An uploaded file that cannot be used; the message is one line for the coordinator."""


def scenario_folders() -> list[Path]:
    """Where bundled scenarios are looked for: ``./scenarios`` and the source tree's."""
    here = Path(__file__).resolve().parents[2] / "scenarios"
    folders = [Path.cwd() / "scenarios", here]
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in unique]:
            unique.append(folder)
    return unique


def bundled_scenarios() -> dict[str, Path]:
    """Scenario files that load (sweep files and broken files are left out), by name."""
    found: dict[str, Path] = {}
    for folder in scenario_folders():
        for path in sorted(folder.glob("*.toml")):
            if path.stem in found:
                continue
            try:
                load_scenario(path)
            except WorkbenchError:
                continue
            found[path.stem] = path
    return found


def upload_entry(name: str, content: bytes, kind: str = "") -> dict[str, Any]:
    """One ``FileUpload.value`` entry, as the browser sends it (for code and tests)."""
    return {
        "name": name,
        "type": kind,
        "size": len(content),
        "content": memoryview(content),
        "last_modified": datetime.now(UTC),
    }


def _single(upload: Sequence[dict[str, Any]] | dict[str, Any]) -> tuple[str, bytes]:
    if isinstance(upload, dict):  # ipywidgets 7 style {name: {...}}
        upload = list(upload.values())
    items = list(upload)
    if not items:
        raise UploadError("no file chosen")
    item = items[-1]
    name = Path(str(item.get("name", "upload"))).name or "upload"
    return name, bytes(item["content"])


@contextmanager
def _saved(name: str, content: bytes) -> Iterator[Path]:
    """The upload as a file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="workbench-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def _plain(message: str, folder: Path) -> str:
    """An error message with the temporary folder left out (the file name is what users know)."""
    for form in {str(folder), str(folder.resolve())}:
        message = message.replace(form + "/", "").replace(form, "")
    return message


def scenario_from_upload(upload: Sequence[dict[str, Any]]) -> Scenario:
    """The scenario in a ``FileUpload.value`` (a TOML file).

    A ``base = "..."`` naming a bundled scenario resolves to that file.
    """
    name, content = _single(upload)
    if not name.lower().endswith(".toml"):
        raise UploadError(f"{name}: not a scenario file; choose a .toml scenario file")
    with _saved(name, content) as path:
        for stem, bundled in bundled_scenarios().items():  # `base = "baseline.toml"` resolves
            if f"{stem}.toml" != name:
                (path.parent / f"{stem}.toml").write_bytes(bundled.read_bytes())
        try:
            return load_scenario(path)
        except WorkbenchError as error:
            raise UploadError(_plain(str(error), path.parent)) from None


def roster_from_upload(upload: Sequence[dict[str, Any]]) -> tuple[str, Roster]:
    """The file name and :class:`Roster` in a ``FileUpload.value`` (a CSV file)."""
    name, content = _single(upload)
    if not name.lower().endswith(".csv"):
        raise UploadError(
            f"{name}: not a CSV file; choose the roster saved as .csv "
            "(one row per student, an 'id' column)"
        )
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        raise UploadError(f"{name}: not UTF-8 text; save the roster as CSV (UTF-8)") from None
    with _saved(name, content) as path:
        try:
            return name, load_roster(path)
        except WorkbenchError as error:
            raise UploadError(_plain(str(error), path.parent)) from None
