"""Seeds: one rule for randomness, everywhere in the workbench.

Every function that draws random numbers takes one argument, ``rng``, and
passes it through :func:`as_rng` (the convention of Scientific Python SPEC 7,
as Mesa's ``Model(rng=...)`` and numpy's ``default_rng``). It accepts an
``int``, a :class:`numpy.random.SeedSequence`, a :class:`numpy.random.Generator`
or ``None``. Results record :func:`seed_record` of what they were given, so a
result says how to reproduce it.

Default behaviour: functions whose command-line twin is reproducible by default
(``workbench match``, ``compare``, ``sensitivity``) default to
``rng=DEFAULT_SEED``; passing ``None`` asks for fresh entropy, and the result
then records that it cannot be reproduced.
"""

from __future__ import annotations

import numbers
from typing import TypeAlias

import numpy as np

#: What an ``rng`` argument may be.
RngLike: TypeAlias = int | np.integer | np.random.SeedSequence | np.random.Generator | None

#: The seed used when the caller gives none, wherever results must be reproducible by default.
DEFAULT_SEED = 0


def as_rng(rng: RngLike) -> np.random.Generator:
    """Normalise an ``rng`` argument into a :class:`numpy.random.Generator`.

    A Generator is returned as is (so a caller's stream advances); an int or a
    SeedSequence seeds a new PCG64 generator; ``None`` draws fresh entropy.

    Examples
    --------
    >>> as_rng(3).random() == as_rng(3).random()
    True
    >>> g = np.random.default_rng(1)
    >>> as_rng(g) is g
    True
    >>> as_rng(-1)
    Traceback (most recent call last):
    ...
    ValueError: rng must be a non-negative integer, a SeedSequence, a Generator or None; got -1
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence) or rng is None:
        return np.random.default_rng(rng)
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool) and int(rng) >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng must be a non-negative integer, a SeedSequence, a Generator or None; got {rng!r}"
    )


def as_seed(rng: RngLike, default: int) -> int:
    """An ``rng`` argument as the one integer seed a result records (``default`` for None).

    Where a run must be reproducible from its stored seed (the run table of a
    simulation), a Generator or SeedSequence is turned into a 63-bit integer
    drawn from it, so the same generator state gives the same run.

    Examples
    --------
    >>> as_seed(None, default=42), as_seed(7, default=42)
    (42, 7)
    >>> as_seed(np.random.default_rng(1), 0) == as_seed(np.random.default_rng(1), 0)
    True
    """
    if rng is None:
        return int(default)
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(2, np.uint64)[0] >> 1)
    as_rng(rng)  # validates
    return int(rng)


def seed_record(rng: RngLike) -> int | str | None:
    """What a result stores about its ``rng`` argument: the int seed where there is one.

    Examples
    --------
    >>> seed_record(7), seed_record(None)
    (7, None)
    >>> seed_record(np.random.default_rng(1))
    'generator'
    """
    if rng is None:
        return None
    if isinstance(rng, np.random.Generator):
        return "generator"
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.entropy) if isinstance(rng.entropy, int) else str(rng.entropy)
    as_rng(rng)  # validates
    return int(rng)


def derive_seeds(root: int, count: int, *key: int) -> list[int]:
    """``count`` independent 63-bit seeds derived from ``root`` with numpy's SeedSequence.

    The k-th seed depends only on ``root``, ``key`` and ``k``: never on how many
    seeds are asked for, nor on which worker runs it.

    Examples
    --------
    >>> derive_seeds(42, 3) == derive_seeds(42, 5)[:3]
    True
    """
    return [
        int(np.random.SeedSequence(root, spawn_key=(*key, k)).generate_state(2, np.uint64)[0] >> 1)
        for k in range(count)
    ]
