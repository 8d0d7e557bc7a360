"""Keep-first labelling, compiled: one pass over a batch in input order.

A paragraph is a duplicate only of an earlier paragraph that is *kept*
(labelled unique), and only when the two verifiably repeat: equal normalized
text, Jaccard similarity of their shingle sets at or above the threshold, or
at least ``containment`` of its own shingles inside the kept one. Nothing is
inferred through a third paragraph, so every claim holds between the two
paragraphs it names, and the text of every duplicate survives in the
paragraph it points at.

Candidates come from two indexes that hold kept paragraphs only:

* LSH bands (whole-paragraph MinHash): paragraphs of similar length and text;
* winnowed shingle fingerprints (an inverted index, one posting per kept
  paragraph and fingerprint): a short paragraph inside a long one, and
  passages shared by paragraphs that are not repeats, which Jaccard banding
  rarely proposes (a 20-word paragraph inside a 150-word one has a Jaccard
  similarity near 0.13).

Both are bounded: each lookup visits at most the ``window`` most recently
kept members of an LSH bucket and the ``fp_window`` most recent postings of a
fingerprint, so cost does not grow with how many copies a template has (its
copies are duplicates and never enter the indexes).

The kernel works on plain arrays (see :func:`keep_first`); the state it reads
(the indexes of earlier batches and the shingle sets by global id) belongs to
:class:`tikrar.Deduplicator`, which merges the batch's kept paragraphs into
it afterwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ._kernels import _boundaries, _chunk_bounds, _shingle_count, _word_shingle_crcs, crc32

_LOW32 = np.uint64(0xFFFFFFFF)

#: Verdict codes per paragraph.
KEPT, DUPLICATE, BOILERPLATE, EMPTY = 0, 1, 2, 3
#: Kinds of a paragraph going in: ordinary, a direct phrase-rule hit (never
#: compared, never kept), nothing left after normalization.
ORDINARY, DIRECT, BLANK = 0, 1, 2
#: Match codes of a duplicate.
NO_MATCH, NEAR, CONTAINED, EXACT = 0, 1, 2, 3


@njit(cache=True, nogil=True)
def _intersection(hashes, a0, a1, b0, b1):
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


@njit(cache=True, nogil=True)
def _longest_absent_run(ordered, o0, o1, hashes, q0, q1):
    """Longest run of consecutive shingles ``ordered[o0:o1]`` (one paragraph
    in text order) absent from the sorted set ``hashes[q0:q1]``."""
    longest = 0
    run = 0
    held = hashes[q0:q1]
    for i in range(o0, o1):
        at = np.searchsorted(held, ordered[i])
        if at < held.shape[0] and held[at] == ordered[i]:
            run = 0
        else:
            run += 1
            if run > longest:
                longest = run
    return longest


@njit(cache=True, nogil=True)
def _runs(sorted_members, held, held_size):
    """Runs of equal high 32 bits in ``sorted_members`` (new members of one
    band, low 32 bits a position), and for each run the end of the same
    bucket in ``held[:held_size]`` (old members, low 32 bits a global id)
    and how many old members it has: ``run_of[position]``, ``old_end``,
    ``old_count``."""
    m = sorted_members.shape[0]
    run_of = np.empty(m, dtype=np.int32)
    old_end = np.empty(m, dtype=np.int64)
    old_count = np.empty(m, dtype=np.int64)
    held_view = held[:held_size]
    runs = 0
    s = 0
    while s < m:
        bucket = sorted_members[s] & ~_LOW32
        t = s + 1
        while t < m and (sorted_members[t] & ~_LOW32) == bucket:
            t += 1
        if held_size:
            lo = np.searchsorted(held_view, bucket, side="left")
            hi = np.searchsorted(held_view, bucket | _LOW32, side="right")
        else:
            lo = 0
            hi = 0
        old_end[runs] = hi
        old_count[runs] = hi - lo
        for x in range(s, t):
            run_of[np.int64(sorted_members[x] & _LOW32)] = runs
        runs += 1
        s = t
    return run_of, old_end[:runs].copy(), old_count[:runs].copy()


@njit(cache=True, nogil=True)
def keep_first(first_id, kind, heading, group, group_kept, row_of_e, fp_offsets, ordered, ordered_offsets,
               band_sorted, held_bands, held_size, fp_sorted, held_fp, held_fp_size,
               set_hashes, set_offsets, threshold, containment, reverse, min_new, window, fp_window, total_ids):
    """Label the paragraphs of one batch, in order.

    ``kind[k]`` is ORDINARY, DIRECT or BLANK; ``heading[k]`` marks a line
    under a heading rule (boilerplate unless it is a duplicate); ``group[k]``
    numbers the distinct normalized texts of the batch, and
    ``group_kept[g]`` holds the global id of the kept paragraph with that
    text (from earlier batches; -1: none), updated as paragraphs are kept.
    Row ``k`` has global id ``first_id + k``.

    Paragraphs that go to the indexes (``e = 0 .. m-1``, row ``row_of_e[e]``,
    increasing) have their band keys in ``band_sorted[b]`` (sorted, high 32
    bits of the key over ``e``) and their fingerprints in ``fp_sorted``
    (sorted, fingerprint over the position ``x`` of the entry;
    ``fp_offsets`` gives each e's entries). ``held_bands[b, :held_size]``
    and ``held_fp[:held_fp_size]`` are the indexes of earlier batches (key
    over global id). ``set_hashes``/``set_offsets`` are the shingle sets by
    global id, this batch included.

    A candidate ``q`` of paragraph ``p`` is a repeat when ``jaccard >=
    threshold`` (NEAR) or ``|P & Q| / |P| >= containment`` (CONTAINED;
    ``containment <= 0`` turns it off), unless ``q`` lies inside ``p`` and
    ``p`` has new text besides (``|P & Q| / |Q| >= reverse`` and a run of at
    least ``min_new`` consecutive shingles of ``p``, from ``ordered``, not
    in ``q``): a paragraph that holds a kept one plus a new sentence is not
    its duplicate (deleting it would lose the sentence), while words changed
    here and there, or a short credit in front, keep it a repeat. The best repeat has the highest Jaccard similarity, then the
    smallest id. Exact text beats every other match.

    Returns the verdict, target global id (-1), Jaccard similarity and match
    code per row, and the pairs ``(row, candidate id, fingerprint hits)`` of
    every candidate that shares a fingerprint with its row (for reused
    passages, kept rows only matter).
    """
    n = kind.shape[0]
    bands = band_sorted.shape[0]
    m = row_of_e.shape[0]
    codes = np.zeros(n, dtype=np.int8)
    target = np.full(n, -1, dtype=np.int64)
    jaccard = np.zeros(n, dtype=np.float64)
    match = np.zeros(n, dtype=np.int8)

    # Buckets of this batch: per band, the run of each paragraph, and the
    # kept members of each run as a chain (most recent first).
    run_of = np.empty((bands, m), dtype=np.int32)
    old_end = []
    old_count = []
    head = []
    for b in range(bands):
        r, end, count = _runs(band_sorted[b], held_bands[b], held_size)
        run_of[b] = r
        old_end.append(end)
        old_count.append(count)
        head.append(np.full(end.shape[0], -1, dtype=np.int32))
    next_kept = np.full((bands, m), -1, dtype=np.int32)

    fp_total = fp_sorted.shape[0]
    fp_run, fp_old_end, fp_old_count = _runs(fp_sorted, held_fp, held_fp_size)
    fp_head = np.full(fp_old_end.shape[0], -1, dtype=np.int64)
    fp_next = np.full(fp_total, -1, dtype=np.int64)
    e_of_entry = np.empty(fp_total, dtype=np.int64)
    for e in range(m):
        for x in range(fp_offsets[e], fp_offsets[e + 1]):
            e_of_entry[x] = e
    e_of_row = np.full(n, -1, dtype=np.int64)
    for e in range(m):
        e_of_row[row_of_e[e]] = e

    stamp = np.full(total_ids, -1, dtype=np.int64)
    hits = np.zeros(total_ids, dtype=np.int32)
    from_lsh = np.zeros(total_ids, dtype=np.bool_)
    candidates = np.empty(max(16, bands * window + 64), dtype=np.int64)
    reuse_rows = np.empty(1024, dtype=np.int64)
    reuse_ids = np.empty(1024, dtype=np.int64)
    reuse_hits = np.empty(1024, dtype=np.int32)
    reuse_count = 0

    for k in range(n):
        gid = first_id + k
        if kind[k] == DIRECT:
            codes[k] = BOILERPLATE
            continue
        if kind[k] == BLANK:
            codes[k] = EMPTY
            continue
        g = group[k]
        if group_kept[g] >= 0:
            codes[k] = DUPLICATE
            target[k] = group_kept[g]
            jaccard[k] = 1.0
            match[k] = EXACT
            continue
        e = e_of_row[k]
        best = -1
        best_jaccard = -1.0
        best_match = NO_MATCH
        if e >= 0:
            found = 0
            for b in range(bands):
                r = run_of[b, e]
                seen = 0
                q = head[b][r]
                while q >= 0 and seen < window:
                    cand = first_id + row_of_e[q]
                    if stamp[cand] != gid:
                        stamp[cand] = gid
                        hits[cand] = 0
                        from_lsh[cand] = False
                        if found == candidates.shape[0]:
                            grown = np.empty(2 * found, dtype=np.int64)
                            grown[:found] = candidates[:found]
                            candidates = grown
                        candidates[found] = cand
                        found += 1
                    from_lsh[cand] = True
                    seen += 1
                    q = next_kept[b, q]
                at = old_end[b][r]
                left = old_count[b][r]
                while left > 0 and seen < window:
                    at -= 1
                    left -= 1
                    cand = np.int64(held_bands[b, at] & _LOW32)
                    if stamp[cand] != gid:
                        stamp[cand] = gid
                        hits[cand] = 0
                        from_lsh[cand] = False
                        if found == candidates.shape[0]:
                            grown = np.empty(2 * found, dtype=np.int64)
                            grown[:found] = candidates[:found]
                            candidates = grown
                        candidates[found] = cand
                        found += 1
                    from_lsh[cand] = True
                    seen += 1
            fp_first = fp_offsets[e]
            fp_last = fp_offsets[e + 1]
            for x in range(fp_first, fp_last):
                r = fp_run[x]
                seen = 0
                y = fp_head[r]
                while y >= 0 and seen < fp_window:
                    cand = first_id + row_of_e[e_of_entry[y]]
                    if stamp[cand] != gid:
                        stamp[cand] = gid
                        hits[cand] = 0
                        from_lsh[cand] = False
                        if found == candidates.shape[0]:
                            grown = np.empty(2 * found, dtype=np.int64)
                            grown[:found] = candidates[:found]
                            candidates = grown
                        candidates[found] = cand
                        found += 1
                    hits[cand] += 1
                    seen += 1
                    y = fp_next[y]
                at = fp_old_end[r]
                left = fp_old_count[r]
                while left > 0 and seen < fp_window:
                    at -= 1
                    left -= 1
                    cand = np.int64(held_fp[at] & _LOW32)
                    if stamp[cand] != gid:
                        stamp[cand] = gid
                        hits[cand] = 0
                        from_lsh[cand] = False
                        if found == candidates.shape[0]:
                            grown = np.empty(2 * found, dtype=np.int64)
                            grown[:found] = candidates[:found]
                            candidates = grown
                        candidates[found] = cand
                        found += 1
                    hits[cand] += 1
                    seen += 1
            # A contained repeat shares most of its fingerprints; fewer hits
            # cannot reach the containment threshold, so skip the merge.
            need = max(1, (fp_last - fp_first + 1) // 2)
            p0 = set_offsets[gid]
            p1 = set_offsets[gid + 1]
            size_p = p1 - p0
            for c in range(found):
                cand = candidates[c]
                if hits[cand] > 0:
                    if reuse_count == reuse_rows.shape[0]:
                        grown_rows = np.empty(2 * reuse_count, dtype=np.int64)
                        grown_ids = np.empty(2 * reuse_count, dtype=np.int64)
                        grown_hits = np.empty(2 * reuse_count, dtype=np.int32)
                        grown_rows[:reuse_count] = reuse_rows[:reuse_count]
                        grown_ids[:reuse_count] = reuse_ids[:reuse_count]
                        grown_hits[:reuse_count] = reuse_hits[:reuse_count]
                        reuse_rows, reuse_ids, reuse_hits = grown_rows, grown_ids, grown_hits
                    reuse_rows[reuse_count] = k
                    reuse_ids[reuse_count] = cand
                    reuse_hits[reuse_count] = hits[cand]
                    reuse_count += 1
                if not from_lsh[cand] and hits[cand] < need:
                    continue
                q0 = set_offsets[cand]
                q1 = set_offsets[cand + 1]
                size_q = q1 - q0
                if size_p == 0 or size_q == 0:
                    continue
                inter = _intersection(set_hashes, p0, p1, q0, q1)
                jac = inter / (size_p + size_q - inter)
                own = inter / size_p
                other = inter / size_q
                if (other >= reverse and size_p - inter >= min_new
                        and _longest_absent_run(ordered, ordered_offsets[e], ordered_offsets[e + 1],
                                                set_hashes, q0, q1) >= min_new):
                    continue
                kind_of = NO_MATCH
                if jac >= threshold:
                    kind_of = NEAR
                elif containment > 0 and own >= containment:
                    kind_of = CONTAINED
                if kind_of == NO_MATCH:
                    continue
                if jac > best_jaccard or (jac == best_jaccard and cand < best):
                    best = cand
                    best_jaccard = jac
                    best_match = kind_of
        if best >= 0:
            codes[k] = DUPLICATE
            target[k] = best
            jaccard[k] = best_jaccard
            match[k] = best_match
        elif heading[k]:
            codes[k] = BOILERPLATE
        else:
            codes[k] = KEPT
            group_kept[g] = gid
            if e >= 0:
                for b in range(bands):
                    r = run_of[b, e]
                    next_kept[b, e] = head[b][r]
                    head[b][r] = e
                for x in range(fp_offsets[e], fp_offsets[e + 1]):
                    r = fp_run[x]
                    fp_next[x] = fp_head[r]
                    fp_head[r] = x
    return (codes, target, jaccard, match, reuse_rows[:reuse_count].copy(), reuse_ids[:reuse_count].copy(),
            reuse_hits[:reuse_count].copy())


@njit(cache=True, nogil=True)
def _winnow_into(raw, base, total, window, out, at):
    """Winnowing over ``raw[base:base + total]`` (shingle hashes in text
    order): the minimum of each run of ``window`` consecutive hashes (the
    rightmost on ties), each selected position once; written to ``out[at:]``.
    Two texts that share a run of ``window`` or more shingles share at least
    one selected hash. Returns how many were written."""
    if total <= window:
        low = raw[base]
        for i in range(base + 1, base + total):
            if raw[i] <= low:
                low = raw[i]
        out[at] = low
        return 1
    written = 0
    last = -1
    for start in range(base, base + total - window + 1):
        pick = start
        for i in range(start + 1, start + window):
            if raw[i] <= raw[pick]:
                pick = i
        if pick != last:
            out[at + written] = raw[pick]
            written += 1
            last = pick
    return written


@njit(cache=True, nogil=True)
def _sorted_distinct_into(values, lo, hi):
    """Sort ``values[lo:hi]`` in place, distinct values first; their count."""
    if hi - lo <= 1:
        return hi - lo
    part = np.sort(values[lo:hi])
    values[lo] = part[0]
    kept = 1
    for i in range(1, part.shape[0]):
        if part[i] != values[lo + kept - 1]:
            values[lo + kept] = part[i]
            kept += 1
    return kept


@njit(cache=True, nogil=True)
def _ordered_into(data, start, end, by_words, size, table, out, at, ring_crc, ring_len, total):
    """Shingle hashes of one paragraph in text order, written to ``out[at:]``."""
    if total == 1:
        out[at] = crc32(data, start, end, table)
    elif by_words:
        _word_shingle_crcs(data, start, end, size, table, out, at, ring_crc, ring_len)
    else:
        bounds = _boundaries(data, start, end, False)
        for i in range(total):
            out[at + i] = crc32(data, bounds[i], bounds[i + size], table)


@njit(cache=True, nogil=True)
def ordered_shingles(data, starts, ends, by_words, size, table):
    """The shingle hashes of each paragraph ``data[starts[k]:ends[k]]`` in
    text order (not made distinct): CSR ``(hashes, offsets)``. Shingle ``i``
    covers units ``i .. i + size - 1``; the hashes are those of
    :func:`tikrar._kernels.shingle_hash_sets`.

    >>> import zlib
    >>> from tikrar._kernels import CRC_TABLE
    >>> data = np.frombuffer("ا ب ج د".encode(), dtype=np.uint8)
    >>> hashes, offsets = ordered_shingles(data, np.array([0]), np.array([len(data)]), True, 3, CRC_TABLE)
    >>> hashes.tolist() == [zlib.crc32("ا ب ج".encode()), zlib.crc32("ب ج د".encode())]
    True
    """
    n = starts.shape[0]
    offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        offsets[k + 1] = offsets[k] + _shingle_count(data, starts[k], ends[k], by_words, size)
    out = np.empty(offsets[n], dtype=np.uint32)
    ring_crc = np.empty(max(size - 1, 1), dtype=np.int64)
    ring_len = np.empty(max(size - 1, 1), dtype=np.int64)
    for k in range(n):
        total = offsets[k + 1] - offsets[k]
        if total:
            _ordered_into(data, starts[k], ends[k], by_words, size, table, out, offsets[k], ring_crc, ring_len, total)
    return out, offsets


@njit(cache=True, nogil=True, parallel=True)
def fingerprints(data, starts, ends, by_words, size, window, table):
    """Winnowed fingerprints of the shingles of each paragraph
    ``data[starts[k]:ends[k]]``, sorted and distinct, as CSR ``(hashes,
    offsets)``, then the shingle hashes in text order as CSR (what
    :func:`ordered_shingles` gives). Two paragraphs that share a run of
    ``window`` or more shingles share at least one fingerprint.

    >>> from tikrar._kernels import CRC_TABLE
    >>> data = np.frombuffer("ا ب ج د ه و ز ح ط ي".encode(), dtype=np.uint8)
    >>> hashes, offsets, ordered, _ = fingerprints(data, np.array([0]), np.array([len(data)]), True, 3, 4, CRC_TABLE)
    >>> 2 <= int(offsets[1]) <= 8, len(ordered)
    (True, 8)
    """
    n = starts.shape[0]
    counts = np.zeros(n, dtype=np.int64)
    for k in prange(n):
        counts[k] = _shingle_count(data, starts[k], ends[k], by_words, size)
    raw_offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        raw_offsets[k + 1] = raw_offsets[k] + counts[k]
    raw = np.empty(raw_offsets[n], dtype=np.uint32)
    picked = np.empty(raw_offsets[n], dtype=np.uint32)
    found = np.zeros(n, dtype=np.int64)
    runs = _chunk_bounds(starts, ends, 64)
    for r in prange(runs.shape[0] - 1):
        ring_crc = np.empty(max(size - 1, 1), dtype=np.int64)
        ring_len = np.empty(max(size - 1, 1), dtype=np.int64)
        for k in range(runs[r], runs[r + 1]):
            total = counts[k]
            if total == 0:
                continue
            base = raw_offsets[k]
            _ordered_into(data, starts[k], ends[k], by_words, size, table, raw, base, ring_crc, ring_len, total)
            written = _winnow_into(raw, base, total, window, picked, base)
            found[k] = _sorted_distinct_into(picked, base, base + written)
    offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        offsets[k + 1] = offsets[k] + found[k]
    out = np.empty(offsets[n], dtype=np.uint32)
    for k in prange(n):
        out[offsets[k] : offsets[k + 1]] = picked[raw_offsets[k] : raw_offsets[k] + found[k]]
    return out, offsets, raw, raw_offsets


@njit(cache=True, nogil=True, parallel=True)
def intersections(pairs, hashes, offsets):
    """Size of the intersection of the sorted distinct sets of each pair."""
    m = pairs.shape[0]
    out = np.zeros(m, dtype=np.int64)
    for r in prange(m):
        i, j = pairs[r, 0], pairs[r, 1]
        out[r] = _intersection(hashes, offsets[i], offsets[i + 1], offsets[j], offsets[j + 1])
    return out
