"""Each stage on its own: shingles, MinHash, LSH candidates, verification, match policy."""

import numpy as np
import pytest
from datasketch import MinHash

from tikrar import ShingleConfig, shingle_hash, shingle_sets, shingles, signatures
from tikrar.config import MinHashConfig
from tikrar.errors import ConfigError
from tikrar.index import LSHIndex, choose_bands, verify_pairs
from tikrar.match import CONTAINED, NEAR, NO_MATCH, MatchPolicy, classify_pairs


def test_word_shingles_and_their_hashes():
    assert shingles("وفد امني مصري الي الدوحه") == ["وفد امني مصري", "امني مصري الي", "مصري الي الدوحه"]
    hashes, offsets = shingle_sets(["وفد امني مصري الي الدوحه"])
    assert offsets.tolist() == [0, 3]
    assert sorted(hashes.tolist()) == sorted(shingle_hash(s) for s in shingles("وفد امني مصري الي الدوحه"))


def test_char_shingles_cover_short_text_whole():
    assert shingles("غزه", ShingleConfig("char", 5)) == ["غزه"]
    assert shingles("غزه اليوم", ShingleConfig("char", 8)) == ["غزه اليو", "زه اليوم"]


def test_signature_equals_datasketch_affine32():
    text = "قال المتحدث باسم الوزاره ان المحادثات ستستانف غدا في الدوحه"
    sig = signatures(*shingle_sets([text]), MinHashConfig(num_perm=64, seed=7))[0]
    reference = MinHash(num_perm=64, seed=7, hashfunc=shingle_hash, scheme="affine32")
    reference.update_batch(shingles(text))
    assert np.array_equal(sig, reference.hashvalues)


def test_lsh_pairs_identical_signatures_and_only_them():
    bands, rows = choose_bands(0.5, 128)
    index = LSHIndex(bands, rows)
    texts = ["a b c d e f g h i j", "a b c d e f g h i k", "x y z w v u t s r q"]
    sig = signatures(*shingle_sets(texts))
    pairs = index.add(sig[:1], np.array([0]))
    assert pairs.tolist() == []
    pairs = index.add(sig[1:], np.array([1, 2]))
    assert pairs.tolist() == [[0, 1]]
    assert len(index) == 3


def test_verify_gives_exact_jaccard_and_containment():
    texts = ["a b c d e", "a b c d e f g", "p q r s"]
    hashes, offsets = shingle_sets(texts)
    jaccard, containment = verify_pairs(np.array([[0, 1], [0, 2]]), hashes, offsets)
    assert jaccard.tolist() == [3 / 5, 0.0]
    assert containment.tolist() == [1.0, 0.0]


def test_match_policy_names_the_kind_of_repeat():
    codes = classify_pairs(np.array([0.9, 0.4, 0.4]), np.array([0.95, 0.96, 0.5]), MatchPolicy(0.5, 0.9))
    assert codes.tolist() == [NEAR, CONTAINED, NO_MATCH]
    with pytest.raises(ConfigError, match="threshold"):
        MatchPolicy(threshold=1.5)
