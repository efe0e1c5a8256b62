"""The synthetic example survey loads, is reproducible from its script, and looks like its sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from workbench.survey import load_survey, reliability_table

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "examples" / "survey_synthetic.csv"
CODEBOOK = ROOT / "examples" / "codebook_synthetic.toml"


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_example_survey", ROOT / "scripts" / "make_example_survey.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_example_is_what_the_script_writes(tmp_path):
    assert _script().main(["--out", str(tmp_path), "--long"]) == 0
    assert (tmp_path / "survey_synthetic.csv").read_bytes() == SURVEY.read_bytes()
    assert (tmp_path / "codebook_synthetic.toml").read_bytes() == CODEBOOK.read_bytes()
    wide = load_survey(tmp_path / "survey_synthetic.csv", tmp_path / "codebook_synthetic.toml")
    long = load_survey(
        tmp_path / "survey_synthetic_long.csv", tmp_path / "codebook_synthetic_long.toml"
    )
    merged = wide.scores().merge(long.scores(), on=["respondent", "wave"])
    assert len(merged) == len(wide.data)
    assert (merged["belonging_x"].fillna(-1) == merged["belonging_y"].fillna(-1)).all()


def test_example_has_realistic_statistics():
    survey = load_survey(SURVEY, CODEBOOK)
    assert survey.waves == ["pre", "post"]
    assert survey.data["respondent"].nunique() == 300
    table = reliability_table(survey)
    assert table["alpha"].between(0.76, 0.93).all()
    scores = survey.scores()
    post = scores[scores["wave"] == "post"]
    pre = scores[scores["wave"] == "pre"].set_index("respondent")
    change = (post.set_index("respondent")["belonging"] - pre["belonging"]).dropna()
    took_part = pre["participated"].astype(bool).reindex(change.index)
    effect = change[took_part].mean() - change[~took_part].mean()
    d = effect / pre["belonging"].std()
    assert 0.05 < d < 0.6  # a small mentoring effect, d ≈ 0.2 in the generating model
    assert pytest.approx(0.6, abs=0.1) == pre["participated"].astype(float).mean()
