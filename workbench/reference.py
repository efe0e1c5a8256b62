"""Reference tables of every scenario setting, rendered from the schema itself.

``docs/model.md`` embeds :func:`parameter_table` between markers; a test
checks it is current, so the documented defaults are always the code's.

Run ``python -m workbench.reference`` to refresh the table in docs/model.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import BaseModel

from workbench.scenario import Cohort, Dynamics, Levers, Matching, Rotation, Supports, Weights

START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("dynamics", Dynamics),
    ("levers", Levers),
    ("levers.supports", Supports),
    ("matching", Matching),
    ("matching.weights", Weights),
    ("rotation", Rotation),
    ("cohort", Cohort),
)


def _range(info) -> str:
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", getattr(item, "gt", low)) if low is None else low
        high = getattr(item, "le", getattr(item, "lt", high)) if high is None else high
    if low is None and high is None:
        return ""
    return f"{'' if low is None else low} – {'' if high is None else high}"


def _default(info) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return "(table)"
        if isinstance(value, dict):
            return "(table)"
        return f"`{value}`" if not isinstance(value, list) or len(str(value)) < 40 else "(list)"
    return f"`{info.default}`"


def parameter_table() -> str:
    """Markdown tables (one per scenario section): key, default, range, unit, basis, meaning, source."""
    lines = []
    for prefix, model in SECTIONS:
        lines += [
            f"#### `[{prefix}]`",
            "",
            "| key | default | range | unit | basis | meaning | source |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            lines.append(
                f"| `{name}` | {_default(info)} | {_range(info)} | {extra.get('unit', '')} "
                f"| {extra.get('basis', '')} | {info.description or ''} "
                f"| {extra.get('source', '')} |"
            )
        lines.append("")
    return "\n".join(lines)


def refresh(path: Path) -> bool:
    """Rewrite the table between the markers in ``path``; True when it changed."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{parameter_table()}\n{END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/model.md")
    print(f"{target}: {'updated' if refresh(target) else 'already current'}")
