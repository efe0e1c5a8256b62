"""Plausible worlds: the parameter draws the evidence allows, as one reproducible object.

Each :class:`~workbench.scenario.Dynamics` parameter is drawn by its basis:

``calibrated``
    drawn *jointly* (whole rows, so correlations are kept) from the posterior of
    the calibration on the validation cases (:mod:`workbench.worlds.posterior`);
``assumption``
    drawn over its ``plausible`` range by a Latin hypercube (``scipy.stats.qmc``),
    so every part of every range is tried with few worlds;
``identity`` (the competing identity hypotheses)
    its variants balanced across worlds (counts differ by at most one), in a
    random order;
``measured`` / ``derived``
    held at the design's value (not drawn).

A calibrated parameter missing from the posterior file is drawn over its
plausible range like an assumption, and the summary says so.

Drawn this way (:meth:`PlausibleWorlds.unscreened`), the assumptions ignore the
evidence the posterior was fitted on, and many candidate worlds contradict it (a
program that lowers belonging; most matches closing early). The worlds used
for verdicts (:meth:`PlausibleWorlds.default`) are therefore drawn from
candidates *screened* against the calibration cases with the real simulator
(history matching, :mod:`workbench.worlds.screening`), shipped with the package.

Examples
--------
>>> worlds = PlausibleWorlds.default(n=40, rng=1)
>>> len(worlds), worlds.table.shape[0]
(40, 40)
>>> worlds.table["identity"].value_counts().tolist()
[10, 10, 10, 10]
>>> PlausibleWorlds.default(n=40, rng=1).table.equals(worlds.table)
True
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import qmc

from workbench.dynamics import NUMERIC, Params
from workbench.errors import WorkbenchError
from workbench.scenario import Dynamics, Scenario
from workbench.seeding import DEFAULT_SEED, RngLike, as_rng, seed_record
from workbench.worlds.posterior import load_posterior

#: How a column of the worlds table was drawn.
POSTERIOR = "posterior (joint)"
HYPERCUBE = "Latin hypercube over the plausible range"
BALANCED = "variants balanced across worlds"
FIXED = "set to one value in every world"
#: Assumptions added after world sets were first published, one batch per addition, each
#: drawn in a hypercube of its own (a later stream of the same seed) so that the worlds
#: drawn before keep every value.
DRAWN_LATER: tuple[tuple[str, ...], ...] = (
    ("planb_harm_share",),
    ("waiting_penalty", "checkin_reengagement"),
)
#: The structural (non-numeric) parameters that worlds draw, with their variants.
STRUCTURAL = ("identity",)


def _extra(name: str) -> dict[str, Any]:
    extra = Dynamics.model_fields[name].json_schema_extra
    return extra if isinstance(extra, dict) else {}


def basis(name: str) -> str:
    """A Dynamics parameter's basis (``measured``, ``derived``, ``calibrated``, ``assumption``)."""
    return str(_extra(name).get("basis", "assumption"))


def plausible(name: str) -> list[Any]:
    """A parameter's plausible range ``[low, high]`` (its variants for ``identity``)."""
    return list(_extra(name)["plausible"])


@dataclass(frozen=True, eq=False)
class PlausibleWorlds:
    """A set of parameter draws that the evidence allows: one row per world.

    Parameters
    ----------
    table
        One row per world (index ``world``), one column per drawn parameter.
    how
        Column → how it was drawn (:data:`POSTERIOR`, :data:`HYPERCUBE`, ...).
    seed
        What the draws were seeded with (:func:`workbench.seeding.seed_record`).
    posterior_samples
        Rows in the posterior file the calibrated parameters were drawn from.
    posterior_id
        First 12 hex digits of the SHA-256 of the posterior samples: the same
        ``n``, ``rng`` and posterior give the same worlds.
    screening
        How the worlds were screened against the calibration cases ("" if not).

    Use :meth:`default` to draw them; :meth:`params` gives the model's
    per-student parameters for worlds stacked in one run.
    """

    table: pd.DataFrame
    how: Mapping[str, str] = field(default_factory=dict)
    seed: int | str | None = None
    posterior_samples: int = 0
    posterior_id: str = ""
    screening: str = ""

    # -- drawing -----------------------------------------------------------------------
    @classmethod
    def default(cls, n: int = 200, rng: RngLike = DEFAULT_SEED) -> PlausibleWorlds:
        """``n`` plausible worlds: screened candidates the calibration checks allow.

        Draws ``n`` worlds without replacement from the shipped candidates that
        passed the screening (:mod:`workbench.worlds.screening`), the identity
        variants balanced (counts differ by at most one); same ``n`` and
        ``rng`` ⇒ same worlds.

        Parameters
        ----------
        n
            Number of worlds (at least 2, at most the kept candidates of a variant
            times the number of variants).
        rng
            Seed of the draws (see :mod:`workbench.seeding`).
        """
        n = check_world_count(int(n))
        pool, facts = load_screened()
        kept = pool[pool["kept"]]
        variants = plausible("identity")
        pick, order = as_rng(rng).spawn(2)
        wanted = pd.Series(np.resize(np.asarray(variants, dtype=object), n)).value_counts()
        rows: list[int] = []
        for variant in variants:
            among = np.flatnonzero(kept["identity"].to_numpy() == variant)
            count = int(wanted.get(variant, 0))
            rows.extend(among[pick.choice(len(among), size=count, replace=False)])
        chosen = kept.iloc[order.permutation(np.asarray(rows, dtype=np.intp))]
        drawn = [name for name in Dynamics.model_fields if name in facts["how"]]
        table = chosen[drawn].reset_index(drop=True)
        for name in drawn:
            if name in NUMERIC:
                table[name] = table[name].astype(np.float64)
        table.index = pd.RangeIndex(n, name="world")
        screening = (
            f"screened against the {len(facts['checks'])} calibration checks with the "
            f"simulator ({facts['replications']} replications of 300 students per arm): "
            f"{facts['kept']:,} of {facts['candidates']:,} candidate worlds kept "
            f"(largest implausibility < {facts['cutoff']:g}); drawn from those"
        )
        return cls(
            table,
            {name: facts["how"][name] for name in drawn},
            seed_record(rng),
            int(facts["posterior_samples"]),
            str(facts["posterior_id"]),
            screening,
        )

    @classmethod
    def unscreened(
        cls,
        n: int = 200,
        rng: RngLike = DEFAULT_SEED,
        *,
        posterior: pd.DataFrame | None = None,
    ) -> PlausibleWorlds:
        """Draw ``n`` candidate worlds by basis (module docstring), *not* screened.

        The candidates :meth:`default` is screened from. Some contradict the
        calibration cases (see :mod:`workbench.worlds.screening`): use
        :meth:`default` for verdicts.

        Parameters
        ----------
        n
            Number of worlds (at least 2).
        rng
            Seed of the draws (see :mod:`workbench.seeding`).
        posterior
            Posterior samples by parameter name; by default the shipped ones
            (:func:`~workbench.worlds.posterior.load_posterior`).
        """
        if int(n) < 2:
            raise ValueError(f"plausible worlds: n must be at least 2, got {n}")
        n = int(n)
        samples = load_posterior() if posterior is None else posterior
        pick, cube, order, *later = as_rng(rng).spawn(3 + len(DRAWN_LATER))
        columns: dict[str, np.ndarray] = {}
        how: dict[str, str] = {}
        rows = pick.choice(len(samples), size=n, replace=n > len(samples))
        for name in samples.columns:
            columns[name] = samples[name].to_numpy(np.float64)[rows]
            how[name] = POSTERIOR
        ranged = [
            name
            for name in NUMERIC
            if name not in columns and basis(name) in ("calibrated", "assumption")
        ]
        added = [[name for name in ranged if name in batch] for batch in DRAWN_LATER]
        first = [name for name in ranged if not any(name in batch for batch in DRAWN_LATER)]
        for names, stream in zip([first, *added], [cube, *later], strict=True):
            if not names:
                continue
            unit = qmc.LatinHypercube(d=len(names), rng=stream).random(n)
            bounds = np.array([plausible(name) for name in names], dtype=np.float64)
            # (qmc.scale refuses a range of one value; this is the same formula)
            scaled = bounds[:, 0] + unit * (bounds[:, 1] - bounds[:, 0])
            for j, name in enumerate(names):
                columns[name] = scaled[:, j]
                how[name] = HYPERCUBE
        for name in STRUCTURAL:
            variants = np.asarray(plausible(name), dtype=object)
            columns[name] = order.permutation(np.resize(variants, n))
            how[name] = BALANCED
        ordered = [name for name in Dynamics.model_fields if name in columns]
        table = pd.DataFrame({name: columns[name] for name in ordered})
        table.index = pd.RangeIndex(n, name="world")
        return cls(
            table,
            {name: how[name] for name in ordered},
            seed_record(rng),
            len(samples),
            posterior_id(samples),
        )

    @classmethod
    def fixed(cls, n: int, **values: Any) -> PlausibleWorlds:
        """``n`` worlds that all have the given values (and the design's for the rest).

        For checks and knock-outs: ``PlausibleWorlds.fixed(20, belonging_gain=0.0)``.

        Examples
        --------
        >>> PlausibleWorlds.fixed(3, drift=0.02).table["drift"].tolist()
        [0.02, 0.02, 0.02]
        """
        _check_names(values)
        table = pd.DataFrame({name: [value] * int(n) for name, value in values.items()})
        table.index = pd.RangeIndex(int(n), name="world")
        return cls(table, dict.fromkeys(values, FIXED))

    def with_values(self, **values: Any) -> PlausibleWorlds:
        """The same worlds with some parameters set to one value in every world (a knock-out).

        Examples
        --------
        >>> worlds = PlausibleWorlds.default(n=8, rng=0).with_values(belonging_gain=0.0)
        >>> set(worlds.table["belonging_gain"])
        {0.0}
        """
        _check_names(values)
        table = self.table.assign(**values)
        how = {**self.how, **dict.fromkeys(values, FIXED)}
        return replace(self, table=table, how=how)

    def take(self, worlds: Sequence[int] | np.ndarray) -> PlausibleWorlds:
        """Some of the worlds (renumbered from 0)."""
        table = self.table.iloc[np.asarray(worlds, dtype=np.intp)].reset_index(drop=True)
        table.index.name = "world"
        return replace(self, table=table)

    # -- using -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    @property
    def bases(self) -> dict[str, str]:
        """Drawn parameter → its basis."""
        return {name: basis(name) for name in self.table.columns}

    def draws(self) -> dict[str, np.ndarray]:
        """Parameter name → one value per world (what :class:`Params` takes)."""
        return {name: self.table[name].to_numpy() for name in self.table.columns}

    def params(self, dynamics: Dynamics, world: np.ndarray) -> Params:
        """The weekly rules' parameters for students whose world index is ``world``."""
        return Params(dynamics, self.draws(), world=np.asarray(world, dtype=np.intp))

    def scenario(self, k: int, scenario: Scenario) -> Scenario:
        """``scenario`` with world ``k``'s parameters: to run that one world on its own.

        Examples
        --------
        >>> worlds = PlausibleWorlds.fixed(2, drift=0.02)
        >>> worlds.scenario(1, Scenario()).dynamics.drift
        0.02
        """
        row = self.table.iloc[int(k)]
        return scenario.with_overrides(
            {f"dynamics.{name}": _plain(row[name]) for name in self.table.columns}
        )

    def summary(self) -> pd.DataFrame:
        """One row per drawn parameter: basis, how drawn, plausible range, range drawn."""
        rows = []
        for name in self.table.columns:
            column = self.table[name]
            numeric = name in NUMERIC
            rows.append(
                {
                    "parameter": name,
                    "basis": basis(name),
                    "drawn": self.how.get(name, ""),
                    "plausible": plausible(name),
                    "low": float(column.min()) if numeric else None,
                    "high": float(column.max()) if numeric else None,
                }
            )
        return pd.DataFrame(rows).set_index("parameter")

    def held(self) -> list[str]:
        """The numeric parameters not drawn: held at the design's value."""
        return [name for name in NUMERIC if name not in self.table.columns]

    def _facts(self) -> list[str]:
        counts: dict[str, list[str]] = {}
        for name, how in self.how.items():
            counts.setdefault(how, []).append(name)
        posterior = counts.get(POSTERIOR, [])
        cube = counts.get(HYPERCUBE, [])
        unsampled = [name for name in cube if basis(name) == "calibrated"]
        facts = [f"{len(self)} plausible worlds (seed {self.seed})"]
        if posterior:
            facts.append(
                f"{len(posterior)} calibrated parameters drawn jointly from the posterior "
                f"({self.posterior_samples:,} samples of the calibration on the validation "
                f"cases, posterior {self.posterior_id}): {', '.join(posterior)}"
            )
        if cube:
            facts.append(
                f"{len(cube)} parameters drawn over their plausible range by a Latin hypercube"
                + (
                    f" (calibrated but not in the posterior: {', '.join(unsampled)})"
                    if unsampled
                    else ""
                )
            )
        for name in counts.get(BALANCED, []):
            shares = self.table[name].value_counts(sort=False)
            facts.append(
                f"{name}: variants balanced across worlds ("
                + ", ".join(f"{k} {v}" for k, v in shares.items())
                + ")"
            )
        facts.append(
            self.screening.capitalize()
            if self.screening
            else "not screened against the calibration cases: some worlds may contradict them"
        )
        if counts.get(FIXED):
            facts.append(f"set to one value in every world: {', '.join(counts[FIXED])}")
        held = self.held()
        if held:
            facts.append(f"{len(held)} measured/derived parameters held at the design's value")
        return facts

    def __repr__(self) -> str:
        return "<PlausibleWorlds: " + "; ".join(self._facts()) + ">"

    def _repr_html_(self) -> str:
        from workbench.display import card

        return card("Plausible worlds", self._facts(), {"what was drawn": self.summary()})


@functools.cache
def _screened_files() -> tuple[pd.DataFrame, dict[str, Any]]:
    folder = resources.files(__package__)
    with (folder / "screened.json").open("r", encoding="utf-8") as handle:
        facts = json.load(handle)
    with (folder / "screened.csv").open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle, index_col="world")
    return table, facts


def load_screened() -> tuple[pd.DataFrame, dict[str, Any]]:
    """The shipped screened candidates (one row per world, ``kept``) and the screening's facts.

    Written by ``validation/screen_worlds.py`` (:mod:`workbench.worlds.screening`).

    Examples
    --------
    >>> table, facts = load_screened()
    >>> int(table["kept"].sum()) == facts["kept"]
    True
    """
    table, facts = _screened_files()
    return table.copy(), copy.deepcopy(facts)


def check_world_count(n: int, name: str = "plausible worlds: n=") -> int:
    """``n`` if :meth:`PlausibleWorlds.default` can draw that many worlds, else a one-line error.

    ``name`` starts the message (the CLIs give ``"--worlds "``).

    Examples
    --------
    >>> check_world_count(200)
    200
    >>> check_world_count(1, "--worlds ")
    Traceback (most recent call last):
    ...
    workbench.errors.WorkbenchError: --worlds 1: must be from 2 to ...
    """
    most = most_worlds()
    if not 2 <= n <= most:
        raise WorkbenchError(
            f"{name}{n}: must be from 2 to {most:,}, the screened plausible worlds that ship "
            f"with the package (docs/worlds.md); ask for {most:,} or fewer"
        )
    return n


def most_worlds() -> int:
    """The most worlds :meth:`PlausibleWorlds.default` can draw (identity variants balanced).

    Examples
    --------
    >>> most_worlds() >= 200
    True
    """
    table, _ = _screened_files()
    kept = table.loc[table["kept"], "identity"]
    return len(plausible("identity")) * min(
        int((kept == variant).sum()) for variant in plausible("identity")
    )


def posterior_id(samples: pd.DataFrame) -> str:
    """First 12 hex digits of the SHA-256 of the samples' names and values (their identity)."""
    digest = hashlib.sha256(",".join(samples.columns).encode())
    digest.update(np.ascontiguousarray(samples.to_numpy(np.float64)).tobytes())
    return digest.hexdigest()[:12]


def _check_names(values: Mapping[str, Any]) -> None:
    for name in values:
        if name not in NUMERIC and name not in STRUCTURAL:
            raise ValueError(f"{name!r} is not a model parameter that worlds can vary")


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
