"""Compiled kernels of the batch path (numba), over UTF-8 bytes and uint32 sets.

Everything here works on plain numpy arrays so that one call handles a whole
batch: the UTF-8 bytes of all normalized paragraphs joined together, the byte
offset where each paragraph starts, CSR shingle sets ``(hashes, offsets)``.
Kernels release the GIL (``nogil=True``), split large batches over the cores
(``parallel=True`` with ``prange``) and are cached on disk (``cache=True``),
so only the first process on a machine pays the compilation.

Each kernel has a plain numpy/Python twin elsewhere in the package (the
reference path); ``tests/test_fastpath.py`` checks that both agree.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_MASK32 = np.uint64(0xFFFFFFFF)
_SPACE = 0x20


_LANE_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)


def launches_from_threads_are_safe() -> bool:
    """Whether two Python threads may run parallel kernels at the same time:
    true for numba's ``omp`` and ``tbb`` threading layers, false for
    ``workqueue`` (numba's fallback, which must not be entered twice).

    >>> launches_from_threads_are_safe() in (True, False)
    True
    """
    import numba

    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet: run one
        word_counts(np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        layer = numba.threading_layer()
    return layer in ("omp", "tbb")


# ---------------------------------------------------------------------------
# Bytes and paragraphs


@njit(cache=True, nogil=True)
def byte_offsets(data, char_lengths):
    """Byte offset of each paragraph in ``data`` (UTF-8 of the joined texts),
    from the paragraphs' lengths in code points; ``n + 1`` entries."""
    n = char_lengths.shape[0]
    out = np.empty(n + 1, dtype=np.int64)
    pos = 0
    out[0] = 0
    for k in range(n):
        remaining = char_lengths[k]
        while remaining > 0:
            lead = data[pos]
            if lead < 0x80:
                pos += 1
            elif lead < 0xE0:
                pos += 2
            elif lead < 0xF0:
                pos += 3
            else:
                pos += 4
            remaining -= 1
        out[k + 1] = pos
    return out


@njit(cache=True, nogil=True, parallel=True)
def word_counts(data, starts, ends):
    """Words of each paragraph ``data[starts[k]:ends[k]]``, as
    ``len(text.split(" "))`` (0 when empty)."""
    n = starts.shape[0]
    out = np.zeros(n, dtype=np.int64)
    for k in prange(n):
        start, end = starts[k], ends[k]
        if end > start:
            spaces = 0
            for p in range(start, end):
                if data[p] == _SPACE:
                    spaces += 1
            out[k] = spaces + 1
    return out


@njit(cache=True, nogil=True)
def _fmix64(x):
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


@njit(cache=True, nogil=True, parallel=True)
def text_keys(data, starts, ends):
    """A 64-bit key of each paragraph's bytes ``data[starts[k]:ends[k]]``
    (equal texts, equal keys).

    Eight bytes at a time, each word multiplied into a running state that is
    fully mixed at the end together with the length.
    """
    n = starts.shape[0]
    out = np.empty(n, dtype=np.uint64)
    for k in prange(n):
        start, end = starts[k], ends[k]
        h = np.uint64(0x243F6A8885A308D3) ^ np.uint64(end - start)
        p = start
        while p < end:
            word = np.uint64(0)
            stop = min(p + 8, end)
            shift = np.uint64(0)
            for q in range(p, stop):
                word |= np.uint64(data[q]) << shift
                shift += np.uint64(8)
            h = (h ^ _fmix64(word + np.uint64(0x9E3779B97F4A7C15))) * np.uint64(0xBF58476D1CE4E5B9)
            h = (h << np.uint64(29)) | (h >> np.uint64(35))
            p = stop
        out[k] = _fmix64(h)
    return out


# ---------------------------------------------------------------------------
# Shingles
#
# zlib's CRC-32 is linear over GF(2): for byte strings A and B,
# crc(A + B) = shift(crc(A), len(B)) ^ crc(B), where shift(c, n) is the CRC
# register c run through n zero bytes. Row t of CRC_TABLE maps a byte b to the
# register after b and t zero bytes, so shift(c, n) for 4 <= n <= rows is
# four lookups (rows n-1 .. n-4, one per byte of c). Word shingles use this to
# hash every byte once: each word's CRC, then each shingle combined from the
# CRCs of its words, instead of a CRC over the whole shingle per position.

_CRC_ROWS = 64


def _crc_table(rows: int = _CRC_ROWS) -> np.ndarray:
    table = np.zeros((rows, 256), dtype=np.int64)
    for byte in range(256):
        c = byte
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table[0, byte] = c
    # Row t from row t - 1: one more zero byte, for all 256 entries at once.
    for t in range(1, rows):
        prev = table[t - 1]
        table[t] = (prev >> 8) ^ table[0, prev & 0xFF]
    return table


CRC_TABLE = _crc_table()


@njit(cache=True, nogil=True)
def crc32(data, start, end, table):
    """zlib's CRC-32 of ``data[start:end]``, eight bytes per step.

    >>> import zlib
    >>> data = np.frombuffer("نص قصير".encode(), dtype=np.uint8)
    >>> crc32(data, 0, len(data), CRC_TABLE) == zlib.crc32(data.tobytes())
    True
    """
    c = 0xFFFFFFFF
    p = start
    while p + 8 <= end:
        lo = c ^ (np.int64(data[p]) | (np.int64(data[p + 1]) << 8)
                  | (np.int64(data[p + 2]) << 16) | (np.int64(data[p + 3]) << 24))
        c = (table[7, lo & 0xFF] ^ table[6, (lo >> 8) & 0xFF] ^ table[5, (lo >> 16) & 0xFF]
             ^ table[4, (lo >> 24) & 0xFF] ^ table[3, data[p + 4]] ^ table[2, data[p + 5]]
             ^ table[1, data[p + 6]] ^ table[0, data[p + 7]])
        p += 8
    while p < end:
        c = table[0, (c ^ data[p]) & 0xFF] ^ (c >> 8)
        p += 1
    return c ^ 0xFFFFFFFF


@njit(cache=True, nogil=True)
def crc_shift(c, n, table):
    """The CRC-32 register ``c`` run through ``n`` zero bytes, so that
    ``crc32(A + B) == crc_shift(crc32(A), len(B), table) ^ crc32(B)``.

    Four table lookups when ``4 <= n <= len(table)``; longer shifts go
    ``len(table)`` bytes at a time, shorter ones byte by byte.

    >>> import zlib
    >>> a, b = "كلمة ".encode(), "أخرى".encode()
    >>> crc_shift(zlib.crc32(a), len(b), CRC_TABLE) ^ zlib.crc32(b) == zlib.crc32(a + b)
    True
    """
    rows = table.shape[0]
    while n > rows:
        c = (table[rows - 1, c & 0xFF] ^ table[rows - 2, (c >> 8) & 0xFF]
             ^ table[rows - 3, (c >> 16) & 0xFF] ^ table[rows - 4, c >> 24])
        n -= rows
    if n >= 4:
        return (table[n - 1, c & 0xFF] ^ table[n - 2, (c >> 8) & 0xFF]
                ^ table[n - 3, (c >> 16) & 0xFF] ^ table[n - 4, c >> 24])
    for _ in range(n):
        c = table[0, c & 0xFF] ^ (c >> 8)
    return c


@njit(cache=True, nogil=True)
def _boundaries(data, start, end, by_words):
    """Start of each unit (word or code point) of one paragraph, then ``end``
    (for words: one past the space that ends the last word, so that a
    shingle of units i..j spans ``bounds[i]:bounds[j + 1] - gap``)."""
    count = 0
    if by_words:
        count = 1
        for p in range(start, end):
            if data[p] == _SPACE:
                count += 1
    else:
        for p in range(start, end):
            if (data[p] & 0xC0) != 0x80:
                count += 1
    bounds = np.empty(count + 1, dtype=np.int64)
    if by_words:
        bounds[0] = start
        u = 1
        for p in range(start, end):
            if data[p] == _SPACE:
                bounds[u] = p + 1
                u += 1
        bounds[count] = end + 1
    else:
        u = 0
        for p in range(start, end):
            if (data[p] & 0xC0) != 0x80:
                bounds[u] = p
                u += 1
        bounds[count] = end
    return bounds


@njit(cache=True, nogil=True)
def _shingle_count(data, start, end, by_words, size):
    if end == start:
        return 0
    # Unsigned positions: no negative-index check, so the loops vectorize.
    first, stop = np.uint64(start), np.uint64(end)
    units = 0
    if by_words:
        units = 1
        for p in range(first, stop):
            units += data[p] == _SPACE
    else:
        for p in range(first, stop):
            units += (data[p] & 0xC0) != 0x80
    return 1 if units <= size else units - size + 1


@njit(cache=True, nogil=True)
def _word_shingle_crcs(data, start, end, size, table, out, at, ring_crc, ring_len):
    """CRC-32 of each word ``size``-gram of ``data[start:end]`` (more than
    ``size`` words), written to ``out[at:]`` in order.

    One pass over the bytes: a word's CRC is computed when its space (or the
    end) is reached, four bytes per step, then the shingle ending with that
    word is combined from ``crc(w + " ")`` of the ``size - 1`` words before
    it (a ring buffer, ``ring_crc[slot]`` the oldest, with their byte
    lengths) and ``crc(w)``.

    Two things here are for speed only: array indices are cast to unsigned
    (``U``), which skips numba's negative-index check on every access; and
    the shift of :func:`crc_shift` is written out, since a call that passes
    arrays costs a reference-count increment and decrement per call, more
    than the four lookups themselves.
    """
    U = np.uint64
    rows = table.shape[0]
    space_crc = table[0, (0xFFFFFFFF ^ _SPACE) & 0xFF] ^ (0xFFFFFFFF >> 8) ^ 0xFFFFFFFF
    keep = size - 1
    written = 0
    word = 0
    slot = 0
    p = start
    while True:
        # Eight bytes at a time: a byte is a space exactly when it is zero
        # after xor with 0x20 in every lane; the lowest such lane is found
        # by a multiply that turns its bit into its index.
        q = p
        while q + 8 <= end:
            x8 = U(0)
            for i in range(8):
                x8 |= U(data[U(q + i)]) << U(8 * i)
            y8 = x8 ^ U(0x2020202020202020)
            z8 = ~(((y8 & U(0x7F7F7F7F7F7F7F7F)) + U(0x7F7F7F7F7F7F7F7F)) | y8 | U(0x7F7F7F7F7F7F7F7F))
            if z8:
                lowest = (z8 & (~z8 + U(1))) >> U(7)
                q += np.int64((lowest * U(0x0001020304050607)) >> U(56))
                break
            q += 8
        else:
            while q < end and data[U(q)] != _SPACE:
                q += 1
        c = 0xFFFFFFFF
        x = p
        while x + 8 <= q:
            lo = c ^ (np.int64(data[U(x)]) | (np.int64(data[U(x + 1)]) << 8)
                      | (np.int64(data[U(x + 2)]) << 16) | (np.int64(data[U(x + 3)]) << 24))
            c = (table[U(7), U(lo & 0xFF)] ^ table[U(6), U((lo >> 8) & 0xFF)]
                 ^ table[U(5), U((lo >> 16) & 0xFF)] ^ table[U(4), U(lo >> 24)]
                 ^ table[U(3), U(data[U(x + 4)])] ^ table[U(2), U(data[U(x + 5)])]
                 ^ table[U(1), U(data[U(x + 6)])] ^ table[U(0), U(data[U(x + 7)])])
            x += 8
        if x + 4 <= q:
            c = (table[U(3), U((c ^ data[U(x)]) & 0xFF)]
                 ^ table[U(2), U(((c >> 8) ^ data[U(x + 1)]) & 0xFF)]
                 ^ table[U(1), U(((c >> 16) ^ data[U(x + 2)]) & 0xFF)]
                 ^ table[U(0), U((c >> 24) ^ data[U(x + 3)])])
            x += 4
        while x < q:
            c = table[U(0), U((c ^ data[U(x)]) & 0xFF)] ^ (c >> 8)
            x += 1
        c ^= 0xFFFFFFFF
        if word >= keep:
            h = c
            if keep > 0:
                h = ring_crc[U(slot)]
                t = slot
                for step in range(keep):
                    t += 1
                    if t == keep:
                        t = 0
                    if step < keep - 1:
                        n = ring_len[U(t)]
                        piece = ring_crc[U(t)]
                    else:
                        n = q - p
                        piece = c
                    while n > rows:
                        h = (table[U(rows - 1), U(h & 0xFF)] ^ table[U(rows - 2), U((h >> 8) & 0xFF)]
                             ^ table[U(rows - 3), U((h >> 16) & 0xFF)] ^ table[U(rows - 4), U(h >> 24)])
                        n -= rows
                    if n >= 4:
                        h = (table[U(n - 1), U(h & 0xFF)] ^ table[U(n - 2), U((h >> 8) & 0xFF)]
                             ^ table[U(n - 3), U((h >> 16) & 0xFF)] ^ table[U(n - 4), U(h >> 24)])
                    else:
                        for _ in range(n):
                            h = table[U(0), U(h & 0xFF)] ^ (h >> 8)
                    h ^= piece
            out[U(at + written)] = h
            written += 1
        if q >= end:
            break
        if keep > 0:
            ring_crc[U(slot)] = table[U(0), U(c & 0xFF)] ^ (c >> 8) ^ space_crc
            ring_len[U(slot)] = q - p + 1
            slot += 1
            if slot == keep:
                slot = 0
        word += 1
        p = q + 1
    return written


_INSERTION_MAX = 16
_BUCKET_BITS_MAX = 16


@njit(cache=True, nogil=True)
def _bucket_bits(m):
    """Buckets (as a power of two) for sorting ``m`` values: about one value
    per bucket, within 16 .. 2**16."""
    bits = 4
    while (1 << bits) < m and bits < _BUCKET_BITS_MAX:
        bits += 1
    return bits


@njit(cache=True, nogil=True)
def _sort_distinct(values, lo, hi, scratch, buckets):
    """Sort ``values[lo:hi]`` in place and move its distinct values to the
    front; returns how many there are.

    Hashes are uniform, so one counting pass on the top bits (about one value
    per bucket) leaves the values almost sorted and an insertion sort
    finishes with few moves; much faster than a comparison sort for the
    tens to hundreds of values a paragraph has. ``scratch`` holds at least
    ``hi - lo`` values and ``buckets`` ``2 ** _bucket_bits(hi - lo)`` counts.
    """
    m = hi - lo
    if m <= _INSERTION_MAX:
        for i in range(lo + 1, hi):
            v = values[i]
            j = i - 1
            while j >= lo and values[j] > v:
                values[j + 1] = values[j]
                j -= 1
            values[j + 1] = v
    else:
        bits = _bucket_bits(m)
        shift = 32 - bits
        width = 1 << bits
        for b in range(width):
            buckets[b] = 0
        for i in range(lo, hi):
            buckets[values[i] >> shift] += 1
        total = 0
        for b in range(width):
            here = buckets[b]
            buckets[b] = total
            total += here
        for i in range(lo, hi):
            v = values[i]
            b = v >> shift
            scratch[buckets[b]] = v
            buckets[b] += 1
        values[lo] = scratch[0]
        for i in range(1, m):
            v = scratch[i]
            j = lo + i - 1
            while j >= lo and values[j] > v:
                values[j + 1] = values[j]
                j -= 1
            values[j + 1] = v
    kept = 1
    for i in range(lo + 1, hi):
        if values[i] != values[lo + kept - 1]:
            values[lo + kept] = values[i]
            kept += 1
    return kept


@njit(cache=True, nogil=True)
def _chunk_bounds(starts, ends, chunks):
    """Split paragraphs ``0..n`` into at most ``chunks`` consecutive runs of
    about equal bytes; returns the ``runs + 1`` run boundaries."""
    n = starts.shape[0]
    total = 0
    for k in range(n):
        total += ends[k] - starts[k]
    bounds = np.empty(chunks + 1, dtype=np.int64)
    bounds[0] = 0
    runs = 0
    seen = 0
    for k in range(n):
        seen += ends[k] - starts[k]
        if seen * chunks >= (runs + 1) * total and runs + 1 < chunks:
            runs += 1
            bounds[runs] = k + 1
    runs += 1
    bounds[runs] = n
    return bounds[: runs + 1]


def shingle_hash_sets(data, starts, ends, by_words, size, table):
    """Sorted distinct CRC-32 hashes of the shingles of the paragraphs
    ``data[starts[k]:ends[k]]``.

    Shingles are word ``size``-grams (words split on U+0020 as ``str.split(" ")``
    does) or code-point ``size``-grams; a paragraph of at most ``size`` units
    is one shingle, an empty one none. Returns CSR ``(hashes, set_offsets)``.

    >>> import zlib
    >>> text = "أ ب ج د أ ب ج"
    >>> data = np.frombuffer(text.encode(), dtype=np.uint8)
    >>> hashes, offsets = shingle_hash_sets(
    ...     data, np.array([0, 0]), np.array([len(data), 0]), True, 3, CRC_TABLE)
    >>> offsets.tolist()
    [0, 4, 4]
    >>> shingles = {"أ ب ج", "ب ج د", "ج د أ", "د أ ب"}
    >>> hashes.tolist() == sorted(zlib.crc32(s.encode()) for s in shingles)
    True
    """
    hashes, set_offsets, _, _, _, _ = shingle_sketches(data, starts, ends, by_words, size, table, 0)
    return hashes, set_offsets


@njit(cache=True, nogil=True)
def _winnow_into(raw, base, total, window, out):
    """Winnowing over ``raw[base:base + total]`` (shingle hashes in text
    order): the minimum of each run of ``window`` consecutive hashes (the
    rightmost on ties), each selected position once, written to
    ``out[base:]``; returns how many. Two texts that share a run of
    ``window`` or more shingles share at least one selected hash."""
    if total <= window:
        low = raw[base]
        for i in range(base + 1, base + total):
            if raw[i] <= low:
                low = raw[i]
        out[base] = low
        return 1
    written = 0
    last = -1
    for start in range(base, base + total - window + 1):
        pick = start
        for i in range(start + 1, start + window):
            if raw[i] <= raw[pick]:
                pick = i
        if pick != last:
            out[base + written] = raw[pick]
            written += 1
            last = pick
    return written


@njit(cache=True, nogil=True, parallel=True)
def shingle_sketches(data, starts, ends, by_words, size, table, window):
    """:func:`shingle_hash_sets`, and with ``window > 0`` also, from the same
    pass, the winnowed fingerprints of each paragraph (sorted, distinct) and
    its shingle hashes in text order: ``(hashes, set_offsets, fingerprints,
    fingerprint_offsets, ordered, ordered_offsets)``, each pair CSR (empty
    when ``window`` is 0)."""
    n = starts.shape[0]
    counts = np.empty(n, dtype=np.int64)
    for k in prange(n):
        counts[k] = _shingle_count(data, starts[k], ends[k], by_words, size)
    raw_offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        raw_offsets[k + 1] = raw_offsets[k] + counts[k]
    raw = np.empty(raw_offsets[n], dtype=np.uint32)
    keep_order = window > 0
    ordered = np.empty(raw_offsets[n] if keep_order else 0, dtype=np.uint32)
    picked = np.empty(raw_offsets[n] if keep_order else 0, dtype=np.uint32)
    distinct = np.zeros(n, dtype=np.int64)
    picked_count = np.zeros(n, dtype=np.int64)
    gap = 1 if by_words else 0
    runs = _chunk_bounds(starts, ends, 256)
    for r in prange(runs.shape[0] - 1):
        ring_crc = np.empty(max(size - 1, 1), dtype=np.int64)
        ring_len = np.empty(max(size - 1, 1), dtype=np.int64)
        largest = 0
        for k in range(runs[r], runs[r + 1]):
            largest = max(largest, counts[k])
        scratch = np.empty(largest, dtype=np.uint32)
        buckets = np.empty(1 << _bucket_bits(largest), dtype=np.int64)
        for k in range(runs[r], runs[r + 1]):
            start, end = starts[k], ends[k]
            base = raw_offsets[k]
            total = counts[k]
            if total == 0:
                continue
            if total == 1:
                raw[base] = crc32(data, start, end, table)
            elif by_words:
                _word_shingle_crcs(data, start, end, size, table, raw, base, ring_crc, ring_len)
            else:
                bounds = _boundaries(data, start, end, by_words)
                for i in range(total):
                    raw[base + i] = crc32(data, bounds[i], bounds[i + size] - gap, table)
            if keep_order:
                ordered[base : base + total] = raw[base : base + total]
                written = _winnow_into(raw, base, total, window, picked)
                picked_count[k] = _sort_distinct(picked, base, base + written, scratch, buckets)
            distinct[k] = _sort_distinct(raw, base, base + total, scratch, buckets)
    set_offsets = np.zeros(n + 1, dtype=np.int64)
    fp_offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        set_offsets[k + 1] = set_offsets[k] + distinct[k]
        fp_offsets[k + 1] = fp_offsets[k] + picked_count[k]
    hashes = np.empty(set_offsets[n], dtype=np.uint32)
    fingerprints = np.empty(fp_offsets[n], dtype=np.uint32)
    for k in prange(n):
        base = raw_offsets[k]
        out = set_offsets[k]
        hashes[out : out + distinct[k]] = raw[base : base + distinct[k]]
        out = fp_offsets[k]
        fingerprints[out : out + picked_count[k]] = picked[base : base + picked_count[k]]
    if not keep_order:
        raw_offsets = np.zeros(1, dtype=np.int64)
    return hashes, set_offsets, fingerprints, fp_offsets, ordered, raw_offsets


# ---------------------------------------------------------------------------
# MinHash and band keys


@njit(cache=True, nogil=True)
def _fmix32(h):
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _MASK32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _MASK32
    h ^= h >> np.uint64(16)
    return h


@njit(cache=True, nogil=True)
def _signature_into(sig, hashes, start, end, a, b):
    """Minimum of ``a * fmix32(h) + b mod 2**32`` over the set, per permutation.
    ``a``, ``b`` and ``sig`` are uint32 so that the inner loop is plain 32-bit
    multiply-add-min, which the compiler vectorizes."""
    num_perm = sig.shape[0]
    for k in range(num_perm):
        sig[k] = np.uint32(0xFFFFFFFF)
    for p in range(start, end):
        mixed = np.uint32(_fmix32(np.uint64(hashes[p])))
        for k in range(num_perm):
            sig[k] = min(sig[k], np.uint32(a[k] * mixed + b[k]))


@njit(cache=True, nogil=True, parallel=True)
def signatures(hashes, offsets, rows_of, a, b):
    """MinHash signatures (datasketch ``affine32``) of the sets ``rows_of``;
    shape ``(len(rows_of), num_perm)``, an empty set all ``0xFFFFFFFF``."""
    m = rows_of.shape[0]
    num_perm = a.shape[0]
    out = np.empty((m, num_perm), dtype=np.uint32)
    for r in prange(m):
        k = rows_of[r]
        _signature_into(out[r], hashes, offsets[k], offsets[k + 1], a, b)
    return out


@njit(cache=True, nogil=True)
def _mix64(x):
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


@njit(cache=True, nogil=True)
def _band_keys_into(keys, column, sig, bands, rows, multipliers):
    width = multipliers.shape[0]
    for band in range(bands):
        key = np.uint64(0)
        for r in range(rows):
            value = np.uint64(sig[band * rows + r])
            key = _mix64(key ^ (value * multipliers[r % width] + np.uint64(r)))
        keys[band, column] = key


@njit(cache=True, nogil=True, parallel=True)
def band_keys_of_sets(hashes, offsets, rows_of, a, b, bands, rows, multipliers):
    """Band keys straight from shingle sets, shape ``(bands, len(rows_of))``;
    the signatures are never stored (equal to ``index.band_keys`` of them)."""
    m = rows_of.shape[0]
    num_perm = a.shape[0]
    keys = np.empty((bands, m), dtype=np.uint64)
    for r in prange(m):
        k = rows_of[r]
        sig = np.empty(num_perm, dtype=np.uint32)
        _signature_into(sig, hashes, offsets[k], offsets[k + 1], a, b)
        _band_keys_into(keys, r, sig, bands, rows, multipliers)
    return keys


@njit(cache=True, nogil=True, parallel=True)
def band_keys_of_signatures(sigs, bands, rows, multipliers):
    """Band keys of a signature matrix, shape ``(bands, n)``."""
    n = sigs.shape[0]
    keys = np.empty((bands, n), dtype=np.uint64)
    for r in prange(n):
        sig = sigs[r]
        _band_keys_into(keys, r, sig, bands, rows, multipliers)
    return keys


# ---------------------------------------------------------------------------
# LSH buckets: one band at a time. A member is one uint64, its band key's high
# 32 bits above its 32-bit id, so a plain sort orders by (key, id).

_LOW32 = np.uint64(0xFFFFFFFF)
#: Digit of the radix sorts (of 8, 11 and 16 bits, 11 sorted a band of
#: 150,000 members fastest).
_DIGIT_BITS = 11
_DIGIT_MASK = np.uint64((1 << _DIGIT_BITS) - 1)


@njit(cache=True, nogil=True)
def _radix_passes(values, scratch, counts, base):
    """Stable LSD radix passes over ``values``: pass ``p`` sorts on the
    digit at bit ``base + p * _DIGIT_BITS``, whose histogram is
    ``counts[p]``; ``scratch`` is as long as ``values``. True when the
    result ended up in ``scratch``, False when in ``values``."""
    n = values.shape[0]
    if n < 2:
        return False
    source = values
    target = scratch
    moved = False
    for p in range(counts.shape[0]):
        shift = np.uint64(base + p * _DIGIT_BITS)
        # A digit on which every value agrees leaves the order as it is.
        if counts[p, (source[0] >> shift) & _DIGIT_MASK] == n:
            continue
        total = 0
        for d in range(1 << _DIGIT_BITS):
            here = counts[p, d]
            counts[p, d] = total
            total += here
        for r in range(n):
            v = source[r]
            d = (v >> shift) & _DIGIT_MASK
            target[counts[p, d]] = v
            counts[p, d] += 1
        source, target = target, source
        moved = not moved
    return moved


@njit(cache=True, nogil=True)
def _sort_by_high32(values, scratch, varying):
    """Stable sort of ``values`` by their high 32 bits (LSD radix); True
    when the result ended up in ``scratch``, False when in ``values``.

    ``varying`` has a bit set for each high bit (0 .. 31) that differs
    between some two values, for example the OR of ``(v ^ values[0]) >> 32``;
    only digits from the lowest to the highest of those bits are sorted on.
    ``scratch`` is as long as ``values``.

    When values with equal high bits come in increasing order of their low
    32 bits, stability makes the result the plain sorted order of the
    ``uint64`` values.
    """
    n = values.shape[0]
    if n < 2 or varying == 0:
        return False
    low = 0
    while (varying >> np.uint64(low)) & np.uint64(1) == 0:
        low += 1
    high = 31
    while (varying >> np.uint64(high)) & np.uint64(1) == 0:
        high -= 1
    passes = (high - low + _DIGIT_BITS) // _DIGIT_BITS
    base = np.uint64(32 + low)
    counts = np.zeros((passes, 1 << _DIGIT_BITS), dtype=np.int64)
    for r in range(n):
        digits = values[r] >> base
        for p in range(passes):
            counts[p, (digits >> np.uint64(p * _DIGIT_BITS)) & _DIGIT_MASK] += 1
    return _radix_passes(values, scratch, counts, 32 + low)


@njit(cache=True, nogil=True)
def pack_band(keys, ids):
    """Members of one band: ``(key >> 32) << 32 | id``, sorted.

    Ids in non-decreasing order (as :class:`tikrar.index.LSHIndex` passes
    them) take a stable radix sort on the key bits alone, three digits of
    11 bits counted while packing; any other order falls back to a
    comparison sort. Both give the plain sorted order.

    >>> keys = np.array([7 << 32, 3 << 32, 7 << 32 | 5], dtype=np.uint64)
    >>> [(int(m >> 32), int(m & 0xFFFFFFFF)) for m in pack_band(keys, np.array([4, 8, 9], dtype=np.uint32))]
    [(3, 8), (7, 4), (7, 9)]
    """
    n = keys.shape[0]
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    counts = np.zeros((3, 1 << _DIGIT_BITS), dtype=np.int64)
    in_order = True
    previous = ids[0]
    for r in range(n):
        high = keys[r] & ~_LOW32
        out[r] = high | np.uint64(ids[r])
        key = high >> np.uint64(32)
        counts[0, key & _DIGIT_MASK] += 1
        counts[1, (key >> np.uint64(_DIGIT_BITS)) & _DIGIT_MASK] += 1
        counts[2, key >> np.uint64(2 * _DIGIT_BITS)] += 1
        if ids[r] < previous:
            in_order = False
        previous = ids[r]
    if not in_order:
        out.sort()
        return out
    scratch = np.empty(n, dtype=np.uint64)
    if _radix_passes(out, scratch, counts, 32):
        return scratch
    return out


@njit(cache=True, nogil=True)
def band_pair_codes(old, old_size, new, window):
    """Candidate pairs of one band: each new member with the ``window``
    members before it in its bucket (old members first, then new, each by
    id), as codes ``earlier << 32 | later``, sorted and distinct.

    Pairs are written earlier member by earlier member, each one's later
    partners in increasing order (a bucket holds its members by id), so a
    stable sort on the earlier id alone sorts them completely. A pair of ids
    shares at most one bucket of a band, so no code repeats.

    >>> new = pack_band(np.array([9 << 32, 1 << 32, 1 << 32, 9 << 32], dtype=np.uint64),
    ...                 np.array([5, 6, 7, 8], dtype=np.uint32))
    >>> old = pack_band(np.array([9 << 32], dtype=np.uint64), np.array([2], dtype=np.uint32))
    >>> [(int(c >> 32), int(c & 0xFFFFFFFF)) for c in band_pair_codes(old, 1, new, 8)]
    [(2, 5), (2, 8), (5, 8), (6, 7)]
    """
    m = new.shape[0]
    held = old[:old_size]
    codes = np.empty(m // 2 + 16, dtype=np.uint64)
    count = 0
    reference = np.uint64(0)
    varying = np.uint64(0)
    s = 0
    while s < m:
        bucket = new[s] & ~_LOW32
        t = s + 1
        while t < m and (new[t] & ~_LOW32) == bucket:
            t += 1
        if t - s == 1 and old_size == 0:
            s = t
            continue
        lo = np.searchsorted(held, bucket, side="left")
        hi = np.searchsorted(held, bucket | _LOW32, side="right")
        olds = hi - lo
        size = olds + (t - s)
        # Member i of the bucket (old ones first) pairs with the new members
        # among the next ``window``; old members further back pair with none.
        for i in range(max(0, olds - window), size - 1):
            first = max(i + 1, olds)
            last = min(i + window, size - 1)
            if i < olds:
                earlier = (held[lo + i] & _LOW32) << np.uint64(32)
            else:
                earlier = (new[s + i - olds] & _LOW32) << np.uint64(32)
            if count == 0:
                reference = earlier
            varying |= earlier ^ reference
            need = count + last - first + 1
            if need > codes.shape[0]:
                grown = np.empty(max(need, 2 * codes.shape[0]), dtype=np.uint64)
                grown[:count] = codes[:count]
                codes = grown
            for j in range(first - olds + s, last - olds + s + 1):
                codes[count] = earlier | (new[j] & _LOW32)
                count += 1
        s = t
    scratch = np.empty(count, dtype=np.uint64)
    if _sort_by_high32(codes[:count], scratch, varying >> np.uint64(32)):
        return scratch
    if count == codes.shape[0]:
        return codes
    return codes[:count].copy()


@njit(cache=True, nogil=True)
def union_sorted(a, b):
    """Sorted distinct values of two sorted distinct ``uint64`` arrays.

    >>> union_sorted(np.array([1, 4, 9], dtype=np.uint64), np.array([4, 5], dtype=np.uint64)).tolist()
    [1, 4, 5, 9]
    """
    na = a.shape[0]
    nb = b.shape[0]
    out = np.empty(na + nb, dtype=np.uint64)
    i = 0
    j = 0
    w = 0
    while i < na and j < nb:
        x = a[i]
        y = b[j]
        if x <= y:
            out[w] = x
            i += 1
            if x == y:
                j += 1
        else:
            out[w] = y
            j += 1
        w += 1
    while i < na:
        out[w] = a[i]
        i += 1
        w += 1
    while j < nb:
        out[w] = b[j]
        j += 1
        w += 1
    if w == na + nb:
        return out
    return out[:w].copy()


@njit(cache=True, nogil=True)
def merge_sorted_into(held, old_size, new):
    """Merge sorted ``new`` into sorted ``held[:old_size]`` in place, from the
    back (``held`` has room for both).

    >>> held = np.array([2, 8, 0, 0], dtype=np.uint64)
    >>> merge_sorted_into(held, 2, np.array([5, 9], dtype=np.uint64))
    >>> held.tolist()
    [2, 5, 8, 9]
    """
    i = old_size - 1
    j = new.shape[0] - 1
    w = old_size + new.shape[0] - 1
    while j >= 0:
        if i >= 0 and held[i] > new[j]:
            held[w] = held[i]
            i -= 1
        else:
            held[w] = new[j]
            j -= 1
        w -= 1


@njit(cache=True, nogil=True)
def merge_into(keys, ids, old_size, new_keys, new_ids):
    """Merge sorted new keys (with their ids) into ``keys[:old_size]`` in
    place, from the back; on equal keys old entries stay first.

    >>> keys, ids = np.array([3, 7, 0], dtype=np.uint64), np.array([10, 11, 0], dtype=np.uint32)
    >>> merge_into(keys, ids, 2, np.array([3], dtype=np.uint64), np.array([12], dtype=np.uint32))
    >>> keys.tolist(), ids.tolist()
    ([3, 3, 7], [10, 12, 11])
    """
    i = old_size - 1
    j = new_keys.shape[0] - 1
    w = old_size + new_keys.shape[0] - 1
    while j >= 0:
        if i >= 0 and keys[i] > new_keys[j]:
            keys[w] = keys[i]
            ids[w] = ids[i]
            i -= 1
        else:
            keys[w] = new_keys[j]
            ids[w] = new_ids[j]
            j -= 1
        w -= 1


# ---------------------------------------------------------------------------
# Verification


@njit(cache=True, nogil=True)
def intersection_size(hashes, a0, a1, b0, b1):
    """Size of the intersection of two sorted distinct runs of ``hashes``."""
    inter = 0
    while a0 < a1 and b0 < b1:
        x = hashes[a0]
        y = hashes[b0]
        if x == y:
            inter += 1
            a0 += 1
            b0 += 1
        elif x < y:
            a0 += 1
        else:
            b0 += 1
    return inter


@njit(cache=True, nogil=True, parallel=True)
def verify_pairs(pairs, hashes, offsets):
    """Exact Jaccard and containment of each pair of sorted distinct sets."""
    m = pairs.shape[0]
    jaccard = np.zeros(m, dtype=np.float64)
    containment = np.zeros(m, dtype=np.float64)
    for r in prange(m):
        i, j = pairs[r, 0], pairs[r, 1]
        p, p_end = offsets[i], offsets[i + 1]
        q, q_end = offsets[j], offsets[j + 1]
        size_a, size_b = p_end - p, q_end - q
        if size_a == 0 or size_b == 0:
            continue
        inter = intersection_size(hashes, p, p_end, q, q_end)
        jaccard[r] = inter / (size_a + size_b - inter)
        containment[r] = inter / min(size_a, size_b)
    return jaccard, containment


# ---------------------------------------------------------------------------
# Shingle sets


@njit(cache=True, nogil=True)
def gather_sets(hashes, offsets, rows):
    """The CSR sets ``rows`` of ``(hashes, offsets)``, as a new CSR pair."""
    m = rows.shape[0]
    out_offsets = np.zeros(m + 1, dtype=np.int64)
    for r in range(m):
        out_offsets[r + 1] = out_offsets[r] + offsets[rows[r] + 1] - offsets[rows[r]]
    out = np.empty(out_offsets[m], dtype=hashes.dtype)
    for r in range(m):
        start = offsets[rows[r]]
        for p in range(out_offsets[r + 1] - out_offsets[r]):
            out[out_offsets[r] + p] = hashes[start + p]
    return out, out_offsets


@njit(cache=True, nogil=True)
def read_blocks(starts, ends, gap, limit):
    """Group ranges ``[starts[i], ends[i])`` (sorted by start, none empty)
    into blocks to be read whole: a range joins the block before it when it
    starts at most ``gap`` items past what the block covers and the block
    stays within ``limit`` items (a longer range is a block of its own).
    Returns the first range of each block and one past the last, and each
    block's ``[lo, hi)``.

    >>> first, lo, hi = read_blocks(np.array([0, 5, 100]), np.array([4, 9, 120]), 10, 50)
    >>> first.tolist(), lo.tolist(), hi.tolist()
    ([0, 2, 3], [0, 100], [9, 120])
    """
    n = starts.shape[0]
    first = np.empty(n + 1, dtype=np.int64)
    lo = np.empty(n, dtype=np.int64)
    hi = np.empty(n, dtype=np.int64)
    blocks = 0
    for i in range(n):
        if blocks > 0 and starts[i] <= hi[blocks - 1] + gap and max(hi[blocks - 1], ends[i]) - lo[blocks - 1] <= limit:
            hi[blocks - 1] = max(hi[blocks - 1], ends[i])
            continue
        first[blocks] = i
        lo[blocks] = starts[i]
        hi[blocks] = ends[i]
        blocks += 1
    first[blocks] = n
    return first[: blocks + 1].copy(), lo[:blocks].copy(), hi[:blocks].copy()


@njit(cache=True, nogil=True)
def copy_ranges(block, base, starts, ends, out, at):
    """Copy ``block[starts[i] - base : ends[i] - base]`` to ``out`` at
    ``at[i]``, for every i."""
    for i in range(starts.shape[0]):
        size = ends[i] - starts[i]
        source = starts[i] - base
        target = at[i]
        for j in range(size):
            out[target + j] = block[source + j]
