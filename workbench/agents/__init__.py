"""Mesa agents of the mentorship model: students and the program coordinator."""

from workbench.agents.coordinator import Coordinator
from workbench.agents.student import Student

__all__ = ["Coordinator", "Student"]
