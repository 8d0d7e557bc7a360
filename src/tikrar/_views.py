"""Raw articles to the paragraphs' normalized views, in one compiled pass per chunk.

The deduplicator needs, for every paragraph of a batch, its span in the
article text, its normalized text as UTF-8 bytes (what shingles, keys and
word counts are computed from) and, for the phrase rules, a second
normalization as a Python string. Computing them one after the other (find
spans, slice the paragraphs out, normalize, join and encode, normalize again)
encodes the same characters four times and builds every paragraph string
twice.

Here the articles are encoded once, a chunk at a time small enough to stay
in the processor's cache: UTF-16 when the chunk is all in the Basic
Multilingual Plane, UTF-32 otherwise, so that one code unit is one string
index. One kernel finds the paragraphs, another maps every paragraph span
through the normalizer's per-code-point arrays and writes UTF-8 straight
into the shared byte buffer, a third writes the second view as code units
with a separator after each paragraph, decoded once and split.

Paragraphs the arrays cannot answer for (see ``tikrar._normalize_fast``:
characters for which NFC may matter, lone surrogates, NUL, code points not
classified yet) are mapped again once their code points are classified, or
handed to :func:`tikrar.normalize.normalize`; their bytes are appended after
the others, so byte spans are not in paragraph order.
"""

from __future__ import annotations

import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
from numba import njit

from . import _normalize_fast as _nf
from .normalize import NormalizeConfig, normalize
from .segment import _EDGE as _SEGMENT_EDGE

#: Characters per chunk: small enough that the joined chunk, its code units
#: and the kernels' outputs stay in cache, large enough that the per-chunk
#: Python work is negligible.
CHUNK_CHARS = 256_000
#: Articles per chunk, whatever their length (bounds per-chunk arrays when
#: a batch holds many empty articles).
CHUNK_ARTICLES = 20_000
#: Compiled mappings of a paragraph before the reference answers for it:
#: the first pass, then one after each classification of new code points.
MAP_ROUNDS = 3


def _edge_table() -> np.ndarray:
    """Whether each BMP code point may not start or end a paragraph
    (``segment._EDGE``: white space and invisible format characters)."""
    table = np.zeros(0x10000, dtype=np.bool_)
    characters = re.compile(f"[{_SEGMENT_EDGE}]")
    for cp in range(0x10000):
        if characters.match(chr(cp)):
            table[cp] = True
    return table


EDGE_TABLE = _edge_table()


@njit(cache=True, nogil=True)
def _paragraph_spans(units, bounds, edge):
    """Paragraphs of the texts ``units[bounds[a]:bounds[a + 1]]``, as in
    ``segment.paragraph_spans``: each line between breaks, trimmed of the
    characters ``edge`` marks, when anything is left.

    Returns ``(starts, ends, counts)``: spans as positions in ``units``
    (not relative to their text), text ``a`` owning the next ``counts[a]``.
    """
    n = bounds.shape[0] - 1
    capacity = 16 + n + units.shape[0] // 64
    starts = np.empty(capacity, dtype=np.int64)
    ends = np.empty(capacity, dtype=np.int64)
    counts = np.zeros(n, dtype=np.int64)
    k = 0
    for a in range(n):
        p = bounds[a]
        end = bounds[a + 1]
        found = 0
        while p < end:
            q = p
            while q < end:
                c = units[q]
                if c == 0x0A or c == 0x0D or c == 0x85 or c == 0x2028 or c == 0x2029:
                    break
                q += 1
            first = p
            while first < q and units[first] < 0x10000 and edge[units[first]]:
                first += 1
            if first < q:
                last = q - 1
                while units[last] < 0x10000 and edge[units[last]]:
                    last -= 1
                if k == capacity:
                    capacity *= 2
                    grown_starts = np.empty(capacity, dtype=np.int64)
                    grown_ends = np.empty(capacity, dtype=np.int64)
                    grown_starts[:k] = starts[:k]
                    grown_ends[:k] = ends[:k]
                    starts = grown_starts
                    ends = grown_ends
                starts[k] = first
                ends[k] = last + 1
                k += 1
                found += 1
            p = q + 1
        counts[a] = found
    return starts[:k], ends[:k], counts


@dataclass
class ParagraphViews:
    """Every paragraph of a batch of articles, and two normalized views of it.

    Paragraph ``k`` belongs to the article that owns it by ``counts``
    (article ``a`` owns the next ``counts[a]`` paragraphs) and is
    ``text[span_starts[k]:span_ends[k]]`` of that article's text.
    ``data[byte_starts[k]:byte_ends[k]]`` is its normalized text (first
    configuration) in UTF-8 (``surrogatepass``); byte spans are not
    necessarily in paragraph order. ``rule_texts[k]`` is its normalized text
    under the second configuration, or ``rule_texts`` is None when none was
    asked for.
    """

    span_starts: np.ndarray
    span_ends: np.ndarray
    counts: np.ndarray
    data: np.ndarray
    byte_starts: np.ndarray
    byte_ends: np.ndarray
    rule_texts: Optional[list[str]]

    def __len__(self) -> int:
        return len(self.span_starts)

    def normalized(self, k: int) -> str:
        """The first view of paragraph ``k`` as a string.

        >>> from tikrar.normalize import DEDUP
        >>> paragraph_views(["أحمد\\n"], DEDUP, None).normalized(0)
        'احمد'
        """
        return self.data[self.byte_starts[k] : self.byte_ends[k]].tobytes().decode("utf-8", "surrogatepass")


def _chunks(texts: Sequence[str]):
    """``(first, stop)`` of consecutive articles, CHUNK_CHARS characters or
    CHUNK_ARTICLES articles at most (a longer article alone)."""
    position = 0
    n = len(texts)
    while position < n:
        stop, size = position, 0
        limit = min(n, position + CHUNK_ARTICLES)
        while stop < limit:
            length = len(texts[stop])
            if stop > position and size + length > CHUNK_CHARS:
                break
            size += length
            stop += 1
        yield position, stop
        position = stop


class _Bytes:
    """The growing UTF-8 buffer of the first view."""

    def __init__(self, capacity: int):
        self.array = np.empty(max(capacity, 64), dtype=np.uint8)
        self.size = 0

    def append(self, encoded: bytes) -> tuple[int, int]:
        start, end = self.size, self.size + len(encoded)
        if end > len(self.array):
            grown = np.empty(max(end, 2 * len(self.array)), dtype=np.uint8)
            grown[:start] = self.array[:start]
            self.array = grown
        self.array[start:end] = np.frombuffer(encoded, dtype=np.uint8)
        self.size = end
        return start, end


def _utf8_pass(arrays, units, starts, ends, array, size):
    """One compiled pass of the first view over spans, writing into
    ``array`` from ``size`` on (touches no shared Python state, so it can
    run on another thread). Returns ``(array, size, byte_starts,
    byte_ends, status, n_new, new_cps)``."""
    new_cps = np.empty(_nf.MAX_NEW_CODE_POINTS, dtype=np.int64)
    result = _nf._map_spans_utf8(units, starts, ends, arrays.mapping, arrays.pool, arrays.pool_bounds_array,
                                 arrays.config.collapse_spaces, array, size, new_cps)
    return result + (new_cps,)


def _string_pass(arrays, units, starts, ends):
    """One compiled pass of the second view over spans: ``(strings, status,
    new_cps, n_new)``, the string of a span whose status is not OK empty."""
    new_cps = np.empty(_nf.MAX_NEW_CODE_POINTS, dtype=np.int64)
    out, _, status, n_new = _nf._map_spans(units, starts, ends, arrays.mapping, arrays.pool,
                                           arrays.pool_bounds_array, arrays.config.collapse_spaces, False, new_cps)
    strings = _nf._decode(out).split(_nf._SEPARATOR_CHAR)
    strings.pop()  # after the last separator
    return strings, status, new_cps, n_new


class _Chunk:
    """The articles ``texts[first:stop]`` as code units, their paragraphs,
    and the views of those paragraphs as they are computed."""

    def __init__(self, texts: Sequence[str], first: int, stop: int):
        self.texts = texts[first:stop]
        self.units, self.bounds = _nf._encode(self.texts, first)
        self.starts, self.ends, self.counts = _paragraph_spans(self.units, self.bounds, EDGE_TABLE)
        self.utf8 = None  # a future, or the result of _utf8_pass
        self.strings = None  # the result of _string_pass

    def paragraph(self, k: int) -> str:
        bounds = self.bounds
        a = int(np.searchsorted(bounds, self.starts[k], side="right")) - 1
        return self.texts[a][self.starts[k] - bounds[a] : self.ends[k] - bounds[a]]

    def finish(self, out: _Bytes, arrays8, arrays_rules):
        """Take the first pass's results, map again the paragraphs that met
        new code points, hand the rest to the reference; returns the
        chunk's columns."""
        utf8 = self.utf8.result() if isinstance(self.utf8, Future) else self.utf8
        out.array, out.size, byte_starts, byte_ends, status8, n_new8, new8 = utf8
        arrays8.learn(new8, n_new8)
        if self.strings is not None:
            arrays_rules.learn(self.strings[2], self.strings[3])
        todo = np.flatnonzero(status8 != _nf.OK)
        for _ in range(MAP_ROUNDS - 1):
            todo = todo[status8[todo] == _nf.UNSEEN]
            if len(todo) == 0:
                break
            array, size, again_starts, again_ends, again_status, n_new, new_cps = _utf8_pass(
                arrays8, self.units, self.starts[todo], self.ends[todo], out.array, out.size)
            out.array, out.size = array, size
            arrays8.learn(new_cps, n_new)
            byte_starts[todo], byte_ends[todo], status8[todo] = again_starts, again_ends, again_status
        for k in np.flatnonzero(status8 != _nf.OK).tolist():
            encoded = normalize(self.paragraph(k), arrays8.config).encode("utf-8", "surrogatepass")
            byte_starts[k], byte_ends[k] = out.append(encoded)
        strings = None
        if self.strings is not None:
            strings, status = self.strings[:2]
            todo = np.flatnonzero(status != _nf.OK)
            for _ in range(MAP_ROUNDS - 1):
                todo = todo[status[todo] == _nf.UNSEEN]
                if len(todo) == 0:
                    break
                again, again_status, new_cps, n_new = _string_pass(arrays_rules, self.units, self.starts[todo],
                                                                   self.ends[todo])
                arrays_rules.learn(new_cps, n_new)
                status[todo] = again_status
                for k, value in zip(todo.tolist(), again):
                    strings[k] = value
            for k in np.flatnonzero(status != _nf.OK).tolist():
                strings[k] = normalize(self.paragraph(k), arrays_rules.config)
        article_starts = np.repeat(self.bounds[:-1], self.counts)
        return (self.starts - article_starts, self.ends - article_starts, self.counts, byte_starts, byte_ends,
                strings)


def paragraph_views(article_texts: Sequence[str], utf8_config: NormalizeConfig,
                    str_config: Optional[NormalizeConfig] = None) -> ParagraphViews:
    """The paragraphs of many articles and two normalized views of each.

    Equal to finding spans with ``segment.paragraph_spans``, slicing each
    paragraph ``text`` out of its article, and taking
    ``normalize(text, utf8_config).encode("utf-8", "surrogatepass")`` and
    ``normalize(text, str_config)``; see :class:`ParagraphViews`. A batch
    of more than one chunk computes the first view of a chunk on a second
    thread while this one computes the second view and encodes the next
    chunk.

    >>> from tikrar.normalize import DEDUP, RULES
    >>> views = paragraph_views(["أهلاً، وسهلاً\\n\\n  مرحبا ", "", "\\u200f"], DEDUP, RULES)
    >>> views.span_starts.tolist(), views.span_ends.tolist(), views.counts.tolist()
    ([0, 17], [13, 22], [2, 0, 0])
    >>> [views.normalized(k) for k in range(len(views))], views.rule_texts
    (['اهلا وسهلا', 'مرحبا'], ['اهلا, وسهلا', 'مرحبا'])
    """
    if not isinstance(article_texts, (list, tuple)):
        article_texts = list(article_texts)
    arrays8 = _nf._arrays(utf8_config)
    arrays_rules = _nf._arrays(str_config) if str_config is not None else None
    try:
        total = sum(map(len, article_texts))
    except TypeError:
        for k, text in enumerate(article_texts):
            _nf._n._check_str(text, f"texts[{k}]")
        raise
    # Normalized Arabic takes about two bytes a character; three is the most
    # the compiled pass needs for BMP text, so it rarely grows the buffer
    # (and pages never written are never committed).
    out = _Bytes(3 * total + 64)
    spans = list(_chunks(article_texts))
    pieces = []
    worker = ThreadPoolExecutor(1) if len(spans) > 1 else None
    pending: Optional[_Chunk] = None
    try:
        for first, stop in spans:
            chunk = _Chunk(article_texts, first, stop)
            # The previous chunk's first view ran meanwhile; finishing it
            # fixes where this chunk's bytes start.
            if pending is not None:
                pieces.append(pending.finish(out, arrays8, arrays_rules))
                pending = None
            arguments = (arrays8, chunk.units, chunk.starts, chunk.ends, out.array, out.size)
            chunk.utf8 = worker.submit(_utf8_pass, *arguments) if worker is not None else _utf8_pass(*arguments)
            pending = chunk
            if arrays_rules is not None:
                chunk.strings = _string_pass(arrays_rules, chunk.units, chunk.starts, chunk.ends)
        if pending is not None:
            pieces.append(pending.finish(out, arrays8, arrays_rules))
            pending = None
    finally:
        if pending is not None:
            # Put back the code points an abandoned pass marked as pending.
            try:
                utf8 = pending.utf8.result() if isinstance(pending.utf8, Future) else pending.utf8
                if utf8 is not None:
                    arrays8.release(utf8[6][: utf8[5]])
                if pending.strings is not None:
                    arrays_rules.release(pending.strings[2][: pending.strings[3]])
            except Exception:
                pass  # the error being raised already says what went wrong
        if worker is not None:
            worker.shutdown()

    def joined(column: int) -> np.ndarray:
        if not pieces:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([piece[column] for piece in pieces])

    rule_texts: Optional[list[str]] = None
    if arrays_rules is not None:
        rule_texts = []
        for piece in pieces:
            rule_texts.extend(piece[5])
    return ParagraphViews(joined(0), joined(1), joined(2), out.array[: out.size], joined(3), joined(4), rule_texts)
