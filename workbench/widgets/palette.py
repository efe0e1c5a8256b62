"""Colour-blind-safe group styles: Okabe–Ito colours plus line styles and markers.

Groups are never told apart by colour alone: each also gets its own line
style and marker, and the dashboard labels lines directly.

Examples
--------
>>> style = group_style(1)
>>> style.colour, style.linestyle, style.marker
('#E69F00', '--', 's')
>>> group_style(0) != group_style(len(OKABE_ITO))  # the cycle stays distinct past 8 groups
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.plotstyle import LINESTYLES, OKABE_ITO

MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
FONT_SIZES: dict[str, float] = {"base": 13.0, "title": 14.0, "label": 12.0}


@dataclass(frozen=True)
class GroupStyle:
    """How one group is drawn."""

    colour: str
    linestyle: Any
    marker: str

    def line_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for :meth:`matplotlib.axes.Axes.plot`."""
        return {"color": self.colour, "linestyle": self.linestyle, "linewidth": 2.2}


def group_style(k: int) -> GroupStyle:
    """Style of the ``k``-th group (colour, line style and marker all cycle independently)."""
    colours = len(OKABE_ITO)
    return GroupStyle(
        OKABE_ITO[k % colours],
        LINESTYLES[(k + k // colours) % len(LINESTYLES)],
        MARKERS[(k + k // colours) % len(MARKERS)],
    )
