"""When is a verified candidate pair a repeat, and of which kind.

Pure functions over the exact similarities of candidate pairs; the
deduplicator calls :func:`classify_pairs` once per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .types import MATCH_CONTAINED, MATCH_NEAR

__all__ = [
    "MatchPolicy", "classify_pairs", "NO_MATCH", "NEAR", "CONTAINED", "MATCH_NAMES",
]

#: Codes of :func:`classify_pairs`; 0 means "not a repeat".
NO_MATCH, NEAR, CONTAINED = 0, 1, 2
MATCH_NAMES = {NEAR: MATCH_NEAR, CONTAINED: MATCH_CONTAINED}


@dataclass(frozen=True)
class MatchPolicy:
    """Thresholds that turn exact similarities into verdicts.

    ``threshold``: Jaccard similarity at or above which a pair is a ``near``
    repeat. ``containment``: share of the smaller paragraph's shingles found
    in the larger at or above which the pair is ``contained`` (None: off).

    The defaults (0.5 and 0.9, over word 3-grams) were chosen by
    ``benchmarks/eval_quality.py`` on SaudiNewsNet: lower thresholds flag
    distinct same-story paragraphs, higher ones miss 10%-edited copies; a
    containment of 0.9 finds a paragraph republished with a lead-in, a
    dateline or an extra sentence, and a paragraph split in two, while
    leaving paragraphs that share only a stock phrase apart (see
    docs/quality.md).

    >>> MatchPolicy().threshold, MatchPolicy().containment
    (0.5, 0.9)
    """

    threshold: float = 0.5
    containment: float | None = 0.9

    def __post_init__(self) -> None:
        for name in ("threshold", "containment"):
            value = getattr(self, name)
            if value is None and name == "containment":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ConfigError(f"{name} must be a number in (0, 1], got {value!r}")


    @property
    def reverse_containment(self) -> float:
        """Share of an earlier paragraph's shingles inside a later one from
        which the later one, holding more besides, is not its duplicate:
        the containment threshold (0.9 when containment matches are off)."""
        return self.containment if self.containment is not None else 0.9


def classify_pairs(jaccard: np.ndarray, containment: np.ndarray, policy: MatchPolicy) -> np.ndarray:
    """Match code per pair: NEAR, CONTAINED or NO_MATCH.

    A pair is NEAR when its Jaccard similarity reaches the threshold, else
    CONTAINED when its containment reaches the policy's containment.

    >>> classify_pairs(np.array([0.6, 0.3, 0.1]), np.array([0.7, 0.95, 0.2]), MatchPolicy(0.5, 0.9)).tolist()
    [1, 2, 0]
    """
    codes = np.where(jaccard >= policy.threshold, NEAR, NO_MATCH).astype(np.int8)
    if policy.containment is not None:
        codes[(codes == NO_MATCH) & (containment >= policy.containment)] = CONTAINED
    return codes
