#!/usr/bin/env bash
# Set up a virtual environment with the test extras and run lint + the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
.venv/bin/ruff check workbench tests benchmarks
.venv/bin/ruff format --check workbench tests benchmarks
.venv/bin/python -m pytest -q "$@"
