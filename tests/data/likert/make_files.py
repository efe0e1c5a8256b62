"""Write the small public-Likert-shaped test files in this folder (run once; output committed).

These files are shaped like public Likert data sets as researchers download them,
and deliberately NOT made by the workbench's own measurement model:

- ``attitudes_long.csv``: long format (``id, time, question, answer, gender``), a
  6-item 3-level instrument answered with words ("no" / "perhaps" / "yes"), one
  reverse-worded item, blanks, "NA" and a study-specific missing code "-9",
  two waves (T1 before the program, T2 at week 20). Answers come from a
  *logistic* graded-response model (ours is probit), with item-specific cut points.
- ``outcome_long.csv``: a single-item 5-level outcome ("belong") over three waves
  with a treatment arm (``pid, wave, item, value, arm``); the treatment arm rises
  by about half a category, the control arm stays.

Run: ``python tests/data/likert/make_files.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORDS = ["no", "perhaps", "yes"]


def attitudes(rng: np.random.Generator) -> None:
    n = 120
    gender = rng.choice(["F", "M"], size=n, p=[0.55, 0.45])
    trait = rng.normal(0.3 + 0.3 * (gender == "F"), 1.0)
    slopes = np.array([1.8, 1.5, 2.0, 1.2, 1.6, 1.4])
    cuts = np.array([[-1.0, 0.6], [-0.6, 0.9], [-1.2, 0.3], [-0.4, 1.2], [-0.9, 0.8], [-0.7, 0.5]])
    rows = []
    for t, (wave, shift) in enumerate([("T1", 0.0), ("T2", 0.25)]):
        level = trait + shift + rng.normal(0, 0.3, n)
        for i in range(n):
            if t == 1 and rng.random() < 0.1:
                continue  # attrition: some did not answer the second wave
            for j in range(6):
                logits = slopes[j] * level[i] - cuts[j]
                p_above = 1 / (1 + np.exp(-logits))  # P(Y > k)
                answer = int((rng.random() < p_above).sum())  # 0, 1, 2
                if j == 5:
                    answer = 2 - answer  # reverse-worded item
                u = rng.random()
                text = WORDS[answer]
                if u < 0.03:
                    text = ""
                elif u < 0.05:
                    text = "NA"
                elif u < 0.06:
                    text = "-9"
                rows.append([f"R{i + 1:03d}", wave, f"att{j + 1}", text, gender[i]])
    order = rng.permutation(len(rows))  # exports are rarely sorted
    with open(HERE / "attitudes_long.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "time", "question", "answer", "gender"])
        writer.writerows(rows[k] for k in order)


def outcome(rng: np.random.Generator) -> None:
    n = 90
    arm = np.where(np.arange(n) < n // 2, "treatment", "control")
    base = rng.normal(0, 1, n)
    cuts = np.array([-1.6, -0.5, 0.6, 1.7])
    rows = []
    for wave, gain in [("w0", 0.0), ("w1", 0.3), ("w2", 0.6)]:
        level = base + gain * (arm == "treatment") + rng.normal(0, 0.5, n)
        for i in range(n):
            answer = 1 + int((level[i] > cuts).sum())
            text = "" if rng.random() < 0.04 else str(answer)
            rows.append([f"p{i + 1}", wave, "belong", text, arm[i]])
    with open(HERE / "outcome_long.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pid", "wave", "item", "value", "arm"])
        writer.writerows(rows)


if __name__ == "__main__":
    generator = np.random.default_rng(20261130)
    attitudes(generator)
    outcome(generator)
