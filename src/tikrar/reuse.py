"""Reused passages: runs of text that a kept paragraph shares with an earlier
kept paragraph it does not duplicate (a wire paragraph embedded in a longer
one, two paragraphs merged into one line, a quoted block).

A passage is a run of two or more of the paragraph's word shingles (in text
order) found in a row in the source paragraph's shingle set, two runs of
``size`` or more that one changed word apart (``size`` shingles missing)
being joined. In the source it runs from its first shingle (where the second
follows) to the occurrence of its last shingle nearest to where its length
puts it (a passage placed over a stretch of the source more than twice its
length is dropped); it is reported when it spans at least ``min_words`` words (or a
whole source paragraph of ``short_words`` or more) and at least
:data:`MIN_SIMILARITY` of its shingles are in that source passage. Word positions become raw-text offsets through the normalizer's offset
map (:func:`word_spans`). The compiled finder is
:func:`tikrar._label.shared_segments`; :func:`shared_segments_plain` is the
same in plain Python.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

import numpy as np
from numba import njit

from . import _normalize_fast
from .config import ShingleConfig
from .normalize import DEDUP, NormalizeConfig, normalize_with_offsets
from .shingle import shingle_hash, shingles
from .types import Reuse

__all__ = [
    "word_spans", "word_spans_flat", "ordered_shingles", "shared_segments_plain", "passage", "choose", "min_shingles",
    "min_pair_shingles", "MIN_REUSE_WORDS", "MIN_SHARED_FINGERPRINTS", "MIN_SIMILARITY",
]

#: Default shortest reused passage reported, in normalized words (measured
#: in docs/quality.md, "Reused passages").
MIN_REUSE_WORDS = 12
#: Fingerprints a paragraph must share with an earlier kept one before their
#: shared passages are looked for: one shared fingerprint is one shared
#: three-word phrase, which unrelated news paragraphs often have.
MIN_SHARED_FINGERPRINTS = 2


def min_shingles(min_words: int, shingle: ShingleConfig = ShingleConfig()) -> int:
    """Shingles that a passage of ``min_words`` words holds at least.

    >>> min_shingles(12)
    10
    """
    return max(1, min_words - shingle.size + 1)


def min_pair_shingles(min_words: int, short_words: int, shingle: ShingleConfig = ShingleConfig()) -> int:
    """Shingles two paragraphs must share before their passages are looked
    for: those of a passage of ``min_words`` words, or of a whole source
    paragraph of ``short_words`` words (a short kept paragraph embedded
    whole in a longer one is reported however short it is).

    >>> min_pair_shingles(12, 8)
    6
    """
    return min(min_shingles(min_words, shingle), min_shingles(max(short_words, shingle.size), shingle))


#: Share of a passage's shingles that must be found in the source.
MIN_SIMILARITY = 0.8


def _marks_table() -> np.ndarray:
    """Code points (of the Basic Multilingual Plane) that the normalizer
    drops from the end of a word but that belong to it on the raw text:
    combining marks (diacritics) and tatweel."""
    table = np.zeros(0x10000, dtype=np.bool_)
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) == "Mn":
            table[cp] = True
    table[0x0640] = True
    return table


_MARKS: list = []


def _marks() -> np.ndarray:
    if not _MARKS:
        _MARKS.append(_marks_table())
    return _MARKS[0]


@njit(cache=True, nogil=True)
def _word_end(units, base, length, last, marks):
    """End of a word whose last kept character is ``last``: the marks after
    it belong to it."""
    end = last + 1
    while end < length and units[base + end] < marks.shape[0] and marks[units[base + end]]:
        end += 1
    return end


@njit(cache=True, nogil=True)
def _word_spans_kernel(out, sources, units, bounds, marks):
    """Raw span of each normalized word of each text, from the normalizer's
    output (texts ended by a source of -1) and its source map."""
    n = bounds.shape[0] - 1
    capacity = out.shape[0] + 1
    starts = np.empty(capacity, dtype=np.int64)
    ends = np.empty(capacity, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int64)
    pos = 0
    count = 0
    for t in range(n):
        base = bounds[t]
        length = bounds[t + 1] - base
        in_word = False
        last = 0
        while sources[pos] >= 0:
            if out[pos] == 32:
                if in_word:
                    ends[count] = _word_end(units, base, length, last, marks)
                    count += 1
                    in_word = False
            else:
                if not in_word:
                    starts[count] = sources[pos]
                    in_word = True
                last = sources[pos]
            pos += 1
        if in_word:
            ends[count] = _word_end(units, base, length, last, marks)
            count += 1
        pos += 1
        offsets[t + 1] = count
    return starts[:count].copy(), ends[:count].copy(), offsets


def word_spans_flat(texts: Sequence[str], normalize: NormalizeConfig = DEDUP
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The raw span of every normalized word of all texts, flat: word ``w``
    of text ``t`` starts at ``starts[offsets[t] + w]`` and ends at
    ``ends[offsets[t] + w]`` (marks the normalizer drops at the end of a
    word belong to the word). One compiled pass.

    >>> starts, ends, offsets = word_spans_flat(["قال  المتحدثُ", "إن"])
    >>> starts.tolist(), ends.tolist(), offsets.tolist()
    ([0, 5, 0], [3, 13, 2], [0, 2, 3])
    """
    texts = list(texts)
    if not texts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64)
    arrays = _normalize_fast._arrays(normalize)
    units, bounds = _normalize_fast._encode(texts)
    out, sources, status = arrays.run(units, bounds, True)
    if (status == _normalize_fast.UNSEEN).any():  # new code points, now classified
        out, sources, status = arrays.run(units, bounds, True)
    starts, ends, offsets = _word_spans_kernel(out, sources, units, bounds, _marks())
    unmapped = np.flatnonzero(status != _normalize_fast.OK).tolist()
    if unmapped:  # texts the tables cannot answer alone: spliced in from the plain path
        parts = [(starts[offsets[t] : offsets[t + 1]], ends[offsets[t] : offsets[t + 1]]) for t in range(len(texts))]
        for t in unmapped:
            parts[t] = _word_spans_plain(texts[t], normalize)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        np.cumsum([len(a) for a, _ in parts], out=offsets[1:])
        starts = np.concatenate([a for a, _ in parts]).astype(np.int64, copy=False)
        ends = np.concatenate([b for _, b in parts]).astype(np.int64, copy=False)
    return starts, ends, offsets


def word_spans(texts: Sequence[str], normalize: NormalizeConfig = DEDUP) -> list[tuple[np.ndarray, np.ndarray]]:
    """The raw span ``(starts, ends)`` of every normalized word of each text
    (:func:`word_spans_flat`, one pair of arrays per text).

    >>> [(t[s:e]) for t in ["قال  المتحدثُ إن"] for s, e in zip(*word_spans([t])[0])]
    ['قال', 'المتحدثُ', 'إن']
    """
    starts, ends, offsets = word_spans_flat(texts, normalize)
    return [(starts[a:b], ends[a:b]) for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]


def _word_spans_plain(text: str, normalize: NormalizeConfig) -> tuple[np.ndarray, np.ndarray]:
    normalized, offsets = normalize_with_offsets(text, normalize)
    words = normalized.split(" ") if normalized else []
    starts = np.empty(len(words), dtype=np.int64)
    ends = np.empty(len(words), dtype=np.int64)
    position = 0
    for w, word in enumerate(words):
        starts[w] = offsets[position]
        end = offsets[position + len(word) - 1] + 1
        while end < len(text) and (text[end] == "\u0640" or unicodedata.category(text[end]) == "Mn"):
            end += 1
        ends[w] = end
        position += len(word) + 1
    return starts, ends


def ordered_shingles(normalized: str, shingle: ShingleConfig = ShingleConfig()) -> np.ndarray:
    """Shingle hashes of a normalized text in text order
    (:func:`tikrar.shingles` hashed by :func:`tikrar.shingle_hash`).

    >>> len(ordered_shingles("ا ب ج د"))
    2
    """
    return np.array([shingle_hash(g) for g in shingles(normalized, shingle)], dtype=np.uint32)


def shared_segments_plain(ordered: np.ndarray, source_ordered: np.ndarray, size: int, min_words: int,
                          min_whole_words: int = 8, min_similarity: float = MIN_SIMILARITY
                          ) -> list[tuple[int, int, int, int, float]]:
    """What :func:`tikrar._label.shared_segments` finds for one pair, in
    plain Python: ``(first word, last word, source first word, source last
    word, share)`` per passage.

    >>> source = ordered_shingles("ا ب ج د ه و ز ح ط ي ك ل م")
    >>> ordered_p = ordered_shingles("س ع ا ب ج د ه و ز ح ط ي ك ل م ف")
    >>> shared_segments_plain(ordered_p, source, 3, 12)
    [(2, 14, 0, 12, 1.0)]
    """
    held = set(source_ordered.tolist())
    covered = [h in held for h in ordered.tolist()]
    runs: list[list[int]] = []
    last_run = 0
    i = 0
    while i < len(covered):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(covered) and covered[j + 1]:
            j += 1
        if j > i:
            if runs and i - runs[-1][1] - 1 <= size and j - i + 1 >= size and last_run >= size:
                runs[-1][1] = j
                runs[-1][2] += j - i + 1
            else:
                runs.append([i, j, j - i + 1])
            last_run = j - i + 1
        i = j + 1
    source = source_ordered.tolist()
    source_words = len(source) + size - 1
    out = []
    for first, last, found in runs:
        if last - first + size < min(min_words, max(min_whole_words, source_words)):
            continue
        if found / (last - first + 1) < min_similarity:
            continue
        head, tail = int(ordered[first]), int(ordered[last])
        heads = [j for j, h in enumerate(source) if h == head]
        if not heads:
            continue
        following = [j for j in heads if last == first or (j + 1 < len(source) and source[j + 1] == int(ordered[first + 1]))]
        j_first = following[0] if following else heads[0]
        expected = j_first + last - first
        tails = [j for j in range(j_first, len(source)) if source[j] == tail]
        if not tails:
            continue
        j_last = min(tails, key=lambda j: (abs(j - expected), j))
        if j_last - j_first > 2 * (last - first) + size:
            continue  # placed over a much longer stretch of the source
        held = set(source[j_first : j_last + 1])
        share = sum(int(h) in held for h in ordered[first : last + 1].tolist()) / (last - first + 1)
        if share < min_similarity:
            continue
        if last - first + size < min_words and (j_first > 0 or j_last != len(source) - 1):
            continue  # shorter than min_words and not the whole source
        out.append((first, last + size - 1, j_first, min(j_last + size - 1, source_words - 1), share))
    return out


def passage(spans: tuple[np.ndarray, np.ndarray], source_spans: tuple[np.ndarray, np.ndarray],
            segment: Sequence, doc_id: str, index: int) -> Reuse:
    """A :class:`Reuse` from a segment ``(first word, last word, source first
    word, source last word, share)`` and the raw word spans of both
    paragraphs.

    >>> text, source = "قال إن الخط سيعمل غدا", "الخط سيعمل غدا"
    >>> reuse = passage(word_spans([text])[0], word_spans([source])[0], (2, 4, 0, 2, 1.0), "a", 0)
    >>> text[reuse.start:reuse.end], source[reuse.source_start:reuse.source_end]
    ('الخط سيعمل غدا', 'الخط سيعمل غدا')
    """
    first, last, source_first, source_last, share = segment
    return Reuse(int(spans[0][first]), int(spans[1][last]), doc_id, index,
                 int(source_spans[0][source_first]), int(source_spans[1][source_last]), round(float(share), 6))


def choose(passages: Sequence[Reuse]) -> tuple[Reuse, ...]:
    """The passages to report for one paragraph: longest first, dropping any
    that half overlaps one already chosen (the same text found in two
    sources is reported once, from the earliest source among the longest);
    in order of position.

    >>> a = Reuse(0, 50, "x", 0, 0, 50, 1.0)
    >>> b = Reuse(10, 50, "y", 0, 0, 40, 1.0)
    >>> c = Reuse(60, 90, "z", 1, 0, 30, 1.0)
    >>> [r.doc_id for r in choose([b, c, a])]
    ['x', 'z']
    """
    chosen: list[Reuse] = []
    for passage in sorted(passages, key=lambda r: (r.start - r.end, r.start)):
        length = passage.end - passage.start
        if all(min(passage.end, other.end) - max(passage.start, other.start) < length / 2 for other in chosen):
            chosen.append(passage)
    return tuple(sorted(chosen, key=lambda r: (r.start, r.end)))
