"""Survey codebooks and CSV loading: long and wide formats, validation, missing-answer rule."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.survey import SurveyError, load_codebook, load_survey, prorate

CODEBOOK = """
[survey]
format = "{format}"
respondent = "id"
wave = "wave"

[waves]
pre = 0
post = 10

[scoring]
min_answered = 0.8

[scales.belonging]
items = ["b1", "b2", "b3", "b4", "b5"]
reverse = ["b2"]
low = 1
high = 5
latent = "belonging"

[groups]
columns = ["first_gen"]

[program]
participated = "took_part"
sessions_attended = "sessions"
"""

WIDE = """\
id,wave,first_gen,took_part,sessions,b1,b2,b3,b4,b5
s1,pre,yes,1,0,4,2,4,5,3
s1,post,yes,1,8,5,1,5,5,
s2,pre,no,0,,3,3,3,,
s2,post,no,0,,2,4,2,3,2
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def wide(tmp_path):
    return (
        write(tmp_path, "survey.csv", WIDE),
        write(tmp_path, "codebook.toml", CODEBOOK.format(format="wide")),
    )


def test_wide_survey_loads_and_scores(wide):
    survey = load_survey(*wide)
    assert survey.waves == ["pre", "post"]
    assert len(survey.data) == 4
    scores = survey.scores()
    # s1 pre: 4, 6-2=4, 4, 5, 3 -> 4.0
    assert scores.loc[0, "belonging"] == pytest.approx(4.0)
    # s1 post: 4 of 5 answered (80%) -> prorated mean of 5, 5, 5, 5
    assert scores.loc[1, "belonging"] == pytest.approx(5.0)
    # s2 pre: 3 of 5 answered (60%) -> missing
    assert np.isnan(scores.loc[2, "belonging"])
    assert survey.data["participated"].tolist() == [True, True, False, False]
    assert survey.week("post") == 10


def test_long_format_gives_the_same_survey(wide, tmp_path):
    wide_survey = load_survey(*wide)
    table = pd.read_csv(wide[0], dtype=str, keep_default_na=False)
    long = table.melt(
        id_vars=["id", "wave", "first_gen", "took_part", "sessions"],
        var_name="item",
        value_name="response",
    )
    long = long[long["response"] != ""].sample(frac=1.0, random_state=1)
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    book = write(tmp_path, "long.toml", CODEBOOK.format(format="long"))
    survey = load_survey(path, book)
    merged = survey.scores().merge(
        wide_survey.scores(), on=["respondent", "wave"], suffixes=("", "_wide")
    )
    assert len(merged) == 4
    np.testing.assert_allclose(merged["belonging"], merged["belonging_wide"])


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("s1,pre,yes,1,0,4,2", "s1,pre,yes,1,0,7,2"), "row 2: column 'b1'"),
        (lambda t: t.replace("s1,pre,yes,1,0,4,2", "s1,pre,yes,1,0,x,2"), "row 2: column 'b1'"),
        (lambda t: t.replace("s1,pre,yes,1,0,4,2", "s1,pre,yes,1,0,2.5,2"), "not a whole number"),
        (lambda t: t.replace("s1,post", "s1,pre"), "row 3: column 'id': duplicate respondent"),
        (lambda t: t.replace(",b5\n", ",b9\n", 1), "row 1: column 'b5': missing"),
        (lambda t: t.replace("s2,post,no", "s2,post,yes"), "row 5: column 'first_gen'"),
        (lambda t: t.replace("s2,post", "s2,mid"), "unknown wave 'mid'"),
        (lambda t: t.replace("s2,pre,no,0", "s2,pre,no,maybe"), "column 'took_part'"),
        (lambda t: t.replace("s1,post,yes,1,8", "s1,post,yes,1,-2"), "column 'sessions'"),
        (lambda t: t + "s3,pre,no\n", "row 6: 3 fields"),
    ],
)
def test_bad_wide_files_give_one_line_naming_file_row_column(tmp_path, edit, expected):
    survey = write(tmp_path, "survey.csv", edit(WIDE))
    book = write(tmp_path, "codebook.toml", CODEBOOK.format(format="wide"))
    with pytest.raises(SurveyError) as info:
        load_survey(survey, book)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(survey))
    assert expected in message


def test_every_problem_is_listed(tmp_path):
    text = WIDE.replace("s1,pre,yes,1,0,4,2", "s1,pre,yes,1,0,9,9")
    survey = write(tmp_path, "survey.csv", text)
    book = write(tmp_path, "codebook.toml", CODEBOOK.format(format="wide"))
    with pytest.raises(SurveyError) as info:
        load_survey(survey, book)
    assert len(info.value.problems) == 2
    assert "[+1 more problem]" in str(info.value)


def test_long_format_unknown_item_and_duplicate_answer(tmp_path):
    book = write(tmp_path, "long.toml", CODEBOOK.format(format="long"))
    text = (
        "id,wave,first_gen,took_part,sessions,item,response\n"
        "s1,pre,yes,1,0,b1,4\n"
        "s1,pre,yes,1,0,b7,4\n"
        "s1,pre,yes,1,0,b1,3\n"
    )
    survey = write(tmp_path, "long.csv", text)
    with pytest.raises(SurveyError) as info:
        load_survey(survey, book)
    problems = info.value.problems
    assert any("row 3: column 'item': unknown item 'b7'" in p for p in problems)
    assert any("row 4" in p and "second answer" in p and "row 2" in p for p in problems)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace('respondent = "id"', 'respondent = "id"\ncolour = 1'),
            "survey.colour",
        ),
        (lambda t: t.replace("high = 5", "high = 0"), "scales.belonging"),
        (lambda t: t.replace('reverse = ["b2"]', 'reverse = ["b9"]'), "reverse names"),
        (lambda t: t.replace("min_answered = 0.8", "min_answered = 1.5"), "scoring.min_answered"),
        (lambda t: t.replace("post = 10", "post = -1"), "waves"),
        (lambda t: t.replace('respondent = "id"\n', ""), "survey.respondent: required"),
        (lambda t: t + "\n[oops\n", "malformed TOML"),
    ],
)
def test_bad_codebooks_give_one_line_naming_file_and_key(tmp_path, edit, expected):
    path = write(tmp_path, "codebook.toml", edit(CODEBOOK.format(format="wide")))
    with pytest.raises(SurveyError) as info:
        load_codebook(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)
    assert expected in str(info.value)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.integers(1, 5)),
        min_size=5,
        max_size=5,
    ),
    st.floats(0.2, 1.0),
)
def test_proration_rule(answers, threshold):
    row = np.array([[np.nan if a is None else a for a in answers]], dtype=float)
    answered = sum(a is not None for a in answers)
    result = prorate(row, threshold)[0]
    if answered >= np.ceil(threshold * 5 - 1e-9) and answered > 0:
        assert result == pytest.approx(np.mean([a for a in answers if a is not None]))
        assert prorate(row, threshold, "sum")[0] == pytest.approx(5 * result)
    else:
        assert np.isnan(result)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=5, max_size=5),
        min_size=2,
        max_size=12,
    ),
    st.sampled_from(["wide", "long"]),
)
def test_loaded_scores_equal_direct_computation(tmp_path_factory, answers, layout):
    """Any valid answers, in either layout, score to the reverse-coded prorated mean."""
    folder = tmp_path_factory.mktemp("prop")
    items = ["b1", "b2", "b3", "b4", "b5"]
    rows = []
    for k, row in enumerate(answers):
        cells = ["" if a is None else str(a) for a in row]
        rows.append([f"s{k}", "pre", "no", "1", "0", *cells])
    table = pd.DataFrame(rows, columns=["id", "wave", "first_gen", "took_part", "sessions", *items])
    if layout == "long":
        table = table.melt(
            id_vars=["id", "wave", "first_gen", "took_part", "sessions"],
            var_name="item",
            value_name="response",
        )
        table = table[table["response"] != ""]
        if table.empty:
            return
    path = folder / "survey.csv"
    table.to_csv(path, index=False)
    book = write(folder, "codebook.toml", CODEBOOK.format(format=layout))
    scores = load_survey(path, book).scores().set_index("respondent")["belonging"]
    for k, row in enumerate(answers):
        keyed = [np.nan if a is None else (6 - a if j == 1 else a) for j, a in enumerate(row)]
        answered = [v for v in keyed if not np.isnan(v)]
        respondent = f"s{k}"
        if respondent not in scores.index:  # long format: nobody answered anything
            assert not answered
            continue
        if len(answered) >= 4:
            assert scores[respondent] == pytest.approx(np.mean(answered))
        else:
            assert np.isnan(scores[respondent])
