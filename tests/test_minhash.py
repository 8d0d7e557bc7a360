"""datasketch interoperability: bit-identical signatures, LeanMinHash, MinHashLSH."""

from __future__ import annotations

import random

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from tikrar import ShingleConfig, shingle_hash, shingle_sets, shingles, signatures, to_lean_minhashes
from tikrar.config import MinHashConfig
from tikrar.index import LSHIndex, choose_bands
from tikrar.minhash import SCHEME, to_datasketch_lsh, to_datasketch_minhash

WORDS = ["وفد", "امني", "مصري", "الي", "الدوحه", "لبحث", "التهدئه", "في", "غزه", "مع", "حماس", "والاحتلال", "news", "2024"]


def paragraphs(seed: int, count: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 25))) for _ in range(count)]


@pytest.mark.parametrize("shingle", [ShingleConfig("word", 3), ShingleConfig("word", 1), ShingleConfig("char", 5)])
@pytest.mark.parametrize("num_perm, seed", [(128, 1), (64, 42), (16, 0), (256, 2**32 - 1)])
def test_signatures_equal_datasketch_minhash_fed_the_same_shingles(shingle, num_perm, seed):
    texts = paragraphs(num_perm + seed % 1000)
    config = MinHashConfig(num_perm=num_perm, seed=seed)
    sigs = signatures(*shingle_sets(texts, shingle), config)
    for text, row in zip(texts, sigs):
        reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=shingle_hash, scheme="affine32")
        for s in shingles(text, shingle):
            reference.update(s)
        assert row.dtype == np.uint32
        assert np.array_equal(row, reference.hashvalues)


def test_empty_paragraph_has_the_empty_datasketch_signature():
    sig = signatures(*shingle_sets([""]), MinHashConfig(num_perm=32))[0]
    assert np.array_equal(sig, MinHash(num_perm=32, scheme="affine32").hashvalues)


def test_lean_minhashes_compare_with_datasketch_objects():
    texts = paragraphs(3, 10)
    config = MinHashConfig(num_perm=64, seed=5)
    lean = to_lean_minhashes(signatures(*shingle_sets(texts), config), config)
    assert all(isinstance(m, LeanMinHash) and m.seed == 5 and m.scheme == SCHEME for m in lean)
    for text, m in zip(texts, lean):
        reference = to_datasketch_minhash(shingles(text), config)
        assert m == LeanMinHash(reference)
        assert m.jaccard(reference) == 1.0


def test_filled_datasketch_lsh_proposes_tikrars_candidates():
    rng = random.Random(8)
    base = paragraphs(8, 30)
    texts = base + [" ".join(w if rng.random() > 0.1 else rng.choice(WORDS) for w in t.split(" ")) for t in base]
    sigs = signatures(*shingle_sets(texts))
    keys = [(f"doc{k // 4}", k % 4) for k in range(len(texts))]
    lsh = to_datasketch_lsh(sigs, keys=keys, threshold=0.5)
    assert isinstance(lsh, MinHashLSH)
    assert (lsh.b, lsh.r) == choose_bands(0.5, 128)
    from_datasketch = set()
    lean = to_lean_minhashes(sigs)
    position = {key: k for k, key in enumerate(keys)}
    for k, m in enumerate(lean):
        for key in lsh.query(m):
            if position[key] != k:
                from_datasketch.add((min(k, position[key]), max(k, position[key])))
    pairs = LSHIndex(*choose_bands(0.5, 128)).add(sigs, np.arange(len(texts)))
    assert from_datasketch == set(map(tuple, pairs.tolist()))
    assert len(from_datasketch) > 0


def test_datasketch_lsh_rejects_mismatched_input():
    sigs = signatures(*shingle_sets(["a b c d"]))
    with pytest.raises(ValueError, match="keys"):
        to_datasketch_lsh(sigs, keys=["a", "b"])
    with pytest.raises(ValueError, match="num_perm"):
        to_datasketch_lsh(sigs, config=MinHashConfig(num_perm=64))
