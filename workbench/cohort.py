"""Cohorts: a synthetic roster drawn from a scenario, or a coordinator's roster CSV.

Examples
--------
>>> import numpy as np
>>> from workbench.scenario import Scenario
>>> roster = generate_roster(Scenario().cohort, np.random.default_rng(0))
>>> len(roster), roster.attribute_names
(300, ('disability', 'first_gen', 'language_background'))
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.roster import Roster, load_roster
from workbench.scales import latent_shift_for_share_gap
from workbench.scenario import BARRIERS, Cohort, GroupEffect, Scenario

HOME_LANGUAGES = ("es", "ar", "zh", "uk", "pt")
_ATTRIBUTE_INTEREST_TILT = 0.8  # how strongly interests follow the first attribute


def _site_names(count: int) -> np.ndarray:
    width = len(str(count))
    return np.array([f"site_{k + 1:0{width}d}" for k in range(count)], dtype=object)


def _top_k(logits: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Sample ``k`` items per row without replacement (Gumbel top-k)."""
    n, m = logits.shape
    k = min(k, m)
    chosen = np.zeros((n, m), dtype=bool)
    if k == 0:
        return chosen
    keys = logits + rng.gumbel(size=(n, m))
    top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
    np.put_along_axis(chosen, top, True, axis=1)
    return chosen


def _effect_columns(
    config: Cohort, attributes: Mapping[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-student belonging shift, confidence shift, barrier odds and language-barrier rate."""
    belonging = np.zeros(n)
    confidence = np.zeros(n)
    odds = np.ones(n)
    language = np.full(n, config.barriers.language)
    for effect in config.group_effects:
        if effect.attribute not in attributes:
            continue
        hit = attributes[effect.attribute].astype(str) == effect.level
        belonging[hit] += belonging_shift(effect, config)
        confidence[hit] += effect.confidence
        odds[hit] *= effect.barrier_odds
        if effect.language_barrier is not None:
            language[hit] = np.maximum(language[hit], effect.language_barrier)
    return belonging, confidence, odds, language


def belonging_shift(effect: GroupEffect, config: Cohort) -> float:
    """Latent starting-belonging shift of a group: given, or converted from a share gap."""
    if effect.belonging_gap is None:
        return effect.belonging
    init = config.initial
    return latent_shift_for_share_gap(effect.belonging_gap, init.belonging_mean, init.belonging_sd)


def threatened_levels(config: Cohort) -> dict[str, set[str]]:
    """Attribute → its levels *under threat*: those that start with lower belonging."""
    out: dict[str, set[str]] = {}
    for effect in config.group_effects:
        if belonging_shift(effect, config) < 0:
            out.setdefault(effect.attribute, set()).add(effect.level)
    return out


def _with_odds(rate: np.ndarray | float, odds: np.ndarray) -> np.ndarray:
    rate = np.clip(rate, 1e-9, 1 - 1e-9)
    o = rate / (1 - rate) * odds
    return o / (1 + o)


def generate_roster(config: Cohort, rng: np.random.Generator) -> Roster:
    """Draw a synthetic roster from a scenario's ``[cohort]`` section.

    Students are spread evenly over sites; group attributes follow the given
    shares; barriers follow the base rates with group odds ratios; older and
    stronger students are the mentors (``mentor_share`` of each site).
    """
    n = config.size
    site = _site_names(config.sites)[np.arange(n) % config.sites]
    attributes = {
        name: np.asarray(attr.levels, dtype=object)[
            rng.choice(len(attr.levels), size=n, p=np.asarray(attr.shares))
        ]
        for name, attr in config.attributes.items()
    }
    grade = np.asarray(config.grades)[rng.integers(0, len(config.grades), size=n)]
    grade_z = (grade - np.mean(config.grades)) / max(np.std(config.grades), 1.0)

    shift_b, shift_c, odds, language_rate = _effect_columns(config, attributes, n)
    rates = {name: getattr(config.barriers, name) for name in BARRIERS}
    barriers = np.column_stack(
        [
            rng.random(n) < _with_odds(language_rate if name == "language" else rates[name], odds)
            for name in BARRIERS
        ]
    )

    skill = 0.5 + 0.06 * grade_z[:, None] + rng.normal(0.0, 0.18, size=(n, len(config.subjects)))
    skill = np.clip(skill - 0.03 * barriers.sum(1, keepdims=True), 0.02, 0.98)

    first = next(iter(config.attributes))
    level_codes = pd.factorize(attributes[first])[0]
    tilt = rng.normal(
        0.0, _ATTRIBUTE_INTEREST_TILT, size=(level_codes.max() + 1, len(config.interests))
    )
    interests = _top_k(tilt[level_codes], config.interests_per_student, rng)

    free = np.where(barriers[:, BARRIERS.index("schedule")], 0.3, 0.65)
    schedule = rng.random((n, len(config.schedule_slots))) < free[:, None]
    nobody = ~schedule.any(1)
    schedule[nobody, rng.integers(0, len(config.schedule_slots), size=nobody.sum())] = True

    home = np.asarray(HOME_LANGUAGES)[rng.integers(0, len(HOME_LANGUAGES), size=n)]
    speaks_english = ~barriers[:, BARRIERS.index("language")]
    has_home = ~speaks_english | (rng.random(n) < 0.25)
    language_names = ("en", *HOME_LANGUAGES)
    languages = np.zeros((n, len(language_names)), dtype=bool)
    languages[:, 0] = speaks_english
    for j, name in enumerate(HOME_LANGUAGES, start=1):
        languages[:, j] = has_home & (home == name)

    init = config.initial
    belonging = np.clip(
        init.belonging_mean + shift_b + rng.normal(0, init.belonging_sd, n), 0.02, 0.98
    )
    confidence = np.clip(
        init.confidence_mean + shift_c + rng.normal(0, init.confidence_sd, n), 0.02, 0.98
    )

    # mentors: the most experienced mentor_share of each site (grade, skill, a little chance)
    seniority = grade_z + 2.0 * (skill.mean(1) - 0.5) + rng.normal(0, 0.3, n)
    role = np.full(n, "mentee", dtype=object)
    for name in np.unique(site):
        rows = np.flatnonzero(site == name)
        k = max(1, round(config.mentor_share * len(rows)))
        role[rows[np.argsort(-seniority[rows], kind="stable")[:k]]] = "mentor"

    width = len(str(n))
    return Roster(
        ids=np.array([f"s{i + 1:0{width}d}" for i in range(n)], dtype=object),
        site=site,
        grade=grade.astype(np.int64),
        role=role,
        attribute_columns=attributes,
        interests=interests,
        interest_names=tuple(config.interests),
        skills=skill,
        subject_names=tuple(config.subjects),
        languages=languages,
        language_names=language_names,
        schedule=schedule,
        slot_names=tuple(config.schedule_slots),
        barriers=barriers,
        belonging=belonging,
        confidence=confidence,
    )


def fill_starting_levels(roster: Roster, config: Cohort, rng: np.random.Generator) -> Roster:
    """Draw starting belonging/confidence where a real roster leaves them blank.

    Group shifts of the scenario apply where the roster has the same attribute
    columns and levels.
    """
    shift_b, shift_c, _, _ = _effect_columns(config, roster.attribute_columns, len(roster))
    init = config.initial
    n = len(roster)
    drawn_b = np.clip(
        init.belonging_mean + shift_b + rng.normal(0, init.belonging_sd, n), 0.02, 0.98
    )
    drawn_c = np.clip(
        init.confidence_mean + shift_c + rng.normal(0, init.confidence_sd, n), 0.02, 0.98
    )
    belonging = np.where(np.isnan(roster.belonging), drawn_b, roster.belonging)
    confidence = np.where(np.isnan(roster.confidence), drawn_c, roster.confidence)
    from dataclasses import replace

    return replace(roster, belonging=belonging, confidence=confidence)


def build_roster(scenario: Scenario, rng: np.random.Generator) -> Roster:
    """The scenario's cohort: its roster CSV if it names one, else a synthetic draw."""
    if scenario.cohort.roster:
        roster = load_roster(scenario.cohort.roster, subjects=None)
        return fill_starting_levels(roster, scenario.cohort, rng)
    return generate_roster(scenario.cohort, rng)
