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

from . import _kernels
from .config import MinHashConfig

__all__ = [
    "signatures", "signatures_reference", "permutations", "fmix32", "to_lean_minhashes",
    "to_datasketch_minhash", "to_datasketch_lsh", "EMPTY_HASH", "SCHEME",
]

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
    MinHash has. Computed by a compiled kernel, one paragraph per task over
    all cores; :func:`signatures_reference` is the same in plain numpy.

    >>> from tikrar.shingle import shingle_sets
    >>> sig = signatures(*shingle_sets(["a b c d", ""]), MinHashConfig(num_perm=8))
    >>> sig.shape, bool((sig[1] == 0xFFFFFFFF).all())
    ((2, 8), True)
    """
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    hashes = np.ascontiguousarray(hashes, dtype=np.uint32)
    a, b = permutations(config.num_perm, config.seed)
    rows = np.arange(len(offsets) - 1, dtype=np.int64)
    return _kernels.signatures(hashes, offsets, rows, a, b)


def signatures_reference(
    hashes: np.ndarray, offsets: np.ndarray, config: MinHashConfig = MinHashConfig()
) -> np.ndarray:
    """:func:`signatures` in plain numpy, one permutation at a time.

    >>> from tikrar.shingle import shingle_sets
    >>> h, o = shingle_sets(["a b c d", ""])
    >>> bool((signatures_reference(h, o) == signatures(h, o)).all())
    True
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


def to_datasketch_lsh(
    sigs: np.ndarray,
    keys=None,
    threshold: float = 0.5,
    config: MinHashConfig = MinHashConfig(),
    bands: int | None = None,
    rows: int | None = None,
):
    """A filled datasketch ``MinHashLSH`` holding signature rows.

    ``keys`` names each row in the index (default: the row number); tikrar
    users usually pass ``(doc_id, index)`` of each paragraph. The banding is
    tikrar's (:func:`tikrar.index.choose_bands` of ``threshold`` and
    ``num_perm``) unless ``bands`` and ``rows`` are given, so datasketch
    proposes the same candidates as tikrar's own index.

    >>> from tikrar.shingle import shingle_sets
    >>> sig = signatures(*shingle_sets(["a b c d e f", "a b c d e f", "x y z"]))
    >>> lsh = to_datasketch_lsh(sig, keys=[("d1", 0), ("d2", 0), ("d3", 0)])
    >>> sorted(lsh.query(to_lean_minhashes(sig[:1])[0]))
    [('d1', 0), ('d2', 0)]
    """
    from datasketch import MinHashLSH

    from .index import choose_bands

    if (bands is None) != (rows is None):
        raise ValueError("give both bands and rows, or neither")
    if bands is None:
        bands, rows = choose_bands(threshold, config.num_perm)
    if sigs.ndim != 2 or sigs.shape[1] != config.num_perm:
        raise ValueError(f"signatures have shape {sigs.shape}, expected (n, {config.num_perm}) for num_perm={config.num_perm}")
    keys = list(range(len(sigs))) if keys is None else list(keys)
    if len(keys) != len(sigs):
        raise ValueError(f"{len(keys)} keys for {len(sigs)} signatures")
    lsh = MinHashLSH(num_perm=config.num_perm, params=(bands, rows))
    with lsh.insertion_session() as session:
        for key, lean in zip(keys, to_lean_minhashes(sigs, config)):
            session.insert(key, lean, check_duplication=False)
    return lsh
