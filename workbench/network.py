"""The ties network: friendships at the start and the ties the program grows.

Ties are undirected and stored as sorted ``int64`` keys ``low * n + high`` so
that adding thousands of ties a week stays vectorised. Each student's degree
and number of cross-group ties are kept up to date.
"""

from __future__ import annotations

import networkx as nx
import numpy as np


class TieNetwork:
    """Undirected ties among ``n`` students with a cross-group flag per tie.

    Parameters
    ----------
    groups
        ``(n, a)`` integer codes of the attributes on which a tie counts as
        cross-group (a tie is cross-group when the two differ on any of them).

    Examples
    --------
    >>> net = TieNetwork(np.array([[0], [1], [0]]))
    >>> net.add(np.array([0, 0]), np.array([1, 2]))
    2
    >>> net.degree.tolist(), net.cross_degree.tolist()
    ([2, 1, 1], [1, 1, 0])
    """

    def __init__(self, groups: np.ndarray) -> None:
        self.groups = np.asarray(groups)
        self.n = len(self.groups)
        self.keys = np.zeros(0, dtype=np.int64)
        self.degree = np.zeros(self.n, dtype=np.int64)
        self.cross_degree = np.zeros(self.n, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.keys)

    def is_cross(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if self.groups.shape[1] == 0:
            return np.zeros(len(a), dtype=bool)
        return (self.groups[a] != self.groups[b]).any(1)

    def add(self, a: np.ndarray, b: np.ndarray) -> int:
        """Add ties ``(a[k], b[k])``; self-ties and existing ties are ignored.

        Returns the number of new ties.
        """
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        keep = a != b
        low, high = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
        keys = np.sort(low * self.n + high)  # a sort and a mask: ~4x np.unique's speed
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
        # keys stay sorted: membership and insertion by binary search, no re-sort
        position = np.searchsorted(self.keys, keys)
        found = position < len(self.keys)
        found[found] = self.keys[position[found]] == keys[found]
        keys, position = keys[~found], position[~found]
        if len(keys) == 0:
            return 0
        low, high = keys // self.n, keys % self.n
        cross = self.is_cross(low, high)
        self.degree += np.bincount(low, minlength=self.n) + np.bincount(high, minlength=self.n)
        self.cross_degree += np.bincount(low[cross], minlength=self.n) + np.bincount(
            high[cross], minlength=self.n
        )
        self.keys = np.insert(self.keys, position, keys)
        return len(keys)

    def edges(self) -> np.ndarray:
        """``(m, 2)`` array of tie ends."""
        return np.column_stack([self.keys // self.n, self.keys % self.n])

    def to_networkx(self) -> nx.Graph:
        """The ties as a networkx graph on nodes ``0..n-1``."""
        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_edges_from(map(tuple, self.edges().tolist()))
        return graph


def initial_friendships(
    site: np.ndarray,
    group: np.ndarray,
    mean_friends: float,
    homophily: float,
    isolation: np.ndarray,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Friendship ties within sites, mostly within one's own group.

    Each student names ``Poisson(mean_friends · isolation)`` friends from the
    same site, each from their own group with probability ``homophily``
    (homophily in school friendship networks: McPherson et al. 2001).
    """
    n = len(site)
    _, site_code = np.unique(site, return_inverse=True)
    count = rng.poisson(mean_friends * isolation)
    owner = np.repeat(np.arange(n), count)
    same = rng.random(len(owner)) < homophily
    friend = np.empty(len(owner), dtype=np.int64)
    for blocks, chosen in (
        (site_code * (group.max() + 1) + group, same),
        (site_code, ~same),
    ):
        order = np.argsort(blocks, kind="stable")
        sorted_blocks = blocks[order]
        start = np.searchsorted(sorted_blocks, blocks, side="left")
        size = np.searchsorted(sorted_blocks, blocks, side="right") - start
        who = owner[chosen]
        pick = start[who] + (rng.random(len(who)) * size[who]).astype(np.int64)
        friend[chosen] = order[pick]
    return owner, friend
