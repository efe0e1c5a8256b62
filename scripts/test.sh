#!/usr/bin/env bash
# Set up a virtual environment with the test extras and run lint + the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# The dashboard's real-browser test drives Debian's chromium (never a downloaded browser build).
command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) \
    || echo "warning: could not install chromium; the dashboard browser test will be skipped"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/ruff check workbench tests benchmarks notebooks
.venv/bin/ruff format --check workbench tests benchmarks notebooks
# Both cores (pytest-xdist): the server/browser tests run one after another on one worker, and
# a module's shared fixture is computed once (groups set in tests/conftest.py).
.venv/bin/python -m pytest -q -n 2 --dist loadgroup "$@"

# The core again on Python 3.12, where pip resolves Mesa 3.5 (Python 3.11 gets
# Mesa 3.3): the code must accept both. Skipped where no Python 3.12 exists.
if PYENV_VERSION=3.12.1 python3.12 --version >/dev/null 2>&1; then
    PYENV_VERSION=3.12.1 python3.12 -m venv .venv312
    .venv312/bin/python -m pip install --quiet --upgrade pip
    .venv312/bin/python -m pip install --quiet -e ".[test]"
    .venv312/bin/python -c "import mesa, sys; print(f'Python {sys.version.split()[0]}, Mesa {mesa.__version__}')"
    .venv312/bin/python -m pytest -q -n 2 --dist loadgroup tests/test_model.py \
        tests/test_mesa_habits.py tests/test_scenario.py tests/test_cli_run.py tests/test_golden_tables.py
fi
