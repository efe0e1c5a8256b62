"""The dashboard's runs: seeded replications of a scenario plus the ties network of the first.

Replication ``k`` uses the seed :func:`workbench.run_scenario` gives it
(derived from ``scenario.seed``), so the dashboard's numbers equal a direct
``run_scenario(scenario, replications=n)``. The first replication is run
through :class:`workbench.model.MentorshipModel` directly so its ties network
can be drawn; its metrics are the same tables :func:`workbench.simulation.simulate`
returns for that seed.

Examples
--------
>>> from workbench.scenario import Scenario
>>> scenario = Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 4})
>>> live = run_live(scenario, replications=2)
>>> sorted(live.metrics["replication"].unique().tolist()), live.complete
([0, 1], True)
>>> live.network.edges.shape[1]
2
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.model import MentorshipModel
from workbench.scenario import Scenario
from workbench.seeding import derive_seeds
from workbench.simulation import simulate


@dataclass(frozen=True)
class Network:
    """The ties at the end of one run.

    Attributes
    ----------
    groups : DataFrame
        One row per student: the group attribute columns, ``role``, ``active``.
    edges : (m, 2) int
        Tie ends (row numbers of ``groups``).
    mentoring : (m,) bool
        Whether the tie was a mentoring link (else a friendship).
    cross : (m,) bool
        Whether the two differ on a cross-group attribute.
    """

    groups: pd.DataFrame
    edges: np.ndarray
    mentoring: np.ndarray
    cross: np.ndarray


@dataclass(frozen=True)
class LiveResult:
    """Replications of one scenario, stacked, with the first run's network."""

    scenario: Scenario
    metrics: pd.DataFrame
    gaps: pd.DataFrame
    network: Network
    replications: int
    complete: bool


Progress = Callable[[str], None]


def _first_run(
    scenario: Scenario, seed: int, progress: Progress, cancelled: Callable[[], bool]
) -> tuple[pd.DataFrame, pd.DataFrame, Network] | None:
    model = MentorshipModel(scenario, rng=seed)
    weeks = scenario.levers.weeks
    while model.running:  # what model.run() does, week by week, to report and to stop early
        model.step()
        if model.steps % 4 == 0 or not model.running:
            progress(f"first run: week {model.steps} of {weeks}")
        if cancelled():
            return None
    metrics, gaps = model.recorder.tables()
    metrics.insert(0, "replication", 0)
    gaps.insert(0, "replication", 0)
    roster, links = model.roster, model.state.links
    groups = roster.attributes.astype(str).reset_index(drop=True).copy()
    groups["role"] = model.state.role.astype(str)
    groups["active"] = model.state.active
    edges = model.ties.edges()
    n = len(roster)
    link_keys = np.unique(
        np.minimum(links.mentor, links.mentee).astype(np.int64) * n
        + np.maximum(links.mentor, links.mentee)
    )
    keys = edges[:, 0].astype(np.int64) * n + edges[:, 1]
    mentoring = np.isin(keys, link_keys)
    cross = model.ties.is_cross(edges[:, 0], edges[:, 1])
    return metrics, gaps, Network(groups, edges, mentoring, cross)


def iter_live(
    scenario: Scenario,
    replications: int,
    first_look: int = 1,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Progress = lambda text: None,
) -> Iterator[LiveResult]:
    """Yield a first look after ``first_look`` replications, then the full set.

    Stops early (yielding nothing more) as soon as ``cancelled()`` is true,
    checked every week of the first run and between replications.
    ``progress(text)`` hears how far the runs are ("run 2 of 4").
    """
    seeds = derive_seeds(scenario.seed, replications)
    first = _first_run(scenario, seeds[0], progress, cancelled)
    if first is None:
        return
    metrics, gaps, network = first
    all_metrics, all_gaps = [metrics], [gaps]
    checkpoints = {min(max(first_look, 1), replications), replications}
    for k in range(1, replications + 1):
        if k in checkpoints:
            yield LiveResult(
                scenario,
                pd.concat(all_metrics, ignore_index=True),
                pd.concat(all_gaps, ignore_index=True),
                network,
                k,
                k == replications,
            )
        if k == replications or cancelled():
            return
        progress(f"run {k + 1} of {replications}")
        result = simulate(scenario, rng=seeds[k], replication=k)
        all_metrics.append(result.metrics)
        all_gaps.append(result.gaps)


def run_live(scenario: Scenario, replications: int) -> LiveResult:
    """All ``replications`` of ``scenario`` (the last item of :func:`iter_live`)."""
    *_, last = iter_live(scenario, replications, first_look=replications)
    return last
