"""Batch MinHash signatures, bit-identical to datasketch's ``affine32`` scheme.

datasketch 2.x pre-mixes each 32-bit input hash with the MurmurHash3
finalizer and applies ``a_k * h + b_k mod 2**32`` with odd ``a_k`` drawn from
``numpy.random.RandomState(seed)``. The same parameters are drawn here, so a
signature row equals ``datasketch.MinHash(num_perm, seed,
hashfunc=tikrar.shingle_hash, scheme="affine32")`` fed the same shingles.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .config import MinHashConfig

EMPTY_HASH = np.uint32(0xFFFFFFFF)
SCHEME = "affine32"


@lru_cache(maxsize=32)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` permutation parameters, as datasketch draws them.

    >>> a, b = permutations(4, 1)
    >>> bool((a % 2 == 1).all())
    True
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, element-wise (a bijection on uint32).

    >>> int(fmix32(np.array([1], dtype=np.uint32))[0])
    1364076727
    """
    h = h.astype(np.uint32, copy=True)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def signatures(hashes: np.ndarray, offsets: np.ndarray, config: MinHashConfig = MinHashConfig()) -> np.ndarray:
    """MinHash signatures of shingle sets in CSR form, shape ``(n, num_perm)``.

    An empty set gets the all-``0xFFFFFFFF`` signature, as an empty datasketch
    MinHash has.

    >>> from tikrar.shingle import shingle_sets
    >>> sig = signatures(*shingle_sets(["a b c d", ""]), MinHashConfig(num_perm=8))
    >>> sig.shape, bool((sig[1] == 0xFFFFFFFF).all())
    ((2, 8), True)
    """
    n = len(offsets) - 1
    a, b = permutations(config.num_perm, config.seed)
    out = np.full((n, config.num_perm), EMPTY_HASH, dtype=np.uint32)
    sizes = np.diff(offsets)
    nonempty = np.flatnonzero(sizes > 0)
    if len(nonempty) == 0:
        return out
    mixed = fmix32(hashes)
    starts = offsets[nonempty]
    for k in range(config.num_perm):
        permuted = mixed * a[k] + b[k]
        out[nonempty, k] = np.minimum.reduceat(permuted, starts)
    return out


def to_lean_minhashes(sigs: np.ndarray, config: MinHashConfig = MinHashConfig()) -> list:
    """datasketch ``LeanMinHash`` objects for signature rows.

    >>> from tikrar.shingle import shingle_sets
    >>> lean = to_lean_minhashes(signatures(*shingle_sets(["a b c d"]), MinHashConfig(num_perm=8)), MinHashConfig(num_perm=8))
    >>> type(lean[0]).__name__, lean[0].scheme
    ('LeanMinHash', 'affine32')
    """
    from datasketch import LeanMinHash

    return [LeanMinHash(seed=config.seed, hashvalues=row, scheme=SCHEME) for row in sigs]


def to_datasketch_minhash(shingle_strings, config: MinHashConfig = MinHashConfig()):
    """A datasketch ``MinHash`` of shingle strings, built the way tikrar's matches.

    >>> m = to_datasketch_minhash(["a b c"], MinHashConfig(num_perm=8))
    >>> len(m.hashvalues)
    8
    """
    from datasketch import MinHash

    from .shingle import shingle_hash

    m = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=shingle_hash, scheme=SCHEME)
    m.update_batch(list(shingle_strings))
    return m
