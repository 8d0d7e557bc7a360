"""MatchPolicy and classify_pairs: which verified pairs are repeats, and of which kind."""

from __future__ import annotations

import numpy as np
import pytest

from tikrar import ConfigError
from tikrar.dedup import DedupConfig
from tikrar.match import CONTAINED, MATCH_NAMES, NEAR, NO_MATCH, MatchPolicy, classify_pairs


def codes(jaccard, containment, policy):
    return classify_pairs(np.array(jaccard, dtype=float), np.array(containment, dtype=float), policy).tolist()


def test_near_at_and_above_the_threshold_only():
    policy = MatchPolicy(threshold=0.5, containment=None)
    assert codes([0.5, 0.75, 1.0, 0.4999, 0.0], [0.5, 0.8, 1.0, 0.9, 0.0], policy) == [NEAR, NEAR, NEAR, NO_MATCH, NO_MATCH]


def test_containment_off_never_gives_contained():
    policy = MatchPolicy(threshold=0.5, containment=None)
    assert codes([0.1, 0.3], [1.0, 0.99], policy) == [NO_MATCH, NO_MATCH]


def test_contained_at_and_above_the_containment_threshold():
    policy = MatchPolicy(threshold=0.5, containment=0.8)
    assert codes([0.2, 0.2, 0.2, 0.49], [0.8, 1.0, 0.7999, 0.95], policy) == [CONTAINED, CONTAINED, NO_MATCH, CONTAINED]


def test_near_wins_over_contained():
    policy = MatchPolicy(threshold=0.5, containment=0.8)
    assert codes([0.9, 0.5], [1.0, 0.8], policy) == [NEAR, NEAR]


def test_empty_input_and_result_type():
    result = classify_pairs(np.zeros(0), np.zeros(0), MatchPolicy())
    assert result.shape == (0,) and result.dtype == np.int8


def test_match_names():
    assert MATCH_NAMES == {NEAR: "near", CONTAINED: "contained"}


@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.5, True, "0.5", None])
def test_threshold_must_be_a_number_in_0_1(bad):
    with pytest.raises(ConfigError, match="threshold"):
        MatchPolicy(threshold=bad)


@pytest.mark.parametrize("bad", [0, 1.01, False, "high"])
def test_containment_must_be_none_or_a_number_in_0_1(bad):
    with pytest.raises(ConfigError, match="containment"):
        MatchPolicy(containment=bad)


def test_threshold_one_means_identical_sets_only():
    policy = MatchPolicy(threshold=1.0, containment=None)
    assert codes([1.0, 0.999], [1.0, 1.0], policy) == [NEAR, NO_MATCH]


def test_dedup_config_builds_its_policy_from_its_fields():
    config = DedupConfig(threshold=0.6, containment=0.9)
    assert config.policy == MatchPolicy(0.6, 0.9)
    assert DedupConfig(containment=None).policy.containment is None


def test_defaults_of_policy_and_config_agree():
    assert DedupConfig().policy == MatchPolicy()
