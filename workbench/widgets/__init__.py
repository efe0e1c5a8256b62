"""ipywidgets apps for coordinators: the policy dashboard, the roster matcher, the sweep explorer.

``workbench dashboard`` serves them together as a web page (Voila, no code
shown); in Jupyter, display the objects directly::

    from workbench.widgets import Dashboard
    Dashboard("scenarios/baseline.toml")
"""

from workbench.widgets.app import App
from workbench.widgets.dashboard import Dashboard
from workbench.widgets.explorer import SweepExplorer
from workbench.widgets.labels import controls_guide
from workbench.widgets.matcher import RosterMatcher

__all__ = ["App", "Dashboard", "RosterMatcher", "SweepExplorer", "controls_guide"]
