"""``workbench dashboard``: refuses bad input in one line; serves a code-free app on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import re
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


def test_a_bad_host_and_a_busy_port_are_refused_in_one_line(capsys):
    import socket

    assert main(["dashboard", "--host", "999.1.1.1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--host 999.1.1.1" in err and "\n" not in err and "Traceback" not in err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"--port {port}: already in use" in err and "\n" not in err


def test_only_loopback_hosts_count_as_this_computer_only():
    from workbench.commands.dashboard import check_address

    assert check_address("127.0.0.1", 0) is True
    assert check_address("localhost", 0) is True
    assert check_address("0.0.0.0", 0) is False  # every interface: the warning is printed


def test_voila_keeps_no_kernel_warm_and_culls_those_of_closed_pages():
    command = voila_command(Path("app.ipynb"), 8866, "127.0.0.1", cull_seconds=60)
    assert "--VoilaConfiguration.preheat_kernel=False" in command
    assert "--MappingKernelManager.cull_idle_timeout=60" in command
    assert "--MappingKernelManager.cull_connected=False" in command  # an open page keeps it
    assert "--template=workbench" in command


def test_the_page_template_fetches_nothing_from_outside(tmp_path):
    from workbench.commands.dashboard import TEMPLATE_NAME, write_template

    folder = write_template(tmp_path)
    text = (folder / "index.html.j2").read_text()
    assert folder.name == TEMPLATE_NAME
    assert not re.search(r"<link[^>]+href=\"(https?:)?//", text)  # Font Awesome from a CDN
    assert "aria-label" in text  # the page script naming the sliders
    assert json.loads((folder / "conf.json").read_text()) == {"base_template": "lab"}


def test_folders_of_killed_dashboards_are_removed_and_live_ones_kept(tmp_path):
    import os
    import time

    from workbench.commands.dashboard import OWNER_FILE, TEMP_PREFIX, remove_stale_folders

    dead = tmp_path / f"{TEMP_PREFIX}dead"
    dead.mkdir()
    (dead / OWNER_FILE).write_text(json.dumps({"pid": 2**22 + 7, "started": "1.000"}))
    live = tmp_path / f"{TEMP_PREFIX}live"
    live.mkdir()
    import psutil

    started = f"{psutil.Process(os.getpid()).create_time():.3f}"
    (live / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": started}))
    reused = tmp_path / f"{TEMP_PREFIX}reused"  # same pid, another start time: a reused pid
    reused.mkdir()
    (reused / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": "1.000"}))
    starting = tmp_path / f"{TEMP_PREFIX}starting"  # no owner yet, just made
    starting.mkdir()
    old = tmp_path / f"{TEMP_PREFIX}old"  # no owner, a day old
    old.mkdir()
    os.utime(old, (time.time() - 86400, time.time() - 86400))
    removed = remove_stale_folders(tmp_path)
    assert sorted(p.name for p in removed) == sorted(
        f"{TEMP_PREFIX}{n}" for n in ("dead", "reused", "old")
    )
    assert live.exists() and starting.exists()
