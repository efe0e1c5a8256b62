"""The policy registry: one self-describing record per matching or rotation policy.

A :class:`PolicyRecord` says everything the rest of the workbench needs to know
about a policy: its name and kind, the function that runs it (named lazily as
``"module:function"``, loaded on first use), the score weights it optimises
(:class:`WeightRecipe`), whether the students it puts together meet as a group,
the coordinator's words for it (``label``), what it does and how it is solved
(``description``, ``method``), the scenario settings it reads and, for
rotations, the end reasons it gives. The scenario schema, the simulation, the
explainer, the dashboard, the docs tables and the conformance tests all read
these records; nothing else names a policy.

This module is a leaf: it imports nothing else from the workbench, so the
scenario validator can read policy names from it without importing the
matching code.

Policies from outside the package are added with :func:`register` (in Python)
or by an installed package's entry point in the group ``workbench.policies``
(see docs/extending.md); the entry point names a record or a list of records.

Examples
--------
>>> record = get("matching", "balanced")
>>> record.label
'Balance similarity and stretch'
>>> record.weights.formula()
'(1 − balance)·affinity + balance·challenge (+ schedule, language as set)'
>>> get("rotation", "periodic").describe({"every_weeks": 4})
'partners change every 4 weeks'
>>> "circles" in names("matching"), get("matching", "circles").forms_groups
(True, True)
"""

from __future__ import annotations

import importlib
import re
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

from workbench.errors import WorkbenchError

Kind = Literal["matching", "rotation"]
KINDS: tuple[str, ...] = ("matching", "rotation")
#: The entry-point group installed packages use to provide policies.
ENTRY_POINT_GROUP = "workbench.policies"
#: The score weights every recipe keeps as configured: they encode feasibility (free
#: periods, a shared language), not the policy's idea of a good pair.
KEPT_TERMS: tuple[str, ...] = ("schedule", "language")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class PolicyError(WorkbenchError):
    """An unknown policy name, a bad record or a policy that cannot be loaded; one line."""


@dataclass(frozen=True)
class FromSetting:
    """A weight read from a ``[matching]`` setting (``1 − value`` with ``complement``)."""

    setting: str
    complement: bool = False

    def value(self, config: Any) -> float:
        number = float(getattr(config, self.setting))
        return 1.0 - number if self.complement else number

    def __str__(self) -> str:
        return f"(1 − {self.setting})" if self.complement else self.setting


@dataclass(frozen=True)
class WeightRecipe:
    """The score weights a policy optimises instead of the configured ones.

    ``terms`` maps score terms to a fixed weight or a :class:`FromSetting`;
    the terms in ``kept`` keep their configured weight. The reported score of
    every policy still uses the configured weights, so policies compare like
    with like.

    Examples
    --------
    >>> WeightRecipe({"cross_group": 1.0, "affinity": 0.25}).formula()
    'cross_group + 0.25·affinity (+ schedule, language as set)'
    """

    terms: Mapping[str, float | FromSetting]
    kept: tuple[str, ...] = KEPT_TERMS

    def __hash__(self) -> int:  # records are hashable although ``terms`` is a dict
        return hash((tuple(self.terms.items()), self.kept))

    def weights(self, config: Any) -> dict[str, float]:
        """The weights for ``config`` (a ``[matching]`` table), recipe terms first."""
        configured = config.weights.model_dump()
        recipe = {
            term: weight.value(config) if isinstance(weight, FromSetting) else weight
            for term, weight in self.terms.items()
        }
        return {**recipe, **{term: configured[term] for term in self.kept}}

    def settings(self) -> tuple[str, ...]:
        """Dotted scenario settings the recipe reads."""
        read = [f"matching.{w.setting}" for w in self.terms.values() if isinstance(w, FromSetting)]
        return (*dict.fromkeys(read), *(f"matching.weights.{term}" for term in self.kept))

    def formula(self) -> str:
        """The objective in words, e.g. ``'cross_group + 0.25·affinity (+ schedule, ...)'``."""
        parts = []
        for term, weight in self.terms.items():
            if isinstance(weight, FromSetting):
                parts.append(f"{weight}·{term}")
            else:
                parts.append(term if weight == 1 else f"{weight:g}·{term}")
        kept = f" (+ {', '.join(self.kept)} as set)" if self.kept else ""
        return " + ".join(parts) + kept


Weights = WeightRecipe | Literal["configured", "random"]


@dataclass(frozen=True)
class PolicyRecord:
    """Everything the workbench knows about one policy.

    Attributes
    ----------
    name : str
        The name scenario files, the CLI and the API use (``[a-z][a-z0-9_]*``).
    kind : {"matching", "rotation"}
    function : str or callable
        The policy function, or ``"module:attribute"`` naming it (loaded on
        first use by :meth:`load`). Matching:
        :class:`workbench.matching.policies.MatchingPolicy`, i.e.
        ``(roster, config, rng, context=None) -> Pairing`` for one site.
        Rotation: :class:`workbench.rotation.RotationPolicy`, i.e.
        ``(state, scenario, week) -> (link indices, reason)``.
    label : str
        The coordinator's words (dashboard choices).
    description : str
        What it does, one sentence (docs tables, help).
    method : str
        How it is solved (docs tables); may be empty.
    weights : WeightRecipe, "configured" or "random"
        Matching: what the policy optimises: its own recipe, the configured
        weights as set, or uniform random scores. Rotation: unused.
    forms_groups : bool
        Matching: the students a policy puts together meet as one group
        (everyone in it gets to know everyone), not as separate pairs.
    settings : tuple of str
        Dotted scenario settings the policy reads beyond those every policy
        reads (hard rules, capacity); a table name covers its keys
        (``"matching.weights"``). A recipe's settings are added by itself.
    summary : str
        Rotation: a sentence with the settings in braces, e.g.
        ``"partners change every {every_weeks} weeks"`` (:meth:`describe`).
    reason_lead : str
        Matching: the first clause of each link's reason; may use ``{group}``,
        ``{size}``, ``{mentor_grade}`` and ``{mentee_grade}``.
    reasons : tuple of str
        Rotation: the end reasons it gives (from ``workbench.dynamics.END_REASONS``).
    """

    name: str
    kind: Kind
    function: str | Callable[..., Any] = field(repr=False)
    label: str
    description: str
    method: str = ""
    weights: Weights = "configured"
    forms_groups: bool = False
    settings: tuple[str, ...] = ()
    summary: str = ""
    reason_lead: str = ""
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"policy record {self.name!r}"
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise PolicyError(f"{where}: name must be lower-case letters, digits and '_'")
        if self.kind not in KINDS:
            raise PolicyError(f"{where}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if isinstance(self.function, str):
            if not re.match(r"^[\w.]+:[\w.]+$", self.function):
                raise PolicyError(f"{where}: function must be 'module:attribute' or a callable")
        elif not callable(self.function):
            raise PolicyError(f"{where}: function must be 'module:attribute' or a callable")
        if not self.label or not self.description:
            raise PolicyError(f"{where}: give a label and a description (users read them)")
        if not (isinstance(self.weights, WeightRecipe) or self.weights in ("configured", "random")):
            raise PolicyError(f"{where}: weights must be a WeightRecipe, 'configured' or 'random'")
        if self.kind == "rotation" and not self.reasons:
            raise PolicyError(f"{where}: a rotation names the end reasons it gives (reasons=...)")
        object.__setattr__(self, "settings", tuple(self.settings))
        object.__setattr__(self, "reasons", tuple(self.reasons))

    def load(self) -> Callable[..., Any]:
        """The policy function (imported on first use, then cached)."""
        loaded = self.__dict__.get("_loaded")
        if loaded is not None:
            return loaded
        if callable(self.function):
            loaded = self.function
        else:
            module, _, attribute = self.function.partition(":")
            try:
                loaded = importlib.import_module(module)
                for part in attribute.split("."):
                    loaded = getattr(loaded, part)
            except (ImportError, AttributeError) as error:
                raise PolicyError(
                    f"{self.kind} policy {self.name!r}: cannot load {self.function!r} "
                    f"({type(error).__name__}: {error})"
                ) from None
            if not callable(loaded):
                raise PolicyError(
                    f"{self.kind} policy {self.name!r}: {self.function!r} is not a function"
                )
        object.__setattr__(self, "_loaded", loaded)  # a cache, not a field
        return loaded

    def uses(self, setting: str) -> bool:
        """Whether the policy reads the dotted scenario ``setting``.

        Examples
        --------
        >>> get("matching", "optimal").uses("matching.weights.affinity")
        True
        >>> get("matching", "affinity").uses("matching.weights.schedule")
        True
        >>> get("rotation", "plan_b").uses("rotation.every_weeks")
        False
        """
        return any(setting == s or setting.startswith(f"{s}.") for s in self.settings_used)

    @property
    def settings_used(self) -> tuple[str, ...]:
        """:attr:`settings` plus what the weight recipe reads."""
        if self.kind != "matching":
            return self.settings
        derived: tuple[str, ...] = ()
        if isinstance(self.weights, WeightRecipe):
            derived = self.weights.settings()
        elif self.weights == "configured":
            derived = ("matching.weights",)
        return tuple(dict.fromkeys((*self.settings, *derived)))

    def describe(self, values: Mapping[str, Any] | None = None) -> str:
        """The plain-language summary with the settings' values, else the label in lower case."""
        if not self.summary:
            return self.label[:1].lower() + self.label[1:]
        return self.summary.format_map(dict(values or {}))

    def objective(self) -> str:
        """What a matching policy maximises, in words (docs tables)."""
        if isinstance(self.weights, WeightRecipe):
            return self.weights.formula()
        return "random scores" if self.weights == "random" else "the configured weights"


def _matching(name: str, function: str, label: str, description: str, method: str, **kw: Any):
    return PolicyRecord(name, "matching", function, label, description, method, **kw)


def _rotation(name: str, function: str, label: str, description: str, **kw: Any) -> PolicyRecord:
    return PolicyRecord(
        name, "rotation", f"workbench.rotation:{function}", label, description, **kw
    )


_ASSIGN = "workbench.matching.policies:assignment_matching"

#: The built-in policies, in the order the dashboard lists them.
BUILTIN: tuple[PolicyRecord, ...] = (
    _matching(
        "random",
        "workbench.matching.policies:random_matching",
        "Random pairs",
        "uniformly random among the largest matchings the hard rules allow",
        "a maximum assignment on random scores (how many can be matched), then a Markov chain "
        "that draws uniformly among all matchings of that size (below)",
        weights="random",
        reason_lead="drawn at random",
    ),
    _matching(
        "affinity",
        _ASSIGN,
        "Similar interests and background",
        "most shared interests and background",
        "assignment on `affinity` (+ schedule, language)",
        weights=WeightRecipe({"affinity": 1.0}),
    ),
    _matching(
        "complementary",
        _ASSIGN,
        "Mentor's strengths cover the mentee's needs",
        "mentors' strengths over mentees' needs",
        "assignment on `complementarity` (+ schedule, language)",
        weights=WeightRecipe({"complementarity": 1.0}),
    ),
    _matching(
        "cross_group",
        _ASSIGN,
        "Pair students across differences",
        "pairs across differences, shared interests breaking ties",
        "assignment on `cross_group + ¼ affinity`",
        weights=WeightRecipe({"cross_group": 1.0, "affinity": 0.25}),
    ),
    _matching(
        "balanced",
        _ASSIGN,
        "Balance similarity and stretch",
        "slides from affinity (`balance` 0) to challenge (1)",
        "assignment on `(1 − balance)·affinity + balance·challenge`",
        weights=WeightRecipe(
            {
                "affinity": FromSetting("balance", complement=True),
                "challenge": FromSetting("balance"),
            }
        ),
    ),
    _matching(
        "optimal",
        _ASSIGN,
        "Best overall fit (uses all the weights)",
        "the largest total weighted score",
        "scipy `linear_sum_assignment` (mentors repeated `capacity` times)",
    ),
    _matching(
        "cross_age",
        "workbench.matching.policies:cross_age_matching",
        "Older students mentor younger ones",
        "older mentors with younger mentees, `grade_gap` apart at least",
        "assignment on the weighted score among allowed pairs",
        settings=("matching.grade_gap",),
        reason_lead="mentor in grade {mentor_grade}, mentee in grade {mentee_grade}",
    ),
    _matching(
        "capacity",
        "workbench.matching.capacity:capacity_matching",
        "Mentors take several mentees, mixed groups",
        "one mentor, several mentees, with soft diversity quotas",
        "integer program with scipy `milp` (HiGHS), below",
        settings=("matching.quota_attribute", "matching.max_per_group"),
    ),
    _matching(
        "circles",
        "workbench.matching.circles:circles_matching",
        "Mentoring circles (small groups)",
        "groups of `circle_size` with `circle_mentors` mentors, each as diverse as the site",
        "anticlustering by the exchange method, below",
        forms_groups=True,
        settings=("matching.circle_size", "matching.circle_mentors"),
        reason_lead="circle {group} ({size} mentees)",
    ),
    _matching(
        "peer",
        "workbench.matching.peer:peer_matching",
        "Peers mentor each other (no fixed roles)",
        "everyone can mentor and be mentored; non-bipartite pairs",
        "maximum-weight matching: networkx blossom (exact) up to 120 students, near-optimal "
        "with a certified gap above, below",
        reason_lead="peer pair",
    ),
    _matching(
        "stable",
        "workbench.matching.stable:stable_matching",
        "Students' own preferences (no pair would rather swap)",
        "no mentor and mentee who would both rather be together (no blocking pair)",
        "Gale–Shapley deferred acceptance, mentee- or mentor-proposing, with capacities; "
        "preferences from scores or explicit rankings",
        settings=("matching.proposing",),
        reason_lead="stable pair (no one they prefer would rather have them)",
    ),
    _rotation(
        "none",
        "no_rotation",
        "Keep the same partner all year",
        "pairs stay together for the whole program",
        summary="partners are kept",
        reasons=("rotation",),
    ),
    _rotation(
        "periodic",
        "periodic",
        "Change partners every few weeks",
        "every `every_weeks` weeks all pairs end and everyone is rematched, avoiding recent "
        'partners ("partnerships should rotate occasionally to broaden exposure and prevent '
        'dependency")',
        settings=("rotation.every_weeks",),
        summary="partners change every {every_weeks} weeks",
        reasons=("rotation",),
    ),
    _rotation(
        "plan_b",
        "plan_b",
        "Plan B: rematch pairs that are not working",
        "a pair rated poor at `poor_checkins` consecutive check-ins is rematched "
        '("not every pair will click — have a Plan B")',
        settings=("rotation.poor_checkins",),
        summary="a pair is rematched after {poor_checkins} poor check-ins",
        reasons=("plan_b",),
    ),
    _rotation(
        "dependency",
        "dependency",
        "Rematch when a mentee leans on the mentor too much",
        "a pair whose mentee's dependency reached `dependency_threshold` is rematched",
        settings=("rotation.dependency_threshold",),
        summary="a pair is rematched at dependency {dependency_threshold}",
        reasons=("dependency",),
    ),
    _rotation(
        "role",
        "role_rotation",
        "Mentees become mentors every few weeks",
        "every `every_weeks` weeks, mentees more confident than the median mentor step up to "
        "mentor (as many of the least confident mentors step back) and everyone is rematched",
        settings=("rotation.every_weeks",),
        summary="roles swap every {every_weeks} weeks",
        reasons=("role_rotation",),
    ),
)

_RECORDS: dict[tuple[str, str], PolicyRecord] = {(r.kind, r.name): r for r in BUILTIN}
_FROM_PLUGINS: set[tuple[str, str]] = set()
_lock = threading.RLock()
_discovered = False


def register(record: PolicyRecord, *, replace: bool = False) -> PolicyRecord:
    """Add ``record`` to the registry; its name is then usable everywhere.

    A name already taken is refused unless ``replace`` (a built-in never is
    replaced: results would change under the same name).

    Examples
    --------
    >>> def pair_first_two(roster, config, rng, context=None): ...
    >>> record = register(PolicyRecord("first_two", "matching", pair_first_two,
    ...                                "First two", "pairs the first two students"))
    >>> "first_two" in names("matching")
    True
    >>> unregister("matching", "first_two").name
    'first_two'
    """
    if not isinstance(record, PolicyRecord):
        raise PolicyError(f"register: expected a PolicyRecord, got {type(record).__name__}")
    key = (record.kind, record.name)
    with _lock:
        old = _RECORDS.get(key)
        if old is not None and old != record:
            if old in BUILTIN:
                raise PolicyError(f"{record.kind} policy {record.name!r} is built in; pick a name")
            if not replace:
                raise PolicyError(
                    f"{record.kind} policy {record.name!r} is already registered "
                    "(pass replace=True to replace it)"
                )
        _RECORDS[key] = record
    return record


def unregister(kind: Kind, name: str) -> PolicyRecord:
    """Remove a registered (not built-in) policy and return its record."""
    with _lock:
        record = get(kind, name)
        if record in BUILTIN:
            raise PolicyError(f"{kind} policy {name!r} is built in and cannot be removed")
        _FROM_PLUGINS.discard((kind, name))
        return _RECORDS.pop((kind, name))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise PolicyError(f"unknown policy kind {kind!r}; allowed: {', '.join(KINDS)}")


def records(kind: Kind) -> tuple[PolicyRecord, ...]:
    """Every record of ``kind``: built-in first, then registered and installed ones."""
    _check_kind(kind)
    discover()
    with _lock:
        return tuple(r for (k, _), r in _RECORDS.items() if k == kind)


def names(kind: Kind) -> tuple[str, ...]:
    """Every policy name of ``kind`` (see :func:`records`)."""
    return tuple(record.name for record in records(kind))


def get(kind: Kind, name: str) -> PolicyRecord:
    """The record of policy ``name``; an unknown name is a one-line :class:`PolicyError`.

    :class:`PolicyError` is a ``ValueError``, so a pydantic validator may call
    this directly.

    Examples
    --------
    >>> get("matching", "optimal").kind
    'matching'
    >>> get("matching", "best")
    Traceback (most recent call last):
    ...
    workbench.registry.PolicyError: unknown policy 'best'; allowed: affinity, balanced, ...
    """
    _check_kind(kind)
    with _lock:
        record = _RECORDS.get((kind, name))
    if record is None:
        discover()
        record = _RECORDS.get((kind, name))
    if record is None:
        raise PolicyError(f"unknown policy {name!r}; allowed: {', '.join(sorted(names(kind)))}")
    return record


def using(kind: Kind, setting: str) -> tuple[str, ...]:
    """Names of the policies of ``kind`` that read the dotted ``setting``.

    Examples
    --------
    >>> using("rotation", "rotation.every_weeks")
    ('periodic', 'role')
    """
    return tuple(record.name for record in records(kind) if record.uses(setting))


class FunctionView(Mapping[str, Callable[..., Any]]):
    """A read-only ``name -> function`` mapping of one kind, always current.

    Iterating lists the names (loading nothing); looking one up loads its function.
    """

    def __init__(self, kind: Kind) -> None:
        _check_kind(kind)
        self.kind = kind

    def __getitem__(self, name: str) -> Callable[..., Any]:
        try:
            return get(self.kind, name).load()
        except PolicyError as error:
            if (self.kind, name) in _RECORDS:
                raise
            raise KeyError(name) from error

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in names(self.kind)

    def __iter__(self) -> Iterator[str]:
        return iter(names(self.kind))

    def __len__(self) -> int:
        return len(names(self.kind))

    def __repr__(self) -> str:
        return f"<{self.kind} policies: {', '.join(self)}>"


def _as_records(value: Any) -> list[PolicyRecord]:
    if isinstance(value, PolicyRecord):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        found = list(value)
        if found and all(isinstance(r, PolicyRecord) for r in found):
            return found
    raise TypeError(f"expected a PolicyRecord or a list of them, got {type(value).__name__}")


def discover(*, reload: bool = False) -> tuple[str, ...]:
    """Register the policies of installed packages (entry-point group ``workbench.policies``).

    Runs once (the first time names or records are asked for); ``reload``
    forgets earlier plugin records and looks again (after installing a package
    in a running session). A plugin that cannot be loaded, or that reuses a
    taken name, is skipped with a :class:`RuntimeWarning`; the messages are
    returned.
    """
    global _discovered
    with _lock:
        if _discovered and not reload:
            return ()
        _discovered = True
        for key in list(_FROM_PLUGINS):
            del _RECORDS[key]
        _FROM_PLUGINS.clear()
        problems = []
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            source = f"{entry.name} = {entry.value}"
            dist = getattr(entry, "dist", None)
            if dist is not None:
                source += f" (package {dist.metadata['Name']})"
            try:
                found = _as_records(entry.load())
            except Exception as error:  # a broken plugin must not break the workbench
                problems.append(f"policy plugin {source} skipped: {type(error).__name__}: {error}")
                continue
            for record in found:
                key = (record.kind, record.name)
                if key in _RECORDS and _RECORDS[key] != record:
                    problems.append(
                        f"policy plugin {source} skipped {record.kind} policy "
                        f"{record.name!r}: the name is taken"
                    )
                    continue
                _RECORDS[key] = record
                _FROM_PLUGINS.add(key)
    for problem in problems:
        warnings.warn(problem, RuntimeWarning, stacklevel=2)
    return tuple(problems)


def policy_table(kind: Kind) -> str:
    """The Markdown table of every policy of ``kind`` (docs/matching.md, docs/extending.md).

    Examples
    --------
    >>> print(policy_table("rotation").splitlines()[2])
    | `none` | Keep the same partner all year | pairs stay together for the whole program | — |
    """
    if kind == "matching":
        rows = [
            "| policy | in the dashboard | what it does | how it is solved |",
            "| --- " * 4 + "|",
        ]
        rows += [
            f"| `{r.name}` | {r.label} | {r.description} | {r.method or r.objective()} |"
            for r in records(kind)
        ]
    else:
        rows = ["| policy | in the dashboard | what it does | settings |", "| --- " * 4 + "|"]
        rows += [
            f"| `{r.name}` | {r.label} | {r.description} | "
            f"{', '.join(f'`{s}`' for s in r.settings) or '—'} |"
            for r in records(kind)
        ]
    return "\n".join(rows) + "\n"
