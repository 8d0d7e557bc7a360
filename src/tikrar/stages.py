"""The stages of deduplication, as functions over one :class:`Batch`.

A batch of articles goes through::

    batch = prepare(articles, config)            # paragraphs, normalized views, phrase rules
    sketch = sketch_batch(batch, config)         # text keys, shingle sets, band keys, fingerprints
    verdicts = label(batch, sketch, state, config)     # candidates, verification, keep-first
    commit(batch, sketch, verdicts, state, config)     # kept paragraphs join the state
    reused = reused_passages(batch, verdicts, state, config)
    records = make_records(batch, verdicts, reused, state)
    records = corpus_boilerplate(batch, records, state, config)

Only :func:`commit` and :func:`corpus_boilerplate` change the
:class:`~tikrar.state.IndexState`; the other stages read it (or nothing).
:class:`~tikrar.Deduplicator` composes them, with the state and a lock;
a notebook, a benchmark or a distributed job can call them one at a time.

>>> from tikrar import DedupConfig
>>> from tikrar.state import IndexState
>>> config = DedupConfig()
>>> state = IndexState(*config.bands_rows, config.lsh)
>>> text = "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة"
>>> batch = prepare([Article("a", text), Article("b", text)], config)
>>> sketch = sketch_batch(batch, config)
>>> verdicts = label(batch, sketch, state, config)
>>> commit(batch, sketch, verdicts, state, config)
>>> [r.label for r in make_records(batch, verdicts, {}, state)]
['unique', 'duplicate']
"""

from __future__ import annotations

import gc
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Callable, Iterator, Optional

import numba
import numpy as np

from . import _kernels, _label, reuse
from . import boilerplate as bp
from ._views import paragraph_views
from .index import _MULTIPLIERS as _BAND_MULTIPLIERS
from .match import MATCH_NAMES
from .minhash import permutations
from .normalize import RULES, normalize
from .segment import _EDGE as _SEGMENT_EDGE
from .state import IndexState
from .types import (
    LABEL_BOILERPLATE,
    LABEL_DUPLICATE,
    LABEL_UNIQUE,
    MATCH_EXACT,
    SCOPE_ACROSS,
    SCOPE_WITHIN,
    Article,
    Paragraph,
    ParagraphRef,
    Record,
    Reuse,
)

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .dedup import DedupConfig

__all__ = [
    "Batch", "Sketch", "Verdicts", "prepare", "prepare_ahead", "sketch_batch", "label", "commit", "reused_passages",
    "make_records", "corpus_boilerplate", "furniture_reason", "indexed_rows", "REASON_EMPTY",
]

REASON_EMPTY = "empty after normalization"

# One match per paragraph of ``segment.paragraph_spans`` (a line with its
# white space and invisible edges trimmed), found in one pass over an article.
_BREAKS = "\n\r\u0085\u2028\u2029"
_PARAGRAPH = re.compile(f"[^{_BREAKS}{_SEGMENT_EDGE}](?:[^{_BREAKS}]*[^{_BREAKS}{_SEGMENT_EDGE}])?")


def _appended(data: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``data`` followed by ``more``: written into the room left after
    ``data`` in the buffer it views, when there is room (no copy of the
    batch's bytes, and nothing a reader of ``data`` sees changes), else a
    new array."""
    base = data.base
    if (
        isinstance(base, np.ndarray) and base.dtype == np.uint8 and base.ndim == 1 and base.flags.writeable
        and data.ndim == 1 and data.strides == (1,) and data.ctypes.data == base.ctypes.data
        and len(base) - len(data) >= len(more)
    ):
        base[len(data) : len(data) + len(more)] = more
        return base[: len(data) + len(more)]
    return np.concatenate([data, more])


@dataclass
class _Split:
    """A batch's columns after furniture prefixes were cut into pieces (see
    :func:`_split_paragraphs`)."""

    doc_of: np.ndarray
    span_starts: np.ndarray
    span_ends: np.ndarray
    texts: list
    rule_texts: list
    data: np.ndarray
    byte_starts: np.ndarray
    byte_ends: np.ndarray
    words: np.ndarray
    furniture: list
    cut: np.ndarray
    first: np.ndarray
    pieces_at: np.ndarray


def _split_paragraphs(splits, doc_of, span_starts, span_ends, texts, rule_texts, data, byte_starts, byte_ends,
                      words, normalize_config):
    """The batch's columns with paragraph ``k`` replaced by the pieces
    ``splits[k]`` (from :func:`boilerplate.split_furniture`), for every
    paragraph the prefix rule that cut it off (None for the others), the old
    positions of the cut paragraphs, the new position of each old paragraph
    (of its first piece) and the new positions of all pieces. The normalized
    bytes of the pieces follow the batch's in the returned ``data``."""
    repeats = np.ones(len(texts), dtype=np.int64)
    order = sorted(splits)
    for k in order:
        repeats[k] = len(splits[k])
    doc_of = np.repeat(doc_of, repeats)
    new_starts = np.repeat(span_starts, repeats)
    new_ends = np.repeat(span_ends, repeats)
    byte_starts = np.repeat(byte_starts, repeats)
    byte_ends = np.repeat(byte_ends, repeats)
    words = np.repeat(words, repeats)
    first = np.cumsum(repeats) - repeats
    pieces_at: list[int] = []
    new_texts: list[str] = []
    new_rules: list[str] = []
    furniture: list[Optional[str]] = [None] * int(repeats.sum())
    extra: list[bytes] = []
    extra_size = len(data)
    previous = 0
    for k in order:
        new_texts.extend(texts[previous:k])
        new_rules.extend(rule_texts[previous:k])
        previous = k + 1
        base = int(span_starts[k])
        for offset, (start, end, rule) in enumerate(splits[k]):
            at = int(first[k]) + offset
            piece = texts[k][start:end]
            new_starts[at], new_ends[at] = base + start, base + end
            new_texts.append(piece)
            new_rules.append(normalize(piece, RULES))
            furniture[at] = rule
            normalized = normalize(piece, normalize_config)
            encoded = normalized.encode("utf-8", "surrogatepass")
            words[at] = normalized.count(" ") + 1 if normalized else 0
            pieces_at.append(at)
            byte_starts[at], byte_ends[at] = extra_size, extra_size + len(encoded)
            extra_size += len(encoded)
            extra.append(encoded)
    new_texts.extend(texts[previous:])
    new_rules.extend(rule_texts[previous:])
    data = _appended(data, np.frombuffer(b"".join(extra), dtype=np.uint8))
    return _Split(doc_of, new_starts, new_ends, new_texts, new_rules, data, byte_starts, byte_ends, words, furniture,
                  np.asarray(order, dtype=np.int64), first, np.asarray(pieces_at, dtype=np.int64))


@dataclass
class Batch:
    """Per-paragraph columns of one batch, made by :func:`prepare`.

    ``doc_of[k]`` is the position in ``articles`` of paragraph ``k``'s
    article, ``index[k]`` its 0-based index there and ``starts``/``ends`` its
    span in the article text.

    >>> from tikrar import DedupConfig
    >>> batch = prepare([Article("a", "سطر اول\\n\\nسطر ثان")], DedupConfig())
    >>> len(batch), batch.index.tolist(), batch.starts.tolist(), batch.texts
    (2, [0, 1], [0, 9], ['سطر اول', 'سطر ثان'])
    """

    articles: list[Article]
    doc_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    texts: list[str] = field(default_factory=list)
    normalized: list[str] = field(default_factory=list)
    words: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    hits: list[Optional[bp.BoilerplateHit]] = field(default_factory=list)
    # UTF-8 bytes of the normalized texts and each one's span in them (fast path).
    data: Optional[np.ndarray] = None
    byte_starts: Optional[np.ndarray] = None
    byte_ends: Optional[np.ndarray] = None
    # Sketches computed while the phrase rules ran (see prepare).
    presketch: Optional["_Presketch"] = None
    # Set by label(): what was decided for each paragraph.
    verdicts: Optional["Verdicts"] = None

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def paragraphs(self) -> list[Paragraph]:
        """The batch's paragraphs as :class:`Paragraph` objects (built on demand)."""
        return [
            Paragraph(self.articles[a].doc_id, i, s, e, t)
            for a, i, s, e, t in zip(self.doc_of.tolist(), self.index.tolist(), self.starts.tolist(),
                                     self.ends.tolist(), self.texts)
        ]

    @property
    def direct(self) -> np.ndarray:
        """Whether a phrase rule fired on each paragraph itself."""
        out = np.zeros(len(self.texts), dtype=bool)
        flagged = [k for k, hit in enumerate(self.hits) if hit is not None and hit.direct]
        out[flagged] = True
        return out


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a batch builds its many small,
    acyclic objects (strings, spans, records): otherwise it runs a full
    generation scan over the growing heap again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def furniture_reason(counts: dict, config: "DedupConfig") -> Optional[str]:
    """The reason a repeated paragraph held by ``counts[source]`` articles of
    each source is that source's furniture, or None: one source holds at
    least ``min_source_articles`` of them and ``min_source_share`` of all
    (the first source in ``counts`` wins a tie).

    >>> from tikrar import DedupConfig
    >>> furniture_reason({"sabq": 12, "okaz": 1}, DedupConfig())
    'repeated in 12 articles of source sabq'
    >>> furniture_reason({"sabq": 3, "okaz": 3}, DedupConfig()) is None
    True
    """
    total = sum(counts.values())
    source, held = max(counts.items(), key=lambda item: item[1])
    if held >= config.min_source_articles and held >= config.min_source_share * total:
        where = f"source {source}" if source is not None else "the corpus"
        return f"repeated in {held} articles of {where}"
    return None


@dataclass
class Sketch:
    """What :func:`sketch_batch` computes for a batch: the text key of every
    paragraph, and for the paragraphs that go to the indexes (``rows``:
    ordinary, not boilerplate, at least ``short_words`` words) their
    shingle sets (CSR: ``hashes[set_offsets[i]:set_offsets[i + 1]]`` is row
    ``rows[i]``'s sorted set), MinHash band keys (``bands x len(rows)``),
    winnowed fingerprints and shingles in text order (CSR, same order).

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> text = "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية"   # 9 words
    >>> s = sketch_batch(prepare([Article("a", text)], config), config)
    >>> s.rows.tolist(), s.set_offsets.tolist(), s.ordered_offsets.tolist()   # 7 word 3-grams
    ([0], [0, 7], [0, 7])
    """

    text_keys: np.ndarray
    rows: np.ndarray
    hashes: np.ndarray
    set_offsets: np.ndarray
    band_keys: np.ndarray
    fp_hashes: np.ndarray
    fp_offsets: np.ndarray
    ordered: np.ndarray
    ordered_offsets: np.ndarray


@dataclass
class _Presketch(Sketch):
    """A :class:`Sketch` made ahead, by :func:`prepare`, of every paragraph
    that may go to LSH (non-empty, at least ``short_words`` words): row
    ``rows[i]``'s set and band keys are number ``columns[i]`` (``i`` when
    ``columns`` is None) of the CSR sets and of ``band_keys``."""

    columns: Optional[np.ndarray] = None
    # Band keys of columns from band_keys.shape[1] on (pieces sketched late).
    extra_band_keys: Optional[np.ndarray] = None

    def band_keys_of(self, columns: np.ndarray) -> np.ndarray:
        """The band keys of ``columns``, shape ``(bands, len(columns))``."""
        if self.extra_band_keys is None:
            return np.ascontiguousarray(self.band_keys[:, columns])
        held = self.band_keys.shape[1]
        keys = np.empty((self.band_keys.shape[0], len(columns)), dtype=self.band_keys.dtype)
        old = columns < held
        keys[:, old] = self.band_keys[:, columns[old]]
        keys[:, ~old] = self.extra_band_keys[:, columns[~old] - held]
        return keys


#: From this many paragraphs on, a batch's kernels run on a second thread
#: while the phrase rules (Python) run on the first.
OVERLAP_MIN_PARAGRAPHS = 20_000


# -- prepare --------------------------------------------------------------------

def prepare(articles: list[Article], config: "DedupConfig", rules: Optional[tuple] = None) -> Batch:
    """Segment, normalize and apply phrase rules to a whole batch: the
    :class:`Batch` of every paragraph of ``articles`` (``rules`` defaults to
    ``config.active_rules``).

    The fast path finds every paragraph and both normalized views of it
    (UTF-8 bytes for deduplication, strings for the rules) in compiled
    passes over the article texts (:func:`_views.paragraph_views`), cuts
    furniture prefixes off the few lines a prefix rule matches, counts
    words with a compiled kernel over the UTF-8 bytes and runs the phrase
    rules over the batch at once (:func:`boilerplate.find_boilerplate_batch`).

    >>> from tikrar import DedupConfig
    >>> batch = prepare([Article("a", "سطر أول\\n\\nاقرأ أيضاً")], DedupConfig())
    >>> len(batch), batch.index.tolist(), batch.hits[1] is not None
    (2, [0, 1], True)
    """
    rules = config.active_rules if rules is None else rules
    article_texts = [a.text for a in articles]
    views = paragraph_views(article_texts, config.normalize, RULES if rules else None)
    span_starts, span_ends, counts = views.span_starts, views.span_ends, views.counts
    data, byte_starts, byte_ends, rule_texts = views.data, views.byte_starts, views.byte_ends, views.rule_texts
    del views
    doc_of = np.repeat(np.arange(len(articles), dtype=np.int64), counts)
    words = _kernels.word_counts(data, byte_starts, byte_ends)
    # The rules hold the GIL; the kernels release it. The kernels the
    # labelling stage needs run on a second thread meanwhile, over the
    # paragraphs before furniture prefixes are cut (the few pieces are
    # sketched afterwards), and are waited for before any other kernel
    # starts, so no two threads ever launch parallel kernels at once.
    pool = future = presketch = None
    if rule_texts is not None and len(doc_of) >= OVERLAP_MIN_PARAGRAPHS:
        pool = ThreadPoolExecutor(1)
        future = pool.submit(_presketch, data, byte_starts, byte_ends, words, config, 1)
    split = None
    try:
        with _collector_paused():
            texts = [article_texts[a][s:e]
                     for a, s, e in zip(doc_of.tolist(), span_starts.tolist(), span_ends.tolist())]
        hits: list[Optional[bp.BoilerplateHit]] = [None] * len(texts)
        if rule_texts is not None:
            maybe = bp.may_match(rule_texts, words, rules)
            splits = {}
            for k in bp.furniture_candidates(rule_texts, rules, among=maybe):
                pieces = bp.split_furniture(texts[k], rules)
                if len(pieces) > 1:
                    splits[k] = pieces
            furniture = None
            if splits:
                split = _split_paragraphs(splits, doc_of, span_starts, span_ends, texts, rule_texts, data,
                                          byte_starts, byte_ends, words, config.normalize)
                doc_of, span_starts, span_ends = split.doc_of, split.span_starts, split.span_ends
                texts, rule_texts, data = split.texts, split.rule_texts, split.data
                byte_starts, byte_ends, words, furniture = split.byte_starts, split.byte_ends, split.words, split.furniture
                counts = np.bincount(doc_of, minlength=len(articles)).astype(np.int64)
                # Uncut paragraphs keep their answer; the pieces are looked at.
                maybe = np.repeat(maybe, np.diff(np.append(split.first, len(texts))))
                maybe[split.pieces_at] = True
            if len(texts):
                hits = bp.find_boilerplate_batch(rule_texts, words, counts, rules, furniture, maybe)
    finally:
        if pool is not None:
            presketch = future.result()
            pool.shutdown()
    if presketch is not None and split is not None:
        presketch = _splice_presketch(presketch, split, config)
    total = len(texts)
    first_of_article = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(articles) else counts
    index = np.arange(total, dtype=np.int64) - first_of_article[doc_of]
    # The fast path needs no normalized strings (only their bytes).
    return Batch(articles, doc_of, index, span_starts, span_ends, texts, [], words, hits,
                 data, byte_starts, byte_ends, presketch)


#: Characters of article text per batch of :func:`prepare_ahead`.
AHEAD_CHUNK_CHARS = 6_000_000


def prepare_ahead(articles: list[Article], config: "DedupConfig", rules: Optional[tuple] = None,
                  chunk_chars: Optional[int] = None,
                  prepare_slice: Optional[Callable[[list[Article]], Batch]] = None) -> Iterator[Batch]:
    """:func:`prepare` of consecutive slices of ``articles`` holding about
    ``chunk_chars`` (default :data:`AHEAD_CHUNK_CHARS`) characters each, the next slice prepared on a second
    thread while the caller labels the one it was given. Labels do not
    depend on how the input is cut into batches, so labelling the batches
    in order gives the records of one batch. Preparing is mostly phrase
    rules, which hold the GIL; labelling is mostly compiled kernels, which
    release it: the two share the cores. Input shorter than two slices, or
    a numba threading layer that two threads may not enter at once, gives
    one batch prepared here. ``prepare_slice`` replaces
    ``prepare(slice, config, rules)``.

    >>> from tikrar import DedupConfig
    >>> articles = [Article(str(k), f"خبر رقم {k} عن الطقس") for k in range(5)]
    >>> [len(batch.articles) for batch in prepare_ahead(articles, DedupConfig(), chunk_chars=30)]
    [2, 2, 1]
    """
    chunk_chars = AHEAD_CHUNK_CHARS if chunk_chars is None else chunk_chars
    if chunk_chars < 1:
        raise ValueError(f"chunk_chars must be at least 1, got {chunk_chars}")
    slices, start, held = [], 0, 0
    for k, article in enumerate(articles):
        held += len(article.text)
        if held >= chunk_chars:
            slices.append((start, k + 1))
            start, held = k + 1, 0
    if start < len(articles) or not slices:
        slices.append((start, len(articles)))
    if prepare_slice is None:
        def prepare_slice(part: list[Article]) -> Batch:
            return prepare(part, config, rules)
    if len(slices) == 1 or not _kernels.launches_from_threads_are_safe():
        yield prepare_slice(articles)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="tikrar-prepare") as pool:
        upcoming = pool.submit(prepare_slice, articles[slices[0][0] : slices[0][1]])
        try:
            for position in range(len(slices)):
                batch = upcoming.result()
                if position + 1 < len(slices):
                    a, b = slices[position + 1]
                    upcoming = pool.submit(prepare_slice, articles[a:b])
                yield batch
        finally:
            upcoming.cancel()


def _presketch(data, byte_starts, byte_ends, words, config: "DedupConfig", threads: Optional[int] = None
               ) -> _Presketch:
    """Everything the labelling stage computes from the bytes alone: text
    keys of all paragraphs, and shingle sets and band keys of those that
    may go to LSH. ``threads`` caps numba's threads for this call."""
    previous = numba.get_num_threads()
    if threads is not None:
        numba.set_num_threads(min(threads, previous))
    try:
        keys = _kernels.text_keys(data, byte_starts, byte_ends)
        rows = np.flatnonzero((words >= config.short_words) & (words > 0))
        sets = _shingle_rows(data, byte_starts[rows], byte_ends[rows], config)
    finally:
        numba.set_num_threads(previous)
    return _Presketch(keys, rows, sets.hashes, sets.set_offsets, sets.band_keys, sets.fp_hashes, sets.fp_offsets,
                      sets.ordered, sets.ordered_offsets)


def _splice_presketch(presketch: _Presketch, split: _Split, config: "DedupConfig") -> _Presketch:
    """The presketch of a batch whose paragraphs ``split.cut`` (old
    positions) were cut into pieces after it was made: an uncut paragraph's
    rows move to its new position ``split.first[old]``, the pieces (new
    positions ``split.pieces_at``) are sketched now and slotted in."""
    cut, first, pieces_at = split.cut, split.first, split.pieces_at
    total = len(split.words)
    is_cut = np.zeros(len(first), dtype=bool)
    is_cut[cut] = True
    uncut = np.flatnonzero(~is_cut)
    piece = _presketch(split.data, split.byte_starts[pieces_at], split.byte_ends[pieces_at],
                       split.words[pieces_at], config)
    text_keys = np.empty(total, dtype=np.uint64)
    text_keys[first[uncut]] = presketch.text_keys[uncut]
    text_keys[pieces_at] = piece.text_keys
    kept = np.flatnonzero(~is_cut[presketch.rows])
    rows = np.concatenate([first[presketch.rows[kept]], pieces_at[piece.rows]])

    def joined(old_values, old_offsets, new_values, new_offsets):
        return np.concatenate([old_values, new_values]), np.concatenate([old_offsets, old_offsets[-1] + new_offsets[1:]])

    hashes, offsets = joined(presketch.hashes, presketch.set_offsets, piece.hashes, piece.set_offsets)
    fp_hashes, fp_offsets = joined(presketch.fp_hashes, presketch.fp_offsets, piece.fp_hashes, piece.fp_offsets)
    ordered, ordered_offsets = joined(presketch.ordered, presketch.ordered_offsets, piece.ordered,
                                      piece.ordered_offsets)
    members = np.concatenate([kept, len(presketch.rows) + np.arange(len(piece.rows), dtype=np.int64)])
    order = np.argsort(rows, kind="stable")
    return _Presketch(text_keys, rows[order], hashes, offsets, presketch.band_keys, fp_hashes, fp_offsets,
                      ordered, ordered_offsets, members[order], piece.band_keys)


# -- sketch -------------------------------------------------------------------------

def _shingle_rows(data, byte_starts, byte_ends, config: "DedupConfig") -> Sketch:
    """Shingle sets, band keys and fingerprints of paragraphs given by their
    spans in ``data`` (a Sketch without text keys or rows)."""
    bands, rows = config.bands_rows
    hashes, set_offsets, fp_hashes, fp_offsets, ordered, ordered_offsets = _kernels.shingle_sketches(
        data, byte_starts, byte_ends, config.shingle.kind == "word", config.shingle.size,
        _kernels.CRC_TABLE, config.fingerprint_window,
    )
    a, b = permutations(config.minhash.num_perm, config.minhash.seed)
    band_keys = _kernels.band_keys_of_sets(
        hashes, set_offsets, np.arange(len(byte_starts), dtype=np.int64), a, b, bands, rows, _BAND_MULTIPLIERS,
    )
    return Sketch(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), hashes, set_offsets, band_keys,
                  fp_hashes, fp_offsets, ordered, ordered_offsets)


def indexed_rows(batch: Batch, config: "DedupConfig") -> np.ndarray:
    """The rows of a batch that go to the indexes: not flagged by a phrase
    rule, not empty, at least ``short_words`` words.

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> batch = prepare([Article("a", "سطر قصير\\nوقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")], config)
    >>> indexed_rows(batch, config).tolist()
    [1]
    """
    return np.flatnonzero(~batch.direct & (batch.words > 0) & (batch.words >= config.short_words))


def sketch_batch(batch: Batch, config: "DedupConfig") -> Sketch:
    """The :class:`Sketch` of a batch (what :func:`prepare` computed ahead
    is used, then dropped from the batch).

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> batch = prepare([Article("a", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")], config)
    >>> s = sketch_batch(batch, config)
    >>> s.rows.tolist(), s.band_keys.shape == (config.bands_rows[0], 1)
    ([0], True)
    """
    rows = indexed_rows(batch, config)
    pre, batch.presketch = batch.presketch, None
    if pre is None:
        text_keys = _kernels.text_keys(batch.data, batch.byte_starts, batch.byte_ends)
        sets = _shingle_rows(batch.data, batch.byte_starts[rows], batch.byte_ends[rows], config)
        sets.text_keys, sets.rows = text_keys, rows
        return sets
    at = np.searchsorted(pre.rows, rows)
    if pre.columns is not None:
        at = pre.columns[at]
    hashes, set_offsets = _kernels.gather_sets(pre.hashes, pre.set_offsets, at)
    fp_hashes, fp_offsets = _kernels.gather_sets(pre.fp_hashes, pre.fp_offsets, at)
    ordered, ordered_offsets = _kernels.gather_sets(pre.ordered, pre.ordered_offsets, at)
    return Sketch(pre.text_keys, rows, hashes, set_offsets, pre.band_keys_of(at), fp_hashes, fp_offsets,
                  ordered, ordered_offsets)


# -- label ----------------------------------------------------------------------------

@dataclass
class Verdicts:
    """What :func:`label` decided for each paragraph of a batch (arrays of
    the batch's length unless said), and what :func:`commit` needs.

    ``codes`` are ``tikrar._label`` codes (KEPT, DUPLICATE, BOILERPLATE,
    EMPTY); for a duplicate ``target`` is the gid of the kept paragraph it
    verifiably repeats, ``similarity`` and ``match`` (NEAR, CONTAINED,
    EXACT) describe that pair; ``canonical`` is the target of a duplicate
    and a paragraph's own gid otherwise. ``reuse_pairs`` are ``(gid, earlier
    kept gid)`` pairs that share fingerprints: the candidates of reused
    passages. Gids of the batch start at ``first_id``.

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> state = IndexState(*config.bands_rows, config.lsh)
    >>> text = "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة"
    >>> batch = prepare([Article("a", text), Article("b", text)], config)
    >>> v = label(batch, sketch_batch(batch, config), state, config)
    >>> v.first_id, v.canonical.tolist(), v.match.tolist() == [_label.NO_MATCH, _label.EXACT]
    (0, [0, 0], True)
    """

    first_id: int
    codes: np.ndarray
    target: np.ndarray
    similarity: np.ndarray
    match: np.ndarray
    canonical: np.ndarray
    reuse_pairs: np.ndarray
    # For commit: the distinct normalized-text keys of the batch and the
    # kept gid of each, and the batch's packed band members and postings.
    group_keys: np.ndarray
    group_kept: np.ndarray
    band_members: np.ndarray
    fingerprint_members: np.ndarray
    # The shingle sets by gid that labelling read (the batch's, and those of
    # earlier kept paragraphs it may match), for the reused passages.
    set_hashes: np.ndarray
    set_offsets: np.ndarray


def label(batch: Batch, sketch: Sketch, state: IndexState, config: "DedupConfig") -> Verdicts:
    """Keep-first labels of a batch against itself and the state (see
    :mod:`tikrar._label`): candidates from the LSH bands and fingerprint
    postings, verified on the shingle sets. The state is read, not changed
    (the batch's sets are appended for the call and taken back).

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> state = IndexState(*config.bands_rows, config.lsh)
    >>> text = "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة"
    >>> batch = prepare([Article("a", text), Article("b", text + " اليوم")], config)
    >>> v = label(batch, sketch_batch(batch, config), state, config)
    >>> v.codes.tolist() == [_label.KEPT, _label.DUPLICATE], v.target.tolist()[1]
    (True, 0)
    """
    n = len(batch)
    first_id = state.count
    gids = np.arange(first_id, first_id + n, dtype=np.int64)
    hits = batch.hits
    direct = batch.direct
    empty = (batch.words == 0) & ~direct
    kind = np.full(n, _label.ORDINARY, dtype=np.int8)
    kind[empty] = _label.BLANK
    kind[direct] = _label.DIRECT
    heading = np.zeros(n, dtype=np.bool_)
    heading[[k for k, hit in enumerate(hits) if hit is not None and not hit.direct]] = True

    # Distinct normalized texts of the batch, and the kept paragraph of
    # each from earlier batches.
    ordinary = np.flatnonzero(kind == _label.ORDINARY)
    keys = sketch.text_keys[ordinary]
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    run_start = np.ones(len(ordinary), dtype=bool)
    run_start[1:] = sorted_keys[1:] != sorted_keys[:-1]
    group = np.zeros(n, dtype=np.int64)
    group[ordinary[order]] = np.cumsum(run_start) - 1
    group_keys = sorted_keys[run_start]
    found, earlier = state.first_by_text.lookup(group_keys)
    group_kept = np.where(found, earlier, -1).astype(np.int64)

    e_rows = sketch.rows
    m = len(e_rows)
    positions = np.arange(m, dtype=np.uint32)
    band_sorted = np.empty((state.lsh.bands, m), dtype=np.uint64)
    for band in range(state.lsh.bands):
        band_sorted[band] = _kernels.pack_band(sketch.band_keys[band], positions)
    fp_sorted = _kernels.pack_band(sketch.fp_hashes.astype(np.uint64) << np.uint64(32),
                                   np.arange(len(sketch.fp_hashes), dtype=np.uint32))
    sizes = np.zeros(n, dtype=np.int64)
    sizes[e_rows] = np.diff(sketch.set_offsets)
    policy = config.policy
    lsh, fingerprints = state.lsh, state.fingerprints
    window, fp_window = config.lsh.max_bucket_pairs, config.fingerprint_postings
    run_of, band_base, run_old_end, run_old_count = _label.bucket_runs(band_sorted, lsh.members, len(lsh))
    fp_run, fp_old_end, fp_old_count = _label.posting_runs(fp_sorted, fingerprints.held, len(fingerprints))
    # The shingle sets of earlier batches live on disk (see IndexState): read
    # only those the kernel and the reused passages may look at.
    reuse_hits = reuse.MIN_SHARED_FINGERPRINTS if _finds_reuse(config) else np.iinfo(np.int32).max
    wanted = _label.held_candidates(band_base, run_old_end, run_old_count, lsh.members, window, fp_run,
                                    sketch.fp_offsets, fp_old_end, fp_old_count, fingerprints.held, fp_window,
                                    reuse_hits, first_id)
    set_hashes, set_offsets = state.sets_of(wanted, sketch.hashes, sizes)
    logger.debug("label: %d paragraphs, %d earlier shingle sets read (%d values)", n, len(wanted),
                 len(set_hashes) - len(sketch.hashes))
    codes, target, jaccard, match, reuse_rows, reuse_ids, _ = _label.keep_first(
        first_id, kind, heading, group, group_kept, e_rows, sketch.fp_offsets, sketch.ordered,
        sketch.ordered_offsets, run_of, band_base, run_old_end, run_old_count, lsh.members, fp_run, fp_old_end,
        fp_old_count, fingerprints.held, set_hashes, set_offsets, policy.threshold, policy.containment or 0.0,
        policy.reverse_containment, config.new_text_shingles, window, fp_window, reuse.MIN_SHARED_FINGERPRINTS,
        first_id + n,
    )
    del run_of, fp_run
    duplicate = codes == _label.DUPLICATE
    canonical = np.where(duplicate, target, gids)
    reuse_pairs = np.stack([reuse_rows + first_id, reuse_ids], axis=1).astype(np.int64).reshape(-1, 2)
    verdicts = Verdicts(first_id, codes, target, jaccard, match, canonical, reuse_pairs, group_keys, group_kept,
                        band_sorted, fp_sorted, set_hashes, set_offsets)
    batch.verdicts = verdicts
    return verdicts


def commit(batch: Batch, sketch: Sketch, verdicts: Verdicts, state: IndexState, config: "DedupConfig") -> None:
    """The batch joins the state: its articles, every paragraph's article,
    index and canonical gid, and the kept paragraphs' index entries, shingle
    sets, texts and text-order shingles (the sets of the others go).

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> state = IndexState(*config.bands_rows, config.lsh)
    >>> batch = prepare([Article("a", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")], config)
    >>> sketch = sketch_batch(batch, config)
    >>> commit(batch, sketch, label(batch, sketch, state, config), state, config)
    >>> state.count, state.doc_ids, len(state.lsh)
    (1, ['a'], 1)
    """
    n = len(batch)
    first_id = verdicts.first_id
    if first_id != state.count:
        raise ValueError(f"these verdicts were made at gid {first_id}, the state is at {state.count}")
    article_base = state.articles
    separators = config.source_separators
    state.add_articles([a.doc_id for a in batch.articles],
                       [bp.source_key(a.source, a.doc_id, separators) for a in batch.articles])
    e_rows = sketch.rows
    kept = verdicts.codes == _label.KEPT
    kept_e = kept[e_rows]
    group_kept = verdicts.group_kept
    new_groups = np.flatnonzero(group_kept >= first_id)
    state.first_by_text.insert(verdicts.group_keys[new_groups], group_kept[new_groups])
    kept_gids = e_rows[kept_e] + first_id
    gid_of_e = e_rows + first_id
    band_sorted = verdicts.band_members
    if len(kept_gids):
        state.lsh.insert_members(
            np.stack([_label.relabel_kept(band_sorted[band], kept_e, gid_of_e) for band in range(len(band_sorted))]),
            int(kept_gids[-1]))
    kept_at = np.flatnonzero(kept_e)
    e_of_entry = np.repeat(np.arange(len(e_rows)), np.diff(sketch.fp_offsets))
    state.fingerprints.insert_postings(
        _label.relabel_kept(verdicts.fingerprint_members, kept_e[e_of_entry], gid_of_e[e_of_entry]))
    del e_of_entry
    # Raw texts and text-order shingles of the kept paragraphs, for the
    # reused passages of later paragraphs.
    sizes = np.zeros(n, dtype=np.int64)
    kept_texts: list = [None] * n
    if config.min_reuse_words is not None:
        kept_ordered, kept_ordered_offsets = _kernels.gather_sets(sketch.ordered, sketch.ordered_offsets, kept_at)
        sizes[e_rows[kept_e]] = np.diff(kept_ordered_offsets)
        for k in e_rows[kept_e].tolist():
            kept_texts[k] = batch.texts[k]
    else:
        kept_ordered = np.zeros(0, dtype=np.uint32)
    state.add_kept(kept_texts, kept_ordered, sizes)
    del kept_ordered, kept_texts
    kept_hashes, kept_offsets = _kernels.gather_sets(sketch.hashes, sketch.set_offsets, kept_at)
    sizes[:] = 0
    sizes[e_rows[kept_e]] = np.diff(kept_offsets)
    state.hashes.extend(kept_hashes)
    state.set_offsets.extend(state.set_offsets.values[-1] + np.cumsum(sizes))
    state.article_of.extend(article_base + batch.doc_of)
    state.paragraph_index.extend(batch.index)
    state.canonical.extend(verdicts.canonical)


# -- reused passages and records ---------------------------------------------------------

def _finds_reuse(config: "DedupConfig") -> bool:
    return config.min_reuse_words is not None and config.shingle.kind == "word"


def reused_passages(batch: Batch, verdicts: Verdicts, state: IndexState, config: "DedupConfig") -> dict[int, tuple]:
    """Reused passages of the batch's kept paragraphs (after :func:`commit`),
    from the candidate pairs that share fingerprints (see
    :mod:`tikrar.reuse`): ``{row: passages}``.

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> state = IndexState(*config.bands_rows, config.lsh)
    >>> wire = "وقال المتحدث باسم الوزارة إن المحادثات بين الوفدين ستستأنف غدا في العاصمة القطرية الدوحة بحضور الوسطاء"
    >>> longer = ("أعلنت الحكومة اليوم عن خطة جديدة لدعم المزارعين في المناطق الريفية " + wire
    ...           + " وأضاف أن الجولة المقبلة ستركز على الملفات الاقتصادية العالقة بين الجانبين")
    >>> batch = prepare([Article("a", wire), Article("b", longer)], config)
    >>> sketch = sketch_batch(batch, config)
    >>> verdicts = label(batch, sketch, state, config)
    >>> commit(batch, sketch, verdicts, state, config)
    >>> passages = reused_passages(batch, verdicts, state, config)
    >>> [(row, p.doc_id, p.index, longer[p.start:p.end] == wire) for row, found in passages.items() for p in found]
    [(1, 'a', 0, True)]
    """
    first_id, codes, pairs = verdicts.first_id, verdicts.codes, verdicts.reuse_pairs
    if not _finds_reuse(config) or len(pairs) == 0:
        return {}
    pairs = pairs[codes[pairs[:, 0] - first_id] == _label.KEPT]
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    set_hashes, set_offsets = verdicts.set_hashes, verdicts.set_offsets
    inter = _label.intersections(pairs, set_hashes, set_offsets)
    pairs = pairs[inter >= reuse.min_pair_shingles(config.min_reuse_words, config.short_words, config.shingle)]
    if len(pairs) == 0:
        return {}
    ordered, ordered_offsets = state.ordered_of(pairs.reshape(-1))
    segments, shares = _label.shared_segments_threaded(
        pairs, ordered, ordered_offsets, set_hashes, set_offsets, config.shingle.size,
        config.min_reuse_words, config.short_words, reuse.MIN_SIMILARITY)
    if len(segments) == 0:
        return {}
    involved = np.unique(pairs[segments[:, 0]])
    earlier = involved[involved < first_id]
    texts = state.kept_texts(earlier) + [batch.texts[gid - first_id] for gid in involved[involved >= first_id].tolist()]
    # Word w of involved paragraph t spans word_starts/ends[word_at[t] + w].
    word_starts, word_ends, word_at = reuse.word_spans_flat(texts, config.normalize)
    word_counts = np.diff(word_at)
    del texts
    p_of, q_of = pairs[segments[:, 0], 0], pairs[segments[:, 0], 1]
    tp, tq = np.searchsorted(involved, p_of), np.searchsorted(involved, q_of)
    # Where the normalizer's words and the shingled ones disagree, nothing
    # is reported.
    agree = (segments[:, 2] < word_counts[tp]) & (segments[:, 4] < word_counts[tq])
    segments, shares, p_of, q_of, tp, tq = (a[agree] for a in (segments, shares, p_of, q_of, tp, tq))
    if len(segments) == 0:
        return {}
    starts = word_starts[word_at[tp] + segments[:, 1]].tolist()
    ends = word_ends[word_at[tp] + segments[:, 2]].tolist()
    source_starts = word_starts[word_at[tq] + segments[:, 3]].tolist()
    source_ends = word_ends[word_at[tq] + segments[:, 4]].tolist()
    doc_ids = list(map(state.doc_ids.__getitem__, state.article_of.values[q_of].tolist()))
    indexes = state.paragraph_index.values[q_of].tolist()
    similarities = [round(share, 6) for share in shares.tolist()]
    with _collector_paused():
        found = list(map(Reuse._make, zip(starts, ends, doc_ids, indexes, source_starts, source_ends, similarities)))
    # Segments come grouped by paragraph, since the pairs are sorted by it.
    rows = (p_of - first_id).tolist()
    cuts = (np.flatnonzero(np.diff(p_of)) + 1).tolist()
    result: dict[int, tuple] = {}
    for lo, hi in zip([0, *cuts], [*cuts, len(rows)]):
        result[rows[lo]] = (found[lo],) if hi - lo == 1 else reuse.choose(found[lo:hi])
    return result


# Builds a Record from a tuple of its fields in C (no Python call per record).
_tuple_new = tuple.__new__


def make_records(batch: Batch, verdicts: Verdicts, reused: dict[int, tuple], state: IndexState) -> list[Record]:
    """One :class:`Record` per paragraph of a committed batch.

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig()
    >>> state = IndexState(*config.bands_rows, config.lsh)
    >>> text = "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة"
    >>> batch = prepare([Article("a", text), Article("b", text)], config)
    >>> sketch = sketch_batch(batch, config)
    >>> verdicts = label(batch, sketch, state, config)
    >>> commit(batch, sketch, verdicts, state, config)
    >>> [(r.doc_id, r.label, r.duplicate_of) for r in make_records(batch, verdicts, {}, state)]
    [('a', 'unique', None), ('b', 'duplicate', ParagraphRef(doc_id='a', index=0))]
    """
    n = len(batch)
    codes, target, hits = verdicts.codes, verdicts.target, batch.hits
    all_article_of = state.article_of.values
    all_index = state.paragraph_index.values
    article_of = all_article_of[verdicts.first_id : verdicts.first_id + n]
    dup_rows = np.flatnonzero(codes == _label.DUPLICATE)
    refs: dict[int, ParagraphRef] = {}
    for gid in np.unique(target[dup_rows]).tolist():
        refs[gid] = ParagraphRef(state.doc_ids[all_article_of[gid]], int(all_index[gid]))
    within = all_article_of[target[dup_rows]] == article_of[dup_rows]

    labels: list = [LABEL_UNIQUE] * n
    scopes: list = [None] * n
    targets: list = [None] * n
    similarities: list = [None] * n
    reasons: list = [None] * n
    matches: list = [None] * n
    passages: list = [()] * n
    for k in np.flatnonzero(codes == _label.BOILERPLATE).tolist():
        labels[k], reasons[k] = LABEL_BOILERPLATE, hits[k].reason
    for k in np.flatnonzero(codes == _label.EMPTY).tolist():
        reasons[k] = REASON_EMPTY
    match_names = {_label.NEAR: MATCH_NAMES[1], _label.CONTAINED: MATCH_NAMES[2], _label.EXACT: MATCH_EXACT}
    for k, gid, within_k, sim, kind_k in zip(dup_rows.tolist(), target[dup_rows].tolist(), within.tolist(),
                                             verdicts.similarity[dup_rows].tolist(), verdicts.match[dup_rows].tolist()):
        labels[k], scopes[k], targets[k] = LABEL_DUPLICATE, SCOPE_WITHIN if within_k else SCOPE_ACROSS, refs[gid]
        similarities[k], matches[k] = round(sim, 6), match_names[kind_k]
    for k, found_passages in reused.items():
        passages[k] = found_passages
    doc_of = batch.doc_of.tolist()
    doc_ids = list(map([a.doc_id for a in batch.articles].__getitem__, doc_of))
    sources = list(map([a.source for a in batch.articles].__getitem__, doc_of))
    with _collector_paused():
        return list(map(_tuple_new, repeat(Record, n), zip(
            doc_ids, batch.index.tolist(), batch.starts.tolist(), batch.ends.tolist(), batch.texts, labels,
            scopes, targets, similarities, reasons, matches, sources, passages,
        )))


# -- corpus-learned boilerplate ----------------------------------------------------------

def corpus_boilerplate(batch: Batch, records: list[Record], state: IndexState, config: "DedupConfig") -> list[Record]:
    """Boilerplate learned from the corpus itself.

    A repeated paragraph is a cluster: its first occurrence and every
    duplicate pointing at it (``duplicate_of``). For each cluster the
    state keeps, across batches, how many distinct articles of each
    source it was found in. When one source S holds at
    least ``min_source_articles`` of them, and at least
    ``min_source_share`` of all the articles holding the cluster, the
    cluster is S's page furniture. Members are looked at in input order,
    each against the articles up to its own: from the copy that makes
    the cluster furniture on, copies are ``boilerplate`` with the reason
    "repeated in N articles of source S" (the kept paragraph, the first
    copy, never is). So the labels do not depend on how the input is
    split into batches or runs. A paragraph shared by a few articles of
    different sources stays ``duplicate``.

    The source is ``Article.source``, else the doc_id prefix, else the
    whole corpus (see :func:`tikrar.boilerplate.source_key`). Records
    returned for an earlier batch are never changed; relabelled
    records keep their ``duplicate_of``, ``similarity`` and ``match``.

    >>> from tikrar import DedupConfig
    >>> config = DedupConfig(min_source_articles=3)
    >>> state = IndexState(*config.bands_rows, config.lsh)
    >>> footer = "صحيفة المساء اليومية تصدر عن مؤسسة الإعلام الحديث في الرياض كل صباح"
    >>> articles = [Article(f"a{k}", f"خبر رقم {k} عن الطقس\\n{footer}", source="sabq") for k in range(4)]
    >>> batch = prepare(articles, config)
    >>> sketch = sketch_batch(batch, config)
    >>> verdicts = label(batch, sketch, state, config)
    >>> commit(batch, sketch, verdicts, state, config)
    >>> records = corpus_boilerplate(batch, make_records(batch, verdicts, {}, state), state, config)
    >>> [(r.doc_id, r.label) for r in records if r.index == 1]   # the kept copy, then furniture from the 3rd article
    [('a0', 'unique'), ('a1', 'duplicate'), ('a2', 'boilerplate'), ('a3', 'boilerplate')]
    """
    if not (config.boilerplate and config.corpus_boilerplate) or not records:
        return records
    return _corpus_boilerplate(batch, records, state, config)


def _corpus_boilerplate(batch: Batch, records: list[Record], state: IndexState, config: "DedupConfig") -> list[Record]:
    """:func:`corpus_boilerplate` over the batch's arrays: the
    same verdicts, with Python looping over repeated clusters only."""
    n = len(batch)
    first_id = state.count - n
    # Article ids as the labelling stage gave them (every batch takes
    # ids, one without paragraphs too).
    article_base = state.articles - len(batch.articles)
    codes, canonical = batch.verdicts.codes, batch.verdicts.canonical
    duplicate = codes == _label.DUPLICATE
    if not duplicate.any():
        return records
    gids = np.arange(first_id, first_id + n, dtype=np.int64)
    member = duplicate | (codes == _label.KEPT)
    key = np.where(duplicate, canonical, gids)
    repeated = np.unique(canonical[duplicate])
    rows = np.flatnonzero(member & np.isin(key, repeated))
    article = article_base + batch.doc_of
    # One entry per (cluster, article), in order of first position; a new
    # cluster whose first occurrence is not a member here (added by an
    # earlier batch, or boilerplate in this one) counts that occurrence's
    # article first.
    entry_key, entry_article, entry_order = [key[rows]], [article[rows]], [rows]
    new_keys = np.array([k for k in repeated.tolist() if k not in state.cluster_sources], dtype=np.int64)
    if len(new_keys):
        inside = new_keys >= first_id
        outside_member = np.zeros(len(new_keys), dtype=bool)
        outside_member[inside] = codes[new_keys[inside] - first_id] != _label.KEPT
        outside_member[~inside] = True
        firsts = new_keys[outside_member]
        entry_key.append(firsts)
        entry_article.append(state.article_of.values[firsts])
        entry_order.append(np.full(len(firsts), -1, dtype=np.int64))
    entry_key = np.concatenate(entry_key)
    entry_article = np.concatenate(entry_article)
    entry_order = np.concatenate(entry_order)
    order = np.lexsort((entry_order, entry_key))
    # In input order within each cluster: a row's verdict depends only on
    # the articles before it and its own, so any split into batches (or
    # runs over a saved index) gives the same labels.
    sources = state.article_sources
    reasons: dict[int, str] = {}
    current = owner_before = -1
    counts: dict = {}
    for cluster, owner, position in zip(entry_key[order].tolist(), entry_article[order].tolist(),
                                        entry_order[order].tolist()):
        if cluster != current:
            current, owner_before = cluster, -1
            counts = state.cluster_counts(cluster)
        if owner != owner_before:
            owner_before = owner
            source = sources[owner]
            counts[source] = counts.get(source, 0) + 1
        if position >= 0:
            reason = furniture_reason(counts, config)
            if reason is not None:
                reasons[position] = reason
    if not reasons:
        return records
    records = list(records)
    for position, reason in reasons.items():
        records[position] = records[position]._replace(label=LABEL_BOILERPLATE, reason=reason)
    return records
