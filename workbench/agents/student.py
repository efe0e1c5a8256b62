"""The student agent: a Mesa agent whose state is a row of the cohort arrays.

The weekly rules run vectorised over the whole cohort
(:func:`workbench.dynamics.advance_week`), so a student does not step on its
own; its attributes read the model's arrays, which keeps students inspectable
and usable with Mesa's ``AgentSet`` tools (``select``, ``groupby``, ``agg``).

Examples
--------
>>> from workbench.model import MentorshipModel
>>> from workbench.scenario import Scenario
>>> model = MentorshipModel(Scenario().with_overrides({"cohort.size": 20}), rng=1)
>>> student = model.students[0]
>>> 0.0 <= student.belonging <= 1.0, student.role in ("mentor", "mentee")
(True, True)
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

    @property
    def belonging(self) -> float:
        return float(self.model.state.belonging[self.index])

    @property
    def confidence(self) -> float:
        return float(self.model.state.confidence[self.index])

    @property
    def engagement(self) -> float:
        return float(self.model.state.engagement[self.index])

    @property
    def dependency(self) -> float:
        return float(self.model.state.dependency[self.index])

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
