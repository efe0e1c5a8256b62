"""ipywidgets apps for coordinators: the policy dashboard, the roster matcher, the sweep explorer.

``workbench dashboard`` serves them as a web page (Voila, no code shown); in
Jupyter, display the objects directly::

    from workbench.widgets import Dashboard
    Dashboard("scenarios/baseline.toml")
"""

from workbench.widgets.dashboard import Dashboard

__all__ = ["Dashboard"]
