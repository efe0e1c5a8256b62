"""``workbench dashboard``: refuses bad input in one line; serves a code-free app on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat
import pytest

from workbench.cli import build_parser, main
from workbench.commands.dashboard import KERNEL_NAME, voila_command, write_app


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--scenario", "nowhere.toml"], "no such scenario file"),
        (["--results", "."], "not a 'workbench sweep' result folder"),
        (["--save-dir", "no/such/folder"], "no such folder"),
        (["--port", "0"], "choose a port"),
    ],
)
def test_bad_options_are_refused_in_one_line(capsys, extra, words):
    assert main(["dashboard", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


def test_defaults_listen_on_this_computer_only():
    args = build_parser().parse_args(["dashboard"])
    assert args.host == "127.0.0.1" and args.port == 8866
    command = voila_command(Path("app.ipynb"), args.port, args.host)
    assert "--Voila.ip=127.0.0.1" in command and "--strip_sources=True" in command


def test_app_notebook_shows_the_app_with_this_python(tmp_path):
    args = argparse.Namespace(
        scenario=Path("scenarios/plan_b.toml"), results=None, save_dir=tmp_path
    )
    path = write_app(tmp_path, args)
    notebook = nbformat.read(path, as_version=4)
    assert notebook.metadata["kernelspec"]["name"] == KERNEL_NAME
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == 1 and "App(" in code[0]
    assert str(Path("scenarios/plan_b.toml").resolve()) in code[0]
    spec = json.loads((tmp_path / "jupyter" / "kernels" / KERNEL_NAME / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
