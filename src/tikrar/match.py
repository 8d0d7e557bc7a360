"""When is a verified candidate pair a repeat, and of which kind.

Pure functions over the exact similarities of candidate pairs; the
deduplicator calls :func:`classify_pairs` once per batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .types import MATCH_CONTAINED, MATCH_NEAR

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


def settle_targets(
    canonical: np.ndarray,
    direct: np.ndarray,
    jaccard_to_canonical: np.ndarray,
    containment_to_canonical: np.ndarray,
    policy: MatchPolicy,
) -> np.ndarray:
    """The paragraph each repeat should point at: the canonical (first)
    occurrence of what it matched when it is itself a repeat of that
    canonical under ``policy``, else the earlier paragraph it matched
    directly.

    Following matches to their first occurrence can tie a paragraph to one
    it does not resemble (a short paragraph contained in a long one that
    shares only a title with the first occurrence); this keeps every
    reported pair a verified repeat.

    >>> settle_targets(np.array([0, 0]), np.array([3, 4]), np.array([0.8, 0.06]),
    ...                np.array([0.9, 0.2]), MatchPolicy(0.5, 0.9)).tolist()
    [0, 4]
    """
    keep = classify_pairs(jaccard_to_canonical, containment_to_canonical, policy) != NO_MATCH
    return np.where(keep, canonical, direct)
