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

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numba import njit, prange

from ._kernels import intersection_size
from .index import THREADS


_LOW32 = np.uint64(0xFFFFFFFF)

#: Verdict codes per paragraph.
KEPT, DUPLICATE, BOILERPLATE, EMPTY = 0, 1, 2, 3
#: Kinds of a paragraph going in: ordinary, a direct phrase-rule hit (never
#: compared, never kept), nothing left after normalization.
ORDINARY, DIRECT, BLANK = 0, 1, 2
#: Match codes of a duplicate.
NO_MATCH, NEAR, CONTAINED, EXACT = 0, 1, 2, 3


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


@njit(cache=True, nogil=True, inline="always")
def _note(cand, gid, tally, candidates, found):
    """Add ``cand`` to the candidates of paragraph ``gid`` once, growing the
    list when full. ``tally[cand]`` is (who saw it last, 2 * fingerprint
    hits + 1 if a band proposed it): one row, so noting a candidate reads
    one place (it is the commonest step of labelling)."""
    if tally[cand, 0] != gid:
        tally[cand, 0] = gid
        tally[cand, 1] = 0
        if found == candidates.shape[0]:
            grown = np.empty(2 * found, dtype=np.int64)
            grown[:found] = candidates[:found]
            candidates = grown
        candidates[found] = cand
        found += 1
    return candidates, found


@njit(cache=True, nogil=True, inline="always")
def _note_held(held, end, count, room, by_band, gid, tally, candidates, found):
    """Note the ``room`` most recent of the ``count`` members of an earlier
    batch's bucket or posting list that ends at ``end`` in ``held`` (low 32
    bits a global id): as band candidates, or as fingerprint hits."""
    for at in range(end - 1, end - 1 - min(count, room), -1):
        cand = np.int64(held[at] & _LOW32)
        candidates, found = _note(cand, gid, tally, candidates, found)
        if by_band:
            tally[cand, 1] |= 1
        else:
            tally[cand, 1] += 2
    return candidates, found


@njit(cache=True, nogil=True)
def _first_above(values, start, value):
    """The first index from ``start`` on where the sorted ``values`` exceed
    ``value`` (``len(values)`` if none): galloping from ``start``, then
    a binary search in the last stride."""
    n = values.shape[0]
    if start >= n or values[start] > value:
        return start
    # values[low] <= value; find high with values[high] > value (or n).
    low = start
    stride = 1
    high = start + 1
    while high < n and values[high] <= value:
        low = high
        stride *= 2
        high = low + stride
    if high > n:
        high = n
    while high - low > 1:
        middle = (low + high) // 2
        if values[middle] <= value:
            low = middle
        else:
            high = middle
    return high


@njit(cache=True, nogil=True)
def _runs(sorted_members, held, held_size):
    """Runs of equal high 32 bits in ``sorted_members`` (new members of one
    band, low 32 bits a position), and for each run the end of the same
    bucket in ``held[:held_size]`` (old members, low 32 bits a global id)
    and how many old members it has: ``run_of[position]``, ``old_end``,
    ``old_count``."""
    m = sorted_members.shape[0]
    run_of = np.full(m, -1, dtype=np.int32)
    old_end = np.empty(m, dtype=np.int64)
    old_count = np.empty(m, dtype=np.int64)
    held_view = held[:held_size]
    runs = 0
    s = 0
    position = 0
    while s < m:
        bucket = sorted_members[s] & ~_LOW32
        t = s + 1
        while t < m and (sorted_members[t] & ~_LOW32) == bucket:
            t += 1
        # Buckets come in increasing order: each search starts where the
        # last one ended and gallops, which costs far less than a binary
        # search over all held members when the batch is much smaller.
        lo = _first_above(held_view, position, bucket - np.uint64(1)) if bucket > 0 else position
        hi = _first_above(held_view, lo, bucket | _LOW32)
        position = hi
        # A bucket of one new member and no old ones pairs it with nothing:
        # its members keep -1, so lookups skip it at once.
        if t - s > 1 or hi > lo:
            old_end[runs] = hi
            old_count[runs] = hi - lo
            for x in range(s, t):
                run_of[np.int64(sorted_members[x] & _LOW32)] = runs
            runs += 1
        s = t
    return run_of, old_end[:runs].copy(), old_count[:runs].copy()


@njit(cache=True, nogil=True)
def bucket_runs(band_sorted, held_bands, held_size):
    """:func:`_runs` of every band, the runs of all bands numbered together:
    ``run_of[b, e]`` (-1: a bucket of ``e`` alone), ``band_base`` (the runs
    of band ``b`` are ``band_base[b]:band_base[b + 1]``), and per run the
    end and size of its bucket among the held members of its band."""
    bands = band_sorted.shape[0]
    m = band_sorted.shape[1]
    run_of = np.empty((bands, m), dtype=np.int32)
    band_base = np.zeros(bands + 1, dtype=np.int64)
    ends = []
    counts = []
    for b in range(bands):
        r, end, count = _runs(band_sorted[b], held_bands[b], held_size)
        run_of[b] = r
        ends.append(end)
        counts.append(count)
        band_base[b + 1] = band_base[b] + end.shape[0]
    run_old_end = np.empty(band_base[bands], dtype=np.int64)
    run_old_count = np.empty(band_base[bands], dtype=np.int64)
    for b in range(bands):
        run_old_end[band_base[b] : band_base[b + 1]] = ends[b]
        run_old_count[band_base[b] : band_base[b + 1]] = counts[b]
    return run_of, band_base, run_old_end, run_old_count


@njit(cache=True, nogil=True)
def posting_runs(fp_sorted, held_fp, held_fp_size):
    """:func:`_runs` of the batch's fingerprint entries against the held
    postings: ``fp_run[x]`` per entry, and per run its postings' end and
    count in ``held_fp``."""
    return _runs(fp_sorted, held_fp, held_fp_size)


@njit(cache=True, nogil=True)
def held_candidates(band_base, run_old_end, run_old_count, held_bands, window, fp_run, fp_offsets, fp_old_end,
                    fp_old_count, held_fp, fp_window, min_reuse_hits, total_ids):
    """The held (earlier batches') paragraphs whose shingle sets
    :func:`keep_first` and the reused passages may read, sorted: the
    ``window`` most recent members of every bucket the batch shares, and
    the paragraphs found among the ``fp_window`` most recent postings of a
    batch paragraph's fingerprints at least ``min(min_reuse_hits, need)``
    times (``need``: half its fingerprints, what verification asks). The
    kernel itself visits fewer (members of this batch take part of each
    window), so this is a superset of what it reads."""
    needed = np.zeros(total_ids, dtype=np.bool_)
    bands = band_base.shape[0] - 1
    for b in range(bands):
        held = held_bands[b]
        for r in range(band_base[b], band_base[b + 1]):
            end = run_old_end[r]
            for at in range(end - 1, end - 1 - min(run_old_count[r], window), -1):
                needed[np.int64(held[at] & _LOW32)] = True
    tally = np.empty((total_ids, 2), dtype=np.int64)
    tally[:, 0] = -1
    seen = np.empty(64, dtype=np.int64)
    m = fp_offsets.shape[0] - 1
    for e in range(m):
        found = 0
        first, last = fp_offsets[e], fp_offsets[e + 1]
        for x in range(first, last):
            r = fp_run[x]
            if r < 0:
                continue
            end = fp_old_end[r]
            for at in range(end - 1, end - 1 - min(fp_old_count[r], fp_window), -1):
                cand = np.int64(held_fp[at] & _LOW32)
                seen, found = _note(cand, e, tally, seen, found)
                tally[cand, 1] += 2
        least = min(min_reuse_hits, max(1, (last - first + 1) // 2))
        for c in range(found):
            if tally[seen[c], 1] >> 1 >= least:
                needed[seen[c]] = True
    return np.flatnonzero(needed)


@njit(cache=True, nogil=True)
def keep_first(first_id, kind, heading, group, group_kept, row_of_e, fp_offsets, ordered, ordered_offsets,
               run_of, band_base, run_old_end, run_old_count, held_bands, fp_run, fp_old_end, fp_old_count, held_fp,
               set_hashes, set_offsets, threshold, containment, reverse, min_new, window, fp_window,
               min_reuse_hits, total_ids):
    """Label the paragraphs of one batch, in order.

    ``kind[k]`` is ORDINARY, DIRECT or BLANK; ``heading[k]`` marks a line
    under a heading rule (boilerplate unless it is a duplicate); ``group[k]``
    numbers the distinct normalized texts of the batch, and
    ``group_kept[g]`` holds the global id of the kept paragraph with that
    text (from earlier batches; -1: none), updated as paragraphs are kept.
    Row ``k`` has global id ``first_id + k``.

    Paragraphs that go to the indexes (``e = 0 .. m-1``, row ``row_of_e[e]``,
    increasing) are grouped by bucket: ``run_of, band_base, run_old_end,
    run_old_count`` from :func:`bucket_runs` over their band keys and
    ``held_bands`` (the bands of earlier batches, key over global id), and
    ``fp_run, fp_old_end, fp_old_count`` from :func:`posting_runs` over their
    fingerprint entries (``fp_offsets`` gives each e's entries) and
    ``held_fp``. ``set_hashes``/``set_offsets`` are the shingle sets by
    global id, this batch included; of earlier batches only those of
    :func:`held_candidates` need be there.

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
    every candidate that shares ``min_reuse_hits`` or more fingerprints with its
    row (for reused passages; kept rows only matter).
    """
    n = kind.shape[0]
    m = row_of_e.shape[0]
    codes = np.zeros(n, dtype=np.int8)
    target = np.full(n, -1, dtype=np.int64)
    jaccard = np.zeros(n, dtype=np.float64)
    match = np.zeros(n, dtype=np.int8)

    # Buckets of this batch that hold more than the paragraph itself, all
    # bands numbered together: per paragraph, the list of its buckets
    # (``slot_run[slot_offsets[e]:slot_offsets[e + 1]]``), and the kept
    # members of each bucket as a chain of slots, most recent first. A
    # chain link holds the member's gid beside the next link, so walking a
    # chain reads one place per member (the walk is bound by memory
    # latency, not by arithmetic).
    bands = run_of.shape[0]
    slot_count = np.zeros(m + 1, dtype=np.int64)
    for b in range(bands):
        for e in range(m):
            if run_of[b, e] >= 0:
                slot_count[e + 1] += 1
    slot_offsets = np.cumsum(slot_count)
    total_runs = band_base[bands]
    run_band = np.empty(total_runs, dtype=np.int32)
    run_head = np.full(total_runs, -1, dtype=np.int64)
    slot_run = np.empty(slot_offsets[m], dtype=np.int64)
    fill = slot_offsets[:m].copy()
    for b in range(bands):
        run_band[band_base[b] : band_base[b + 1]] = b
        for e in range(m):
            if run_of[b, e] >= 0:
                slot_run[fill[e]] = band_base[b] + run_of[b, e]
                fill[e] += 1
    # slot_link[slot] = (gid, next slot); written when the slot's paragraph is kept.
    slot_link = np.empty((slot_offsets[m], 2), dtype=np.int64)

    # The same for fingerprint postings: entry x of a kept paragraph links
    # to the previous kept entry of its posting list.
    fp_head = np.full(fp_old_end.shape[0], -1, dtype=np.int64)
    fp_link = np.empty((fp_run.shape[0], 2), dtype=np.int64)
    e_of_row = np.full(n, -1, dtype=np.int64)
    for e in range(m):
        e_of_row[row_of_e[e]] = e

    tally = np.empty((total_ids, 2), dtype=np.int64)
    tally[:, 0] = -1
    candidates = np.empty(max(16, bands * window + 64), dtype=np.int64)
    heads = np.empty(256, dtype=np.int64)
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
            for slot in range(slot_offsets[e], slot_offsets[e + 1]):
                r = slot_run[slot]
                seen = 0
                y = run_head[r]
                while y >= 0 and seen < window:
                    cand = slot_link[y, 0]
                    candidates, found = _note(cand, gid, tally, candidates, found)
                    tally[cand, 1] |= 1
                    seen += 1
                    y = slot_link[y, 1]
                held_count = run_old_count[r]
                if held_count > 0 and seen < window:
                    candidates, found = _note_held(held_bands[run_band[r]], run_old_end[r], held_count,
                                                   window - seen, True, gid, tally, candidates,
                                                   found)
            fp_first = fp_offsets[e]
            fp_last = fp_offsets[e + 1]
            # The heads of all its posting lists first: independent loads
            # the processor overlaps, before the dependent walks.
            if fp_last - fp_first > heads.shape[0]:
                heads = np.empty(2 * (fp_last - fp_first), dtype=np.int64)
            for x in range(fp_first, fp_last):
                r = fp_run[x]
                heads[x - fp_first] = fp_head[r] if r >= 0 else -1
            for x in range(fp_first, fp_last):
                r = fp_run[x]
                if r < 0:
                    continue
                seen = 0
                y = heads[x - fp_first]
                while y >= 0 and seen < fp_window:
                    cand = fp_link[y, 0]
                    candidates, found = _note(cand, gid, tally, candidates, found)
                    tally[cand, 1] += 2
                    seen += 1
                    y = fp_link[y, 1]
                held_count = fp_old_count[r]
                if held_count > 0 and seen < fp_window:
                    candidates, found = _note_held(held_fp, fp_old_end[r], held_count, fp_window - seen, False,
                                                   gid, tally, candidates, found)
            # A contained repeat shares most of its fingerprints; fewer hits
            # cannot reach the containment threshold, so skip the merge.
            need = max(1, (fp_last - fp_first + 1) // 2)
            p0 = set_offsets[gid]
            p1 = set_offsets[gid + 1]
            size_p = p1 - p0
            for c in range(found):
                cand = candidates[c]
                cand_hits = tally[cand, 1] >> 1
                if cand_hits >= min_reuse_hits:
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
                    reuse_hits[reuse_count] = cand_hits
                    reuse_count += 1
                if tally[cand, 1] & 1 == 0 and cand_hits < need:
                    continue
                q0 = set_offsets[cand]
                q1 = set_offsets[cand + 1]
                size_q = q1 - q0
                if size_p == 0 or size_q == 0:
                    continue
                inter = intersection_size(set_hashes, p0, p1, q0, q1)
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
                for slot in range(slot_offsets[e], slot_offsets[e + 1]):
                    r = slot_run[slot]
                    slot_link[slot, 0] = gid
                    slot_link[slot, 1] = run_head[r]
                    run_head[r] = slot
                for x in range(fp_offsets[e], fp_offsets[e + 1]):
                    r = fp_run[x]
                    if r >= 0:
                        fp_link[x, 0] = gid
                        fp_link[x, 1] = fp_head[r]
                        fp_head[r] = x
    return (codes, target, jaccard, match, reuse_rows[:reuse_count].copy(), reuse_ids[:reuse_count].copy(),
            reuse_hits[:reuse_count].copy())


@njit(cache=True, nogil=True, parallel=True)
def intersections(pairs, hashes, offsets):
    """Size of the intersection of the sorted distinct sets of each pair."""
    m = pairs.shape[0]
    out = np.zeros(m, dtype=np.int64)
    for r in prange(m):
        i, j = pairs[r, 0], pairs[r, 1]
        out[r] = intersection_size(hashes, offsets[i], offsets[i + 1], offsets[j], offsets[j + 1])
    return out


@njit(cache=True, nogil=True)
def _covered_runs(ordered, o0, o1, hashes, q0, q1, size):
    """Runs of the shingles ``ordered[o0:o1]`` found in the sorted set
    ``hashes[q0:q1]``: maximal runs of two or more found in a row, two runs
    of ``size`` or more joined across a gap of at most ``size`` (one changed
    word), as ``(first, last, found)`` rows (positions relative to ``o0``)."""
    length = o1 - o0
    held = hashes[q0:q1]
    covered = np.zeros(length, dtype=np.bool_)
    for i in range(length):
        at = np.searchsorted(held, ordered[o0 + i])
        covered[i] = at < held.shape[0] and held[at] == ordered[o0 + i]
    out = np.empty((length // 2 + 1, 3), dtype=np.int64)
    count = 0
    last_run = 0
    i = 0
    while i < length:
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < length and covered[j + 1]:
            j += 1
        if j > i:
            # Join across one changed word only runs that are passages on
            # both sides, not a stray shared phrase next to one.
            if count > 0 and i - out[count - 1, 1] - 1 <= size and j - i + 1 >= size and last_run >= size:
                out[count - 1, 2] += j - i + 1
                out[count - 1, 1] = j
            else:
                out[count, 0] = i
                out[count, 1] = j
                out[count, 2] = j - i + 1
                count += 1
            last_run = j - i + 1
        i = j + 1
    return out[:count]


@njit(cache=True, nogil=True)
def _source_span(ordered, o0, s0, s1, first, last):
    """Where a passage (shingles ``first..last`` of the paragraph at ``o0``)
    lies in the source's shingles ``ordered[s0:s1]``: its first shingle where
    the next one follows too (else its first occurrence), and its last
    shingle at the occurrence nearest to where the length puts it. Positions
    relative to ``s0``, -1 when absent."""
    head = ordered[o0 + first]
    j_first = -1
    for j in range(s0, s1):
        if ordered[j] == head:
            if j_first < 0:
                j_first = j - s0
            if last == first or (j + 1 < s1 and ordered[j + 1] == ordered[o0 + first + 1]):
                j_first = j - s0
                break
    if j_first < 0:
        return -1, -1
    tail = ordered[o0 + last]
    expected = j_first + last - first
    j_last = -1
    for j in range(s0 + j_first, s1):
        if ordered[j] == tail and (j_last < 0 or abs(j - s0 - expected) < abs(j_last - expected)):
            j_last = j - s0
    return j_first, j_last


@njit(cache=True, nogil=True)
def shared_segments(pairs, ordered, ordered_offsets, hashes, offsets, size, min_words, min_whole_words,
                    min_similarity):
    """Passages each pair ``(p, q)`` of global ids shares: runs of ``p``'s
    shingles (in text order, ``ordered``) found in ``q``'s set, joined across
    one changed word, spanning at least ``min_words`` words (or the whole
    of ``q``, when ``q`` has at least ``min_whole_words``), at least
    ``min_similarity`` of whose shingles are found in the source passage
    (placed by :func:`_source_span`). Returns rows ``(pair, first word, last
    word, source first word, source last word)`` and that share per row."""
    rows = np.empty((16, 5), dtype=np.int64)
    shares = np.empty(16, dtype=np.float64)
    count = 0
    for r in range(pairs.shape[0]):
        p, q = pairs[r, 0], pairs[r, 1]
        o0, o1 = ordered_offsets[p], ordered_offsets[p + 1]
        s0, s1 = ordered_offsets[q], ordered_offsets[q + 1]
        if o1 == o0 or s1 == s0:
            continue
        runs = _covered_runs(ordered, o0, o1, hashes, offsets[q], offsets[q + 1], size)
        source_words = s1 - s0 + size - 1
        for x in range(runs.shape[0]):
            first, last, found = runs[x, 0], runs[x, 1], runs[x, 2]
            if last - first + size < min(min_words, max(min_whole_words, source_words)):
                continue
            if found / (last - first + 1) < min_similarity:
                continue
            j_first, j_last = _source_span(ordered, o0, s0, s1, first, last)
            if j_first < 0 or j_last < 0 or j_last - j_first > 2 * (last - first) + size:
                continue  # absent, or placed over a much longer stretch of the source
            # The share of the passage's shingles found in the source passage
            # itself (not anywhere in the source paragraph).
            held = np.sort(ordered[s0 + j_first : s0 + j_last + 1])
            inside = 0
            for i in range(o0 + first, o0 + last + 1):
                at = np.searchsorted(held, ordered[i])
                if at < held.shape[0] and held[at] == ordered[i]:
                    inside += 1
            share = inside / (last - first + 1)
            if share < min_similarity:
                continue
            if last - first + size < min_words and (j_first > 0 or j_last != s1 - s0 - 1):
                continue  # shorter than min_words and not the whole source
            if count == rows.shape[0]:
                grown = np.empty((2 * count, 5), dtype=np.int64)
                grown[:count] = rows[:count]
                rows = grown
                grown_shares = np.empty(2 * count, dtype=np.float64)
                grown_shares[:count] = shares[:count]
                shares = grown_shares
            rows[count, 0] = r
            rows[count, 1] = first
            rows[count, 2] = last + size - 1
            rows[count, 3] = j_first
            rows[count, 4] = min(j_last + size - 1, source_words - 1)
            shares[count] = share
            count += 1
    return rows[:count].copy(), shares[:count].copy()


#: Pairs below which :func:`shared_segments_threaded` runs on one thread.
THREADED_SEGMENTS_MIN_PAIRS = 4096


def shared_segments_threaded(pairs, ordered, ordered_offsets, hashes, offsets, size, min_words, min_whole_words,
                             min_similarity, threads=None, min_pairs=THREADED_SEGMENTS_MIN_PAIRS):
    """:func:`shared_segments` over slices of ``pairs`` on ``threads`` threads
    at once (default :data:`tikrar.index.THREADS`; the kernel releases the
    GIL); the same rows in the same order.
    Slices hold about the same number of the first paragraphs' shingles,
    which is what a pair costs. Fewer than ``min_pairs`` pairs run on one.

    >>> ordered = np.array([1, 2, 3, 4, 1, 2, 3, 4], dtype=np.uint32)
    >>> bounds = np.array([0, 4, 8], dtype=np.int64)
    >>> sets = np.array([1, 2, 3, 4, 1, 2, 3, 4], dtype=np.uint32)
    >>> pairs = np.array([[1, 0], [1, 0]])
    >>> rows, shares = shared_segments_threaded(pairs, ordered, bounds, sets, bounds, 3, 4, 4, 0.8, 2, 1)
    >>> rows.tolist(), shares.tolist()
    ([[0, 0, 5, 0, 5], [1, 0, 5, 0, 5]], [1.0, 1.0])
    """
    args = (ordered, ordered_offsets, hashes, offsets, size, min_words, min_whole_words, min_similarity)
    threads = THREADS if threads is None else threads
    if threads == 1 or len(pairs) < max(2, min_pairs):
        return shared_segments(pairs, *args)
    work = np.cumsum(ordered_offsets[pairs[:, 0] + 1] - ordered_offsets[pairs[:, 0]])
    cuts = [0, *np.searchsorted(work, work[-1] * np.arange(1, threads) / threads).tolist(), len(pairs)]
    slices = [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]
    with ThreadPoolExecutor(len(slices)) as pool:
        found = list(pool.map(lambda ab: shared_segments(pairs[ab[0]:ab[1]], *args), slices))
    rows = np.concatenate([r for r, _ in found])
    shares = np.concatenate([s for _, s in found])
    # Each slice numbered its pairs from 0.
    rows[:, 0] += np.repeat([a for a, _ in slices], [len(r) for r, _ in found])
    return rows, shares


@njit(cache=True, nogil=True)
def relabel_kept(members, kept, ids):
    """The members ``key << 32 | position`` (sorted) whose position is kept,
    with the position replaced by ``ids[position]``. ``ids`` increase with
    the position, so the result is sorted too.

    >>> members = np.array([3 << 32 | 1, 5 << 32 | 0, 5 << 32 | 2], dtype=np.uint64)
    >>> out = relabel_kept(members, np.array([True, False, True]), np.array([10, 11, 12]))
    >>> [(int(m >> 32), int(m & 0xFFFFFFFF)) for m in out]
    [(5, 10), (5, 12)]
    """
    count = 0
    for x in range(members.shape[0]):
        if kept[np.int64(members[x] & _LOW32)]:
            count += 1
    out = np.empty(count, dtype=np.uint64)
    w = 0
    for x in range(members.shape[0]):
        position = np.int64(members[x] & _LOW32)
        if kept[position]:
            out[w] = (members[x] & ~_LOW32) | np.uint64(ids[position])
            w += 1
    return out
