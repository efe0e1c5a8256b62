"""What the latent 0-1 scale means in survey terms, and published gaps in its units.

The simulation's belonging and confidence are latent levels θ on 0-1, anchored by the
measurement model (:mod:`workbench.survey.measurement`): θ is a student's *expected*
answer as a share of the answer range. On a four-point agree/disagree item
("I feel like I belong at school": strongly disagree … strongly agree), θ = 0.5 is an
expected answer of 2.5, halfway between *disagree* and *agree*: :data:`AGREE_LEVEL`,
the level at which a student is as likely to agree as not.

Studies report group gaps as a difference in the *share of students who agree*
(PISA 2015: 7.7 percentage points). That is not a shift of the latent mean: a share
gap depends on where the threshold sits in the distribution and on how noisy one
answer is. :func:`latent_shift_for_share_gap` converts one into the other through
the same measurement assumptions the survey code uses (a single item of reliability
:data:`SINGLE_ITEM_RELIABILITY`, normal latent spread).

Examples
--------
>>> round(latent_shift_for_share_gap(0.077, mean=0.55, sd=0.15), 3)
-0.035
>>> share_agreeing(0.55, 0.15) - share_agreeing(0.55 - 0.035, 0.15)  # doctest: +ELLIPSIS
0.07...
"""

from __future__ import annotations

import math

from scipy.stats import norm

#: Latent level at which a student is as likely to agree with a belonging item as not.
AGREE_LEVEL = 0.5
#: Reliability of one survey item (an assumption: about the meta-analytic estimate for
#: single-item measures of an overall attitude, Wanous, Reichers & Hudy 1997).
SINGLE_ITEM_RELIABILITY = 0.7


def _answer_sd(sd: float, reliability: float) -> float:
    """Spread of one item's signal: the latent spread plus the item's own noise."""
    return sd / math.sqrt(reliability)


def share_agreeing(mean: float, sd: float, reliability: float = SINGLE_ITEM_RELIABILITY) -> float:
    """Expected share of students who agree (answer above :data:`AGREE_LEVEL`)."""
    return float(norm.sf(AGREE_LEVEL, loc=mean, scale=_answer_sd(sd, reliability)))


def latent_shift_for_share_gap(
    gap: float, mean: float, sd: float, reliability: float = SINGLE_ITEM_RELIABILITY
) -> float:
    """Latent mean shift that makes a group ``gap`` (a share) less likely to agree.

    Parameters
    ----------
    gap
        Reference share agreeing minus this group's share (0.077 = 7.7 points fewer).
    mean, sd
        The reference group's latent mean and spread.
    reliability
        Reliability of the single item the share was measured with.
    """
    spread = _answer_sd(sd, reliability)
    reference = share_agreeing(mean, sd, reliability)
    target = min(max(reference - gap, 1e-6), 1 - 1e-6)
    return float(spread * (norm.ppf(target) - norm.ppf(reference)))
