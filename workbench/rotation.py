"""Rotation policies: which alive links end this week, and why.

Each policy is a function ``(state, scenario, week) -> (link indices, reason)``
(:class:`RotationPolicy`) with a record in :mod:`workbench.registry` (its name,
label, description, the settings it reads and the end reasons it gives); the
coordinator agent ends those links and rematches the students (avoiding recent
partners where possible). The built-in ones, as ``policy_table("rotation")``
lists them:

``none``
    Pairs stay together for the whole program.
``periodic``
    Every ``every_weeks`` weeks all pairs rotate ("partnerships should rotate
    occasionally to broaden exposure and prevent dependency").
``plan_b``
    A pair rated poor at ``poor_checkins`` consecutive check-ins is rematched
    ("not every pair will click — have a Plan B").
``dependency``
    A pair whose mentee's dependency reached ``dependency_threshold`` rotates.
``role``
    Every ``every_weeks`` weeks, mentees who have grown more confident than the
    median mentor step up to mentor (tiered roles) and everyone is rematched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from workbench import registry
from workbench.dynamics import CohortState
from workbench.scenario import Scenario


class RotationPolicy(Protocol):
    """A rotation policy: the alive links to end in ``week`` and the end reason.

    It may change ``state.role`` (tiered roles) but nothing else; the returned
    indices are alive links (``state.links.alive``), the reason one of its
    record's ``reasons``.
    """

    def __call__(
        self, state: CohortState, scenario: Scenario, week: int, /
    ) -> tuple[np.ndarray, str]: ...


#: Every rotation policy by name (built-in, registered and installed ones), a live
#: read-only view of :mod:`workbench.registry`; looking a name up loads its function.
ROTATIONS: Mapping[str, RotationPolicy] = registry.FunctionView("rotation")
NOTHING = np.zeros(0, dtype=np.intp)


def every_k_weeks(week: int, k: int) -> bool:
    """Whether something done every ``k`` weeks (from week 1, not in it) happens in ``week``.

    The one rule for check-ins and scheduled rotations: weeks ``k + 1``,
    ``2k + 1``, … (week 1 is the first meeting); ``k = 0`` means never.

    Examples
    --------
    >>> [w for w in range(1, 14) if every_k_weeks(w, 6)]
    [7, 13]
    """
    return k > 0 and week > 1 and (week - 1) % k == 0


def _due(scenario: Scenario, week: int) -> bool:
    return every_k_weeks(week, scenario.rotation.every_weeks)


def no_rotation(state: CohortState, scenario: Scenario, week: int) -> tuple[np.ndarray, str]:
    return NOTHING, "rotation"


def periodic(state: CohortState, scenario: Scenario, week: int) -> tuple[np.ndarray, str]:
    if not _due(scenario, week):
        return NOTHING, "rotation"
    return np.flatnonzero(state.links.alive), "rotation"


def plan_b(state: CohortState, scenario: Scenario, week: int) -> tuple[np.ndarray, str]:
    links = state.links
    poor = links.alive & (links.poor_streak >= scenario.rotation.poor_checkins)
    return np.flatnonzero(poor), "plan_b"


def dependency(state: CohortState, scenario: Scenario, week: int) -> tuple[np.ndarray, str]:
    links = state.links
    stuck = state.dependency[links.mentee] >= scenario.rotation.dependency_threshold
    return np.flatnonzero(links.alive & stuck), "dependency"


def role_rotation(state: CohortState, scenario: Scenario, week: int) -> tuple[np.ndarray, str]:
    if not _due(scenario, week):
        return NOTHING, "role_rotation"
    mentors = state.active & (state.role == "mentor")
    mentees = state.active & (state.role == "mentee")
    if mentors.any() and mentees.any():
        bar = np.median(state.confidence[mentors])
        rising = np.flatnonzero(mentees & (state.confidence >= bar))
        if len(rising):
            # as many of the least confident mentors step back, keeping the sides balanced
            order = np.flatnonzero(mentors)[np.argsort(state.confidence[mentors], kind="stable")]
            stepping_back = order[: len(rising)]
            state.role[rising[: len(stepping_back)]] = "mentor"
            state.role[stepping_back] = "mentee"
    return np.flatnonzero(state.links.alive), "role_rotation"
