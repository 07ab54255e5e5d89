"""The statistics discovery, templates and vectors share: PMI and the rule
that sets the rarest count kept."""

from __future__ import annotations

import math

import numpy as np


def pmi(joint, total_joint: float, first, second, total_units: float) -> np.ndarray:
    """ln p(ab) / (p(a) p(b)) with p(ab) = joint / total_joint and p(a) =
    first / total_units (natural log, as in every formula of the method);
    arrays broadcast, a zero joint count gives -inf."""
    with np.errstate(divide="ignore"):
        return (np.log(np.asarray(joint, dtype=np.float64) / total_joint)
                - np.log(np.asarray(first, dtype=np.float64) / total_units)
                - np.log(np.asarray(second, dtype=np.float64) / total_units))


def default_min_count(units: int) -> int:
    """The rarest a word (or pair, or template) may be: grows like the square
    root of the corpus, max(2, round(sqrt(units) / 500)) -- 2 for a novel, 3
    for 2 M characters, 11 for 33 M, 36 for 330 M (bojone used 32 on a large
    crawl)."""
    return max(2, round(math.sqrt(max(units, 0)) / 500))
