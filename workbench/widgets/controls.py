"""ipywidgets controls built from :mod:`workbench.widgets.labels` settings.

Examples
--------
>>> from workbench.widgets.labels import SETTINGS_BY_KEY
>>> control = make_control(SETTINGS_BY_KEY["levers.mentor_training"], 0.5)
>>> type(control).__name__, control.description, control.value
('FloatSlider', 'Mentor training', 0.5)
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from workbench.widgets.labels import Setting

LABEL_WIDTH = "17em"  # full-width forms (the matcher)
CONTROL_LABEL_WIDTH = "13em"  # the dashboard's settings column: long labels wrap
CSS = """
<style>
.wb-app { font-size: 16px; line-height: 1.4; color: #1a1a1a; }
.wb-app .widget-label, .wb-app .widget-label-basic, .wb-app label,
.wb-app .widget-readout, .wb-app select, .wb-app button, .wb-app input { font-size: 15px; }
.wb-app .wb-help { font-size: 14px; color: #333333; margin: -4px 0 8px 1em; }
.wb-app h2 { font-size: 22px; margin: 8px 0; }
.wb-app h3 { font-size: 18px; margin: 12px 0 4px 0; }
.wb-app :focus-visible { outline: 3px solid #0072B2 !important; outline-offset: 2px; }
.wb-app .noUi-handle:focus { outline: 3px solid #0072B2 !important; }
.wb-app .wb-status { font-size: 15px; min-height: 1.5em; }
.wb-app .wb-error { color: #8B0000; font-weight: bold; }
.wb-app table.wb-table { border-collapse: collapse; font-size: 15px; }
.wb-app table.wb-table th, .wb-app table.wb-table td
  { border-bottom: 1px solid #cccccc; padding: 3px 10px; text-align: left; }
.wb-app table.wb-table caption { text-align: left; font-size: 14px; color: #333333; }
/* labels wrap instead of being cut off with "…" */
.wb-app .widget-label, .wb-app .widget-label-basic
  { white-space: normal; overflow: visible; text-overflow: clip; height: auto;
    min-height: var(--jp-widgets-inline-height); line-height: 1.25;
    display: flex; align-items: center; }
.wb-app .widget-inline-hbox .widget-label { justify-content: flex-end; }
.wb-app .widget-slider, .wb-app .widget-dropdown
  { height: auto; min-height: var(--jp-widgets-inline-height); }
.wb-app select { text-overflow: clip; }
/* links look like links */
.wb-app a, .wb-app a:visited { color: #0047A3; text-decoration: underline; }
.wb-app a.wb-download, .wb-app a.wb-link
  { display: inline-block; margin: 6px 0; font-weight: bold; }
.wb-app i.fa:empty { display: none; }
/* ipywidgets' info, success and warning buttons have white text below AA contrast */
.wb-app .jupyter-button.mod-info { background-color: #00697A; color: #ffffff; }
.wb-app .jupyter-button.mod-success { background-color: #2E7D32; color: #ffffff; }
.wb-app .jupyter-button.mod-warning { background-color: #A14A00; color: #ffffff; }
.wb-app details.wb-reading { margin: 8px 0; font-size: 15px; }
.wb-app details.wb-reading summary { cursor: pointer; font-weight: bold; }
.wb-app ul.wb-verdicts li { margin: 4px 0; }
.wb-app .wb-changes h4, .wb-app .wb-comparison-text h4 { margin: 8px 0 2px 0; font-size: 16px; }
</style>
"""


def css() -> widgets.HTML:
    """The app's style sheet (readable sizes, a visible keyboard focus ring)."""
    return widgets.HTML(CSS)


def make_control(setting: Setting, value: Any) -> widgets.ValueWidget:
    """A keyboard-operable control for ``setting`` starting at ``value``.

    Sliders widen their range when ``value`` lies outside it (a scenario file
    may use any value its schema allows); choices gain an unknown current value.
    """
    common = {
        "description": setting.label,
        "description_allow_html": False,
        "style": {"description_width": CONTROL_LABEL_WIDTH},
        "layout": widgets.Layout(width="98%"),
        "tooltip": setting.help,
    }
    if setting.kind == "choice":
        options = list(setting.options() if setting.options else [])
        if value not in [v for _, v in options]:
            options.append((str(value), value))
        return widgets.Dropdown(options=options, value=value, **common)
    if setting.kind == "toggle":
        common.pop("style")
        return widgets.Checkbox(value=bool(value), indent=True, **common)
    if setting.kind == "int":
        return widgets.IntSlider(
            value=int(value),
            min=int(min(setting.low, value)),
            max=int(max(setting.high, value)),
            step=int(setting.step),
            continuous_update=False,
            **common,
        )
    return widgets.FloatSlider(
        value=float(value),
        min=float(min(setting.low, value)),
        max=float(max(setting.high, value)),
        step=setting.step,
        readout_format=".2f",
        continuous_update=False,
        **common,
    )


def set_control(control: widgets.ValueWidget, setting: Setting, value: Any) -> None:
    """Move ``control`` to ``value`` (widening a slider's range or adding a choice if needed)."""
    if setting.kind == "choice":
        if value not in [v for _, v in control.options]:
            control.options = [*control.options, (str(value), value)]
    elif setting.kind in ("int", "float"):
        cast = int if setting.kind == "int" else float
        control.max = max(cast(setting.high), cast(value), control.min)
        control.min = min(cast(setting.low), cast(value))
        value = cast(value)
    control.value = value


def help_text(setting: Setting) -> widgets.HTML:
    """The setting's help sentence, shown under its control."""
    return widgets.HTML(f'<div class="wb-help">{setting.help}</div>')
