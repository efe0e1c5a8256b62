"""Coordinator-language labels and help for every setting the dashboard exposes.

Each :class:`Setting` names one dotted scenario key (as in
:meth:`workbench.scenario.Scenario.with_overrides`), the words a program
coordinator would use for it, a sentence of help, the kind of control and, for
dependent settings, when it matters (``applies``). Ranges sit inside the
scenario schema's own limits, so every value a control can take is valid.

Examples
--------
>>> setting = SETTINGS_BY_KEY["levers.mentor_training"]
>>> setting.label
'Mentor training'
>>> policy_label("cross_group")
'Pair students across differences'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from workbench import registry
from workbench.plotstyle import plain_name

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["choice", "float", "int", "toggle"]

GROUP_LABELS: dict[str, str] = {
    "language_background": "Language background",
    "disability": "Disability",
    "first_gen": "First in family at university",
    "grade": "Grade",
    "all": "Everyone",
}

SECTIONS: tuple[str, ...] = (
    "Who takes part",
    "How students are paired",
    "Changing partners",
    "How the program runs",
    "Support to take part",
)


def humanize(name: str) -> str:
    """``first_gen`` → ``First gen`` (fallback for names without a label)."""
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def policy_label(name: str, kind: str = "matching") -> str:
    """Coordinator words for a matching (or rotation) policy name: its record's label."""
    try:
        return registry.get(kind, name).label
    except registry.PolicyError:
        return humanize(name)


def group_label(attribute: str) -> str:
    """Coordinator words for a group attribute."""
    return GROUP_LABELS.get(attribute, humanize(attribute))


def level_label(attribute: str, level: str) -> str:
    """Coordinator words for one group of students (a level of ``attribute``).

    The names the notebooks' pictures use (:func:`workbench.plotstyle.plain_name`),
    so a group is called the same on the page and on a slide; a roster's own
    level spelling is kept, with its attribute, when there is no plain name.

    Examples
    --------
    >>> level_label("first_gen", "yes"), level_label("first_gen", "no")
    ('first-generation', 'not first-generation')
    >>> level_label("all", "all"), level_label("sports_club", "yes")
    ('everyone', 'sports club: yes')
    """
    if attribute == "all":  # no grouping: one group, everyone
        return "everyone"
    return plain_name(attribute, str(level))


@dataclass(frozen=True)
class Setting:
    """One control: scenario key, words, help, kind and range.

    Attributes
    ----------
    key : str
        Dotted scenario key, e.g. ``"rotation.every_weeks"``.
    label, help : str
        What the coordinator reads: a short name and one or two sentences.
    section : str
        Which group of controls it sits in (one of :data:`SECTIONS`).
    kind : {"choice", "float", "int", "toggle"}
    low, high, step : float
        Slider range (inside the schema's limits).
    options : callable or None
        For choices: returns ``[(label, value), ...]``.
    applies : callable or None
        ``applies(values) -> bool`` given the current values by key; the
        control is greyed out when the setting has no effect.
    """

    key: str
    label: str
    help: str
    section: str
    kind: Kind
    low: float = 0.0
    high: float = 1.0
    step: float = 0.05
    options: Callable[[], list[tuple[str, Any]]] | None = field(default=None, repr=False)
    applies: Callable[[dict[str, Any]], bool] | None = field(default=None, repr=False)


def _policy_options() -> list[tuple[str, str]]:
    return [(record.label, record.name) for record in registry.records("matching")]


def _rotation_options() -> list[tuple[str, str]]:
    return [(record.label, record.name) for record in registry.records("rotation")]


def _uses(setting: str) -> Callable[[dict[str, Any]], bool]:
    """Whether the chosen policy reads ``setting`` (``matching.*``/``rotation.*``): its record."""
    kind = setting.split(".", 1)[0]
    return lambda values: values.get(f"{kind}.policy") in registry.using(kind, setting)


_WHO, _PAIR, _CHANGE, _RUN, _SUPPORT = SECTIONS

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "cohort.size",
        "Students in the program",
        "How many students take part, mentors and mentees together.",
        _WHO,
        "int",
        20,
        3000,
        10,
    ),
    Setting(
        "cohort.mentor_share",
        "Share who mentor",
        "The part of the students who act as mentors (the older or more confident ones).",
        _WHO,
        "float",
        0.2,
        0.8,
        0.05,
    ),
    Setting(
        "matching.policy",
        "How pairs are made",
        "The rule used to put mentors and mentees together.",
        _PAIR,
        "choice",
        options=_policy_options,
    ),
    Setting(
        "matching.weights.affinity",
        "Weight: things in common",
        "How much shared interests and background count when pairing.",
        _PAIR,
        "float",
        0,
        5,
        0.25,
        applies=_uses("matching.weights.affinity"),
    ),
    Setting(
        "matching.weights.complementarity",
        "Weight: mentor can help with needs",
        "How much it counts that the mentor is strong where the mentee needs help.",
        _PAIR,
        "float",
        0,
        5,
        0.25,
        applies=_uses("matching.weights.complementarity"),
    ),
    Setting(
        "matching.weights.challenge",
        "Weight: healthy stretch",
        "How much it counts that the pair is different enough to learn from each other.",
        _PAIR,
        "float",
        0,
        5,
        0.25,
        applies=_uses("matching.weights.challenge"),
    ),
    Setting(
        "matching.weights.cross_group",
        "Weight: bridging groups",
        "How much it counts that the two come from different groups.",
        _PAIR,
        "float",
        0,
        5,
        0.25,
        applies=_uses("matching.weights.cross_group"),
    ),
    Setting(
        "matching.weights.schedule",
        "Weight: free at the same times",
        "How much shared free periods count.",
        _PAIR,
        "float",
        0,
        5,
        0.25,
        applies=_uses("matching.weights.schedule"),
    ),
    Setting(
        "matching.weights.language",
        "Weight: a shared language",
        "How much it counts that the two share a language.",
        _PAIR,
        "float",
        0,
        5,
        0.25,
        applies=_uses("matching.weights.language"),
    ),
    Setting(
        "matching.balance",
        "Similarity ↔ stretch",
        "0 pairs the most similar students; 1 pairs the most different ones.",
        _PAIR,
        "float",
        0,
        1,
        0.05,
        applies=_uses("matching.balance"),
    ),
    Setting(
        "matching.capacity",
        "Mentees per mentor",
        "How many mentees one mentor can take on.",
        _PAIR,
        "int",
        1,
        5,
        1,
    ),
    Setting(
        "matching.circle_size",
        "Students per circle",
        "Size of each mentoring circle.",
        _PAIR,
        "int",
        3,
        12,
        1,
        applies=_uses("matching.circle_size"),
    ),
    Setting(
        "matching.circle_mentors",
        "Mentors per circle",
        "One or two mentors lead each mentoring circle.",
        _PAIR,
        "int",
        1,
        2,
        1,
        applies=_uses("matching.circle_mentors"),
    ),
    Setting(
        "matching.proposing",
        "Whose wishes come first",
        "With students' own preferences: the side whose first choices are favoured.",
        _PAIR,
        "choice",
        options=lambda: [("Mentees' wishes", "mentee"), ("Mentors' wishes", "mentor")],
        applies=_uses("matching.proposing"),
    ),
    Setting(
        "matching.grade_gap",
        "Grades older (cross-age)",
        "How many grades older a mentor must be than the mentee.",
        _PAIR,
        "int",
        0,
        3,
        1,
        applies=_uses("matching.grade_gap"),
    ),
    Setting(
        "matching.min_schedule_overlap",
        "Shared free periods required",
        "Pairs must have at least this many free periods in common.",
        _PAIR,
        "int",
        0,
        3,
        1,
    ),
    Setting(
        "matching.language_required",
        "Pairs must share a language",
        "Only pair students who can talk in a common language.",
        _PAIR,
        "toggle",
    ),
    Setting(
        "rotation.policy",
        "When partners change",
        "Whether and when pairs are split up and students get a new partner.",
        _CHANGE,
        "choice",
        options=_rotation_options,
    ),
    Setting(
        "rotation.every_weeks",
        "Weeks between changes",
        "How often partners change (or roles swap).",
        _CHANGE,
        "int",
        1,
        18,
        1,
        applies=_uses("rotation.every_weeks"),
    ),
    Setting(
        "rotation.poor_checkins",
        "Poor check-ins before a rematch",
        "How many poor check-ins in a row before the pair is rematched.",
        _CHANGE,
        "int",
        1,
        6,
        1,
        applies=_uses("rotation.poor_checkins"),
    ),
    Setting(
        "rotation.dependency_threshold",
        "Dependency that triggers a change",
        "How much a mentee may lean on the mentor before a new partner is found.",
        _CHANGE,
        "float",
        0.2,
        1.0,
        0.05,
        applies=_uses("rotation.dependency_threshold"),
    ),
    Setting(
        "levers.weeks",
        "Program length (weeks)",
        "How many school weeks the program runs.",
        _RUN,
        "int",
        4,
        52,
        1,
    ),
    Setting(
        "levers.sessions_per_week",
        "Sessions a week",
        "Mentoring sessions per week; 0 means no program (for comparison).",
        _RUN,
        "int",
        0,
        5,
        1,
    ),
    Setting(
        "levers.mentor_training",
        "Mentor training",
        "How much training mentors get in listening and inclusive communication (0 none, 1 full).",
        _RUN,
        "float",
        0,
        1,
        0.05,
    ),
    Setting(
        "levers.checkin_every_weeks",
        "Weeks between check-ins",
        (
            "How often the coordinator checks in with each pair; 0 means never. "
            "Caution: how much check-ins keep students in the program rests on assumed "
            "sizes, and in the model they do not raise belonging (see docs/validation.md)."
        ),
        _RUN,
        "int",
        0,
        12,
        1,
    ),
    Setting(
        "levers.coordinator_response",
        "Help after a poor check-in",
        "How strongly staff step in when a pair reports a poor session.",
        _RUN,
        "float",
        0,
        1,
        0.05,
    ),
    Setting(
        "levers.activity_variety",
        "Variety of activities",
        "Joint projects, mini-goals and study groups that keep sessions fresh.",
        _RUN,
        "float",
        0,
        1,
        0.05,
    ),
    Setting(
        "levers.adult_supervision",
        "Adult supervision",
        "How closely staff oversee the sessions.",
        _RUN,
        "float",
        0,
        1,
        0.05,
    ),
    Setting(
        "levers.async_reflection",
        "Reflection option for missed sessions",
        "Students who miss a session can catch up with a short written reflection.",
        _RUN,
        "toggle",
    ),
    Setting(
        "levers.supports.transport",
        "Transport provided",
        "Rides or bus passes, so getting there is no barrier.",
        _SUPPORT,
        "toggle",
    ),
    Setting(
        "levers.supports.schedule",
        "Sessions in school time",
        "Sessions happen during the school day, so timetables are no barrier.",
        _SUPPORT,
        "toggle",
    ),
    Setting(
        "levers.supports.language",
        "Language support",
        "Interpreters or bilingual materials, so language is no barrier.",
        _SUPPORT,
        "toggle",
    ),
    Setting(
        "levers.supports.caregiving",
        "Flexibility for care or work",
        "Flexible times for students who care for family or work.",
        _SUPPORT,
        "toggle",
    ),
)

SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}


def controls_guide() -> pd.DataFrame:
    """Every dashboard control in a table: section, label, what it means, setting, range.

    Examples
    --------
    >>> guide = controls_guide()
    >>> guide.loc[guide["setting"] == "levers.mentor_training", "control"].item()
    'Mentor training'
    """
    import pandas as pd

    rows = []
    for setting in SETTINGS:
        if setting.kind == "choice" and setting.options is not None:
            values = "; ".join(label for label, _ in setting.options())
        elif setting.kind == "toggle":
            values = "on / off"
        elif setting.kind == "int":
            values = f"{int(setting.low)} to {int(setting.high)}"
        else:
            values = f"{setting.low:g} to {setting.high:g}"
        rows.append(
            {
                "section": setting.section,
                "control": setting.label,
                "what it means": setting.help,
                "values": values,
                "setting": setting.key,
            }
        )
    return pd.DataFrame(rows)


def get_value(data: dict[str, Any], key: str) -> Any:
    """Value of dotted ``key`` in a nested dict (a scenario's ``model_dump()``)."""
    node: Any = data
    for part in key.split("."):
        node = node[part]
    return node
