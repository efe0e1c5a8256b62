"""The command line's contract: every failure is one line on stderr with a known exit code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from workbench import cli

ROOT = Path(__file__).parents[1]
BASELINE = str(ROOT / "scenarios" / "baseline.toml")


def _workbench(*args: str, cwd: Path | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        **kwargs,
    )


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_help_imports_no_command_module() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from workbench import cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try: cli.main(['--help'])\n"
        "    except SystemExit: pass\n"
        "heavy = [m for m in ('pandas', 'sklearn', 'matplotlib', 'mesa', 'workbench.commands.run') "
        "if m in sys.modules]\n"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_lists_every_command_with_its_help() -> None:
    overview = cli.build_parser(overview=True).format_help()
    full = cli.build_parser()
    for name in cli.command_names():
        assert name in overview
        action = next(a for a in full._subparsers._group_actions if a.choices)  # noqa: SLF001
        assert cli.command_help(name) == next(
            c.help
            for c in action._choices_actions
            if c.dest == name  # noqa: SLF001
        )


def test_bad_flag_is_one_line_pointing_to_help() -> None:
    done = _workbench("run", BASELINE, "--replications", "many")
    assert done.returncode == 2
    line = _one_line(done.stderr)
    assert "invalid int value" in line and "see workbench run --help" in line


def test_unwritable_out_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    done = _workbench(
        "run",
        BASELINE,
        "--replications",
        "1",
        "--set",
        "cohort.size=20",
        "--out",
        str(tmp_path / "file.txt" / "out"),
    )
    assert done.returncode == 2
    assert "is a file" in _one_line(done.stderr)


def test_os_error_and_damaged_files_become_one_line() -> None:
    assert cli._one_line(FileNotFoundError(2, "No such file or directory", "x.csv")) == (
        "x.csv: No such file or directory"
    )
    try:
        json.loads("{bad")
    except json.JSONDecodeError as error:
        assert "JSON file is damaged" in cli._one_line(error)
    import pyarrow as pa

    assert "Parquet" in cli._one_line(pa.ArrowInvalid("Parquet magic bytes not found"))
    assert cli._one_line(RuntimeError("a bug")) is None


def test_a_bug_says_how_to_see_the_traceback(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def broken(args):
        raise RuntimeError("boom")

    real = cli.build_parser

    def parser(*a, **k):
        built = real(*a, **k)
        built.set_defaults(handler=broken)
        for action in built._subparsers._group_actions:  # noqa: SLF001
            for sub in action.choices.values():
                sub.set_defaults(handler=broken)
        return built

    monkeypatch.setattr(cli, "build_parser", parser)
    monkeypatch.delenv(cli.DEBUG_VARIABLE, raising=False)
    assert cli.main(["run", BASELINE]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "internal error: RuntimeError: boom" in line and cli.DEBUG_VARIABLE in line
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    with pytest.raises(RuntimeError):
        cli.main(["run", BASELINE])


def test_closed_pipe_exits_quietly() -> None:
    reader = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reader.stdout.close()  # the reader went away, as `| head -0` does
    _, stderr = reader.communicate(timeout=120)
    assert b"Traceback" not in stderr


@pytest.mark.parametrize(
    ("sig", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "stopped")]
)
def test_signals_give_one_line(tmp_path: Path, sig: int, code: int, word: str) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "run",
            BASELINE,
            "--replications",
            "500",
            "--out",
            str(tmp_path / "out"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        # a shell without job control starts background jobs with SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    seen = ""
    while "run/s" not in seen and process.poll() is None:  # the runs have started
        seen += process.stderr.read(1)
    process.send_signal(sig)
    _, rest = process.communicate(timeout=300)
    lines = [part for part in (seen + rest).replace("\r", "\n").splitlines() if part.strip()]
    lines = [part for part in lines if "|" not in part]  # progress bar frames
    assert process.returncode == code, seen + rest
    assert "Traceback" not in rest
    # what the run announced before it started, then exactly one line for the signal
    assert lines[-1] == f"workbench run: {word}" + (" (SIGTERM)" if sig == signal.SIGTERM else "")
    assert sum(word in line for line in lines) == 1, seen + rest
    assert sorted(os.listdir(tmp_path)) == []


def test_interrupt_while_importing_a_command_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    def importing(*args, **kwargs):
        raise KeyboardInterrupt  # as Ctrl-C during the seconds a command's imports take

    monkeypatch.setattr(cli, "build_parser", importing)
    assert cli.main(["run", BASELINE]) == 130
    assert _one_line(capsys.readouterr().err) == "workbench run: interrupted"
