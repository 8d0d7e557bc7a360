"""LSH banding with numpy: band keys, sort-based grouping, candidate pairs.

Instead of one Python dict per band (datasketch's ``MinHashLSH``), each band
of ``rows`` signature values is reduced to one 64-bit key; sorting the keys
of a band puts colliding paragraphs next to each other. Two different value
tuples can share a key only with probability ~2**-64 per pair, and any such
false candidate is dropped by verification anyway.

The index is the one stateful part of the pipeline: it keeps the keys of the
paragraphs added so far, so that new paragraphs are paired with old ones.
:class:`LSHIndex` keeps, per band, one sorted ``uint64`` per paragraph: the
high 32 bits of its band key above its 32-bit id (8 bytes per paragraph and
band). A new batch is sorted on its own and merged in place, so adding a
batch costs time in proportion to the index size once, not a full re-sort,
and no copy of the whole index is ever made. Keeping 32 bits of the key
makes unrelated paragraphs share a bucket a little more often (about
``n**2 / 2**33`` pairs per band for ``n`` paragraphs); verification drops
them. :class:`ReferenceLSHIndex` is the same grouping
written plainly (re-sorting everything on each add); both give the same pairs.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import _kernels
from .config import LSHConfig
from .errors import ConfigError

__all__ = [
    "candidate_probability", "choose_bands", "band_keys", "LSHIndex", "ReferenceLSHIndex", "FingerprintIndex",
    "KeyTable", "verify_pairs", "verify_pairs_reference", "room_for", "grow_in_place", "THREADS", "MAX_ID",
    "GROWTH",
]

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
    """One 64-bit key per (paragraph, band), shape ``(n, bands)`` (numpy;
    the compiled kernels compute the same keys, transposed).

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


class ReferenceLSHIndex:
    """Band keys of every paragraph added so far; yields candidate pairs.

    >>> index = ReferenceLSHIndex(bands=2, rows=2)
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


#: Worker threads for per-band work; the kernels release the GIL.
THREADS = max(1, min(4, os.cpu_count() or 1))
#: Below this many new band keys one thread does all bands.
_PARALLEL_MIN_KEYS = 200_000
MAX_ID = 2**32 - 1


#: Spare room a growing array takes beyond what is needed (see grow_in_place).
GROWTH = 1.0625


def room_for(size: int, capacity: int) -> int:
    """The capacity to grow to for ``size`` items (``capacity`` held now):
    at least :data:`GROWTH` times the old one, so that growing one item at a
    time still reallocates rarely, and never less than 1024.

    >>> room_for(10, 0), room_for(5000, 4096), room_for(10_000, 4096)
    (1024, 5000, 10000)
    """
    return max(size, int(capacity * GROWTH), 1024)


def grow_in_place(owner, name: str, capacity: int) -> None:
    """Give ``owner.<name>`` (an array that owns its data) ``capacity``
    columns along its last axis, the held ones unchanged.

    A large block is grown by ``realloc``, which remaps its pages instead of
    copying them: the old and the new array never both sit in memory, so a
    state of G gigabytes grows without needing 2G. (When another reference
    to the array is alive it cannot move safely, and a copy is made.)

    >>> class Holder: pass
    >>> h = Holder(); h.a = np.arange(6, dtype=np.uint64).reshape(2, 3)
    >>> grow_in_place(h, "a", 5); h.a[:, :3].tolist()
    [[0, 1, 2], [3, 4, 5]]
    """
    held = getattr(owner, name).shape[-1]
    rows = getattr(owner, name).shape[0] if getattr(owner, name).ndim == 2 else 0
    if capacity <= held:
        return
    try:
        # Only the attribute and the call refer to the array here, which
        # resize's reference check requires.
        getattr(owner, name).resize((rows, capacity) if rows else capacity, refcheck=True)
    except ValueError:
        old = getattr(owner, name)
        grown = np.zeros((rows, capacity) if rows else capacity, dtype=old.dtype)
        grown[..., :held] = old
        setattr(owner, name, grown)
        return
    if rows > 1:
        # The flat buffer grew at its end: move each row to its new start,
        # the last first, so no row is overwritten before it moves.
        flat = getattr(owner, name).reshape(-1)
        for row in range(rows - 1, 0, -1):
            flat[row * capacity : row * capacity + held] = flat[row * held : (row + 1) * held]
        del flat


def _union_of_sorted(arrays: list[np.ndarray], mapper) -> np.ndarray:
    """Sorted distinct values of sorted distinct ``uint64`` arrays, merged
    two by two (``mapper`` runs each round's merges, on a pool or not)."""
    if not arrays:
        return np.zeros(0, dtype=np.uint64)
    while len(arrays) > 1:
        merged = list(mapper(_kernels.union_sorted, arrays[0:-1:2], arrays[1::2]))
        if len(arrays) % 2:
            merged.append(arrays[-1])
        arrays = merged
    return arrays[0]


class LSHIndex:
    """Band keys of every paragraph added so far; yields candidate pairs.

    Within a bucket (paragraphs sharing a band key) members are ordered by
    id and each new member is paired with at most ``max_bucket_pairs``
    members just before it. Ids are below 2**32.

    >>> index = LSHIndex(bands=2, rows=2)
    >>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [5, 6, 7, 8]], dtype=np.uint32)
    >>> index.add(sig, np.array([0, 1, 2])).tolist()
    [[0, 1]]
    >>> index.add(sig[:1], np.array([3])).tolist()
    [[0, 3], [1, 3]]
    """

    def __init__(self, bands: int, rows: int, config: LSHConfig = LSHConfig()):
        if bands < 1 or rows < 1:
            raise ConfigError(f"LSH bands and rows must be positive, got {bands} x {rows}")
        self.bands = bands
        self.rows = rows
        self.window = config.max_bucket_pairs
        self._size = 0
        self._last_id = -1
        # Row b: band b's sorted members ``key_high32 << 32 | id`` (see
        # _kernels); every band holds the same paragraphs, so one 2-D array
        # (columns past ``len(self)`` are spare room).
        self._members = np.zeros((bands, 0), dtype=np.uint64)

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Memory held by the index's arrays."""
        return self._members.nbytes

    @property
    def members(self) -> np.ndarray:
        """The sorted members of every band, shape ``(bands, capacity)``;
        only the first ``len(self)`` columns are members."""
        return self._members

    def insert_keys(self, keys: np.ndarray, ids: np.ndarray) -> None:
        """Add paragraphs without pairing them: band keys of shape
        ``(bands, len(ids))``, ids increasing and larger than any held.

        >>> index = LSHIndex(bands=2, rows=2)
        >>> index.insert_keys(np.array([[5 << 32], [7 << 32]], dtype=np.uint64), np.array([3]))
        >>> len(index), int(index.members[0, 0] & 0xFFFFFFFF)
        (1, 3)
        """
        ids = self._checked_ids(keys, ids)
        if len(ids) == 0:
            return
        new_ids = ids.astype(np.uint32)
        self._reserve(self._size + len(ids))
        for band in range(self.bands):
            _kernels.merge_sorted_into(self._members[band], self._size, _kernels.pack_band(keys[band], new_ids))
        self._size += len(ids)
        self._last_id = int(ids[-1])

    def insert_members(self, members: np.ndarray, last_id: int) -> None:
        """Add paragraphs already packed: ``members[b]`` is band b's sorted
        ``key_high32 << 32 | id`` of the new paragraphs (ids larger than any
        held, the largest ``last_id``)."""
        count = members.shape[1]
        if count == 0:
            return
        if last_id <= self._last_id or last_id > MAX_ID:
            raise ConfigError("LSH ids must increase, and exceed every id already added")
        self._reserve(self._size + count)
        for band in range(self.bands):
            _kernels.merge_sorted_into(self._members[band], self._size, members[band])
        self._size += count
        self._last_id = last_id

    def _checked_ids(self, keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if keys.shape != (self.bands, len(ids)):
            raise ConfigError(f"band keys have shape {keys.shape}, expected ({self.bands}, {len(ids)})")
        if len(ids) and (ids[0] <= self._last_id or (len(ids) > 1 and (np.diff(ids) <= 0).any())):
            raise ConfigError("LSH ids must increase, and exceed every id already added")
        if len(ids) and ids[-1] > MAX_ID:
            raise ConfigError(f"LSH ids must stay below 2**32, got {int(ids[-1])}")
        return ids

    def add(self, sigs: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Add signatures with their global ids (increasing, larger than any
        id already added); return the distinct candidate pairs ``(i, j)``,
        ``i < j``, in which ``j`` is new, sorted."""
        if sigs.ndim != 2 or self.bands * self.rows > sigs.shape[1]:
            raise ConfigError(f"bands x rows = {self.bands * self.rows} exceeds num_perm = {sigs.shape[1]}")
        keys = _kernels.band_keys_of_signatures(
            np.ascontiguousarray(sigs, dtype=np.uint32), self.bands, self.rows, _MULTIPLIERS
        )
        return self.add_keys(keys, ids)

    def add_keys(self, keys: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """:meth:`add` for band keys already computed, shape ``(bands, len(ids))``."""
        ids = self._checked_ids(keys, ids)
        if len(ids) == 0:
            return np.zeros((0, 2), dtype=np.int64)
        self._reserve(self._size + len(ids))
        new_ids = ids.astype(np.uint32)
        old_size = self._size

        def one_band(band: int) -> np.ndarray:
            members = _kernels.pack_band(keys[band], new_ids)
            # The band's pairs as distinct sorted codes, made distinct band by
            # band: near-identical paragraphs collide in most bands, and
            # keeping every band's copy of their pairs until the end would
            # multiply memory by ``bands``.
            codes = _kernels.band_pair_codes(self._members[band], old_size, members, self.window)
            _kernels.merge_sorted_into(self._members[band], old_size, members)
            return codes

        if THREADS > 1 and keys.size >= _PARALLEL_MIN_KEYS:
            with ThreadPoolExecutor(THREADS) as pool:
                found = list(pool.map(one_band, range(self.bands)))
                codes = _union_of_sorted(found, pool.map)
        else:
            found = [one_band(band) for band in range(self.bands)]
            codes = _union_of_sorted(found, map)
        del found
        self._size += len(ids)
        self._last_id = int(ids[-1])
        out = np.empty((len(codes), 2), dtype=np.int64)
        out[:, 0] = (codes >> np.uint64(32)).astype(np.int64)
        out[:, 1] = (codes & np.uint64(MAX_ID)).astype(np.int64)
        return out

    def _reserve(self, size: int) -> None:
        if size > self._members.shape[1]:
            grow_in_place(self, "_members", room_for(size, self._members.shape[1]))


class FingerprintIndex:
    """Postings of shingle fingerprints: one sorted ``uint64`` per (kept
    paragraph, fingerprint), the fingerprint above the paragraph's 32-bit
    id, grown in place.

    >>> index = FingerprintIndex()
    >>> index.insert(np.array([9, 4, 9], dtype=np.uint32), np.array([0, 2, 3]), np.array([1, 2]))
    >>> [(int(m >> 32), int(m & 0xFFFFFFFF)) for m in index.postings]
    [(4, 1), (9, 1), (9, 2)]
    """

    def __init__(self) -> None:
        self._postings = np.zeros(0, dtype=np.uint64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return self._postings.nbytes

    @property
    def postings(self) -> np.ndarray:
        return self._postings[: self._size]

    @property
    def held(self) -> np.ndarray:
        """The postings array with its spare room (first ``len(self)`` used)."""
        return self._postings

    def insert_postings(self, postings: np.ndarray) -> None:
        """Add sorted postings ``fingerprint << 32 | id`` of new paragraphs."""
        size = self._size + len(postings)
        if size > len(self._postings):
            grow_in_place(self, "_postings", room_for(size, len(self._postings)))
        _kernels.merge_sorted_into(self._postings, self._size, postings)
        self._size = size

    def insert(self, hashes: np.ndarray, offsets: np.ndarray, ids: np.ndarray) -> None:
        """Add the fingerprints of paragraphs ``ids`` (increasing, larger than
        any held), CSR ``(hashes, offsets)``."""
        ids = np.asarray(ids, dtype=np.int64)
        counts = np.diff(np.asarray(offsets, dtype=np.int64))
        if len(counts) != len(ids):
            raise ConfigError(f"{len(ids)} ids for {len(counts)} fingerprint sets")
        total = int(counts.sum())
        if total == 0:
            return
        owners = np.repeat(ids, counts).astype(np.uint32)
        keys = np.asarray(hashes[offsets[0] : offsets[-1]], dtype=np.uint64) << np.uint64(32)
        self.insert_postings(_kernels.pack_band(keys, owners))


class KeyTable:
    """Distinct sorted ``uint64`` keys, each with a ``uint32`` value, grown in
    place (no full copy per insert).

    >>> table = KeyTable()
    >>> table.insert(np.array([5, 9], dtype=np.uint64), np.array([0, 1]))
    >>> found, values = table.lookup(np.array([9, 7], dtype=np.uint64))
    >>> found.tolist(), int(values[0])
    ([True, False], 1)
    """

    def __init__(self) -> None:
        self._keys = np.zeros(0, dtype=np.uint64)
        self._values = np.zeros(0, dtype=np.uint32)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        return self._keys.nbytes + self._values.nbytes

    def lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether each key is present, and its value (garbage where absent)."""
        held = self._keys[: self._size]
        at = np.searchsorted(held, keys)
        inside = at < self._size
        found = np.zeros(len(keys), dtype=bool)
        found[inside] = held[at[inside]] == keys[inside]
        values = np.zeros(len(keys), dtype=np.int64)
        values[found] = self._values[at[found]]
        return found, values

    def insert(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add keys, sorted and absent from the table, with their values."""
        size = self._size + len(keys)
        if size > len(self._keys):
            capacity = room_for(size, len(self._keys))
            grow_in_place(self, "_keys", capacity)
            grow_in_place(self, "_values", capacity)
        _kernels.merge_into(self._keys, self._values, self._size,
                            np.ascontiguousarray(keys, dtype=np.uint64), np.asarray(values, dtype=np.uint32))
        self._size = size


def verify_pairs(
    pairs: np.ndarray, hashes: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard similarity and containment of each pair of shingle sets.

    Containment is ``|A & B| / min(|A|, |B|)``: 1.0 when the smaller set lies
    wholly inside the larger. A compiled merge of the two sorted sets per
    pair, pairs spread over the cores; :func:`verify_pairs_reference` is the
    plain version.

    >>> hashes = np.array([1, 2, 3, 2, 3, 4, 5], dtype=np.uint32)
    >>> j, c = verify_pairs(np.array([[0, 1]]), hashes, np.array([0, 3, 7]))
    >>> round(float(j[0]), 3), round(float(c[0]), 3)
    (0.4, 0.667)
    """
    pairs = np.ascontiguousarray(np.asarray(pairs, dtype=np.int64).reshape(-1, 2))
    return _kernels.verify_pairs(
        pairs, np.ascontiguousarray(hashes, dtype=np.uint32), np.ascontiguousarray(offsets, dtype=np.int64)
    )


def verify_pairs_reference(
    pairs: np.ndarray, hashes: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Jaccard similarity and containment of each pair of shingle sets.

    Containment is ``|A & B| / min(|A|, |B|)``: 1.0 when the smaller set lies
    wholly inside the larger.

    >>> hashes = np.array([1, 2, 3, 2, 3, 4, 5], dtype=np.uint32)
    >>> j, c = verify_pairs_reference(np.array([[0, 1]]), hashes, np.array([0, 3, 7]))
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
