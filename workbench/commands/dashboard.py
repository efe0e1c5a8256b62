"""``workbench dashboard``: serve the coordinator app as a web page with Voila (no code shown).

Everything it starts ends with it: Voila runs as a child in its own process
group and is stopped (with its kernels) on Ctrl+C, on SIGTERM and, through
the kernel's parent-death signal, even when this process is killed; each page's
kernel is shut down when the page closes or reloads (Voila's own shutdown
request, which needs the ``_xsrf`` cookie our prelaunch hook sets), and culled
if the page went away without saying so. The temporary folder holding the app notebook is removed on
the way out (or, after a hard kill, by the next start).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

KERNEL_NAME = "workbench-python"
TEMPLATE_NAME = "workbench"
TEMP_PREFIX = "workbench-dashboard-"
OWNER_FILE = "owner.json"
CULL_SECONDS = 120
STOP_SECONDS = 20.0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "dashboard",
        help="serve the coordinator dashboard, roster matcher and sweep explorer as a web page",
        description="Serve the coordinator app with Voila on this computer only (127.0.0.1 by "
        "default): policy sliders with live pictures and comparison, the roster matcher, and "
        "the sweep explorer. No code is shown. Stop with Ctrl+C (or SIGTERM): the page's "
        "kernels stop too.",
    )
    parser.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only; any other address "
        "lets other computers use the dashboard)",
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
    parser.add_argument(
        "--cull-seconds",
        type=int,
        default=CULL_SECONDS,
        metavar="S",
        help="stop a page's kernel once no page has been connected to it for S seconds "
        f"(a tab closed without notice, a crashed browser; default {CULL_SECONDS})",
    )
    return parser


# -- the notebook, kernel spec and page template Voila serves --------------------------------
def _voila_lab_template() -> Path:
    """The installed Voila's ``lab`` page template (``index.html.j2``)."""
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("voila", "templates", "lab"):
        candidate = Path(folder) / "index.html.j2"
        if candidate.is_file():
            return candidate
    from workbench.errors import WorkbenchError

    raise WorkbenchError("Voila's 'lab' page template is missing; pip install voila again")


_REMOTE_LINK = re.compile(r"""^\s*<link[^>]+href="(?:https?:)?//[^"]*"[^>]*>\s*$\n?""", re.M)


def write_template(folder: Path) -> Path:
    """A Voila page template that loads nothing from outside this computer.

    Voila's ``lab`` template links Font Awesome from a CDN (blocked in many
    schools, and a page that phones out is not local-only); this copy drops
    those links. The app uses no icons, so nothing is lost. It also carries
    :data:`workbench.widgets.page.PAGE_SCRIPT` (accessible names for sliders,
    one Tab stop per slider, upload buttons without a file count).
    """
    target = folder / "voila" / "templates" / TEMPLATE_NAME
    target.mkdir(parents=True)
    from workbench.widgets.page import PAGE_SCRIPT

    text = _REMOTE_LINK.sub("", _voila_lab_template().read_text(encoding="utf-8"))
    footer_end = "{%- endblock body_footer -%}"
    if footer_end in text:  # the accessibility fixes, after the widgets' containers
        text = text.replace(
            footer_end, "{% raw %}" + PAGE_SCRIPT + "{% endraw %}\n" + footer_end, 1
        )
    (target / "index.html.j2").write_text(text, encoding="utf-8")
    (target / "conf.json").write_text(json.dumps({"base_template": "lab"}), encoding="utf-8")
    return target


VOILA_CONFIG = """\
# Written by workbench dashboard: give each page the _xsrf cookie Voila's shutdown request needs
from workbench.widgets.page import give_page_xsrf_cookie

c.VoilaConfiguration.prelaunch_hook = give_page_xsrf_cookie
"""


def write_voila_config(folder: Path) -> Path:
    """A Voila config file (``voila.py``) registering :func:`~workbench.widgets.page.give_page_xsrf_cookie`.

    Voila reads it from a folder on ``JUPYTER_CONFIG_PATH``. Without the hook
    every reloaded or closed page's kernel shutdown request is refused (no
    ``_xsrf`` cookie) and the kernels pile up until the idle culler stops them.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "voila.py"
    path.write_text(VOILA_CONFIG, encoding="utf-8")
    return path


def write_app(folder: Path, args: argparse.Namespace) -> Path:
    """Write the app notebook, a kernel spec for this interpreter, the page template and config."""
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
    write_template(folder / "jupyter")
    write_voila_config(folder / "config")
    return path


def voila_command(
    notebook: Path, port: int, host: str, cull_seconds: int = CULL_SECONDS
) -> list[str]:
    """The Voila command line that serves ``notebook``.

    One kernel per open page, none kept warm (no preheated pool); a kernel no
    page has been connected to for ``cull_seconds`` is stopped (Jupyter
    Server's idle culler; a page that stays open keeps its kernel).
    """
    interval = max(5, min(60, cull_seconds // 2))
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={host}",
        f"--template={TEMPLATE_NAME}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        "--VoilaConfiguration.preheat_kernel=False",
        f"--MappingKernelManager.cull_idle_timeout={cull_seconds}",
        f"--MappingKernelManager.cull_interval={interval}",
        "--MappingKernelManager.cull_connected=False",
    ]


# -- checks before anything starts ------------------------------------------------------------
def check_address(host: str, port: int) -> bool:
    """Refuse (one line) a host this computer cannot listen on or a busy port.

    Returns whether ``host`` is a loopback address (this computer only).
    """
    from workbench.errors import WorkbenchError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise WorkbenchError(
            f"--host {host}: not an address or name this computer knows; "
            "use 127.0.0.1 (this computer only)"
        ) from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Voila's server does
        try:
            sock.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise WorkbenchError(
                    f"--port {port}: already in use on {host} (another dashboard?); "
                    "stop it or choose another port with --port"
                ) from None
            if error.errno == errno.EACCES:
                raise WorkbenchError(
                    f"--port {port}: not allowed for this user; choose a port above 1023"
                ) from None
            raise WorkbenchError(
                f"--host {host}: this computer cannot listen on that address ({error.strerror}); "
                "use 127.0.0.1"
            ) from None
    addresses = {info[4][0] for info in infos}
    return all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


# -- the temporary folder and its owner -------------------------------------------------------
def _process_start(pid: int) -> str | None:
    """A token for when process ``pid`` started (None: no such process)."""
    try:
        import psutil

        return f"{psutil.Process(pid).create_time():.3f}"
    except Exception:  # noqa: BLE001 - psutil missing or the process is gone
        return None


def remove_stale_folders(root: Path | None = None) -> list[Path]:
    """Remove temporary folders of earlier dashboards that were killed without cleaning up."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for folder in root.glob(f"{TEMP_PREFIX}*"):
        owner = folder / OWNER_FILE
        try:
            record = json.loads(owner.read_text(encoding="utf-8"))
            alive = _process_start(int(record["pid"])) == record["started"]
        except (OSError, ValueError, KeyError, TypeError):
            # no owner record: only folders old enough not to be a dashboard starting up
            alive = time.time() - folder.stat().st_mtime < 3600
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def app_folder() -> Iterator[Path]:
    """A temporary folder owned by this process, removed on the way out."""
    remove_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
    try:
        owner = {"pid": os.getpid(), "started": _process_start(os.getpid())}
        (folder / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- running and stopping Voila ---------------------------------------------------------------
class _Stop(Exception):
    """SIGTERM or SIGHUP arrived: stop like Ctrl+C."""


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the dashboard process dies, even by SIGKILL (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _descendants(pid: int) -> list:
    try:
        import psutil

        return psutil.Process(pid).children(recursive=True)
    except Exception:  # noqa: BLE001 - psutil missing or the process is gone
        return []


def stop(process: subprocess.Popen, timeout: float = STOP_SECONDS) -> None:
    """Stop Voila and its kernels: SIGTERM (Voila shuts its kernels down), then SIGKILL.

    Kernels run in sessions of their own, so they are found as Voila's
    descendants before it stops, and any still running afterwards are killed.
    """
    children = _descendants(process.pid)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for child in children:
        with contextlib.suppress(Exception):
            child.terminate()
            child.wait(timeout=5)
        with contextlib.suppress(Exception):
            child.kill()


def run(args: argparse.Namespace) -> int:
    import importlib.util

    from workbench.errors import WorkbenchError
    from workbench.scenario import load_scenario

    if importlib.util.find_spec("voila") is None:
        raise WorkbenchError("Voila is not installed; pip install 'mentorship-workbench' again")
    if not 0 < args.port < 65536:
        raise WorkbenchError(f"--port {args.port}: choose a port between 1 and 65535")
    if args.cull_seconds < 10:
        raise WorkbenchError(f"--cull-seconds {args.cull_seconds}: choose 10 seconds or more")
    if args.scenario is not None:
        load_scenario(args.scenario)  # refuse a bad file before starting anything
    if args.results is not None and not (args.results / "manifest.json").is_file():
        raise WorkbenchError(f"{args.results}: not a 'workbench sweep' result folder")
    if not args.save_dir.is_dir():
        raise WorkbenchError(f"--save-dir {args.save_dir}: no such folder")
    local = check_address(args.host, args.port)
    if not local:
        print(
            f"workbench dashboard: warning: --host {args.host} is not a loopback address: "
            "anyone who can reach this computer can use the dashboard and run simulations on it",
            file=sys.stderr,
        )

    def _signalled(signum, frame):
        raise _Stop

    previous = {sig: signal.signal(sig, _signalled) for sig in (signal.SIGTERM, signal.SIGHUP)}
    process = None
    try:
        with app_folder() as folder:
            notebook = write_app(folder, args)
            env = dict(os.environ)
            for name, extra in (("JUPYTER_PATH", "jupyter"), ("JUPYTER_CONFIG_PATH", "config")):
                env[name] = os.pathsep.join([str(folder / extra), *filter(None, [env.get(name)])])
            env.setdefault("MPLBACKEND", "Agg")
            shown = f"[{args.host}]" if ":" in args.host else args.host
            print(f"Serving the dashboard at http://{shown}:{args.port}/ (Ctrl+C to stop)")
            sys.stdout.flush()
            process = subprocess.Popen(
                voila_command(notebook, args.port, args.host, args.cull_seconds),
                env=env,
                start_new_session=True,  # our signals decide when it stops, not the terminal's
                preexec_fn=_die_with_parent,
            )
            try:
                code = process.wait()
            except (KeyboardInterrupt, _Stop):
                stop(process)
                return 0
            if code != 0:
                raise WorkbenchError(f"the Voila server stopped with exit status {code}")
            return 0
    finally:
        if process is not None and process.poll() is None:
            stop(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
