"""How to read the dashboard's numbers: units, survey terms, verdict sentences, alt texts.

Every outcome the dashboard reports has one :class:`Outcome` here: its name,
what kind of number it is (a 0–1 latent level, a share shown as a percentage,
a count per student) and which way is better. The words about the 0–1 scale
come from the measurement model (:mod:`workbench.survey.measurement`, anchor
step): a latent level θ is *defined* as the expected survey answer as a share
of the answer range, so θ on a 1–5 scale is an average answer of 1 + 4θ.
The scales named are those of the project's example survey
(``examples/codebook_synthetic.toml``: belonging 1–5, confidence 1–4).

Examples
--------
>>> OUTCOMES["belonging"].show(0.5372)
'0.54'
>>> survey_terms("belonging", 0.5)
'an average answer of 3.0 on a 1–5 belonging survey (1 = not at all true, 5 = completely true)'
>>> OUTCOMES["retention"].show(0.7612)
'76%'
>>> verdict("belonging", -0.04, -0.05, -0.03, "With partners changing every 6 weeks")
'With partners changing every 6 weeks, belonging at the end is 0.04 lower (95% interval 0.03 to 0.05) than the pinned design: a small difference (0.16 of an answer step on the 1–5 survey).'
>>> verdict("belonging", 0.01, -0.01, 0.03, "With more mentor training")
'With more mentor training, belonging at the end is 0.01 higher than the pinned design, but the 95% interval (0.01 lower to 0.03 higher) includes no difference: these runs do not settle it (more runs per picture narrow the interval).'
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["latent", "share", "count", "gap"]


@dataclass(frozen=True)
class SurveyScale:
    """The survey a latent level stands for (the measurement model's anchor)."""

    name: str
    low: int
    high: int
    low_words: str
    high_words: str

    def answer(self, theta: float) -> float:
        """Average answer for latent level ``theta`` (θ = (answer − low)/(high − low))."""
        return self.low + (self.high - self.low) * theta


# examples/codebook_synthetic.toml: belonging PSSM-like 1-5, confidence GSE-like 1-4
SURVEY_SCALES: dict[str, SurveyScale] = {
    "belonging": SurveyScale("belonging", 1, 5, "not at all true", "completely true"),
    "confidence": SurveyScale("confidence", 1, 4, "not at all true", "exactly true"),
}

# A rule of thumb of this dashboard (an assumption, stated on the page), not a finding:
# the size of a latent difference in answer steps of its survey.
SIZE_WORDS: tuple[tuple[float, str], ...] = (
    (0.1, "a very small difference"),
    (0.25, "a small difference"),
    (0.5, "a moderate difference"),
    (math.inf, "a large difference"),
)


@dataclass(frozen=True)
class Outcome:
    """One reported outcome: its words, unit and which way is better."""

    metric: str
    name: str
    kind: Kind
    unit: str
    better: Literal["higher", "lower", "closer to 0"]
    subject: str = ""  # how a sentence names it (default: the name, lower case)

    @property
    def said(self) -> str:
        return self.subject or self.name[0].lower() + self.name[1:]

    def show(self, value: float) -> str:
        """``value`` rounded for reading, with its unit where it has a symbol."""
        if value is None or not math.isfinite(value):
            return "–"
        if self.kind == "share":
            return f"{100 * value:.0f}%"
        return f"{value:.2f}"

    def amount(self, difference: float) -> str:
        """The size of a difference in this outcome's unit (no sign)."""
        size = abs(difference)
        if self.kind == "share":
            return f"{100 * size:.1f} percentage points"
        if self.kind == "count":
            return f"{size:.2f} ties per student"
        return f"{size:.2f}"


OUTCOMES: dict[str, Outcome] = {
    outcome.metric: outcome
    for outcome in (
        Outcome("belonging", "Belonging at the end", "latent", "0–1 scale", "higher"),
        Outcome("confidence", "Confidence at the end", "latent", "0–1 scale", "higher"),
        Outcome("retention", "Still in the program at the end", "share", "% of students", "higher"),
        Outcome(
            "enrolled", "Still enrolled in the school/course", "share", "% of students", "higher"
        ),
        Outcome("dependency", "Dependency at the end", "latent", "0–1 scale (mentees)", "lower"),
        Outcome(
            "cross_group_ties",
            "Cross-group ties per student",
            "count",
            "ties per student",
            "higher",
        ),
        Outcome(
            "isolated",
            "Students with no ties",
            "share",
            "% of students",
            "lower",
            "the share of students with no ties",
        ),
        Outcome(
            "attendance",
            "Attendance over the program",
            "share",
            "% of sessions attended",
            "higher",
        ),
    )
}
GAP_UNIT = "0–1 scale (reference − group)"


def outcome_of(name: str) -> Outcome:
    """The :class:`Outcome` of a reported outcome name (belonging gaps included)."""
    for outcome in OUTCOMES.values():
        if outcome.name == name:
            return outcome
    if name.startswith("Belonging gap"):
        return Outcome("gap", name, "gap", GAP_UNIT, "closer to 0")
    return Outcome(name, name, "count", "", "higher")


def survey_terms(metric: str, theta: float) -> str:
    """A latent level in survey words (belonging and confidence)."""
    scale = SURVEY_SCALES[metric]
    return (
        f"an average answer of {scale.answer(theta):.1f} on a {scale.low}–{scale.high} "
        f"{scale.name} survey ({scale.low} = {scale.low_words}, "
        f"{scale.high} = {scale.high_words})"
    )


def size_words(metric: str, difference: float) -> str:
    """The dashboard's rule-of-thumb size of a latent difference, in answer steps."""
    scale = SURVEY_SCALES.get(metric, SURVEY_SCALES["belonging"])
    steps = abs(difference) * (scale.high - scale.low)
    words = next(words for limit, words in SIZE_WORDS if steps < limit)
    return f"{words} ({steps:.2f} of an answer step on the {scale.low}–{scale.high} survey)"


def _direction(value: float) -> str:
    return "higher" if value > 0 else "lower"


def _signed(outcome: Outcome, value: float) -> str:
    if value == 0:
        return "no difference"
    return f"{outcome.amount(value)} {_direction(value)}"


def verdict(metric_or_name: str, difference: float, low: float, high: float, lead: str) -> str:
    """One sentence: how the current design differs from the pinned one on an outcome.

    ``lead`` names the change ("With partners changing every 6 weeks"). When
    the 95% interval includes 0 the sentence says the runs do not settle it.
    """
    outcome = OUTCOMES.get(metric_or_name) or outcome_of(metric_or_name)
    subject = outcome.said
    if not math.isfinite(difference):
        return f"{lead}, {subject} could not be compared (no runs to compare)."
    if not (math.isfinite(low) and math.isfinite(high)):
        return (
            f"{lead}, {subject} is {_signed(outcome, difference)} than the pinned design; "
            "with one run per picture there is no interval, so this does not settle it."
        )
    if low <= 0 <= high and not low == high == 0:
        return (
            f"{lead}, {subject} is {_signed(outcome, difference)} than the pinned design, "
            f"but the 95% interval ({_signed(outcome, low)} to {_signed(outcome, high)}) "
            "includes no difference: these runs do not settle it (more runs per picture "
            "narrow the interval)."
        )
    if low == high == difference == 0:
        return f"{lead}, {subject} is the same as in the pinned design in every run."
    near, far = sorted((abs(low), abs(high)))
    first, last = outcome.amount(near), outcome.amount(far)
    interval = (
        f"95% interval {first.split(' ')[0]} to {last}"
        if first != last
        else f"95% interval also {last} once rounded"
    )
    sentence = (
        f"{lead}, {subject} is {_signed(outcome, difference)} ({interval}) than the pinned design"
    )
    if outcome.metric in SURVEY_SCALES or outcome.kind == "gap":
        metric = outcome.metric if outcome.metric in SURVEY_SCALES else "belonging"
        sentence += f": {size_words(metric, difference)}"
    better = {
        "higher": difference > 0,
        "lower": difference < 0,
        "closer to 0": None,
    }[outcome.better]
    if outcome.kind == "gap":
        sentence += " — a positive gap means the group is behind, so lower is fairer"
    elif better is not None and outcome.kind != "latent":
        sentence += " (better)" if better else " (worse)"
    return sentence + "."


def value_text(key: str, value: Any) -> str:
    """A setting's value in words for the "what changed" list."""
    from workbench.widgets.labels import SETTINGS_BY_KEY, policy_label

    setting = SETTINGS_BY_KEY.get(key)
    if key in ("matching.policy", "rotation.policy"):
        return policy_label(value, key.split(".")[0])
    if isinstance(value, bool) or (setting is not None and setting.kind == "toggle"):
        return "on" if value else "off"
    if setting is not None and setting.kind == "choice" and setting.options is not None:
        return dict((v, label) for label, v in setting.options()).get(value, str(value))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def design_changes(pinned: Any, current: Any) -> list[tuple[str, str, str]]:
    """(setting label, pinned value, current value) for every dashboard setting that differs."""
    from workbench.widgets.labels import SETTINGS, get_value

    old, new = pinned.model_dump(), current.model_dump()
    rows = []
    for setting in SETTINGS:
        a, b = get_value(old, setting.key), get_value(new, setting.key)
        if a != b:
            rows.append((setting.label, value_text(setting.key, a), value_text(setting.key, b)))
    return rows


def lead_words(changes: list[tuple[str, str, str]]) -> str:
    """How a verdict sentence names the change: one setting by name, several by count."""
    if not changes:
        return "With the same settings"
    if len(changes) == 1:
        label, old, new = changes[0]
        return f"With “{label}” at {new} instead of {old}"
    return f"With the {len(changes)} changes listed"


def changes_html(changes: list[tuple[str, str, str]], replications: tuple[int, int]) -> str:
    """The "what changed" list of the comparison."""
    if not changes:
        items = "<li>No setting differs: the two designs are the same.</li>"
    else:
        items = "".join(
            f"<li>{html.escape(label)}: {html.escape(old)} → <strong>{html.escape(new)}"
            "</strong></li>"
            for label, old, new in changes
        )
    runs = (
        f"<p>Runs per picture: pinned {replications[0]}, current {replications[1]}.</p>"
        if replications[0] != replications[1]
        else ""
    )
    return (
        '<div class="wb-changes"><h4>What changed (pinned → current)</h4>'
        f"<ul>{items}</ul>{runs}</div>"
    )


READING_HTML = """
<details class="wb-reading"><summary>How to read these numbers</summary>
<ul>
<li><strong>Belonging, confidence</strong> are levels on a <strong>0–1 scale</strong>. A level
is the answer a student would give on average on the survey that measures it, as a share of
the answer range (the measurement model's anchor): on a 1–5 belonging survey
(1 = not at all true, 5 = completely true) 0.5 is an average answer of 3, 0.75 an average of 4.
On a 1–4 confidence survey 0.5 is an average of 2.5.</li>
<li><strong>Dependency</strong> (0–1) is how much mentees lean on their mentor: 0 not at all,
1 fully.</li>
<li><strong>Percentages</strong> are shares of students (still in the program, no ties) or of
scheduled sessions (attendance).</li>
<li><strong>Cross-group ties per student</strong> is a count: friendships or mentoring ties with
someone of another group, per student.</li>
<li><strong>Belonging gap</strong> is the reference group's belonging minus the group's, on the
0–1 scale: above 0 the group is behind; 0 is no gap.</li>
<li><strong>Bands and intervals</strong>: shaded bands span 95% of the runs; a comparison's 95%
interval is where the true difference between the designs plausibly lies, given these runs
(bootstrap over paired runs). When it includes 0, the runs do not settle which design is
better.</li>
<li><strong>Size words</strong> for 0–1 levels are this dashboard's rule of thumb, in answer
steps of the survey: under 0.1 step very small, under 0.25 small, under 0.5 moderate, otherwise
large.</li>
<li>All numbers come from the simulation model (see docs/model.md for what is measured and what
is assumed), not from your students.</li>
</ul></details>
"""
