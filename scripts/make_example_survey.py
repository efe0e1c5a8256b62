"""Write the SYNTHETIC example survey (pre/post, 300 students) and its codebooks.

Nothing here is real data. The numbers come from published figures and typical
scale statistics, so the example behaves like a real program's survey:

* Belonging: a PSSM-like scale (Goodenow 1993: 1-5 answers, some items
  reverse-keyed; we use 12 items, 4 reversed), internal consistency α ≈ .85-.90.
* Confidence: a General-Self-Efficacy-like scale (Schwarzer & Jerusalem: 10
  items, 1-4, none reversed, α ≈ .76-.90).
* Starting gaps: PISA 2015 found disadvantaged students 7.7 points less likely
  to report belonging; we give first-generation students −0.25 SD, students
  with a disability −0.30 SD and multilingual students −0.15 SD of latent
  belonging (and about two thirds of that on confidence).
* Program effect: youth mentoring's average effect is small, d ≈ 0.2 (DuBois
  et al. 2002, 2011; Raposa et al. 2019): a participant attending the typical
  number of sessions gains 0.2 SD of latent belonging and confidence more than
  a non-participant; the gain scales with sessions attended, and cross-group
  pairs add a little belonging ("it builds bridges").
* Realistic mess: 3% of answers missing at random, 6% of students missing at
  post (attrition).

Items are drawn from a graded-response (ordered-probit) model with typical
discriminations (0.6-1.2 per latent SD, giving α ≈ .85-.90) and thresholds. Run from the repository root::

    python scripts/make_example_survey.py          # examples/survey_synthetic.csv + codebook
    python scripts/make_example_survey.py --long   # also the long format (one row per answer)

The output is deterministic (seed 2024).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

SEED = 2024
STUDENTS = 300
WEEKS = 36
BELONGING_ITEMS = [f"belong_{k:02d}" for k in range(1, 13)]
BELONGING_REVERSED = ["belong_03", "belong_06", "belong_09", "belong_12"]
CONFIDENCE_ITEMS = [f"gse_{k:02d}" for k in range(1, 11)]
LATENT_SD = {"belonging": 0.15, "confidence": 0.14}
LATENT_MEAN = {"belonging": 0.58, "confidence": 0.60}
GAPS_SD = {  # starting shift in latent SD units (negative = lower)
    ("first_gen", "yes"): -0.25,
    ("disability", "yes"): -0.30,
    ("language_background", "multilingual"): -0.15,
}
EFFECT_D = 0.20  # mentoring effect at the typical dose, in latent SD
BRIDGE_D = 0.10  # extra belonging for a cross-group pair, in latent SD
MISSING_ANSWERS = 0.03
ATTRITION = 0.06

CODEBOOK = """# Codebook of the SYNTHETIC example survey (see scripts/make_example_survey.py).
[survey]
format = "{format}"
respondent = "student_id"
wave = "wave"{long_columns}

[waves]    # wave label = program week (0 = before the program starts)
pre = 0
post = {weeks}

[scoring]  # prorate a scale score when at least 80% of its items were answered
min_answered = 0.8
statistic = "mean"

[scales.belonging]   # PSSM-like, 1 = not at all true .. 5 = completely true
items = [{belonging_items}]
reverse = [{belonging_reversed}]
low = 1
high = 5
latent = "belonging"

[scales.confidence]  # General-Self-Efficacy-like, 1 = not at all true .. 4 = exactly true
items = [{confidence_items}]
low = 1
high = 4
latent = "confidence"

[groups]
columns = ["first_gen", "disability", "language_background"]
reference = {{ first_gen = "no", disability = "no", language_background = "english_first" }}

[program]
participated = "participated"
pair_id = "pair_id"
sessions_attended = "sessions_attended"
"""


def draw_items(
    theta: np.ndarray, categories: int, slopes: np.ndarray, centres: np.ndarray, rng
) -> np.ndarray:
    """Graded-response answers (1..categories) at standardised latent ``theta``."""
    steps = np.linspace(-1.0, 1.0, categories - 1) * 1.6
    thresholds = centres[:, None] + steps[None, :]
    cumulative = stats.norm.cdf(slopes[None, :, None] * (thresholds[None] - theta[:, None, None]))
    u = rng.random((len(theta), len(slopes)))
    return 1 + (u[:, :, None] > cumulative).sum(2)


def make(rng: np.random.Generator) -> pd.DataFrame:
    n = STUDENTS
    ids = np.array([f"s{k:03d}" for k in range(1, n + 1)])
    groups = pd.DataFrame(
        {
            "first_gen": rng.choice(["no", "yes"], n, p=[0.65, 0.35]),
            "disability": rng.choice(["no", "yes"], n, p=[0.85, 0.15]),
            "language_background": rng.choice(["english_first", "multilingual"], n, p=[0.7, 0.3]),
        }
    )
    shift = np.zeros(n)
    for (column, level), d in GAPS_SD.items():
        shift += d * (groups[column] == level).to_numpy()
    # correlated belonging and confidence (r ≈ .45) at the start
    start = rng.multivariate_normal([0, 0], [[1, 0.45], [0.45, 1]], n)
    z_pre = {"belonging": start[:, 0] + shift, "confidence": start[:, 1] + 0.66 * shift}

    # program: 60% take part, paired two by two; sessions depend on barriers
    participated = rng.random(n) < 0.6
    takers = rng.permutation(np.flatnonzero(participated))
    if len(takers) % 2:
        participated[takers[-1]] = False
        takers = takers[:-1]
    pair_id = np.full(n, "", dtype=object)
    partner = np.full(n, -1)
    for k, (a, b) in enumerate(takers.reshape(-1, 2)):
        pair_id[[a, b]] = f"p{k + 1:03d}"
        partner[a], partner[b] = b, a
    barrier = 0.3 * (groups["first_gen"] == "yes") + 0.4 * (groups["disability"] == "yes")
    attend_p = 1 / (1 + np.exp(-(1.3 - barrier.to_numpy())))
    sessions = np.where(participated, rng.binomial(30, attend_p), 0)
    dose = sessions / np.median(sessions[participated])
    cross = np.zeros(n)
    for column in groups.columns:
        values = groups[column].to_numpy()
        cross += np.where(partner >= 0, values != values[np.maximum(partner, 0)], False)
    cross_pair = (cross > 0) & participated

    z_post = {}
    for trait in ("belonging", "confidence"):
        gain = EFFECT_D * dose + (BRIDGE_D * cross_pair if trait == "belonging" else 0.0)
        # stability r ≈ .7 between waves, a small drift down over the year without support
        z_post[trait] = 0.72 * z_pre[trait] + rng.normal(0, 0.69, n) - 0.05 + gain

    rows = []
    item_rng = np.random.default_rng(rng.integers(2**32))
    belonging_slopes = item_rng.uniform(0.6, 1.2, len(BELONGING_ITEMS))
    belonging_centres = item_rng.normal(-0.3, 0.35, len(BELONGING_ITEMS))
    confidence_slopes = item_rng.uniform(0.6, 1.2, len(CONFIDENCE_ITEMS))
    confidence_centres = item_rng.normal(-0.4, 0.3, len(CONFIDENCE_ITEMS))
    present_post = rng.random(n) >= ATTRITION
    for wave, z in (("pre", z_pre), ("post", z_post)):
        keep = np.ones(n, bool) if wave == "pre" else present_post
        belonging = draw_items(z["belonging"], 5, belonging_slopes, belonging_centres, rng)
        flip = [BELONGING_ITEMS.index(i) for i in BELONGING_REVERSED]
        belonging[:, flip] = 6 - belonging[:, flip]
        confidence = draw_items(z["confidence"], 4, confidence_slopes, confidence_centres, rng)
        answers = np.hstack([belonging, confidence]).astype(float)
        answers[rng.random(answers.shape) < MISSING_ANSWERS] = np.nan
        frame = pd.DataFrame(answers, columns=BELONGING_ITEMS + CONFIDENCE_ITEMS)
        frame.insert(0, "student_id", ids)
        frame.insert(1, "wave", wave)
        for k, column in enumerate(groups.columns):
            frame.insert(2 + k, column, groups[column].to_numpy())
        frame.insert(5, "participated", np.where(participated, "yes", "no"))
        frame.insert(6, "pair_id", pair_id)
        frame.insert(7, "sessions_attended", sessions)
        rows.append(frame[keep])
    table = pd.concat(rows, ignore_index=True)
    items = BELONGING_ITEMS + CONFIDENCE_ITEMS
    table[items] = table[items].astype("Int64")
    return table


def quoted(names: list[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def codebook(format_: str) -> str:
    long_columns = '\nitem = "item"\nresponse = "response"' if format_ == "long" else ""
    return CODEBOOK.format(
        format=format_,
        long_columns=long_columns,
        weeks=WEEKS,
        belonging_items=quoted(BELONGING_ITEMS),
        belonging_reversed=quoted(BELONGING_REVERSED),
        confidence_items=quoted(CONFIDENCE_ITEMS),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--long", action="store_true", help="also write the long format (one row per answer)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    table = make(np.random.default_rng(args.seed))
    table.to_csv(args.out / "survey_synthetic.csv", index=False)
    (args.out / "codebook_synthetic.toml").write_text(codebook("wide"), encoding="utf-8")
    if args.long:
        ids = [c for c in table.columns if c not in BELONGING_ITEMS + CONFIDENCE_ITEMS]
        long = table.melt(id_vars=ids, var_name="item", value_name="response")
        long = long.dropna(subset=["response"]).sort_values(["student_id", "wave", "item"])
        long.to_csv(args.out / "survey_synthetic_long.csv", index=False)
        (args.out / "codebook_synthetic_long.toml").write_text(codebook("long"), encoding="utf-8")
    print(f"wrote {len(table)} rows ({table['student_id'].nunique()} students) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
