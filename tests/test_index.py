"""LSH parameters, the sorted-band index and the key table."""

from __future__ import annotations

import numpy as np
import pytest

from tikrar.config import LSHConfig
from tikrar.errors import ConfigError
from tikrar.index import KeyTable, LSHIndex, candidate_probability, choose_bands


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9])
@pytest.mark.parametrize("num_perm", [32, 64, 128, 256])
def test_chosen_bands_reach_the_target_at_the_threshold_with_the_most_rows(threshold, num_perm):
    bands, rows = choose_bands(threshold, num_perm)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.99
    more_rows = rows + 1
    assert candidate_probability(threshold, num_perm // more_rows, more_rows) < 0.99


def test_choose_bands_examples():
    assert choose_bands(0.5, 128) == (42, 3)
    assert choose_bands(0.8, 128) == (21, 6)
    with pytest.raises(ConfigError, match="threshold"):
        choose_bands(0.0, 128)


def test_bucket_window_pairs_each_new_member_with_the_members_just_before_it():
    sig = np.zeros((5, 2), dtype=np.uint32)  # one bucket of five
    index = LSHIndex(1, 2, LSHConfig(max_bucket_pairs=2))
    assert index.add(sig[:3], np.array([0, 1, 2])).tolist() == [[0, 1], [0, 2], [1, 2]]
    assert index.add(sig[3:], np.array([3, 4])).tolist() == [[1, 3], [2, 3], [2, 4], [3, 4]]


def test_index_rejects_bad_input():
    index = LSHIndex(4, 4)
    with pytest.raises(ConfigError, match="exceeds num_perm"):
        index.add(np.zeros((1, 8), dtype=np.uint32), np.array([0]))
    with pytest.raises(ConfigError, match="2\\*\\*32"):
        index.add(np.zeros((1, 16), dtype=np.uint32), np.array([2**32]))
    assert index.add(np.zeros((0, 16), dtype=np.uint32), np.zeros(0, dtype=np.int64)).shape == (0, 2)


def test_key_table_grows_in_place_and_finds_keys():
    rng = np.random.default_rng(0)
    table = KeyTable()
    held: dict[int, int] = {}
    for round_ in range(5):
        keys = np.unique(rng.integers(0, 2**63, 3000, dtype=np.uint64))
        found, _ = table.lookup(keys)
        new = keys[~found]
        table.insert(new, np.arange(len(new)) + round_ * 10_000)
        held.update(zip(new.tolist(), (np.arange(len(new)) + round_ * 10_000).tolist()))
    probe = np.array(sorted(held)[::7] + [1, 2, 3], dtype=np.uint64)
    found, values = table.lookup(probe)
    assert found.tolist() == [int(k) in held for k in probe]
    assert values[found].tolist() == [held[int(k)] for k in probe[found]]
    assert len(table) == len(held)
