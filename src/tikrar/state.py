"""Everything a :class:`~tikrar.Deduplicator` remembers between batches.

One object, :class:`IndexState`, holds it as plain numpy arrays and lists,
so it can be saved (:mod:`tikrar.store`), checked and rolled back. Every
paragraph ever added has a *global id* (gid), its position in input order;
every article an *ordinal*. Only kept paragraphs (labelled unique) enter
the indexes: a later paragraph can only be the duplicate of a kept one.

Schema (``n`` paragraphs, ``m`` articles so far):

=====================  ===========================  ==============================================
field                  type                         what
=====================  ===========================  ==============================================
``lsh``                LSHIndex: (bands, k) uint64  sorted ``band_key_high32 << 32 | gid`` per band
``fingerprints``       FingerprintIndex: uint64     sorted ``fingerprint << 32 | gid``
``first_by_text``      KeyTable: uint64 -> uint32   normalized-text key -> gid of the kept paragraph
``hashes``             Archive uint32, CSR by gid    shingle set of each kept paragraph (others empty; mostly on disk)
``set_offsets``        int64, n + 1                  ``hashes[set_offsets[g]:set_offsets[g + 1]]``
``ordered``            Archive uint32, CSR by gid    a kept paragraph's shingles in text order (mostly on disk)
``ordered_offsets``    int64, n + 1
``texts``              Archive uint8, CSR by gid     UTF-8 raw text of kept paragraphs (mostly on disk)
``text_offsets``       int64, n + 1                  ``texts[text_offsets[g]:text_offsets[g + 1]]``
``article_of``         int64, n                      ordinal of each paragraph's article
``paragraph_index``    int32, n                      its 0-based index in the article
``canonical``          int64, n                      gid of the kept paragraph it repeats (own gid if kept)
``doc_ids``            list[str], m                  doc_id of each article
``article_sources``    list[str | None], m           source key of each article
``removed``            set[int]                      ordinals of removed articles
``cluster_sources``    dict[int, dict]               gid of a repeated paragraph -> {source: articles}
=====================  ===========================  ==============================================

>>> state = IndexState(bands=2, rows=2)
>>> state.count, state.articles, len(state.lsh)
(0, 0, 0)
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import numpy as np

from . import _kernels
from .archive import Archive
from .config import LSHConfig
from .index import MAX_ID, FingerprintIndex, KeyTable, LSHIndex, grow_in_place, room_for


__all__ = ["Column", "IndexState", "Mark", "signals_deferred"]


class Column:
    """A growing 1-D numpy array: amortized appends, no full copy per batch.

    >>> c = Column(np.int64, [0]); c.extend(np.array([4, 5])); c.values.tolist()
    [0, 4, 5]
    """

    def __init__(self, dtype, initial: Sequence = ()):
        self._data = np.array(initial, dtype=dtype)
        self.size = len(self._data)

    @classmethod
    def adopt(cls, array: np.ndarray) -> "Column":
        """A Column over ``array`` itself (no copy; it must own its data)."""
        column = cls(array.dtype)
        column._data, column.size = array, len(array)
        return column

    def extend(self, values: np.ndarray) -> None:
        size = self.size + len(values)
        if size > len(self._data):
            grow_in_place(self, "_data", room_for(size, len(self._data)))
        self._data[self.size : size] = values
        self.size = size

    @property
    def values(self) -> np.ndarray:
        return self._data[: self.size]

    def truncate(self, size: int) -> None:
        self.size = size

    @property
    def nbytes(self) -> int:
        return self._data.nbytes


@dataclass(frozen=True)
class Mark:
    """Sizes of an :class:`IndexState` at one moment (see :meth:`IndexState.mark`).

    >>> state = IndexState(bands=2, rows=2)
    >>> mark = state.mark(); state.add_articles(["a"], [None]); state.rollback(mark)
    >>> mark.articles, state.articles
    (0, 0)
    """

    count: int
    articles: int
    hashes: int
    ordered: int
    texts: int
    cluster_undo: dict
    # What removals since the mark took out, to be put back by a rollback.
    removal_undo: list


#: Python-level state changes that must not be cut in two by Ctrl-C.
_commit_lock = threading.RLock()


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT (and SIGTERM) until the block ends, so a change of several
    arrays is made whole or not at all. Outside the main thread signals are
    not delivered anyway; there it only takes a lock.

    >>> with signals_deferred():
    ...     pass   # a Ctrl-C here would be raised only after the block
    """
    if threading.current_thread() is not threading.main_thread():
        with _commit_lock:
            yield
        return
    caught: list = []

    def hold(number, frame):
        caught.append(number)

    previous = {number: signal.signal(number, hold) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _commit_lock:
            yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in caught:
            handler = previous[number]
            if callable(handler):
                handler(number, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(number)


class IndexState:
    """The state of a deduplication run (schema in the module docstring).

    ``mark()`` and ``rollback(mark)`` make an :meth:`Deduplicator.add`
    all or nothing: everything a batch adds carries a gid or ordinal at or
    above the mark, so rolling back drops exactly that.

    >>> state = IndexState(bands=2, rows=2)
    >>> state.add_articles(["a", "b"], ["sabq", None])
    >>> state.articles, state.ordinal_of("b"), state.ordinal_of("c")
    (2, 1, None)
    """

    def __init__(self, bands: int, rows: int, lsh_config: LSHConfig = LSHConfig()):
        self.lsh = LSHIndex(bands, rows, lsh_config)
        self.fingerprints = FingerprintIndex()
        self.first_by_text = KeyTable()
        # The shingle sets are read only for the few kept paragraphs a batch
        # may match (see sets_of); the texts and text-order shingles only to
        # place reused passages: all three are kept on disk (tikrar.archive).
        self.hashes = Archive(np.uint32)
        self.set_offsets = Column(np.int64, [0])
        self.ordered = Archive(np.uint32)
        self.ordered_offsets = Column(np.int64, [0])
        self.texts = Archive(np.uint8)
        self.text_offsets = Column(np.int64, [0])
        self.article_of = Column(np.int64)
        self.paragraph_index = Column(np.int32)
        self.canonical = Column(np.int64)
        self.doc_ids: list[str] = []
        self.article_sources: list[Optional[str]] = []
        self.removed: set[int] = set()
        self.cluster_sources: dict[int, dict[Optional[str], int]] = {}
        # Changes since the last save (see tikrar.store).
        self.saved_count = 0
        self.saved_articles = 0
        self.dirty_clusters: set[int] = set()
        self.removed_since_save: set[int] = set()
        self._ordinal_by_doc: Optional[dict[str, int]] = None
        self._cluster_undo: Optional[dict] = None
        self._removal_undo: Optional[list] = None

    @property
    def count(self) -> int:
        """Paragraphs added so far (the next gid)."""
        return self.article_of.size

    @property
    def articles(self) -> int:
        """Articles added so far (the next ordinal), removed ones included."""
        return len(self.doc_ids)

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (not the Python lists and dicts)."""
        columns = (self.hashes, self.set_offsets, self.ordered, self.ordered_offsets, self.texts,
                   self.text_offsets, self.article_of, self.paragraph_index, self.canonical)
        return (self.lsh.nbytes + self.fingerprints.nbytes + self.first_by_text.nbytes
                + sum(c.nbytes for c in columns))

    # -- articles by doc_id ---------------------------------------------------

    def ordinal_of(self, doc_id: str) -> Optional[int]:
        """The ordinal of the live (not removed) article ``doc_id``, or None."""
        if self._ordinal_by_doc is None:
            self._ordinal_by_doc = {}
            for ordinal, held in enumerate(self.doc_ids):
                if ordinal not in self.removed:
                    self._ordinal_by_doc[held] = ordinal
        return self._ordinal_by_doc.get(doc_id)

    def add_articles(self, doc_ids: Sequence[str], sources: Sequence[Optional[str]]) -> None:
        first = len(self.doc_ids)
        self.doc_ids.extend(doc_ids)
        self.article_sources.extend(sources)
        if self._ordinal_by_doc is not None:
            for offset, doc_id in enumerate(doc_ids):
                self._ordinal_by_doc[doc_id] = first + offset

    # -- kept paragraphs' texts and shingles in text order ----------------------

    def add_kept(self, texts: Sequence[Optional[str]], ordered: np.ndarray, ordered_sizes: np.ndarray) -> None:
        """Append the next ``len(texts)`` paragraphs' raw texts (None for
        one not kept) and text-order shingles (CSR sizes per paragraph)."""
        encoded = [b"" if t is None else t.encode("utf-8", "surrogatepass") for t in texts]
        sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        self.texts.extend(np.frombuffer(b"".join(encoded), dtype=np.uint8))
        self.text_offsets.extend(self.text_offsets.values[-1] + np.cumsum(sizes))
        self.ordered.extend(ordered)
        self.ordered_offsets.extend(self.ordered_offsets.values[-1] + np.cumsum(ordered_sizes))

    def kept_texts(self, gids: Sequence[int]) -> list[str]:
        """The raw texts of kept paragraphs ``gids``."""
        offsets = self.text_offsets.values
        gids = np.asarray(gids, dtype=np.int64)
        blob, bounds = self.texts.gather(offsets[gids], offsets[gids + 1])
        raw, bounds = blob.tobytes(), bounds.tolist()
        return [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds, bounds[1:])]

    def ordered_of(self, gids: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """The text-order shingles of paragraphs ``gids`` as a CSR over all
        gids (``count + 1`` offsets; the others empty)."""
        offsets = self.ordered_offsets.values
        gids = np.unique(np.asarray(gids, dtype=np.int64))
        values, local = self.ordered.gather(offsets[gids], offsets[gids + 1])
        # Offsets by gid reach the batch being labelled (not yet counted).
        sizes = np.zeros(len(offsets) - 1, dtype=np.int64)
        sizes[gids] = np.diff(local)
        by_gid = np.zeros(len(offsets), dtype=np.int64)
        np.cumsum(sizes, out=by_gid[1:])
        return values, by_gid

    def sets_of(self, gids: np.ndarray, batch_hashes: np.ndarray, batch_sizes: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """The shingle sets of the held paragraphs ``gids`` (sorted) and of
        a batch about to be labelled (CSR ``batch_hashes`` with
        ``batch_sizes`` per paragraph, gids from :attr:`count` on), as one
        CSR by gid over ``count + len(batch_sizes)`` paragraphs; the sets of
        other held paragraphs are empty.

        >>> state = IndexState(bands=2, rows=2)
        >>> values, offsets = state.sets_of(np.zeros(0, np.int64), np.array([7, 9], np.uint32), np.array([2]))
        >>> values.tolist(), offsets.tolist()
        ([7, 9], [0, 2])
        """
        offsets = self.set_offsets.values
        gids = np.asarray(gids, dtype=np.int64)
        held, local = self.hashes.gather(offsets[gids], offsets[gids + 1])
        count = self.count
        sizes = np.zeros(count + len(batch_sizes), dtype=np.int64)
        sizes[gids] = np.diff(local)
        sizes[count:] = batch_sizes
        by_gid = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=by_gid[1:])
        return np.concatenate([held, np.asarray(batch_hashes, dtype=np.uint32)]), by_gid

    # -- corpus boilerplate counts ---------------------------------------------

    def cluster_counts(self, cluster: int) -> dict[Optional[str], int]:
        """The per-source article counts of a repeated paragraph, to be
        changed in place (the first change since :meth:`mark` is undoable)."""
        counts = self.cluster_sources.get(cluster)
        if self._cluster_undo is not None and cluster not in self._cluster_undo:
            self._cluster_undo[cluster] = None if counts is None else dict(counts)
        if counts is None:
            counts = self.cluster_sources[cluster] = {}
        self.dirty_clusters.add(cluster)
        return counts

    # -- all or nothing ---------------------------------------------------------

    def mark(self) -> Mark:
        """The sizes now; :meth:`rollback` returns to them."""
        self._cluster_undo, self._removal_undo = {}, []
        return Mark(self.count, self.articles, self.hashes.size, self.ordered.size, self.texts.size,
                    self._cluster_undo, self._removal_undo)

    def release(self, mark: Mark) -> None:
        """The batch since ``mark`` is committed: forget how to undo it."""
        if self._cluster_undo is mark.cluster_undo:
            self._cluster_undo = self._removal_undo = None

    def rollback(self, mark: Mark) -> None:
        """Drop everything added since ``mark``: paragraphs with gid >=
        ``mark.count``, articles from ``mark.articles`` on, and changed
        cluster counts."""
        with signals_deferred():
            first = mark.count
            self._drop_gids_from(first)
            for undo in reversed(mark.removal_undo):
                self._put_back(*undo)
            for column in (self.article_of, self.paragraph_index, self.canonical):
                column.truncate(min(column.size, first))
            self.set_offsets.truncate(min(self.set_offsets.size, first + 1))
            self.ordered_offsets.truncate(min(self.ordered_offsets.size, first + 1))
            self.text_offsets.truncate(min(self.text_offsets.size, first + 1))
            self.hashes.truncate(mark.hashes)
            self.ordered.truncate(mark.ordered)
            self.texts.truncate(mark.texts)
            for cluster, counts in mark.cluster_undo.items():
                if counts is None:
                    self.cluster_sources.pop(cluster, None)
                else:
                    self.cluster_sources[cluster] = counts
            del self.doc_ids[mark.articles :]
            del self.article_sources[mark.articles :]
            self._ordinal_by_doc = None
            self._cluster_undo = self._removal_undo = None

    def _drop_gids_from(self, first: int) -> None:
        """Remove index entries of gids >= ``first`` (kept order)."""
        self._filter_indexes(lambda gids: gids < first)

    def _filter_indexes(self, keep_gids) -> tuple:
        """Keep the index entries whose gid passes ``keep_gids`` (order
        kept); returns the entries taken out (band members, postings, text
        keys and their gids)."""
        low = np.uint64(MAX_ID)
        lsh = self.lsh
        size = len(lsh)
        out_members = np.zeros((lsh.bands, 0), dtype=np.uint64)
        if size:
            members = lsh.members
            keep = keep_gids((members[0, :size] & low).astype(np.int64))
            if not keep.all():
                out_members = np.empty((lsh.bands, int((~keep).sum())), dtype=np.uint64)
                for band in range(lsh.bands):
                    row = members[band, :size]
                    keep = keep_gids((row & low).astype(np.int64))
                    kept = row[keep]
                    out_members[band] = row[~keep]
                    members[band, : len(kept)] = kept
                lsh._size = len(kept)
                lsh._last_id = int((members[0, : lsh._size] & low).max()) if lsh._size else -1
        postings = self.fingerprints.postings
        keep = keep_gids((postings & low).astype(np.int64))
        out_postings = postings[~keep]
        if len(out_postings):
            kept = postings[keep]
            self.fingerprints.held[: len(kept)] = kept
            self.fingerprints._size = len(kept)
        table = self.first_by_text
        values = table._values[: table._size]
        keep = keep_gids(values.astype(np.int64))
        out_keys, out_values = table._keys[: table._size][~keep], values[~keep]
        if len(out_keys):
            kept_keys, kept_values = table._keys[: table._size][keep], values[keep]
            table._keys[: len(kept_keys)] = kept_keys
            table._values[: len(kept_values)] = kept_values
            table._size = len(kept_keys)
        return out_members, out_postings, out_keys, out_values

    def _put_back(self, members, postings, keys, values, clusters, ordinals) -> None:
        """Undo one :meth:`remove_articles` (see :meth:`rollback`)."""
        lsh = self.lsh
        if members.shape[1]:
            last = int((members[0] & np.uint64(MAX_ID)).max())
            lsh._reserve(len(lsh) + members.shape[1])
            for band in range(lsh.bands):
                _kernels.merge_sorted_into(lsh.members[band], len(lsh), members[band])
            lsh._size += members.shape[1]
            lsh._last_id = max(lsh._last_id, last)
        if len(postings):
            self.fingerprints.insert_postings(postings)
        if len(keys):
            order = np.argsort(keys, kind="stable")
            self.first_by_text.insert(keys[order], values[order])
        self.cluster_sources.update(clusters)
        self.removed.difference_update(ordinals)
        self.removed_since_save.difference_update(ordinals)
        self._ordinal_by_doc = None

    # -- removal ------------------------------------------------------------------

    def remove_articles(self, ordinals: Sequence[int]) -> np.ndarray:
        """Remove articles: their paragraphs leave every index, so nothing
        later matches them. Returns the gids of the removed paragraphs.
        Inside a :meth:`mark`, a :meth:`rollback` puts them back."""
        ordinals = sorted(set(int(o) for o in ordinals) - self.removed)
        if not ordinals:
            return np.zeros(0, dtype=np.int64)
        gone_articles = np.zeros(self.articles, dtype=bool)
        gone_articles[ordinals] = True
        gone = gone_articles[self.article_of.values]
        gids = np.flatnonzero(gone)
        with signals_deferred():
            taken = self._filter_indexes(lambda held: ~gone[held])
            clusters = {gid: self.cluster_sources.pop(gid) for gid in gids.tolist() if gid in self.cluster_sources}
            self.dirty_clusters.update(clusters)
            self.removed.update(ordinals)
            self.removed_since_save.update(ordinals)
            self._ordinal_by_doc = None
            if self._removal_undo is not None:
                self._removal_undo.append((*taken, clusters, ordinals))
        return gids
