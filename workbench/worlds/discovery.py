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

from workbench.seeding import RngLike, as_rng, as_seed
from workbench.worlds.plausible import basis

#: Depth of the tree: two levels of conditions stay readable.
DEPTH = 2
#: A split must leave at least this share of the worlds on each side.
MIN_LEAF_SHARE = 0.05
#: ... and at least this many worlds (a rule about two worlds is noise).
MIN_LEAF = 5
#: A split is reported only if it moves the share of worlds where A is better by this much,
MIN_CHANGE = 0.2
#: ... and if a split as good is unlikely on chance alone: the node's best split (over
#: every parameter and threshold) is compared with the best splits of this many random
#: relabellings of the same worlds (a permutation test of the maximum, so the many
#: candidate splits are accounted for) ...
PERMUTATIONS = 99
#: ... and must beat all but this share of them.
SIGNIFICANCE = 0.05


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

    A node's split counts only if a split as good is rare among random
    relabellings of its worlds (:func:`split_p` below :data:`SIGNIFICANCE`);
    below a split that does not count, nothing is looked at. Of those, splits
    that change the share of worlds where A is better by at least
    :data:`MIN_CHANGE` are reported. None when A is better (or worse) everywhere.

    Parameters
    ----------
    table
        Worlds table (one row per world).
    better
        Per world, whether A is better.
    rng
        Seeds the tree's tie-breaking between equally good splits and the relabellings.
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

    values = usable.to_numpy()
    shuffle = as_rng(rng)
    leaf = tree.min_samples_leaf

    def walk(node: int, rows: np.ndarray, depth: int) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left < 0 or split_p(values[rows], better[rows], leaf, shuffle) >= SIGNIFICANCE:
            return  # no split, or one that chance gives as often: nothing below it either
        column = usable.columns[structure.feature[node]]
        goes_left = values[rows, structure.feature[node]] <= structure.threshold[node]
        low, high = rows[goes_left], rows[~goes_left]
        share_low, share_high = float(better[low].mean()), float(better[high].mean())
        if abs(share_low - share_high) >= MIN_CHANGE:
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


def split_p(
    values: np.ndarray, better: np.ndarray, min_leaf: int, rng: np.random.Generator
) -> float:
    """Permutation p-value of the best split of these worlds (:data:`PERMUTATIONS`).

    The statistic is what the tree maximises: the largest decrease of Gini
    impurity over every column and threshold that leaves ``min_leaf`` worlds a
    side. Under random relabelling of the worlds, a split at least as good
    happens with probability about p.
    """
    labels = np.vstack([better, *(rng.permutation(better) for _ in range(PERMUTATIONS))]).astype(
        np.float64
    )
    gains = best_gains(values, labels, min_leaf)
    return float((1 + np.sum(gains[1:] >= gains[0] - 1e-12)) / (PERMUTATIONS + 1))


def best_gains(values: np.ndarray, labels: np.ndarray, min_leaf: int) -> np.ndarray:
    """Largest Gini decrease of one split, per row of ``labels`` (0/1, one column per world).

    Examples
    --------
    >>> x = np.arange(10.0)[:, None]
    >>> best_gains(x, np.array([[0, 0, 0, 0, 0, 1, 1, 1, 1, 1.0]]), 2).round(3).tolist()
    [0.5]
    """
    m = labels.shape[1]
    left = np.arange(1, m, dtype=np.float64)  # split after position i: i + 1 on the left
    right = m - left
    sizes_ok = (left >= min_leaf) & (right >= min_leaf)
    total = labels.sum(1, keepdims=True)
    share = total / m
    parent = 2.0 * share * (1.0 - share)
    best = np.zeros(len(labels))
    for j in range(values.shape[1]):
        order = np.argsort(values[:, j], kind="stable")
        x = values[order, j]
        valid = sizes_ok & (x[1:] > x[:-1])  # thresholds fall between distinct values
        if not valid.any():
            continue
        on_left = np.cumsum(labels[:, order], axis=1)[:, :-1][:, valid]
        n_left, n_right = left[valid], right[valid]
        p_left = on_left / n_left
        p_right = (total - on_left) / n_right
        impurity = (
            n_left * 2.0 * p_left * (1.0 - p_left) + n_right * 2.0 * p_right * (1.0 - p_right)
        ) / m
        best = np.maximum(best, (parent - impurity).max(1))
    return best


def _number(value: float) -> str:
    return f"{value:.3g}"
