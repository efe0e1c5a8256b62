"""The coordinator app: dashboard, roster matcher and sweep explorer on one page.

A row of buttons (keyboard-operable) switches between the three parts.
``workbench dashboard`` serves :func:`app_notebook`'s notebook with Voila.

Examples
--------
>>> from workbench.scenario import Scenario
>>> app = App(Scenario().with_overrides({"cohort.size": 40, "levers.weeks": 4}), run=False)
>>> app.pages.options
('Try a program design', 'Match your students', 'Explore a sweep')
>>> app.close()
"""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as widgets
import nbformat

from workbench.scenario import Scenario
from workbench.widgets.controls import css
from workbench.widgets.dashboard import Dashboard, close_tree
from workbench.widgets.explorer import SweepExplorer
from workbench.widgets.matcher import RosterMatcher


class App:
    """Dashboard, matcher and explorer behind a page switcher.

    Parameters
    ----------
    scenario
        Starting design for the dashboard (file, Scenario, or None: the baseline).
    results
        A sweep result store to open in the explorer.
    save_dir
        Where the dashboard saves scenario files.
    run
        Start the first dashboard run at once (in the background).
    """

    PAGES = ("Try a program design", "Match your students", "Explore a sweep")

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        results: str | Path | None = None,
        save_dir: str | Path = ".",
        run: bool = True,
    ) -> None:
        self.dashboard = Dashboard(scenario, save_dir=save_dir)
        self.matcher = RosterMatcher()
        # the page loads no icon font (nothing from outside this computer): no icons
        self.matcher.match_button.icon = ""
        self.explorer = SweepExplorer(results)
        self.pages = widgets.ToggleButtons(
            options=self.PAGES,
            value=self.PAGES[0],
            description="",
            tooltips=[
                "Move sliders and see what happens to belonging, confidence and gaps",
                "Upload your roster and get pairs with reasons",
                "Look through the results of a parameter sweep",
            ],
            style={"button_width": "15em"},
        )
        self.pages.add_class("wb-pages")
        self._parts = {
            self.PAGES[0]: self.dashboard.widget,
            self.PAGES[1]: self.matcher.widget,
            self.PAGES[2]: self.explorer.widget,
        }
        self.body = widgets.Box([self.dashboard.widget])
        self.pages.observe(self._switch, "value")
        self.widget = widgets.VBox([css(), self.pages, self.body])
        self.widget.add_class("wb-app")
        if run:
            self.dashboard.refresh(wait=False)

    def _switch(self, change: dict) -> None:
        self.body.children = [self._parts[change["new"]]]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def close(self) -> None:
        """Stop the dashboard's background runs and close every widget."""
        self.dashboard.close()
        close_tree(self.widget)
        close_tree(self.matcher.widget)
        close_tree(self.explorer.widget)


def app_notebook(
    scenario: str | Path | None = None,
    results: str | Path | None = None,
    save_dir: str | Path = ".",
) -> nbformat.NotebookNode:
    """A one-cell notebook that shows :class:`App` (what Voila serves, code hidden)."""
    arguments = {
        "scenario": str(Path(scenario).resolve()) if scenario else None,
        "results": str(Path(results).resolve()) if results else None,
        "save_dir": str(Path(save_dir).resolve()),
    }
    source = (
        "import json\n"
        "from workbench.widgets.app import App\n"
        f"app = App(**json.loads({json.dumps(json.dumps(arguments))}))\n"
        "app"
    )
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["title"] = "Mentorship Workbench"
    notebook.cells = [
        nbformat.v4.new_markdown_cell(
            "# Mentorship Workbench\n\nTry program designs, match your students, "
            "and explore sweeps. Every control works with the keyboard (Tab, arrows, Enter)."
        ),
        nbformat.v4.new_code_cell(source),
    ]
    return notebook
