"""LSH banding with numpy: band keys, sort-based grouping, candidate pairs.

Instead of one Python dict per band (datasketch's ``MinHashLSH``), each band
of ``rows`` signature values is reduced to one 64-bit key; sorting the keys
of a band puts colliding paragraphs next to each other. Two different value
tuples can share a key only with probability ~2**-64 per pair, and any such
false candidate is dropped by verification anyway.

The index is the one stateful part of the pipeline: it keeps the keys of the
paragraphs added so far, so that new paragraphs are paired with old ones.
"""

from __future__ import annotations

import numpy as np

from .config import LSHConfig
from .errors import ConfigError

_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Chance that two paragraphs of this Jaccard similarity share a band.

    >>> round(candidate_probability(0.5, 42, 3), 4)
    0.9963
    """
    return 1.0 - (1.0 - similarity**rows) ** bands


def choose_bands(threshold: float, num_perm: int, target_recall: float = 0.99) -> tuple[int, int]:
    """Bands and rows for a similarity threshold: the most rows per band (the
    fewest false candidates) whose chance of pairing two paragraphs at the
    threshold is at least ``target_recall``.

    >>> choose_bands(0.5, 128)
    (42, 3)
    """
    if not 0.0 < threshold <= 1.0:
        raise ConfigError(f"threshold must be in (0, 1], got {threshold!r}")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= target_recall:
            best = (bands, rows)
        else:
            break
    return best


def _mix64(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 64-bit key per (paragraph, band), shape ``(n, bands)``.

    >>> sig = np.arange(12, dtype=np.uint32).reshape(2, 6)
    >>> band_keys(sig, 3, 2).shape
    (2, 3)
    """
    if bands * rows > sigs.shape[1]:
        raise ConfigError(f"bands x rows = {bands * rows} exceeds num_perm = {sigs.shape[1]}")
    n = sigs.shape[0]
    keys = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            column = sigs[:, r : bands * rows : rows].astype(np.uint64)
            keys = _mix64(keys ^ (column * _MULTIPLIERS[r % len(_MULTIPLIERS)] + np.uint64(r)))
    return keys


def _bucket_pairs(keys: np.ndarray, ids: np.ndarray, is_new: np.ndarray, window: int) -> np.ndarray:
    """Pairs ``(earlier id, later id)`` that share a key, at least one new."""
    order = np.lexsort((ids, keys))
    k, i, new = keys[order], ids[order], is_new[order]
    same_as_prev = np.empty(len(k), dtype=bool)
    if len(k):
        same_as_prev[0] = False
        same_as_prev[1:] = k[1:] == k[:-1]
    pairs = []
    # Pair each member with the member `lag` places before it in its bucket,
    # for lag = 1, 2, ... while any bucket is still that long.
    run_start = np.maximum.accumulate(np.where(same_as_prev, 0, np.arange(len(k))))
    position = np.arange(len(k)) - run_start
    for lag in range(1, window + 1):
        later = np.flatnonzero(position >= lag)
        if len(later) == 0:
            break
        earlier = later - lag
        keep = new[later] | new[earlier]
        if keep.any():
            pairs.append(np.stack([i[earlier[keep]], i[later[keep]]], axis=1))
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(pairs)


class LSHIndex:
    """Band keys of every paragraph added so far; yields candidate pairs.

    >>> index = LSHIndex(bands=2, rows=2)
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 6, 7, 8]], dtype=np.uint32)
    >>> index.add(sig, np.array([0, 1, 2])).tolist()
    [[0, 1]]
    """

    def __init__(self, bands: int, rows: int, config: LSHConfig = LSHConfig()):
        self.bands = bands
        self.rows = rows
        self.window = config.max_bucket_pairs
        self._keys = np.zeros((0, bands), dtype=np.uint64)
        self._ids = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, sigs: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Add signatures with their global ids (increasing, larger than any
        id already added); return the distinct candidate pairs ``(i, j)``,
        ``i < j``, in which ``j`` is new."""
        ids = np.asarray(ids, dtype=np.int64)
        new_keys = band_keys(sigs, self.bands, self.rows)
        all_keys = np.concatenate([self._keys, new_keys])
        all_ids = np.concatenate([self._ids, ids])
        is_new = np.zeros(len(all_ids), dtype=bool)
        is_new[len(self._ids) :] = True
        found = [
            _bucket_pairs(all_keys[:, band], all_ids, is_new, self.window) for band in range(self.bands)
        ]
        self._keys, self._ids = all_keys, all_ids
        pairs = np.concatenate(found) if found else np.zeros((0, 2), dtype=np.int64)
        if len(pairs) == 0:
            return pairs
        return np.unique(pairs, axis=0)


def verify_pairs(
    pairs: np.ndarray, hashes: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard similarity and containment of each pair of shingle sets.

    Containment is ``|A & B| / min(|A|, |B|)``: 1.0 when the smaller set lies
    wholly inside the larger.

    >>> hashes = np.array([1, 2, 3, 2, 3, 4, 5], dtype=np.uint32)
    >>> j, c = verify_pairs(np.array([[0, 1]]), hashes, np.array([0, 3, 7]))
    >>> round(float(j[0]), 3), round(float(c[0]), 3)
    (0.4, 0.667)
    """
    jaccard = np.zeros(len(pairs), dtype=np.float64)
    containment = np.zeros(len(pairs), dtype=np.float64)
    for k, (i, j) in enumerate(pairs):
        a = hashes[offsets[i] : offsets[i + 1]]
        b = hashes[offsets[j] : offsets[j + 1]]
        if len(a) == 0 or len(b) == 0:
            continue
        inter = len(np.intersect1d(a, b, assume_unique=True))
        jaccard[k] = inter / (len(a) + len(b) - inter)
        containment[k] = inter / min(len(a), len(b))
    return jaccard, containment
