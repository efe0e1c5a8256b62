"""The public API: small, lazy, documented in the README, and old names still reachable."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import workbench

ROOT = Path(__file__).parents[1]


def test_readme_table_is_the_first_tier() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## The public API", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    documented = {name for row in rows for name in re.findall(r"`(\w+)`", row.split("|")[1])}
    assert documented == set(workbench.__all__) - {"__version__"}


def test_every_public_name_resolves() -> None:
    for name in workbench.__all__:
        assert getattr(workbench, name) is not None
    for name in workbench.SUBPACKAGES:
        assert getattr(workbench, name).__name__ == f"workbench.{name}"


def test_no_two_public_names_for_one_thing() -> None:
    objects = [getattr(workbench, name) for name in workbench.__all__ if name != "__version__"]
    assert len({id(obj) for obj in objects}) == len(objects)


def test_import_is_lazy() -> None:
    code = (
        "import sys, workbench; print(sorted(m for m in sys.modules if m.startswith('workbench')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['workbench', 'workbench._version']"


@pytest.mark.parametrize("old", sorted(workbench._MOVED))
def test_moved_names_warn_and_still_work(old: str) -> None:
    module, attribute = workbench._MOVED[old]
    with pytest.warns(DeprecationWarning, match=f"workbench.{old} moved to {module}"):
        value = getattr(workbench, old)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert value is getattr(__import__(module, fromlist=[attribute]), attribute)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        workbench.nope  # noqa: B018
