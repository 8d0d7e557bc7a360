"""Reused passages: runs of text that a kept paragraph shares with an earlier
kept paragraph it does not duplicate (a wire paragraph embedded in a longer
one, two paragraphs merged into one line, a quoted block).

Pure functions over one pair of paragraphs. A passage is a run of the
paragraph's word shingles that are all found in the source paragraph's
shingle set, runs broken by one changed word (``size`` missing shingles)
being joined; it is reported when it spans at least ``min_words`` words.
Its place in the source is found by the offset (in shingles) that most of
its shingles agree on, and both spans are mapped back to raw text through
the normalizer's offset map.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .config import ShingleConfig
from .normalize import DEDUP, NormalizeConfig, normalize_with_offsets
from .types import Reuse

#: Default shortest reused passage reported, in normalized words (measured
#: in docs/quality.md, "Reused passages").
MIN_REUSE_WORDS = 12


def min_shingles(min_words: int, shingle: ShingleConfig = ShingleConfig()) -> int:
    """Shingles that a passage of ``min_words`` words holds at least.

    >>> min_shingles(12)
    10
    """
    return max(1, min_words - shingle.size + 1)


@dataclass
class ParagraphView:
    """One paragraph as the passage finder sees it: the raw span of each
    normalized word, and the word shingle hashes in text order and as a
    sorted set (the hashes of :func:`tikrar.shingle_hash`)."""

    text: str
    word_starts: np.ndarray
    word_ends: np.ndarray
    ordered: np.ndarray
    shingle_set: np.ndarray
    size: int
    _positions: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, text: str, normalize: NormalizeConfig = DEDUP, shingle: ShingleConfig = ShingleConfig()) -> "ParagraphView":
        """
        >>> view = ParagraphView.of("قال  المتحدثُ إن الاجتماع")
        >>> [view.text[s:e] for s, e in zip(view.word_starts, view.word_ends)]
        ['قال', 'المتحدثُ', 'إن', 'الاجتماع']
        >>> len(view.ordered)
        2
        """
        if shingle.kind != "word":
            raise ValueError("reused passages are found over word shingles")
        normalized, offsets = normalize_with_offsets(text, normalize)
        words = normalized.split(" ") if normalized else []
        starts = np.empty(len(words), dtype=np.int64)
        ends = np.empty(len(words), dtype=np.int64)
        position = 0
        for w, word in enumerate(words):
            starts[w] = offsets[position]
            end = offsets[position + len(word) - 1] + 1 if word else offsets[position]
            # Marks the normalizer drops (diacritics, tatweel) belong to the word.
            while end < len(text) and (text[end] == "\u0640" or unicodedata.category(text[end]) == "Mn"):
                end += 1
            ends[w] = end
            position += len(word) + 1
        size = shingle.size
        if not words:
            grams: list[str] = []
        elif len(words) <= size:
            grams = [normalized]
        else:
            grams = [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
        ordered = np.array([zlib.crc32(g.encode("utf-8", "surrogatepass")) for g in grams], dtype=np.uint32)
        return cls(text, starts, ends, ordered, np.unique(ordered), size)

    def positions(self) -> dict:
        """First position of each shingle hash."""
        if not self._positions and len(self.ordered):
            for i, h in enumerate(self.ordered.tolist()):
                self._positions.setdefault(h, i)
        return self._positions


def shared_passages(paragraph: ParagraphView, source: ParagraphView, min_words: int = MIN_REUSE_WORDS) -> list[Reuse]:
    """Passages of ``paragraph`` of at least ``min_words`` words found in
    ``source``, as :class:`Reuse` entries (``doc_id`` and ``index`` left
    empty for the caller to fill).

    >>> source = ParagraphView.of("اعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق في المدن الكبرى خلال العام المقبل")
    >>> text = "وفي سياق متصل اعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق في المدن الكبرى خلال العام المقبل وسط ترحيب"
    >>> [(text[r.start:r.end], r.source_start, r.similarity) for r in shared_passages(ParagraphView.of(text), source)]
    [('اعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق في المدن الكبرى خلال العام المقبل', 0, 1.0)]
    """
    size = paragraph.size
    if len(paragraph.ordered) == 0 or len(source.ordered) == 0:
        return []
    covered = np.isin(paragraph.ordered, source.shingle_set)
    at = np.flatnonzero(covered)
    if len(at) == 0:
        return []
    # One changed word leaves ``size`` shingles uncovered: join across it.
    breaks = np.flatnonzero(np.diff(at) > size + 1)
    firsts = np.concatenate([[at[0]], at[breaks + 1]])
    lasts = np.concatenate([at[breaks], [at[-1]]])
    positions = source.positions()
    source_words = len(source.word_starts)
    words = len(paragraph.word_starts)
    out: list[Reuse] = []
    for first, last in zip(firsts.tolist(), lasts.tolist()):
        span_words = min(last + size, words) - first
        if span_words < min_words:
            continue
        shifts = Counter(
            positions[h] - i for i, h in enumerate(paragraph.ordered[first : last + 1].tolist(), start=first)
            if h in positions
        )
        shift = min(shifts.items(), key=lambda item: (-item[1], item[0]))[0]
        source_first = min(max(0, first + shift), source_words - 1)
        source_last = min(max(source_first, last + size - 1 + shift), source_words - 1)
        similarity = float(covered[first : last + 1].mean())
        out.append(Reuse(
            int(paragraph.word_starts[first]), int(paragraph.word_ends[min(last + size, words) - 1]), "", -1,
            int(source.word_starts[source_first]), int(source.word_ends[source_last]), round(similarity, 6),
        ))
    return out


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
