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


def test_shared_segments_on_two_threads_equal_one_thread():
    from tikrar._label import shared_segments, shared_segments_threaded

    rng = np.random.default_rng(3)
    words = [rng.integers(0, 400, size=int(rng.integers(12, 120))) for _ in range(300)]
    # Every third paragraph embeds a stretch of an earlier one.
    for k in range(3, 300, 3):
        source = words[int(rng.integers(0, k))]
        a = int(rng.integers(0, max(1, len(source) - 12)))
        words[k] = np.concatenate([words[k][:10], source[a:a + 30], words[k][10:]])
    ordered_parts = [(w[:-2] * 1_000_003 + w[1:-1] * 1_009 + w[2:]).astype(np.uint32) for w in words]
    sets_parts = [np.unique(o) for o in ordered_parts]
    bounds = np.zeros(301, dtype=np.int64)
    np.cumsum([len(o) for o in ordered_parts], out=bounds[1:])
    set_bounds = np.zeros(301, dtype=np.int64)
    np.cumsum([len(s) for s in sets_parts], out=set_bounds[1:])
    ordered, sets = np.concatenate(ordered_parts), np.concatenate(sets_parts)
    pairs = np.array([(p, q) for p in range(300) for q in range(p)], dtype=np.int64)
    args = (ordered, bounds, sets, set_bounds, 3, 8, 8, 0.8)
    rows, shares = shared_segments(pairs, *args)
    threaded_rows, threaded_shares = shared_segments_threaded(pairs, *args, threads=2, min_pairs=1)
    assert len(rows) >= 99 and len(np.unique(rows[:, 0] * 2 // len(pairs))) == 2  # found in both halves
    assert threaded_rows.tolist() == rows.tolist()
    assert threaded_shares.tolist() == shares.tolist()


def test_bucket_runs_found_by_galloping_equal_binary_search():
    from tikrar._label import _runs

    low = np.uint64(0xFFFFFFFF)
    rng = np.random.default_rng(1)
    for trial in range(200):
        held_keys = rng.integers(0, rng.integers(1, 50), size=rng.integers(0, 300)).astype(np.uint64)
        held = np.sort((held_keys << np.uint64(32)) | rng.integers(0, 1000, size=len(held_keys)).astype(np.uint64))
        new_keys = rng.integers(0, 60, size=rng.integers(1, 100)).astype(np.uint64)
        if trial % 7 == 0:
            new_keys[:] = low  # the highest key: no room above it
        members = np.sort((new_keys << np.uint64(32)) | np.arange(len(new_keys)).astype(np.uint64))
        size = int(rng.integers(0, len(held) + 1))
        run_of, ends, counts = _runs(members, held, size)
        expected_run_of, expected_ends, expected_counts = np.full(len(members), -1), [], []
        view, s = held[:size], 0
        while s < len(members):
            bucket, t = members[s] & ~low, s + 1
            while t < len(members) and (members[t] & ~low) == bucket:
                t += 1
            lo, hi = np.searchsorted(view, bucket, side="left"), np.searchsorted(view, bucket | low, side="right")
            if t - s > 1 or hi > lo:
                expected_run_of[(members[s:t] & low).astype(np.int64)] = len(expected_ends)
                expected_ends.append(int(hi))
                expected_counts.append(int(hi - lo))
            s = t
        assert run_of.tolist() == expected_run_of.tolist(), trial
        assert ends.tolist() == expected_ends and counts.tolist() == expected_counts, trial
