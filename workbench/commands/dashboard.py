"""``workbench dashboard``: serve the coordinator app as a web page with Voila (no code shown)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

KERNEL_NAME = "workbench-python"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the coordinator dashboard, roster matcher and sweep explorer as a web page",
        description="Serve the coordinator app with Voila on this computer only (127.0.0.1 by "
        "default): policy sliders with live pictures and comparison, the roster matcher, and "
        "the sweep explorer. No code is shown. Stop with Ctrl+C.",
    )
    parser.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only)",
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        default=None,
        metavar="FILE",
        help="scenario TOML to start from (default: scenarios/baseline.toml)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        metavar="DIR",
        help="a 'workbench sweep' result folder to open in the sweep explorer",
    )
    parser.add_argument(
        "--save-dir",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where 'Save settings as a file' writes scenario files (default: here)",
    )
    return parser


def write_app(folder: Path, args: argparse.Namespace) -> Path:
    """Write the app notebook and a kernel spec for this interpreter into ``folder``."""
    import nbformat

    from workbench.widgets.app import app_notebook

    notebook = app_notebook(args.scenario, args.results, args.save_dir)
    notebook.metadata["kernelspec"] = {
        "name": KERNEL_NAME,
        "display_name": "Mentorship Workbench (Python)",
        "language": "python",
    }
    path = folder / "Mentorship Workbench.ipynb"
    nbformat.write(notebook, path)
    spec = folder / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Mentorship Workbench (Python)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    return path


def voila_command(notebook: Path, port: int, host: str) -> list[str]:
    """The Voila command line that serves ``notebook``."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={host}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
    ]


def run(args: argparse.Namespace) -> int:
    import importlib.util

    from workbench.errors import WorkbenchError
    from workbench.scenario import load_scenario

    if importlib.util.find_spec("voila") is None:
        raise WorkbenchError("Voila is not installed; pip install 'mentorship-workbench' again")
    if not 0 < args.port < 65536:
        raise WorkbenchError(f"--port {args.port}: choose a port between 1 and 65535")
    if args.scenario is not None:
        load_scenario(args.scenario)  # refuse a bad file before starting anything
    if args.results is not None and not (args.results / "manifest.json").is_file():
        raise WorkbenchError(f"{args.results}: not a 'workbench sweep' result folder")
    if not args.save_dir.is_dir():
        raise WorkbenchError(f"--save-dir {args.save_dir}: no such folder")
    with tempfile.TemporaryDirectory(prefix="workbench-dashboard-") as folder:
        notebook = write_app(Path(folder), args)
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join(
            [str(Path(folder) / "jupyter"), *filter(None, [env.get("JUPYTER_PATH")])]
        )
        env.setdefault("MPLBACKEND", "Agg")
        print(f"Serving the dashboard at http://{args.host}:{args.port}/ (Ctrl+C to stop)")
        process = subprocess.Popen(voila_command(notebook, args.port, args.host), env=env)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
            return 0
