"""The LSH bucket kernels against plain numpy and Python references.

Members and pair codes are ``uint64`` values with a 32-bit key or id above a
32-bit id; the radix sorts only look at the high half, so the cases below
stress equal high halves, high halves that differ in a single bit, all high
bits set, and ids at the top of the 32-bit range.
"""

from __future__ import annotations

import numpy as np
import pytest

from tikrar import _kernels, index as index_module
from tikrar.config import LSHConfig
from tikrar.index import LSHIndex, ReferenceLSHIndex

LOW32 = np.uint64(0xFFFFFFFF)
TOP_ID = 2**32 - 1


def packed_reference(keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return np.sort((keys & ~LOW32) | ids.astype(np.uint64))


def high_halves(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Keys whose high 32 bits follow ``kind``; the low 32 bits are noise."""
    if kind == "uniform":
        high = rng.integers(0, 2**32, size=n, dtype=np.uint64)
    elif kind == "few":
        high = rng.integers(0, 3, size=n, dtype=np.uint64)
    elif kind == "equal":
        high = np.full(n, 12345, dtype=np.uint64)
    elif kind == "all_set":
        high = np.full(n, 2**32 - 1, dtype=np.uint64) - rng.integers(0, 2, size=n, dtype=np.uint64)
    elif kind == "top_bit":
        high = rng.integers(0, 2, size=n, dtype=np.uint64) << np.uint64(31)
    elif kind == "middle_bits":
        high = (rng.integers(0, 2**9, size=n, dtype=np.uint64) << np.uint64(13)) | np.uint64(0x80000001)
    else:
        raise ValueError(kind)
    return (high << np.uint64(32)) | rng.integers(0, 2**32, size=n, dtype=np.uint64)


def increasing_ids(rng: np.random.Generator, n: int, top: bool) -> np.ndarray:
    ids = np.cumsum(rng.integers(1, 4, size=n)).astype(np.int64)
    if top and n:
        ids += TOP_ID - ids[-1]
    return ids.astype(np.uint32)


KINDS = ["uniform", "few", "equal", "all_set", "top_bit", "middle_bits"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n", [0, 1, 2, 7, 3000])
@pytest.mark.parametrize("top", [False, True])
def test_pack_band_equals_numpy_sort(kind, n, top):
    rng = np.random.default_rng([n, KINDS.index(kind), top])
    keys = high_halves(rng, n, kind)
    ids = increasing_ids(rng, n, top)
    packed = _kernels.pack_band(keys, ids)
    assert packed.dtype == np.uint64
    assert np.array_equal(packed, packed_reference(keys, ids))


@pytest.mark.parametrize("kind", KINDS)
def test_pack_band_sorts_ids_in_any_order(kind):
    rng = np.random.default_rng(KINDS.index(kind))
    keys = high_halves(rng, 2000, kind)
    for ids in [
        rng.integers(0, 2**32, size=2000, dtype=np.uint64).astype(np.uint32),
        np.arange(2000, dtype=np.uint32)[::-1].copy(),
        np.repeat(np.arange(1000, dtype=np.uint32), 2),
        np.full(2000, TOP_ID, dtype=np.uint32),
    ]:
        assert np.array_equal(_kernels.pack_band(keys, ids), packed_reference(keys, ids))


@pytest.mark.parametrize("kind", KINDS)
def test_sort_by_high32_sorts_when_low_halves_increase_within_ties(kind):
    rng = np.random.default_rng(100 + KINDS.index(kind))
    high = high_halves(rng, 5000, kind) & ~LOW32
    values = high | increasing_ids(rng, 5000, top=True).astype(np.uint64)
    varying = np.bitwise_or.reduce(values ^ values[0]) >> np.uint64(32)
    work, scratch = values.copy(), np.empty_like(values)
    moved = _kernels._sort_by_high32(work, scratch, varying)
    assert np.array_equal(scratch if moved else work, np.sort(values))


def bucket_pairs_reference(old: np.ndarray, new: np.ndarray, window: int) -> list[tuple[int, int]]:
    """Each new member with the ``window`` members before it in its bucket
    (members by id, old ones first), in plain Python."""
    buckets: dict[int, list[int]] = {}
    for member in [int(m) for m in old] + [int(m) for m in new]:
        buckets.setdefault(member >> 32, []).append(member & 0xFFFFFFFF)
    new_ids = {int(m) & 0xFFFFFFFF for m in new}
    pairs = set()
    for members in buckets.values():
        members.sort()
        for position, later in enumerate(members):
            if later in new_ids:
                for earlier in members[max(0, position - window) : position]:
                    pairs.add((earlier, later))
    return sorted(pairs)


def as_pairs(codes: np.ndarray) -> list[tuple[int, int]]:
    return [(int(c) >> 32, int(c) & 0xFFFFFFFF) for c in codes]


def band_case(rng: np.random.Generator, old_count: int, new_count: int, kind: str, top: bool):
    ids = increasing_ids(rng, old_count + new_count, top)
    keys = high_halves(rng, old_count + new_count, kind)
    old = _kernels.pack_band(keys[:old_count], ids[:old_count])
    held = np.empty(old_count + 5, dtype=np.uint64)  # spare room, as in the index
    held[:old_count] = old
    new = _kernels.pack_band(keys[old_count:], ids[old_count:])
    return held, old, new


@pytest.mark.parametrize("kind", ["few", "equal", "all_set", "top_bit", "uniform"])
@pytest.mark.parametrize("window", [1, 2, 5, 256])
@pytest.mark.parametrize("old_count,new_count", [(0, 0), (0, 1), (1, 1), (0, 300), (40, 200), (250, 3)])
def test_band_pair_codes_equal_reference_pairs(kind, window, old_count, new_count):
    rng = np.random.default_rng([window, old_count, new_count, len(kind)])
    for top in [False, True]:
        held, old, new = band_case(rng, old_count, new_count, kind, top)
        codes = _kernels.band_pair_codes(held, old_count, new, window)
        assert codes.dtype == np.uint64
        expected = bucket_pairs_reference(old, new, window)
        assert as_pairs(codes) == expected
        assert np.array_equal(codes, np.unique(codes))  # sorted and distinct


def test_band_pair_codes_of_one_large_bucket_grow_past_the_first_guess():
    rng = np.random.default_rng(5)
    held, old, new = band_case(rng, 30, 400, "equal", top=True)
    codes = _kernels.band_pair_codes(held, 30, new, 256)
    assert len(codes) > len(new)
    assert as_pairs(codes) == bucket_pairs_reference(old, new, 256)


@pytest.mark.parametrize("sizes", [(0, 0), (0, 5), (5, 0), (1, 1), (300, 200), (1000, 3)])
def test_union_sorted_equals_numpy_union(sizes):
    rng = np.random.default_rng(list(sizes))
    pool = np.concatenate([
        rng.integers(0, 2**64, size=400, dtype=np.uint64),
        np.array([0, 2**64 - 1, 2**63], dtype=np.uint64),
    ])
    a = np.unique(rng.choice(pool, size=sizes[0]))
    b = np.unique(rng.choice(pool, size=sizes[1]))
    union = _kernels.union_sorted(a, b)
    assert union.dtype == np.uint64
    assert np.array_equal(union, np.union1d(a, b))
    assert np.array_equal(_kernels.union_sorted(a, a), a)


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("window", [1, 3, 256])
@pytest.mark.parametrize("top", [False, True])
def test_add_keys_equals_reference_index_over_several_adds(monkeypatch, parallel, window, top):
    if parallel:
        monkeypatch.setattr(index_module, "THREADS", 2)
        monkeypatch.setattr(index_module, "_PARALLEL_MIN_KEYS", 0)
    rng = np.random.default_rng([window, parallel, top])
    # Few distinct values per column: many collisions and large buckets.
    sigs = rng.integers(0, 3, size=(900, 12), dtype=np.uint32)
    config = LSHConfig(max_bucket_pairs=window)
    fast, reference = LSHIndex(6, 2, config), ReferenceLSHIndex(6, 2, config)
    first_id = TOP_ID - 2 * 900 if top else 5
    start = 0
    for size in [1, 50, 0, 200, 2, 647]:
        ids = first_id + 2 * np.arange(start, start + size)
        got = fast.add(sigs[start : start + size], ids)
        assert got.dtype == np.int64
        assert got.tolist() == reference.add(sigs[start : start + size], ids).tolist()
        start += size
    assert len(fast) == len(reference) == 900
