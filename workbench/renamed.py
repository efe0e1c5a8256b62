"""Renamed arguments: the old name keeps working for one release, with a DeprecationWarning.

One name per idea across the public API: randomness is ``rng``, bootstrap
resample counts are ``n_resamples`` (scipy's name), posterior draws
``n_samples`` (scikit-learn's), parallel processes ``workers`` (the CLI's
``--workers``). A function that renamed an argument keeps the old one as a
keyword defaulting to ``None`` and resolves the two with :func:`renamed`.

Examples
--------
>>> import warnings
>>> def f(n_resamples=100, *, bootstrap=None):
...     return renamed("f", "bootstrap", "n_resamples", bootstrap, n_resamples, default=100)
>>> f(n_resamples=7)
7
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     f(bootstrap=7)
7
>>> str(caught[0].message)
'f(bootstrap=...) is deprecated and will be removed in the next release; use n_resamples='
"""

from __future__ import annotations

import warnings
from typing import Any

from workbench.errors import WorkbenchError


def renamed(
    function: str,
    old: str,
    new: str,
    old_value: Any,
    value: Any,
    *,
    default: Any = None,
    stacklevel: int = 3,
) -> Any:
    """The argument's value: ``value`` (given as ``new``), or ``old_value`` given under the
    old name ``old`` (then a DeprecationWarning pointing at the caller's caller).

    ``old_value`` is ``None`` when the old name was not used; ``default`` is the
    new argument's default, so giving both names (``value`` not the default) is
    an error. ``stacklevel`` 3 points the warning at the caller of the function
    that calls :func:`renamed` (add one per helper in between).
    """
    if old_value is None:
        return value
    warnings.warn(
        f"{function}({old}=...) is deprecated and will be removed in the next release; use {new}=",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    if value is not default and not _same(value, default):
        raise WorkbenchError(
            f"{function}: give either {old} or {new}, not both ({old} is deprecated; use {new})"
        )
    return old_value


def _same(value: Any, default: Any) -> bool:
    try:
        return bool(value == default)
    except (TypeError, ValueError):  # e.g. arrays
        return False
