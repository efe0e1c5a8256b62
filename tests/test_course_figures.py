"""Slide-ready figures: direct labels never overlap, groups carry plain names, export works.

The overlap check measures each label's bounding box with matplotlib's own
renderer after a full draw (so after constrained layout and any limits a
lesson sets), on made-up runs whose lines end on top of each other and on the
figures the course lessons really draw.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from IPython.display import display  # noqa: E402

from workbench.plots import LABEL_GID, plain_name, plot_metric, save_figure  # noqa: E402

COURSE = Path(__file__).resolve().parents[1] / "notebooks" / "03_teaching_program_design"
TINY = {"cohort_size": 60, "replications": 2}


def overlapping_labels(fig: plt.Figure) -> list[tuple[str, str]]:
    """Pairs of direct labels on one panel whose drawn boxes intersect."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    clashes = []
    for ax in fig.axes:
        labels = [t for t in ax.texts if t.get_gid() == LABEL_GID and t.get_visible()]
        boxes = [t.get_window_extent(renderer) for t in labels]
        for (a, box_a), (b, box_b) in itertools.combinations(zip(labels, boxes, strict=True), 2):
            if box_a.overlaps(box_b):
                clashes.append((a.get_text(), b.get_text()))
    return clashes


def _metrics(ends: list[float], weeks: int = 36, replications: int = 3) -> pd.DataFrame:
    rows = []
    for k, end in enumerate(ends):
        for rep in range(replications):
            for week in range(weeks + 1):
                value = 0.5 + (end - 0.5) * week / weeks + 0.001 * rep
                rows.append((rep, week, "belonging", "all", f"design {k}", value))
    return pd.DataFrame(
        rows, columns=["replication", "week", "metric", "attribute", "group", "value"]
    )


@settings(max_examples=15, deadline=None)
@given(
    ends=st.lists(st.floats(0.4, 0.6), min_size=2, max_size=6),
    height=st.floats(2.5, 6),
    squeeze=st.booleans(),
)
def test_direct_labels_never_overlap(ends: list[float], height: float, squeeze: bool) -> None:
    fig, ax = plt.subplots(figsize=(6, height), constrained_layout=True)
    plot_metric(_metrics(ends), "belonging", ax=ax)
    if squeeze:  # limits set after plotting, as lessons do
        ax.set_ylim(0.3, 0.7)
        ax.set_xlim(right=50)
    try:
        assert overlapping_labels(fig) == []
        top = ax.get_window_extent().y1
        for text in ax.texts:
            if text.get_gid() == LABEL_GID:
                assert text.get_window_extent().y1 <= top + 1, "labels stay inside the panel"
    finally:
        plt.close(fig)


def test_labels_that_do_not_crowd_stay_at_their_lines() -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    plot_metric(_metrics([0.2, 0.8]), "belonging", ax=ax)
    fig.canvas.draw()
    assert [text.xyann[1] for text in ax.texts] == [0, 0]
    plt.close(fig)


def test_plain_names_replace_raw_columns() -> None:
    assert plain_name("first_gen", "yes") == "first-generation"
    assert plain_name("language_background") == "language background"
    rows = [
        (0, week, "belonging", "first_gen", group, 0.5)
        for week in range(3)
        for group in ("no", "yes")
    ]
    frame = pd.DataFrame(
        rows, columns=["replication", "week", "metric", "attribute", "group", "value"]
    )
    fig, ax = plt.subplots()
    plot_metric(frame, "belonging", "first_gen", ax=ax)
    shown = [ax.get_title()] + [t.get_text() for t in ax.texts]
    assert not any("first_gen" in text for text in shown)
    assert "first-generation" in shown
    plt.close(fig)


def test_save_figure_writes_png_and_svg(tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    written = save_figure(fig, tmp_path / "slides" / "line")
    plt.close(fig)
    assert [p.name for p in written] == ["line.png", "line.svg"]
    assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in written[1].read_text(encoding="utf-8")
    assert sorted(p.name for p in (tmp_path / "slides").iterdir()) == ["line.png", "line.svg"]


def test_save_figure_leaves_nothing_on_error(tmp_path: Path) -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError):
        save_figure(fig, tmp_path / "bad", dpi=-5)
    plt.close(fig)
    assert list(tmp_path.iterdir()) == []


def _lesson_code(path: Path) -> list[str]:
    """A lesson's code cells for students, parameters shrunk.

    Solutions and reading checks are left out: the checks hold at the CI sizes
    of tests/test_notebooks.py, not at these tiny ones.
    """
    cells = [
        c
        for c in nbformat.read(path, as_version=4).cells
        if c.cell_type == "code"
        and not {"solution", "reading-check"} & set(c.metadata.get("tags", []))
    ]
    first = cells[0].source
    names = {t.id for node in ast.parse(first).body for t in node.targets}
    tiny = "\n".join(f"{k} = {v!r}" for k, v in TINY.items() if k in names)
    return [first, tiny] + [c.source for c in cells[1:]]


LESSONS = sorted(COURSE.glob("0*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_figures_have_no_overlapping_labels(path: Path, monkeypatch) -> None:
    monkeypatch.chdir(path.parent)
    plt.close("all")
    # a lesson runs in Jupyter, where display() is a builtin
    namespace: dict = {"__name__": "__lesson__", "display": display}
    for source in _lesson_code(path):
        source = "\n".join(line for line in source.splitlines() if not line.startswith("%"))
        exec(compile(source, str(path), "exec"), namespace)  # noqa: S102
    figures = [plt.figure(n) for n in plt.get_fignums()]
    try:
        for fig in figures:
            assert overlapping_labels(fig) == [], path.name
            for ax in fig.axes:
                shown = [ax.get_title()] + [t.get_text() for t in ax.texts]
                assert not any(
                    raw in text for text in shown for raw in ("first_gen", "language_background")
                ), path.name
    finally:
        plt.close("all")
    assert figures or path.stem.startswith("08"), "a lesson without a figure"


def test_the_overlap_check_sees_crowded_labels_that_were_not_spread() -> None:
    fig, ax = plt.subplots(figsize=(6, 3))
    plot_metric(_metrics([0.5, 0.501, 0.502, 0.9]), "belonging", ax=ax)
    assert overlapping_labels(fig) == []
    for artist in list(ax.artists):  # the spreader: without it, the labels collide
        artist.remove()
    for text in ax.texts:
        text.xyann = (4, 0)
    assert len(overlapping_labels(fig)) == 3
    plt.close(fig)
