"""Fingerprints of every bundled scenario's tables, to show a refactor changed no result.

``python scripts/golden_tables.py`` prints the JSON that ``tests/data/golden_tables.json``
holds; ``tests/test_golden_tables.py`` recomputes it. Regenerate the file only for a
change that is meant to alter results, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {"district.toml"}  # the 100,000-student benchmark
SMALL = {"cohort.size": 60, "levers.weeks": 8}


def fingerprints() -> dict[str, dict[str, str]]:
    from workbench.scenario import load_scenario
    from workbench.simulation import run_scenario

    result = {}
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        if path.name in SKIP or path.name.startswith("sweep_"):
            continue
        scenario = load_scenario(path, overrides=SMALL)
        tables = run_scenario(scenario, replications=2).tables()
        result[path.stem] = {
            name: hashlib.sha256(
                frame.drop(columns=["version"], errors="ignore")
                .to_csv(index=False, float_format="%.12g")
                .encode()
            ).hexdigest()[:16]
            for name, frame in sorted(tables.items())
        }
    return result


if __name__ == "__main__":
    json.dump(fingerprints(), sys.stdout, indent=1, sort_keys=True)
    print()
