"""How fast the command line and the package start, against ``python -c "import mesa"``.

Run:  .venv/bin/python benchmarks/bench_startup.py [--repeats 7]

Each command runs in a fresh interpreter (as a user types it); the figure is the
best of ``--repeats`` wall-clock times, so a loaded machine affects it least.
The reference is importing Mesa, the one library every run needs: ``workbench
--help`` and ``import workbench`` should cost a fraction of it (they import
neither Mesa nor pandas), while ``workbench run --help`` imports only its own
command module.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

COMMANDS = {
    'python -c "import mesa"  (reference)': [sys.executable, "-c", "import mesa"],
    "python -c 'import workbench'": [sys.executable, "-c", "import workbench"],
    "workbench --help": [sys.executable, "-m", "workbench.cli", "--help"],
    "workbench run --help": [sys.executable, "-m", "workbench.cli", "run", "--help"],
    "python -c 'import workbench; workbench.Scenario'": [
        sys.executable,
        "-c",
        "import workbench; workbench.Scenario",
    ],
}


def best(command: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    results = {name: best(command, args.repeats) for name, command in COMMANDS.items()}
    reference = next(iter(results.values()))
    print(f"{'command':52s} {'best (s)':>9s} {'vs import mesa':>15s}")
    for name, seconds in results.items():
        print(f"{name:52s} {seconds:9.3f} {seconds / reference:14.2f}x")


if __name__ == "__main__":
    main()
