"""Scenario discovery: which parameters or variants flip a verdict.

A shallow decision tree (:class:`sklearn.tree.DecisionTreeClassifier`, depth 2)
is fitted to the worlds table, predicting in which worlds design A is better.
Its splits are the rules that separate worlds where the verdict holds from
worlds where it does not: "A is better in 95% of worlds when
planned_harm_share < 0.12, in 20% otherwise".

Why a tree rather than PRIM (the classic scenario-discovery algorithm of the
EMA Workbench): PRIM is not in our stack, and a depth-2 tree gives at most three
readable rules, each a condition on one named parameter with a threshold, which
is what a coordinator or a reviewer can check. The tree sees structural
variants (``identity``) as one yes/no column per variant.

Examples
--------
>>> import numpy as np, pandas as pd
>>> x = np.linspace(0, 1, 200)
>>> table = pd.DataFrame({"planned_harm_share": x, "drift": np.cos(40 * x)})
>>> rules = flip_rules(table, x < 0.3, rng=0)
>>> rules[0].parameter, round(rules[0].threshold, 2)
('planned_harm_share', 0.3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.seeding import RngLike, as_seed
from workbench.worlds.plausible import basis

#: Depth of the tree: two levels of conditions stay readable.
DEPTH = 2
#: A split must leave at least this share of the worlds on each side.
MIN_LEAF_SHARE = 0.05
#: ... and at least this many worlds (a rule about two worlds is noise).
MIN_LEAF = 5
#: A split is reported only if it moves the share of worlds where A is better by this much
MIN_CHANGE = 0.2
#: ... and if that change is unlikely to be chance among the worlds: Fisher's exact test
#: on (side of the split) x (A better) below this p-value. The tree picks the best of
#: many candidate splits, so the bar is set well below the usual 0.05.
MAX_P = 0.001


@dataclass(frozen=True)
class Rule:
    """One split of the tree: where A is better more often, on each side of a threshold.

    ``threshold`` is None for a structural variant (``identity``); then ``value``
    is the variant and "below" means "any other variant".
    """

    parameter: str
    threshold: float | None
    value: str | None
    share_below: float
    share_above: float
    worlds_below: int
    worlds_above: int
    depth: int

    @property
    def basis(self) -> str:
        return basis(self.parameter)

    @property
    def condition_below(self) -> str:
        if self.threshold is None:
            return f"{self.parameter} is not {self.value}"
        return f"{self.parameter} < {_number(self.threshold)}"

    @property
    def condition_above(self) -> str:
        if self.threshold is None:
            return f"{self.parameter} is {self.value}"
        return f"{self.parameter} ≥ {_number(self.threshold)}"

    def words(self) -> str:
        """The rule in a sentence (the share is of worlds where A is better)."""
        kind = "an assumption" if self.basis == "assumption" else f"{self.basis}"
        return (
            f"A is better in {self.share_below:.0%} of worlds where {self.condition_below} "
            f"and in {self.share_above:.0%} where {self.condition_above} ({kind})"
        )


def features(table: pd.DataFrame) -> pd.DataFrame:
    """The worlds table as tree inputs: numbers as they are, each variant a 0/1 column."""
    columns = {}
    for name in table.columns:
        column = table[name]
        if pd.api.types.is_numeric_dtype(column):
            columns[name] = column.to_numpy(np.float64)
        else:
            for level in sorted(column.astype(str).unique()):
                columns[f"{name}={level}"] = (column.astype(str) == level).to_numpy(np.float64)
    return pd.DataFrame(columns, index=table.index)


def flip_rules(table: pd.DataFrame, better: np.ndarray, rng: RngLike = 0) -> list[Rule]:
    """The splits of a depth-2 tree that tell where A is better, root split first.

    Only splits that change the share of worlds where A is better by at least
    :data:`MIN_CHANGE`, with Fisher's exact p below :data:`MAX_P`, are kept; none
    when A is better (or worse) everywhere.

    Parameters
    ----------
    table
        Worlds table (one row per world).
    better
        Per world, whether A is better.
    rng
        Seeds the tree's tie-breaking between equally good splits.
    """
    from sklearn.tree import DecisionTreeClassifier

    better = np.asarray(better, dtype=bool)
    if better.all() or not better.any():
        return []
    inputs = features(table)
    usable = inputs.loc[:, inputs.nunique() > 1]
    if usable.shape[1] == 0:
        return []
    tree = DecisionTreeClassifier(
        max_depth=DEPTH,
        min_samples_leaf=max(MIN_LEAF, int(np.ceil(MIN_LEAF_SHARE * len(better)))),
        random_state=as_seed(rng, default=0) % 2**32,
    ).fit(usable.to_numpy(), better)
    structure = tree.tree_
    rules: list[Rule] = []

    def walk(node: int, rows: np.ndarray, depth: int) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left < 0:
            return
        column = usable.columns[structure.feature[node]]
        goes_left = usable[column].to_numpy()[rows] <= structure.threshold[node]
        low, high = rows[goes_left], rows[~goes_left]
        share_low, share_high = float(better[low].mean()), float(better[high].mean())
        if abs(share_low - share_high) >= MIN_CHANGE and _significant(better[low], better[high]):
            name, _, value = column.partition("=")
            rules.append(
                Rule(
                    parameter=name,
                    threshold=None if value else float(structure.threshold[node]),
                    value=value or None,
                    share_below=share_low,
                    share_above=share_high,
                    worlds_below=len(low),
                    worlds_above=len(high),
                    depth=depth,
                )
            )
        walk(left, low, depth + 1)
        walk(right, high, depth + 1)

    walk(0, np.arange(len(better)), 1)
    return rules


def _significant(low: np.ndarray, high: np.ndarray) -> bool:
    from scipy.stats import fisher_exact

    table = [[int(low.sum()), int((~low).sum())], [int(high.sum()), int((~high).sum())]]
    return bool(fisher_exact(table).pvalue < MAX_P)


def _number(value: float) -> str:
    return f"{value:.3g}"
