"""The roster matcher: ``workbench.match(...)`` for notebooks, ``workbench match`` for the shell.

Examples
--------
>>> import workbench
>>> result = workbench.match("examples/roster_synthetic.csv", policy="stable", rng=1)
>>> list(result.pairs.columns[:6])
['group', 'site', 'mentor', 'mentee', 'score', 'reason']
>>> len(result.pairs) + len(result.unmatched) > 0
True

A school's export, its column map and a rule (every pair shares a free period):

>>> result = workbench.match("examples/roster_sis.csv", columns="examples/roster_sis_columns.toml",
...                          min_schedule_overlap=1, rng=0)
>>> result.plain_summary().split(":")[0]
'8 students paired, 4 waiting'
>>> int(result.unmatched["reason"].str.startswith("their Free Periods cell is blank").sum())
2
>>> list(result.pairs.columns[:8])
['group', 'site', 'mentor', 'mentee', 'mentor_name', 'mentee_name', 'score', 'reason']
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from workbench import registry
from workbench.errors import WorkbenchError
from workbench.inputfiles import read_toml, validation_line
from workbench.matching import POLICIES, match_roster
from workbench.matching.explain import explain
from workbench.matching.fairness import fairness_report
from workbench.matching.pairing import Pairing
from workbench.matching.preferences import load_preferences, parse_rankings
from workbench.matching.scores import TERMS, pairwise_terms
from workbench.renamed import renamed
from workbench.roster import Roster
from workbench.roster_preview import RosterPreview, preview_roster
from workbench.scenario import Matching as MatchConfig
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng, seed_record


class SettingsError(WorkbenchError):
    """A weights/settings file or argument that cannot be used; one line."""


def _read_settings(path: Path) -> dict[str, Any]:
    data = read_toml(path, "weights", SettingsError)
    if set(data) == {"matching"} and isinstance(data["matching"], dict):
        data = data["matching"]
    return data


def matching_settings(
    roster: Roster,
    policy: str | None = None,
    weights: Mapping[str, float] | str | Path | None = None,
    base: MatchConfig | None = None,
    **settings: Any,
) -> MatchConfig:
    """Validated matching settings for ``roster``.

    ``weights`` is a mapping of score terms to weights, or a TOML file with a
    ``[weights]`` table and any other ``[matching]`` setting (``capacity``,
    ``min_schedule_overlap``, ``cross_group_attributes``...). Keyword settings
    and ``policy`` override the file. Attribute names must exist in the roster.
    """
    source = "settings"
    data: dict[str, Any] = (base or MatchConfig()).model_dump()
    if isinstance(weights, str | Path):
        source = str(weights)
        file_data = _read_settings(Path(weights))
        if "weights" in file_data and isinstance(file_data["weights"], dict):
            data["weights"] = {**data["weights"], **file_data.pop("weights")}
        data.update(file_data)
    elif weights is not None:
        unknown = sorted(set(weights) - set(TERMS))
        if unknown:
            raise SettingsError(
                f"weights: unknown score term(s) {unknown}; allowed: {', '.join(TERMS)}"
            )
        data["weights"] = {**data["weights"], **dict(weights)}
    data.update(settings)
    if policy is not None:
        data["policy"] = policy
    try:
        config = MatchConfig.model_validate(data)
    except ValidationError as error:
        raise SettingsError(validation_line(error, source, "docs/matching.md")) from None
    known = set(roster.attribute_names)
    for name in config.cross_group_attributes or []:
        if name not in known:
            raise SettingsError(
                f"{source}: cross_group_attributes: unknown attribute {name!r}; "
                f"roster columns: {', '.join(sorted(known)) or '(none)'}"
            )
    if config.quota_attribute is not None and config.quota_attribute not in known:
        raise SettingsError(
            f"{source}: quota_attribute: unknown attribute {config.quota_attribute!r}; "
            f"roster columns: {', '.join(sorted(known)) or '(none)'}"
        )
    return config


#: "argument not given" (``None`` means fresh entropy for an ``rng`` argument)
_UNSET: Any = object()

FAIRNESS_SHOWN = (
    "attribute",
    "level",
    "students",
    "matched_rate",
    "mean_score_mentee",
    "score_gap",
)


@dataclass(frozen=True)
class MatchResult:
    """What ``workbench.match`` returns.

    Attributes
    ----------
    pairs : DataFrame
        One row per link: ``group`` (pair or circle id, from 1), ``site``,
        ``mentor``, ``mentee`` (ids), ``score``, ``reason``, then each score
        term and ``cross_group`` (the pair differs on a cross-group attribute).
    unmatched : DataFrame
        ``id``, ``site``, ``role``, ``reason`` of every student left out.
    fairness : DataFrame
        See :func:`workbench.matching.fairness.fairness_report`.
    notes : tuple of str
        How the matching was found (methods, bounds, fallbacks).
    config, roster, pairing
        The settings used, the roster and the raw :class:`Pairing` (row indices).
    """

    pairs: pd.DataFrame
    unmatched: pd.DataFrame
    fairness: pd.DataFrame
    notes: tuple[str, ...]
    config: MatchConfig
    roster: Roster
    pairing: Pairing
    rankings: Mapping[int, tuple[int, ...]] | None = None
    seed: int | str | None = DEFAULT_SEED
    preview: RosterPreview | None = None

    @property
    def policy(self) -> str:
        return self.config.policy

    def fit_scale(self) -> str:
        """What the fit score means on a scale people know: share of the best possible."""
        weights = policy_weights_shown(self.config)
        best = sum(w for w in weights.values() if w > 0)
        if not len(self.pairs) or best <= 0:
            return "fit score: no pairs to score"
        median = float(self.pairs["score"].median())
        low = float(self.pairs["score"].min())
        return (
            "fit score = the weighted sum of six 0-1 measures (shared interests and "
            "background, strengths over needs, stretch, difference, shared free periods, "
            f"shared language); with these weights a perfect pair scores {best:.2f}. "
            f"The middle pair scores {median:.2f} ({100 * median / best:.0f}% of perfect), "
            f"the weakest {low:.2f} ({100 * low / best:.0f}%)."
        )

    def plain_summary(self) -> str:
        """The result in plain language, e.g. "136 students paired, 46 waiting: 40 because ..."."""
        n = len(self.roster)
        waiting = len(self.unmatched)
        first = f"{n - waiting} students paired, {waiting} waiting"
        if waiting:
            counts = self.unmatched["reason"].value_counts()
            parts = [f"{count} because {reason}" for reason, count in counts.items()]
            first += ": " + "; ".join(parts)
        lines = [first.rstrip(".") + "."]
        if len(self.pairs):
            lines.append(self.fit_scale())
        return "\n".join(lines)

    def summary(self) -> str:
        """A few lines for a coordinator: matched, unmatched and why, cross-group, scores."""
        n = len(self.roster)
        matched = n - len(self.unmatched)
        kind = "groups" if registry.get("matching", self.policy).forms_groups else "pairs"
        groups = self.pairs["group"].nunique()
        sites = self.roster.site_codes.max() + 1 if n else 0
        lines = [
            f"policy {self.policy}: matched {matched} of {n} students "
            f"({groups} {kind}, {len(self.pairs)} links, {sites} site{'s' if sites != 1 else ''})"
        ]
        if len(self.unmatched):
            lines.append(f"unmatched {len(self.unmatched)}:")
            for reason, count in self.unmatched["reason"].value_counts().items():
                lines.append(f"  {count:4d}  {reason}")
        else:
            lines.append("unmatched 0")
        if len(self.pairs):
            share = self.pairs["cross_group"].mean()
            q = self.pairs["score"].quantile([0.0, 0.25, 0.5, 0.75, 1.0]).to_numpy()
            lines.append(f"cross-group links {100 * share:.0f}%")
            lines.append(
                f"score: mean {self.pairs['score'].mean():.2f}  min {q[0]:.2f}  "
                f"25% {q[1]:.2f}  median {q[2]:.2f}  75% {q[3]:.2f}  max {q[4]:.2f}"
            )
            fair = self.fairness[self.fairness["attribute"] != "all"]
            worst = (
                fair.loc[fair["score_gap"].idxmax()] if fair["score_gap"].notna().any() else None
            )
            if worst is not None:
                lines.append(
                    f"lowest mean score as mentee: {worst['attribute']}={worst['level']} "
                    f"({worst['mean_score_mentee']:.2f}, {worst['score_gap']:+.2f} below all)"
                )
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def compare(
        self,
        policies: Sequence[str] | None = None,
        rng: Any = _UNSET,
        *,
        seed: int | None = None,
    ) -> pd.DataFrame:
        """Run other policies on the same roster and settings; one row per policy.

        ``rng`` defaults to the seed this matching used, so the chosen policy's
        row repeats this result (``None`` asks for fresh entropy; ``seed=`` is
        deprecated, use ``rng=``).
        """
        own = self.seed if isinstance(self.seed, int) else DEFAULT_SEED
        rng = _renamed_seed("MatchResult.compare", seed, rng, own)
        return compare_policies(self.roster, self.config, policies, rng, self.rankings)

    def _repr_html_(self) -> str:
        from workbench.display import card

        first, *rest = self.summary().splitlines()
        facts = [line.strip() for line in rest if not line.startswith("  ")]
        if len(self.unmatched):
            facts = [f for f in facts if not f.startswith("unmatched")]
        shown = ["group", "site", "mentor", "mentee", "mentor_name", "mentee_name"]
        shown = [c for c in shown if c in self.pairs] + ["score", "reason"]
        tables = {"pairs": self.pairs[shown]}
        if len(self.unmatched):
            tables["not matched, and why"] = self.unmatched
        fair = self.fairness[self.fairness["attribute"] != "all"]
        columns = [c for c in FAIRNESS_SHOWN if c in fair]
        tables["mean score as mentee, by group"] = fair[columns]
        return card(f"Matching: {first}", facts, tables, max_rows=10)

    def __repr__(self) -> str:
        return f"MatchResult(\n{self.summary()}\n)"


def policy_weights_shown(config: MatchConfig) -> dict[str, float]:
    """The weights the reported score uses (the configured ones)."""
    return dict(config.weights.model_dump())


def _carried(roster: Roster, rows: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    """Names and information-only columns of ``rows``, as output columns."""
    out: dict[str, np.ndarray] = {}
    if roster.name_columns:
        out[f"{prefix}name"] = roster.display_names()[rows].astype(str)
    for header, values in roster.info_columns.items():
        if header not in roster.name_columns:
            out[f"{prefix}{header}"] = values[rows].astype(str)
    return out


def _tables(
    roster: Roster, pairing: Pairing, config: MatchConfig
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    terms = pairwise_terms(roster, pairing.mentor, pairing.mentee, config.cross_group_attributes)
    mentor_info = _carried(roster, pairing.mentor, "mentor_")
    mentee_info = _carried(roster, pairing.mentee, "mentee_")
    names = {k: v for k, v in (mentor_info | mentee_info).items() if k.endswith("_name")}
    others = {k: v for k, v in (mentor_info | mentee_info).items() if k not in names}
    pairs = pd.DataFrame(
        {
            "group": pairing.group + 1,
            "site": roster.site[pairing.mentor].astype(str),
            "mentor": roster.ids[pairing.mentor].astype(str),
            "mentee": roster.ids[pairing.mentee].astype(str),
            **names,
            "score": np.round(pairing.score, 4),
            "reason": explain(roster, pairing, config),
            **{name: np.round(terms[name], 4) for name in TERMS},
            "cross_group": terms["cross_group"] > 0,
            **others,
        }
    )
    rows = np.array(sorted(pairing.unmatched), dtype=np.intp)
    carried = _carried(roster, rows, "")
    unmatched = pd.DataFrame(
        {
            "id": roster.ids[rows].astype(str),
            **{k: v for k, v in carried.items() if k == "name"},
            "site": roster.site[rows].astype(str),
            "role": roster.role[rows].astype(str),
            "reason": [pairing.unmatched[int(r)] for r in rows],
            **{k: v for k, v in carried.items() if k != "name"},
        }
    )
    fairness = fairness_report(roster, pairing, config.cross_group_attributes)
    return pairs, unmatched, fairness


def _renamed_seed(function: str, seed: int | None, rng: Any, default: Any) -> Any:
    """``rng`` after the ``seed=`` -> ``rng=`` rename (``seed`` warns; both is an error)."""
    rng = renamed(function, "seed", "rng", seed, rng, default=_UNSET, stacklevel=4)
    return default if rng is _UNSET else rng


def match(
    roster: Roster | str | Path,
    policy: str = "optimal",
    weights: Mapping[str, float] | str | Path | None = None,
    preferences: Mapping[str, Sequence[str]] | str | Path | None = None,
    seed: int | None = None,
    rng: RngLike = _UNSET,
    forbidden: Sequence[tuple[str, str]] | None = None,
    *,
    columns: Any = None,
    strict: bool = False,
    **settings: Any,
) -> MatchResult:
    """Match a real roster: pairs (or circles) with a reason each, unmatched with why, fairness.

    Parameters
    ----------
    roster
        A :class:`~workbench.roster.Roster` or the path of a roster CSV (a
        school export as it comes).
    policy
        A name from :data:`workbench.matching.POLICIES`.
    weights
        Score weights (mapping), or a TOML settings file (see docs/matching.md).
    preferences
        Explicit rankings (id -> ids best first) or a preferences CSV.
    rng
        Randomness (tie-breaking, the random policy), normalised by
        :func:`workbench.seeding.as_rng`; default
        :data:`workbench.seeding.DEFAULT_SEED`, so the same call gives the same
        result. ``seed=`` is the deprecated name.
    forbidden
        Extra pairs of ids that must not meet (besides the roster's
        must-not-meet column).
    columns
        The column map of a roster path (a :class:`~workbench.columns.ColumnMap`,
        a mapping or a TOML file); proposed from the headers when ``None``.
    strict
        Refuse to match while the roster preview has warnings
        (:mod:`workbench.roster_preview`).
    **settings
        Any other matching setting, e.g. ``capacity=3``, ``min_schedule_overlap=1``.

    Returns
    -------
    MatchResult
        ``.pairs`` (the pairing list DataFrame), ``.unmatched``, ``.fairness``,
        ``.summary()``, ``.plain_summary()``, ``.compare()``, ``.preview``.

    Raises
    ------
    WorkbenchError
        Bad roster, column map, settings or preferences (one line naming file,
        row, field), a warning under ``strict``, or a constraint no pair in a
        site can meet.
    """
    rng = _renamed_seed("match", seed, rng, DEFAULT_SEED)
    preview = None
    if not isinstance(roster, Roster):
        preview = preview_roster(roster, columns)
        if strict:
            preview.check_strict()
        roster = preview.roster
    config = matching_settings(roster, policy, weights, **settings)
    rankings = None
    if isinstance(preferences, str | Path):
        rankings = load_preferences(preferences, roster)
    elif preferences is not None:
        rankings = parse_rankings(
            {str(k): [str(v) for v in vs] for k, vs in preferences.items()}, roster, "preferences"
        )
    pairs_rows = None
    if forbidden:
        row_of = {str(v): i for i, v in enumerate(roster.ids)}
        for a, b in forbidden:
            for name in (a, b):
                if str(name) not in row_of:
                    raise WorkbenchError(f"forbidden: unknown student {name!r}")
        pairs_rows = [(row_of[str(a)], row_of[str(b)]) for a, b in forbidden]
    pairing = match_roster(
        roster,
        config,
        as_rng(rng),
        forbidden=pairs_rows,
        rankings=rankings,
        strict=True,
    )
    pairs, unmatched, fairness = _tables(roster, pairing, config)
    return MatchResult(
        pairs,
        unmatched,
        fairness,
        pairing.notes,
        config,
        roster,
        pairing,
        rankings,
        seed_record(rng),
        preview,
    )


def compare_policies(
    roster: Roster,
    config: MatchConfig,
    policies: Sequence[str] | None = None,
    rng: RngLike = DEFAULT_SEED,
    rankings: Mapping[int, tuple[int, ...]] | None = None,
) -> pd.DataFrame:
    """Every policy (or those named) on the same roster and settings, one row each.

    Columns: ``policy``, ``links``, ``matched``, ``unmatched``, ``mean_score``,
    ``min_score``, ``cross_group_share``, ``worst_group_gap`` (the largest
    ``score_gap`` of any attribute level), ``seconds``. Scores use the same
    configured weights for every policy, so they compare like with like.
    Every policy starts from the same ``rng`` (an int or SeedSequence seeds
    each afresh), so the row of the policy a :class:`MatchResult` used repeats it.
    """
    rows = []
    for name in policies or sorted(POLICIES):
        start = time.perf_counter()
        try:
            pairing = match_roster(
                roster,
                config.model_copy(update={"policy": name}),
                as_rng(rng),
                rankings=rankings,
            )
        except WorkbenchError as error:
            rows.append({"policy": name, "error": str(error)})
            continue
        seconds = time.perf_counter() - start
        fair = fairness_report(roster, pairing, config.cross_group_attributes)
        gaps = fair.loc[fair["attribute"] != "all", "score_gap"]
        rows.append(
            {
                "policy": name,
                "links": len(pairing),
                "matched": len(roster) - len(pairing.unmatched),
                "unmatched": len(pairing.unmatched),
                "mean_score": float(pairing.score.mean()) if len(pairing) else float("nan"),
                "min_score": float(pairing.score.min()) if len(pairing) else float("nan"),
                "cross_group_share": float(fair["cross_group_share"].iloc[-1]),
                "worst_group_gap": float(gaps.max()) if gaps.notna().any() else float("nan"),
                "seconds": round(seconds, 3),
            }
        )
    return pd.DataFrame(rows)
