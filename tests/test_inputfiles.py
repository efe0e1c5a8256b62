"""The shared readers of user files: what they return and the one line they raise."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.inputfiles import read_csv_rows, read_toml


class BadFile(WorkbenchError):
    pass


def test_csv_rows_keep_line_numbers_quoted_newlines_and_drop_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes('\ufeffid,note\n\ns1,"two\nlines"\ns2,plain\n'.encode())
    rows = read_csv_rows(path, "roster", BadFile)
    assert rows == [["id", "note"], [], ["s1", "two\nlines"], ["s2", "plain"]]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such roster file"),
        ("id\né\n".encode("latin-1"), "not UTF-8 text (byte 3); save the file as CSV UTF-8"),
        (b"id,x\ns1," + b"x" * 200_000 + b"\n", "malformed CSV: field larger than field limit"),
    ],
)
def test_csv_problems_are_one_line_naming_the_file(tmp_path: Path, content, message) -> None:
    path = tmp_path / "roster.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BadFile) as caught:
        read_csv_rows(path, "roster", BadFile)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_toml_problems_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text("[levers\n", encoding="utf-8")
    with pytest.raises(BadFile, match=r"s\.toml: malformed TOML"):
        read_toml(path, "scenario", BadFile)
    path.write_text('name = "x"\n', encoding="utf-8")
    assert read_toml(path, "scenario", BadFile) == {"name": "x"}
