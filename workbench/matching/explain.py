"""A plain-language reason for every link: which score terms drove it, in the students' terms.

Each term's contribution is its weight (in the policy's objective) times its
value for the pair; the reason lists the contributing terms, those that set
the pair furthest above the average link first,
each said with the pair's own data, e.g. ``"shares 2 interests (music, sport);
mentor strong in math where mentee needs help; different first_gen (no / yes);
3 shared free slots"``.

Examples
--------
>>> import numpy as np
>>> from workbench.cohort import generate_roster
>>> from workbench.matching import match_roster
>>> from workbench.scenario import Scenario
>>> s = Scenario().with_overrides({"cohort.size": 20})
>>> roster = generate_roster(s.cohort, np.random.default_rng(0))
>>> pairing = match_roster(roster, s.matching, np.random.default_rng(1))
>>> reasons = explain(roster, pairing, s.matching)
>>> len(reasons) == len(pairing) and all(isinstance(r, str) and r for r in reasons)
True
"""

from __future__ import annotations

import numpy as np

from workbench import registry
from workbench.matching.pairing import Pairing
from workbench.matching.policies import policy_weights
from workbench.matching.scores import TERMS, pairwise_terms
from workbench.roster import Roster
from workbench.scenario import Matching as MatchConfig

STRONG_LEAD = 0.2  # mentor's skill lead that counts as "strong where mentee needs help"
NEED = 0.4  # mentee skill at or below which a subject is a need


def _names(mask: np.ndarray, names: tuple[str, ...]) -> list[str]:
    return [n for n, on in zip(names, mask, strict=True) if on]


def _listing(items: list[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" +{len(items) - limit}" if len(items) > limit else "")


def _clause(term: str, roster: Roster, a: int, b: int, cross: list[str]) -> str | None:
    """One term said for mentor ``a`` and mentee ``b`` (``None`` if nothing to say)."""
    if term == "affinity":
        shared = _names(roster.interests[a] & roster.interests[b], roster.interest_names)
        same = [
            f"{n} ({roster.attributes[n].iat[a]})"
            for n in roster.attribute_names
            if roster.attributes[n].iat[a] == roster.attributes[n].iat[b]
        ]
        parts = []
        if shared:
            parts.append(
                f"shares {len(shared)} interest{'s' if len(shared) > 1 else ''} ({_listing(shared)})"
            )
        if same:
            parts.append(f"same {_listing(same, 2)}")
        return "; ".join(parts) or None
    if term == "complementarity":
        lead = roster.skills[a] - roster.skills[b]
        strong = _names((lead >= STRONG_LEAD) & (roster.skills[b] <= NEED), roster.subject_names)
        if strong:
            return f"mentor strong in {_listing(strong)} where mentee needs help"
        ahead = _names(lead >= STRONG_LEAD, roster.subject_names)
        return f"mentor ahead in {_listing(ahead)}" if ahead else None
    if term == "challenge":
        new = _names(roster.interests[a] & ~roster.interests[b], roster.interest_names)
        return f"stretch: mentor brings new interests ({_listing(new)})" if new else None
    if term == "cross_group":
        differ = [
            f"{n} ({roster.attributes[n].iat[a]} / {roster.attributes[n].iat[b]})"
            for n in cross
            if roster.attributes[n].iat[a] != roster.attributes[n].iat[b]
        ]
        return f"different {_listing(differ, 2)}" if differ else None
    if term == "schedule":
        slots = _names(roster.schedule[a] & roster.schedule[b], roster.slot_names)
        if not slots:
            return None
        label = roster.label("schedule")
        if label == "schedule":
            return (
                f"{len(slots)} shared free slot{'s' if len(slots) > 1 else ''} ({_listing(slots)})"
            )
        return f"shared {label.lower()}: {_listing(slots)}"
    if term == "language":
        common = _names(roster.languages[a] & roster.languages[b], roster.language_names)
        return f"common language {_listing(common, 2)}" if common else None
    return None


def explain(roster: Roster, pairing: Pairing, config: MatchConfig) -> list[str]:
    """One reason per link of ``pairing`` (rows of ``roster``), strongest terms first."""
    if len(pairing) == 0:
        return []
    policy = pairing.policy or config.policy
    record = registry.get("matching", policy)
    weights = policy_weights(config, policy)
    terms = pairwise_terms(roster, pairing.mentor, pairing.mentee, config.cross_group_attributes)
    cross = list(config.cross_group_attributes or roster.attribute_names)
    contribution = np.column_stack([weights.get(t, 0.0) * terms[t] for t in TERMS])
    # what sets this pair apart: terms ordered by contribution above the links' average
    standout = contribution - contribution.mean(0)
    sizes = np.bincount(pairing.group)
    reasons = []
    for k, (a, b) in enumerate(zip(pairing.mentor.tolist(), pairing.mentee.tolist(), strict=True)):
        lead = record.reason_lead.format(
            group=pairing.group[k] + 1,
            size=sizes[pairing.group[k]],
            mentor_grade=roster.grade[a],
            mentee_grade=roster.grade[b],
        )
        clauses = [lead] if lead else []
        for j in np.argsort(-standout[k], kind="stable"):
            if contribution[k, j] <= 0:
                continue
            text = _clause(TERMS[j], roster, a, b, cross)
            if text:
                clauses.append(text)
        if len(clauses) == (1 if lead else 0):
            clauses.append("no strong common ground: matched so that nobody is left out")
        reasons.append("; ".join(clauses))
    return reasons
