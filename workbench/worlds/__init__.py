"""Plausible worlds: verdicts that carry their uncertainty.

A verdict such as "rotating every 6 weeks lowers end-of-year belonging" rests on
parameters the evidence does not pin down. This package makes the set of
parameter draws the evidence allows a first-class object
(:class:`PlausibleWorlds`), runs a design over all of them in one vectorised
model (:func:`run_worlds`), and reports each verdict as the share of plausible
worlds in which it holds, with the parameters that flip it (:func:`verdict`).

Examples
--------
>>> from workbench.worlds import PlausibleWorlds, verdict
>>> worlds = PlausibleWorlds.default(n=20, rng=0)
>>> sorted(set(worlds.bases.values()))
['assumption', 'calibrated']

Does the rotation verdict depend on the identity variant? (three lines)::

    from workbench.worlds import verdict
    v = verdict("scenarios/rotation_periodic.toml", "scenarios/baseline.toml")
    v.by("identity")
"""

from workbench.worlds.engine import run_worlds
from workbench.worlds.plausible import PlausibleWorlds
from workbench.worlds.verdict import Verdict, judge, verdict, verdict_table, verdicts

__all__ = [
    "PlausibleWorlds",
    "Verdict",
    "judge",
    "run_worlds",
    "verdict",
    "verdict_table",
    "verdicts",
]
