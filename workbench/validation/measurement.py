"""Measure simulated students like the studies did: survey scale scores, not latent traits.

The meta-analyses and trials behind the cases compare questionnaire scores.
:class:`SurveyInstrument` fits the project's measurement model
(:class:`workbench.survey.measurement.MeasurementModel`, ordered probit per
item) on a survey and codebook, then turns each simulated student's latent
belonging and confidence (0-1) into Likert answers and prorated scale scores,
so effect sizes carry the instrument's measurement error (they shrink by
about the square root of its reliability).

Examples
--------
>>> instrument = SurveyInstrument.from_files(
...     "examples/survey_synthetic.csv", "examples/codebook_synthetic.toml")  # doctest: +SKIP
>>> measured = instrument.measure(result.students, rng=1)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.validation.cases import CaseFileError

REPOSITORY = Path(__file__).resolve().parents[2]


def resolve(path: str | Path) -> Path:
    """A data path as given, else relative to the source tree's root."""
    path = Path(path)
    if path.is_file() or path.is_absolute():
        return path
    return REPOSITORY / path


@dataclass(frozen=True)
class SurveyInstrument:
    """A fitted measurement model and where it came from."""

    model: object  # workbench.survey.measurement.MeasurementModel
    source: str

    @classmethod
    def from_files(cls, survey: str | Path, codebook: str | Path) -> SurveyInstrument:
        """Fit the measurement model on a survey CSV and its codebook."""
        from workbench.survey import load_survey
        from workbench.survey.measurement import MeasurementModel

        survey_path, codebook_path = resolve(survey), resolve(codebook)
        for path, key in ((survey_path, "settings.survey"), (codebook_path, "settings.codebook")):
            if not path.is_file():
                raise CaseFileError(
                    f"{key}: {path}: no such file; give a survey and codebook to measure with, "
                    "or run with --latent to compare latent traits"
                )
        fitted = MeasurementModel().fit(load_survey(survey_path, codebook_path))
        return cls(fitted, f"{survey_path.name} + {codebook_path.name}")

    @property
    def latents(self) -> list[str]:
        return list(self.model.latents)

    def describe(self) -> str:
        parts = []
        for latent, scale in self.model.latents.items():
            spec = self.model.codebook_.scales[scale]
            parts.append(
                f"{latent}: scale '{scale}', {len(spec.items)} items {spec.low}-{spec.high}"
            )
        return "survey scale scores (" + "; ".join(parts) + f"; fitted on {self.source})"

    def measure(self, students: pd.DataFrame, rng: np.random.Generator | int) -> pd.DataFrame:
        """``students`` with ``belonging``/``confidence`` (post) and their ``_start`` columns (pre)
        replaced by scale scores.

        The post-program answers are drawn first, then the pre-program ones
        from the same generator, so post scores do not depend on whether pre
        scores are measured too.
        """
        rng = np.random.default_rng(rng)
        measured = students.copy()
        for suffix, wave in (("", self._wave(last=True)), ("_start", self._wave(last=False))):
            columns = {name: f"{name}{suffix}" for name in self.latents}
            if not set(columns.values()) <= set(students.columns):
                continue
            latent = pd.DataFrame(
                {"respondent": students["id"].to_numpy(), "wave": wave}
                | {name: students[column].to_numpy(float) for name, column in columns.items()}
            )
            scores = self.model.simulate_survey(latent, rng=rng).scores()
            scores = scores.set_index(scores["respondent"].astype(str))
            for latent_name, scale in self.model.latents.items():
                measured[columns[latent_name]] = (
                    scores[scale].reindex(students["id"].astype(str)).to_numpy(float)
                )
        return measured

    def _wave(self, last: bool) -> str:
        waves = self.model.codebook_.waves
        if not waves:
            return "post" if last else "pre"
        return (max if last else min)(waves, key=waves.get)
