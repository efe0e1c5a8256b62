"""Screen candidate plausible worlds against the calibration cases; write the shipped pool.

Usage, from the repository root (about 8 minutes on two cores)::

    .venv/bin/python validation/screen_worlds.py [--candidates 1200] [--workers 2]

Draws ``--candidates`` unscreened worlds (:meth:`PlausibleWorlds.unscreened`,
seed :data:`CANDIDATE_SEED`), runs each through the validation checks of role
``calibration`` with the real simulator (:mod:`workbench.worlds.screening`:
two replications of 300 students per arm) and writes
``workbench/worlds/screened.csv`` (every candidate, its simulated figures,
implausibilities and ``kept``) and ``screened.json`` (the screening's facts).
``PlausibleWorlds.default`` draws from the kept rows. Re-run it after any change
to the model, the posterior or a parameter's plausible range:
``tests/test_worlds_screening.py`` re-simulates a few rows and fails when the
file no longer matches the model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from workbench.worlds.plausible import PlausibleWorlds
from workbench.worlds.screening import default_workers, screen, write_screened

#: Seed of the candidate worlds (their parameters), apart from the replications' seeds.
CANDIDATE_SEED = 20261130
OUT = Path(__file__).parents[1] / "workbench" / "worlds"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=1200)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    candidates = PlausibleWorlds.unscreened(n=args.candidates, rng=CANDIDATE_SEED)
    table, facts = screen(candidates, workers=args.workers)
    write_screened(table, facts, args.out)
    print(json.dumps({key: facts[key] for key in ("candidates", "kept", "ruled_out_by")}, indent=2))
    print(table.groupby("identity")["kept"].agg(["sum", "size"]).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
