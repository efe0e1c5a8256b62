"""The student agent: a Mesa agent whose state is a row of the cohort arrays.

The weekly rules run vectorised over the whole cohort
(:func:`workbench.dynamics.advance_week`), so a student does not step on its
own; its attributes read the model's arrays, which keeps students inspectable
and usable with Mesa's ``AgentSet`` tools (``select``, ``groupby``, ``agg``).
Group attributes of the roster are agent attributes too (``student.first_gen``),
so ``model.agents.groupby("first_gen")`` works.

Interventions: ``belonging``, ``confidence``, ``engagement`` and
``dependency`` can be set (0-1, checked); the new value is the student's state
from the next week on, as if something outside the program had changed it.

Examples
--------
>>> from workbench.model import MentorshipModel
>>> from workbench.scenario import Scenario
>>> model = MentorshipModel(Scenario().with_overrides({"cohort.size": 20}), rng=1)
>>> student = model.students[0]
>>> 0.0 <= student.belonging <= 1.0, student.role in ("mentor", "mentee")
(True, True)
>>> student.first_gen in ("yes", "no")
True
>>> sorted(model.agents_by_type[Student].groupby("first_gen").count())
['no', 'yes']
>>> student.belonging = 0.9   # an intervention on one student
>>> round(float(model.state.belonging[student.index]), 2)
0.9
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from workbench.model import MentorshipModel


class Student(mesa.Agent):
    """One student; ``index`` is its row in the model's roster and state arrays."""

    model: MentorshipModel

    def __init__(self, model: MentorshipModel, index: int) -> None:
        super().__init__(model)
        self.index = index

    @property
    def student_id(self) -> str:
        return str(self.model.roster.ids[self.index])

    @property
    def site(self) -> str:
        return str(self.model.roster.site[self.index])

    @property
    def groups(self) -> dict[str, str]:
        """Group attribute levels, e.g. ``{"first_gen": "yes", ...}``."""
        return {k: str(v) for k, v in self.model.roster.attributes.iloc[self.index].items()}

    @property
    def role(self) -> str:
        return str(self.model.state.role[self.index])

    def __getattr__(self, name: str) -> str:
        # only called when normal look-up fails: a roster group attribute, by name
        if not name.startswith("_"):
            attributes = self.__dict__.get("model") and self.model.roster.attributes
            if attributes is not None and name in attributes.columns:
                return str(attributes[name].iloc[self.index])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _set(self, name: str, value: float) -> None:
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1 (a latent level); got {value}")
        getattr(self.model.state, name)[self.index] = value

    @property
    def belonging(self) -> float:
        """Latent belonging, 0-1 (settable: an intervention)."""
        return float(self.model.state.belonging[self.index])

    @belonging.setter
    def belonging(self, value: float) -> None:
        self._set("belonging", value)

    @property
    def confidence(self) -> float:
        """Latent confidence (self-efficacy), 0-1 (settable)."""
        return float(self.model.state.confidence[self.index])

    @confidence.setter
    def confidence(self, value: float) -> None:
        self._set("confidence", value)

    @property
    def engagement(self) -> float:
        """Engagement with the program, 0-1 (settable)."""
        return float(self.model.state.engagement[self.index])

    @engagement.setter
    def engagement(self, value: float) -> None:
        self._set("engagement", value)

    @property
    def dependency(self) -> float:
        """Dependency on a mentor, 0-1 (settable)."""
        return float(self.model.state.dependency[self.index])

    @dependency.setter
    def dependency(self, value: float) -> None:
        self._set("dependency", value)

    @property
    def active(self) -> bool:
        """Still taking part (has not dropped out)."""
        return bool(self.model.state.active[self.index])

    @property
    def ties(self) -> int:
        return int(self.model.ties.degree[self.index])

    @property
    def partners(self) -> list[Student]:
        """Current mentors and mentees of this student."""
        links = self.model.state.links
        alive = links.alive
        mine = alive & ((links.mentor == self.index) | (links.mentee == self.index))
        others = set(links.mentor[mine].tolist()) | set(links.mentee[mine].tolist())
        others.discard(self.index)
        return [self.model.students[i] for i in sorted(others)]

    def __repr__(self) -> str:
        return f"Student({self.student_id!r}, role={self.role!r}, belonging={self.belonging:.2f})"
