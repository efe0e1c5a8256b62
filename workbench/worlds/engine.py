"""Run one design over many plausible worlds in ONE vectorised model.

The design's roster is built once (from the scenario's seed, as
:func:`workbench.simulate` builds replication 0's roster) and tiled once per
world; each copy is its own site (matching stays within a world, and within
the original sites), and each student reads its world's parameters
(:class:`~workbench.dynamics.Params` with ``world``). One
:class:`~workbench.model.MentorshipModel` then advances every world together,
week by week, and the end-of-program outcomes are taken per world by
``bincount`` over the final state (:mod:`workbench.worlds.outcomes`).

Two designs run with the same ``rng`` share the roster and the seeds (common
random numbers), so their per-world difference is paired.

Common random numbers across worlds, too: the copies are marked as tiles of
one roster (:func:`workbench.roster.mark_tiles`), so a matching round solves
copies that pose the same problem (same students waiting, same roles, same
partners to avoid) once, and they share that solution and its tie-breaking
draws. Week 1 is one problem for all worlds; later rounds differ as the
worlds' students leave, end pairs and rotate differently. (Before, each copy
drew its own tie-breaking jitter, at most 1e-9 of a score, which could only
change pairs whose totals nearly tie; the random numbers drawn after matching
shift too, so per-world numbers differ from an engine without sharing, in
distribution the same.) The model is built ``lean`` (no Mesa agents, no
weekly group records): only the end state is read.

Examples
--------
>>> from workbench.scenario import Scenario
>>> from workbench.worlds import PlausibleWorlds
>>> small = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 4})
>>> table = run_worlds(small, PlausibleWorlds.default(n=3, rng=0), rng=1)
>>> table.shape
(3, 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from workbench.cohort import build_roster
from workbench.model import MentorshipModel
from workbench.roster import Roster, mark_tiles
from workbench.scenario import Scenario
from workbench.seeding import RngLike, as_seed, derive_seeds
from workbench.worlds.outcomes import DEFAULT_OUTCOMES, check_outcomes, measure, parse_outcome
from workbench.worlds.plausible import PlausibleWorlds

#: Joins a site name and its world in the tiled roster (``site_1|w007``).
SITE_SEPARATOR = "|w"


def seeds(scenario: Scenario, rng: RngLike = None) -> tuple[int, int]:
    """``(roster seed, model seed)`` of a batched run; ``rng`` defaults to ``scenario.seed``.

    The roster seed is the seed :func:`workbench.simulate` uses for replication 0,
    so the batched roster is that run's roster.
    """
    root = as_seed(rng, default=scenario.seed)
    return derive_seeds(root, 1)[0], derive_seeds(root, 1, 1)[0]


def design_roster(scenario: Scenario, rng: RngLike = None) -> Roster:
    """The roster every world of a batched run shares (common random numbers)."""
    return build_roster(scenario, np.random.default_rng(seeds(scenario, rng)[0]))


def tile_roster(roster: Roster, copies: int) -> tuple[Roster, np.ndarray]:
    """``copies`` copies of ``roster`` stacked, each in its own sites; and each row's copy.

    Examples
    --------
    >>> from workbench.scenario import Scenario
    >>> roster = design_roster(Scenario().with_overrides({"cohort.size": 10}))
    >>> big, copy = tile_roster(roster, 3)
    >>> len(big), copy[[0, 10, 29]].tolist(), big.site[10]
    (30, [0, 1, 2], 'site_1|w1')
    """
    n = len(roster)
    index = np.tile(np.arange(n), copies)
    copy = np.repeat(np.arange(copies), n)
    suffixes = [f"{SITE_SEPARATOR}{c}" for c in range(copies)]
    pairs = roster.must_not_meet
    if len(pairs):
        pairs = (pairs[None, :, :] + (np.arange(copies) * n)[:, None, None]).reshape(-1, 2)
    tiled = replace(
        roster,
        ids=_suffixed(roster.ids, suffixes),
        site=_suffixed(roster.site, suffixes),
        grade=roster.grade[index],
        role=roster.role[index],
        attribute_columns={name: c[index] for name, c in roster.attribute_columns.items()},
        interests=roster.interests[index],
        skills=roster.skills[index],
        languages=roster.languages[index],
        schedule=roster.schedule[index],
        barriers=roster.barriers[index],
        belonging=roster.belonging[index],
        confidence=roster.confidence[index],
        must_not_meet=pairs,
        info_columns={name: c[index] for name, c in roster.info_columns.items()},
        grade_known=roster.grade_known[index],
    )
    # each copy scores pairs as the roster on its own does (blank cells, level codes)
    tiled.__dict__["_codes"] = {k: (c[index], lv) for k, (c, lv) in roster._codes.items()}
    tiled.__dict__["neutral_terms"] = roster.neutral_terms
    # site codes follow sorted site names (Roster.site_codes): sort the few distinct names
    levels, level = np.unique(roster.site.astype(str), return_inverse=True)
    names = np.array(_suffixed(levels, suffixes), dtype=str)
    codes = np.unique(names, return_inverse=True)[1].reshape(copies, len(levels))
    tiled.__dict__["site_codes"] = codes[copy, level[index]].astype(np.int64)
    # matching scores a copy's site by slicing the roster's own score matrix, and
    # solves copies that pose the same problem once (workbench.matching.match_roster)
    return mark_tiles(tiled, roster, index), copy


def _suffixed(values: np.ndarray, suffixes: list[str]) -> np.ndarray:
    """Each value with each suffix, copy after copy: ``value + suffix`` as Python strings."""
    texts = [str(value) for value in values]
    return np.array([text + suffix for suffix in suffixes for text in texts], dtype=object)


def run_worlds(
    scenario: Scenario,
    worlds: PlausibleWorlds,
    rng: RngLike = None,
    *,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    roster: Roster | None = None,
    replications: int = 1,
    progress: bool = False,
) -> pd.DataFrame:
    """Outcomes of ``scenario`` at its last week (the program's end, or its last follow-up
    week) in every world, from one stacked run.

    Parameters
    ----------
    scenario
        The design.
    worlds
        The parameter draws (:class:`PlausibleWorlds`); parameters they do not
        draw keep the design's values.
    rng
        Root seed of the roster and the run (default ``scenario.seed``); give two
        designs the same one for paired differences.
    outcomes
        Outcome names (:mod:`workbench.worlds.outcomes`).
    roster
        The one-world roster to tile; by default :func:`design_roster`.
    replications
        Copies of the cohort per world (each with its own random course); a
        world's outcome is their mean, so less of the run's chance is left in it.
    progress
        Show a tqdm bar over the weeks.

    Returns
    -------
    DataFrame
        One row per world (index ``world``), one column per outcome.
    """
    parsed = [parse_outcome(name) for name in outcomes]
    roster = design_roster(scenario, rng) if roster is None else roster
    check_outcomes(parsed, roster)
    model = build_model(scenario, worlds, rng, roster=roster, replications=replications)
    from tqdm.auto import tqdm

    with tqdm(
        total=scenario.levers.weeks + scenario.levers.follow_up_weeks,
        desc=scenario.name,
        unit="week",
        disable=not progress,
    ) as bar:
        while model.running:
            model.step()
            bar.update()
    world = np.repeat(np.arange(len(worlds)), replications * len(roster))
    return measure(parsed, model.state, roster, world, len(worlds))


def build_model(
    scenario: Scenario,
    worlds: PlausibleWorlds,
    rng: RngLike = None,
    *,
    roster: Roster,
    replications: int = 1,
) -> MentorshipModel:
    """The stacked model of ``scenario`` over ``worlds`` (not yet run).

    Copy ``c`` of the roster belongs to world ``c // replications``.
    """
    if int(replications) < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    tiled, copy = tile_roster(roster, len(worlds) * int(replications))
    return MentorshipModel(
        scenario,
        rng=seeds(scenario, rng)[1],
        roster=tiled,
        params=worlds.params(scenario.dynamics, copy // int(replications)),
        lean=True,
    )
