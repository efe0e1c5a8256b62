"""Rich notebook display: the pieces every ``_repr_html_`` in the workbench is built from.

A workbench object that is the last expression of a notebook cell shows itself
as a *card*: a title, a line or two of facts, compact tables and, where a
picture says more, a small inline plot. Everything is escaped, self-contained
HTML (pictures are inline PNG), so a saved notebook shows the same card on
GitHub or in an exported HTML file.

Examples
--------
>>> import pandas as pd
>>> html = card("Scenario baseline", facts=["300 students"], tables={"levers": pd.DataFrame({"a": [1]})})
>>> html.startswith("<div") and "300 students" in html
True
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import pandas as pd

_STYLE = (
    "font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; "
    "border-left: 3px solid #0072B2; padding: 4px 10px; margin: 4px 0"
)


def escape(text: object) -> str:
    """``text`` as HTML-safe text."""
    return html.escape(str(text), quote=True)


def table_html(frame: pd.DataFrame, max_rows: int = 12, digits: int = 3) -> str:
    """A compact HTML table: numbers rounded, at most ``max_rows`` rows (the rest counted)."""
    shown = frame.head(max_rows)
    numeric = shown.select_dtypes("number").columns
    shown = shown.assign(**{c: shown[c].round(digits) for c in numeric})
    body = shown.to_html(
        index=not isinstance(shown.index, pd.RangeIndex), border=0, escape=True, na_rep="–"
    )
    if len(frame) > max_rows:
        body += f"<div><i>… {len(frame) - max_rows} more rows of {len(frame)}</i></div>"
    return body


def figure_html(fig: plt.Figure, dpi: int = 80) -> str:
    """``fig`` as an inline PNG ``<img>``; the figure is closed (it is not drawn twice)."""
    buffer = io.BytesIO()
    try:
        # A figure with a layout engine is already laid out; "tight" would lay it out twice.
        tight = None if fig.get_layout_engine() is not None else "tight"
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=tight)
    finally:
        plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}"/>'


def card(
    title: str,
    facts: Iterable[str] = (),
    tables: Mapping[str, pd.DataFrame] | None = None,
    figure: plt.Figure | None = None,
    max_rows: int = 12,
) -> str:
    """One HTML card: a bold title, a list of facts, captioned tables side by side, a plot.

    Parameters
    ----------
    title
        Shown in bold on the first line.
    facts
        Short sentences, one per line (escaped).
    tables
        Caption → table; each is shown with :func:`table_html`.
    figure
        A matplotlib figure shown under the tables (and closed).
    max_rows
        Rows shown per table.
    """
    parts = [f'<div style="{_STYLE}">', f"<b>{escape(title)}</b>"]
    facts = list(facts)
    if facts:
        parts.append(
            '<ul style="margin: 2px 0 4px 0">'
            + "".join(f"<li>{escape(f)}</li>" for f in facts)
            + "</ul>"
        )
    if tables:
        parts.append('<div style="display: flex; flex-wrap: wrap; gap: 18px">')
        for caption, frame in tables.items():
            parts.append(
                f"<div><div><i>{escape(caption)}</i></div>{table_html(frame, max_rows)}</div>"
            )
        parts.append("</div>")
    if figure is not None:
        parts.append(figure_html(figure))
    parts.append("</div>")
    return "".join(parts)
