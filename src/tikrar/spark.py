"""The same deduplication on Apache Spark, record for record.

:func:`dedup` takes a Spark DataFrame of articles (``id`` and ``text``
columns, optionally ``source`` and ``order``) and returns a DataFrame of
paragraph records with the columns and meaning of
:meth:`tikrar.types.Record.to_dict`, equal to what :func:`tikrar.dedup`
gives for the same articles in the same order. :func:`cleaned` turns those
records into articles without their duplicate and boilerplate paragraphs.
Needs ``pip install 'tikrar[spark]'`` (pyspark, pyarrow and pandas, which
pyspark's Arrow functions import) and Java; pyspark is imported when a
function here is called, not when this module is.

How the work is spread::

    articles --mapInArrow(stages.prepare, stages.sketch_batch)--> paragraphs
             (text keys, shingle sets, MinHash band keys, fingerprints)
    band keys and fingerprints exploded; groups of one paragraph dropped
    rounds, until no paragraph changes between kept and not kept:
        exact repeats      window over each normalized text
        LSH candidates     the max_bucket_pairs most recent kept members of
                           each bucket before a paragraph (rank windows)
        fingerprint hits   the fingerprint_postings most recent kept
                           postings of each fingerprint before it
        verification       mapInArrow over pairs not verified yet
        keep-first         best verified kept candidate per paragraph
    reused passages        groupBy kept paragraph, mapInArrow over its pairs
    corpus boilerplate     groupBy repeated paragraph, its copies in order
    records                joined and sorted in input order

The local engine labels paragraphs one after another; here every round
labels all of them from the previous round's kept set. A paragraph's label
depends only on which earlier paragraphs are kept, so the labels of the
first paragraphs settle at once and the rest follow; a round that changes
nothing has reached the local result (the only labelling consistent with
itself). The candidate caps are reproduced as the local engine applies
them: which kept paragraphs a lookup visits depends on the kept set, so it
is found from ranks among the kept members, and after the first round
only the paragraphs whose lookups can visit something else look up again.

>>> from tikrar import spark as tikrar_spark
>>> records = tikrar_spark.dedup(articles_df)             # doctest: +SKIP
>>> records.filter("label = 'duplicate'").count()         # doctest: +SKIP
>>> tikrar_spark.cleaned(records).write.json("clean/")    # doctest: +SKIP

The parts that need no Spark run anywhere:

>>> paragraph_seq(3, 2) == (3 << INDEX_BITS) | 2
True
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any, Iterable, Iterator, Optional

import numpy as np

from .errors import ConfigError, InputError, require_module

__all__ = ["dedup", "cleaned", "records_schema", "verify_pairs", "paragraph_seq", "INDEX_BITS", "BROADCAST_PARAGRAPHS"]

_log = logging.getLogger(__name__)

#: Up to this many paragraphs, each round's kept flags are broadcast to the
#: LSH and fingerprint members (which then stay where they are); above it
#: Spark joins them as it sees fit.
BROADCAST_PARAGRAPHS = 2_000_000

#: A paragraph's place in input order is one long: the article's ordinal
#: above its index in the article, which must stay below ``2**INDEX_BITS``.
INDEX_BITS = 20

#: Column types an id or a source may have (integers are written in decimal;
#: ``void``, a column of nulls only, is a source column of no sources).
_ID_TYPES = ("string", "tinyint", "smallint", "int", "bigint", "void")

# Kinds of a paragraph, as the keep-first kernel takes them.
_ORDINARY, _DIRECT, _BLANK = 0, 1, 2


def paragraph_seq(ordinal: int, index: int) -> int:
    """The sort key of paragraph ``index`` of the article with input ordinal
    ``ordinal``: keys sort as the local engine's global ids do.

    >>> paragraph_seq(0, 5) < paragraph_seq(1, 0)
    True
    >>> paragraph_seq(0, 2**INDEX_BITS)
    Traceback (most recent call last):
    ...
    tikrar.errors.InputError: article #0: has 1048577 paragraphs or more; tikrar.spark takes at most 1048576 per article
    """
    if index >= 1 << INDEX_BITS:
        raise InputError(f"article #{ordinal}", f"has {index + 1} paragraphs or more; "
                                                f"tikrar.spark takes at most {1 << INDEX_BITS} per article")
    return (ordinal << INDEX_BITS) | index


def _spark():
    """The pyspark modules this module uses, or a MissingDependencyError
    with the pip line."""
    require_module("pyarrow", "spark", "tikrar.spark")
    functions = require_module("pyspark.sql.functions", "spark", "tikrar.spark")
    types = require_module("pyspark.sql.types", "spark", "tikrar.spark")
    return functions, types, require_module("pyspark.sql.window", "spark", "tikrar.spark").Window


# -- Arrow helpers (run on the executors) -------------------------------------------------

def _csr_of(column) -> tuple[np.ndarray, np.ndarray]:
    """A binary Arrow column of packed uint32 arrays as ``(values, offsets)``
    (null entries empty)."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    wide = pa.types.is_large_binary(column.type)
    buffers = column.buffers()
    n = len(column)
    offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)[column.offset : column.offset + n + 1]
    offsets = offsets.astype(np.int64)
    if n == 0 or buffers[2] is None:
        return np.zeros(0, dtype=np.uint32), np.zeros(n + 1, dtype=np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.copy().view(np.uint32), (offsets - offsets[0]) // 4


def _binary_of(values: np.ndarray, offsets: np.ndarray):
    """The Arrow binary column of the CSR ``(values, offsets)`` of uint32."""
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype=np.uint32)
    byte_offsets = (np.asarray(offsets, dtype=np.int64) * 4).astype(np.int32)
    return pa.Array.from_buffers(pa.binary(), len(byte_offsets) - 1,
                                 [None, pa.py_buffer(byte_offsets.tobytes()), pa.py_buffer(values.tobytes())])


def _list_of(values: np.ndarray, offsets: np.ndarray):
    """An Arrow list<int64> column from CSR ``(values, offsets)``."""
    import pyarrow as pa

    return pa.ListArray.from_arrays(pa.array(np.asarray(offsets, dtype=np.int32)),
                                    pa.array(np.asarray(values, dtype=np.int64)))


class _OneThread:
    """numba's kernels on one thread inside a Spark task: Spark runs one task
    per core already."""

    def __enter__(self):
        import numba

        self._previous = numba.get_num_threads()
        numba.set_num_threads(1)

    def __exit__(self, *exc):
        import numba

        numba.set_num_threads(self._previous)


def _signed(values: np.ndarray) -> np.ndarray:
    """uint64 keys as the int64 Spark holds (same bits)."""
    return np.ascontiguousarray(values, dtype=np.uint64).view(np.int64)


# -- stage 1: paragraphs and their sketches ---------------------------------------------------

def _paragraph_batches(batches: Iterable, config) -> Iterator:
    """mapInArrow: articles ``(art, id, text, source)`` to one row per
    paragraph, through :func:`tikrar.stages.prepare` and
    :func:`tikrar.stages.sketch_batch`."""
    import pyarrow as pa

    from . import boilerplate as bp
    from . import stages
    from .dedup import coerce_article

    rules = config.active_rules
    with _OneThread():
        for chunk in batches:
            arts = chunk.column(0).to_numpy(zero_copy_only=False).astype(np.int64)
            items = zip(chunk.column(1).to_pylist(), chunk.column(2).to_pylist(), chunk.column(3).to_pylist())
            articles = [coerce_article(item, int(art)) for art, item in zip(arts.tolist(), items)]
            batch = stages.prepare(articles, config, rules)
            sketch = stages.sketch_batch(batch, config)
            n = len(batch)
            index = batch.index.astype(np.int64)
            if n and int(index.max()) >= 1 << INDEX_BITS:
                worst = int(np.argmax(index))
                paragraph_seq(int(arts[batch.doc_of[worst]]), int(index[worst]))
            art = arts[batch.doc_of]
            direct = batch.direct
            kind = np.full(n, _ORDINARY, dtype=np.int8)
            kind[(batch.words == 0) & ~direct] = _BLANK
            kind[direct] = _DIRECT
            heading = np.array([hit is not None and not hit.direct for hit in batch.hits], dtype=bool)
            reasons = [None if hit is None else hit.reason for hit in batch.hits]
            rows = sketch.rows
            indexed = np.zeros(n, dtype=bool)
            indexed[rows] = True
            # CSR over all paragraphs (the ones not indexed empty).
            def spread(offsets):
                sizes = np.zeros(n, dtype=np.int64)
                sizes[rows] = np.diff(offsets)
                out = np.zeros(n + 1, dtype=np.int64)
                np.cumsum(sizes, out=out[1:])
                return out

            bands = sketch.band_keys.shape[0]
            band_values = _signed((sketch.band_keys >> np.uint64(32)).T.reshape(-1))
            band_sizes = np.zeros(n, dtype=np.int64)
            band_sizes[rows] = bands
            band_offsets = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(band_sizes, out=band_offsets[1:])
            fp_offsets = spread(sketch.fp_offsets)
            nfp = np.diff(fp_offsets)
            doc_ids = [a.doc_id for a in articles]
            sources = [a.source for a in articles]
            keys = [bp.source_key(a.source, a.doc_id, config.source_separators) for a in articles]
            doc_of = batch.doc_of.tolist()
            yield pa.RecordBatch.from_arrays([
                pa.array((art << INDEX_BITS) | index, pa.int64()),
                pa.array(art, pa.int64()),
                pa.array([doc_ids[d] for d in doc_of], pa.string()),
                pa.array(index, pa.int32()),
                pa.array(batch.starts, pa.int32()),
                pa.array(batch.ends, pa.int32()),
                pa.array(batch.texts, pa.string()),
                pa.array([sources[d] for d in doc_of], pa.string()),
                pa.array([keys[d] for d in doc_of], pa.string()),
                pa.array(kind, pa.int8()),
                pa.array(heading, pa.bool_()),
                pa.array(reasons, pa.string()),
                pa.array(_signed(sketch.text_keys), pa.int64()),
                pa.array(indexed, pa.bool_()),
                pa.array(nfp, pa.int32()),
                _binary_of(sketch.hashes, spread(sketch.set_offsets)),
                _binary_of(sketch.ordered, spread(sketch.ordered_offsets)),
                _list_of(band_values, band_offsets),
                _list_of(sketch.fp_hashes.astype(np.int64), fp_offsets),
            ], names=_PARAGRAPH_COLUMNS)


_PARAGRAPH_COLUMNS = ["seq", "art", "doc_id", "index", "start", "end", "text", "source", "src_key", "kind",
                      "heading", "hit_reason", "text_key", "indexed", "nfp", "hashes", "ordered", "bands", "fps"]


def _paragraph_schema(T):
    return T.StructType([
        T.StructField("seq", T.LongType()), T.StructField("art", T.LongType()),
        T.StructField("doc_id", T.StringType()), T.StructField("index", T.IntegerType()),
        T.StructField("start", T.IntegerType()), T.StructField("end", T.IntegerType()),
        T.StructField("text", T.StringType()), T.StructField("source", T.StringType()),
        T.StructField("src_key", T.StringType()), T.StructField("kind", T.ByteType()),
        T.StructField("heading", T.BooleanType()), T.StructField("hit_reason", T.StringType()),
        T.StructField("text_key", T.LongType()), T.StructField("indexed", T.BooleanType()),
        T.StructField("nfp", T.IntegerType()), T.StructField("hashes", T.BinaryType()),
        T.StructField("ordered", T.BinaryType()), T.StructField("bands", T.ArrayType(T.LongType())),
        T.StructField("fps", T.ArrayType(T.LongType())),
    ])


# -- stage 2: verification of candidate pairs ---------------------------------------------------

def verify_pairs(p_sets: tuple, p_ordered: tuple, q_sets: tuple, config) -> tuple[np.ndarray, np.ndarray]:
    """Jaccard similarity and match code (``tikrar.match``: NO_MATCH, NEAR,
    CONTAINED) of pairs ``(p, q)``, ``q`` the earlier paragraph, as the
    keep-first kernel decides them: ``p_sets``, ``p_ordered`` and
    ``q_sets`` are CSR ``(values, offsets)`` with one entry per pair (sorted
    shingle sets, ``p``'s shingles in text order).

    A pair where ``q`` lies inside ``p`` and ``p`` has a run of
    ``new_text_shingles`` shingles of its own is not a repeat.

    >>> from tikrar import DedupConfig, stages
    >>> from tikrar.types import Article
    >>> config = DedupConfig()
    >>> text = "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة"
    >>> s = stages.sketch_batch(stages.prepare([Article("a", text), Article("b", text + " اليوم")], config), config)
    >>> sets = lambda i: (s.hashes[s.set_offsets[i]:s.set_offsets[i + 1]], np.array([0, s.set_offsets[i + 1] - s.set_offsets[i]]))
    >>> ordered = (s.ordered[s.ordered_offsets[1]:s.ordered_offsets[2]], np.array([0, s.ordered_offsets[2] - s.ordered_offsets[1]]))
    >>> jaccard, kinds = verify_pairs(sets(1), ordered, sets(0), config)
    >>> round(float(jaccard[0]), 3), kinds.tolist()
    (0.889, [1])
    """
    from . import _label
    from .match import NO_MATCH, classify_pairs

    (ph, po), (oh, oo), (qh, qo) = p_sets, p_ordered, q_sets
    n = len(po) - 1
    if n == 0:
        return np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int8)
    hashes = np.concatenate([ph, qh]).astype(np.uint32)
    offsets = np.concatenate([po, po[-1] + qo[1:]]).astype(np.int64)
    pairs = np.stack([np.arange(n), n + np.arange(n)], axis=1).astype(np.int64)
    inter = _label.intersections(pairs, hashes, offsets)
    size_p = np.diff(po)
    size_q = np.diff(qo)
    valid = (size_p > 0) & (size_q > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(valid, inter / np.maximum(size_p + size_q - inter, 1), 0.0)
        own = np.where(valid, inter / np.maximum(size_p, 1), 0.0)
        other = np.where(valid, inter / np.maximum(size_q, 1), 0.0)
    kinds = classify_pairs(jaccard, own, config.policy)
    kinds[~valid] = NO_MATCH
    min_new = config.new_text_shingles
    suspects = np.flatnonzero(valid & (other >= config.policy.reverse_containment) & (size_p - inter >= min_new)
                              & (kinds != NO_MATCH))
    ordered = np.ascontiguousarray(oh, dtype=np.uint32)
    for i in suspects.tolist():
        run = _label._longest_absent_run(ordered, oo[i], oo[i + 1], hashes, offsets[n + i], offsets[n + i + 1])
        if run >= min_new:
            kinds[i] = NO_MATCH
    return jaccard, kinds.astype(np.int8)


def _verify_batches(batches: Iterable, config) -> Iterator:
    """mapInArrow: ``(p, q, p_hashes, p_ordered, q_hashes)`` to
    ``(p, q, jaccard, similarity, kind)`` (similarity rounded as records
    give it)."""
    import pyarrow as pa

    with _OneThread():
        for chunk in batches:
            p_sets, p_ordered, q_sets = _csr_of(chunk.column(2)), _csr_of(chunk.column(3)), _csr_of(chunk.column(4))
            jaccard, kinds = verify_pairs(p_sets, p_ordered, q_sets, config)
            yield pa.RecordBatch.from_arrays([
                chunk.column(0), chunk.column(1), pa.array(jaccard, pa.float64()),
                pa.array([round(j, 6) for j in jaccard.tolist()], pa.float64()), pa.array(kinds, pa.int8()),
            ], names=["p", "q", "jac", "sim", "kind"])


# -- stage 3: reused passages -------------------------------------------------------------------

def _groups(column) -> tuple[np.ndarray, dict]:
    """A list<struct> Arrow column (one group per row, as ``collect_list``
    makes them) as the group offsets and the struct's fields (each a flat
    Arrow array over every group's elements)."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    offsets = column.offsets.to_numpy().astype(np.int64)
    values = column.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    fields = {values.type.field(i).name: values.field(i) for i in range(values.type.num_fields)}
    return offsets - offsets[0], fields


def _passages_of_pairs(pairs_p: dict, pairs_q: dict, config) -> list:
    """The reused passages of kept paragraphs from their candidate pairs,
    as :func:`tikrar.stages.reused_passages` finds them: ``pairs_p`` and
    ``pairs_q`` hold one entry per pair (``hashes`` and ``ordered``: CSR
    ``(values, offsets)`` of the shingle sets and the shingles in text
    order; ``text``; for ``q`` also ``doc_id`` and ``index``). Returns, per
    pair, the :class:`~tikrar.types.Reuse` passages it gives (before
    :func:`tikrar.reuse.choose`)."""
    from . import _label, reuse

    (ph, po), (oh, oo) = pairs_p["hashes"], pairs_p["ordered"]
    (qh, qo), (qoh, qoo) = pairs_q["hashes"], pairs_q["ordered"]
    n = len(po) - 1
    found: list = [[] for _ in range(n)]
    if n == 0:
        return found
    # Paragraph 2i is pair i's p, 2i + 1 its q.
    def interleaved(a_values, a_offsets, b_values, b_offsets):
        sizes = np.empty(2 * n, dtype=np.int64)
        sizes[0::2], sizes[1::2] = np.diff(a_offsets), np.diff(b_offsets)
        offsets = np.zeros(2 * n + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        values = np.empty(offsets[-1], dtype=np.uint32)
        for i in range(n):
            values[offsets[2 * i] : offsets[2 * i + 1]] = a_values[a_offsets[i] : a_offsets[i + 1]]
            values[offsets[2 * i + 1] : offsets[2 * i + 2]] = b_values[b_offsets[i] : b_offsets[i + 1]]
        return values, offsets

    hashes, sets = interleaved(ph, po, qh, qo)
    ordered, ordered_offsets = interleaved(oh, oo, qoh, qoo)
    pairs = np.stack([2 * np.arange(n), 2 * np.arange(n) + 1], axis=1).astype(np.int64)
    inter = _label.intersections(pairs, hashes, sets)
    useful = np.flatnonzero(inter >= reuse.min_pair_shingles(config.min_reuse_words, config.short_words,
                                                              config.shingle))
    if len(useful) == 0:
        return found
    segments, shares = _label.shared_segments(
        pairs[useful], ordered, ordered_offsets, hashes, sets, config.shingle.size, config.min_reuse_words,
        config.short_words, reuse.MIN_SIMILARITY)
    if len(segments) == 0:
        return found
    rows = useful[segments[:, 0]]
    involved = np.unique(rows).tolist()
    spans = reuse.word_spans([pairs_p["text"][i] for i in involved] + [pairs_q["text"][i] for i in involved],
                             config.normalize)
    p_spans = dict(zip(involved, spans[: len(involved)]))
    q_spans = dict(zip(involved, spans[len(involved) :]))
    for (_, *words), share, row in zip(segments.tolist(), shares.tolist(), rows.tolist()):
        if words[1] >= len(p_spans[row][0]) or words[3] >= len(q_spans[row][0]):
            continue  # the normalizer's words and the shingled ones disagree: report nothing
        found[row].append(reuse.passage(p_spans[row], q_spans[row], (*words, share), pairs_q["doc_id"][row],
                                        int(pairs_q["index"][row])))
    return found


def _reuse_batches(batches: Iterable, config) -> Iterator:
    """mapInArrow over kept paragraphs ``(seq, hashes, ordered, text,
    pairs)``, ``pairs`` the earlier kept paragraphs sharing fingerprints
    with it: ``(seq, reused)``, chosen by :func:`tikrar.reuse.choose` from
    the passages of all its pairs (in order of the earlier paragraph)."""
    import pyarrow as pa

    from . import reuse

    with _OneThread():
        for chunk in batches:
            cols = dict(zip(chunk.schema.names, chunk.columns))
            offsets, q = _groups(cols["pairs"])
            order = []
            q_seq = q["q"].to_numpy().astype(np.int64)
            for g in range(chunk.num_rows):   # each paragraph's pairs by the earlier one's place
                order.extend((offsets[g] + np.argsort(q_seq[offsets[g] : offsets[g + 1]], kind="stable")).tolist())
            order = np.asarray(order, dtype=np.int64)
            owner = np.repeat(np.arange(chunk.num_rows), np.diff(offsets))
            p_hashes, p_ordered = _csr_of(cols["hashes"]), _csr_of(cols["ordered"])
            p_texts = cols["text"].to_pylist()
            pairs_p = {"hashes": _gather(p_hashes, owner), "ordered": _gather(p_ordered, owner),
                       "text": [p_texts[o] for o in owner.tolist()]}
            q_hashes, q_ordered = _csr_of(q["q_hashes"]), _csr_of(q["q_ordered"])
            q_texts, q_docs, q_index = q["q_text"].to_pylist(), q["q_doc"].to_pylist(), q["q_index"].to_pylist()
            pairs_q = {"hashes": _gather(q_hashes, order), "ordered": _gather(q_ordered, order),
                       "text": [q_texts[i] for i in order.tolist()], "doc_id": [q_docs[i] for i in order.tolist()],
                       "index": [q_index[i] for i in order.tolist()]}
            owner = owner[order] if len(order) else owner
            found = _passages_of_pairs(pairs_p, pairs_q, config)
            by_owner: list = [[] for _ in range(chunk.num_rows)]
            for o, passages in zip(owner.tolist(), found):
                by_owner[o].extend(passages)
            keep = [g for g in range(chunk.num_rows) if by_owner[g]]
            seq = cols["seq"].to_pylist()
            yield pa.RecordBatch.from_arrays(
                [pa.array([seq[g] for g in keep], pa.int64()),
                 pa.array([[r.to_dict() for r in reuse.choose(by_owner[g])] for g in keep], _reuse_arrow_type())],
                names=["seq", "reused"])


def _gather(csr: tuple, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR entries ``rows`` of ``csr``, in that order."""
    from . import _kernels

    values, offsets = csr
    return _kernels.gather_sets(values, offsets, np.ascontiguousarray(rows, dtype=np.int64))


def _reuse_arrow_type():
    import pyarrow as pa

    return pa.list_(pa.struct([("start", pa.int32()), ("end", pa.int32()), ("doc_id", pa.string()),
                               ("index", pa.int32()), ("source_start", pa.int32()), ("source_end", pa.int32()),
                               ("similarity", pa.float64())]))


def _reuse_schema(T):
    return T.StructType([
        T.StructField("seq", T.LongType()),
        T.StructField("reused", T.ArrayType(T.StructType([
            T.StructField("start", T.IntegerType()), T.StructField("end", T.IntegerType()),
            T.StructField("doc_id", T.StringType()), T.StructField("index", T.IntegerType()),
            T.StructField("source_start", T.IntegerType()), T.StructField("source_end", T.IntegerType()),
            T.StructField("similarity", T.DoubleType())]))),
    ])


# -- stage 4: boilerplate learned from the corpus -----------------------------------------------

def _furniture_batches(batches: Iterable, config) -> Iterator:
    """mapInArrow over repeated paragraphs, each a list of its copies
    ``(seq, art, src_key)``: ``(seq, reason)`` of each copy that is its
    source's furniture, counted as :func:`tikrar.stages.corpus_boilerplate`
    does (in input order, distinct articles per source up to and including
    the copy's own)."""
    import pyarrow as pa

    from .stages import furniture_reason

    for chunk in batches:
        offsets, fields = _groups(chunk.column(0))
        seqs, arts, sources = (fields[name].to_pylist() for name in ("seq", "art", "src_key"))
        out_seq, out_reason = [], []
        for g in range(chunk.num_rows):
            copies = sorted(zip(seqs[offsets[g] : offsets[g + 1]], arts[offsets[g] : offsets[g + 1]],
                                sources[offsets[g] : offsets[g + 1]]))
            owner_before = None
            counts: dict = {}
            for seq, art, source in copies:
                if art != owner_before:
                    owner_before = art
                    counts[source] = counts.get(source, 0) + 1
                reason = furniture_reason(counts, config)
                if reason is not None:
                    out_seq.append(seq)
                    out_reason.append(reason)
        yield pa.RecordBatch.from_arrays([pa.array(out_seq, pa.int64()), pa.array(out_reason, pa.string())],
                                         names=["seq", "corpus_reason"])


# -- cleaned articles ------------------------------------------------------------------------

def _cleaned_batches(batches: Iterable, drop_reused: bool) -> Iterator:
    """mapInArrow over articles, each ``(doc_id, records)`` with its
    records' ``(index, text, label, reused)``: ``(id, text)`` as
    :meth:`tikrar.Report.cleaned` makes it."""
    import pyarrow as pa

    from .report import Report
    from .types import Record, Reuse

    for chunk in batches:
        doc_ids = chunk.column(0).to_pylist()
        out_id, out_text = [], []
        for doc_id, rows in zip(doc_ids, chunk.column(1).to_pylist()):
            records = [Record(doc_id, row["index"], 0, len(row["text"]), row["text"], row["label"],
                              reused=tuple(Reuse(**r) for r in row["reused"] or ()))
                       for row in sorted(rows, key=lambda row: row["index"])]
            for held_id, text in Report(records).cleaned(drop_reused=drop_reused).items():
                out_id.append(held_id)
                out_text.append(text)
        yield pa.RecordBatch.from_arrays([pa.array(out_id, pa.string()), pa.array(out_text, pa.string())],
                                         names=["id", "text"])


# -- the driver side -------------------------------------------------------------------------------

def records_schema():
    """The Spark schema of the records :func:`dedup` returns: the keys of
    :meth:`tikrar.types.Record.to_dict`, in that order (``duplicate_of`` a
    struct of ``doc_id`` and ``index``, ``reused`` an array of structs).
    Needs pyspark, not a running session.

    >>> from tikrar.types import Record
    >>> records_schema().fieldNames() == list(Record._fields)
    True
    """
    _, T, _ = _spark()
    reuse_type = _reuse_schema(T)["reused"].dataType
    return T.StructType([
        T.StructField("doc_id", T.StringType()), T.StructField("index", T.IntegerType()),
        T.StructField("start", T.IntegerType()), T.StructField("end", T.IntegerType()),
        T.StructField("text", T.StringType()), T.StructField("label", T.StringType()),
        T.StructField("scope", T.StringType()),
        T.StructField("duplicate_of", T.StructType([T.StructField("doc_id", T.StringType()),
                                                    T.StructField("index", T.IntegerType())])),
        T.StructField("similarity", T.DoubleType()), T.StructField("reason", T.StringType()),
        T.StructField("match", T.StringType()), T.StructField("source", T.StringType()),
        T.StructField("reused", reuse_type),
    ])


class _Run:
    """The tables one call of :func:`dedup` holds (released at the end)."""

    def __init__(self, checkpoint: str):
        if checkpoint not in ("local", "reliable"):
            raise ConfigError(f"checkpoint must be 'local' or 'reliable', got {checkpoint!r}")
        self.checkpoint = checkpoint
        self.held: list = []

    def keep(self, df, name: str):
        """``df`` computed once and held, cut from its lineage (the rounds
        would otherwise plan ever deeper queries).

        It is cached first and checkpointed from the filled cache, so the
        checkpoint carries the table's real size: a checkpoint of the query
        itself carries the query's estimate, and the estimates of joins
        (products of their inputs') would compound round after round until
        planning alone exhausts the driver."""
        from pyspark import StorageLevel

        started = time.perf_counter()
        cached = df.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            cached.count()
            over_cache = cached.select("*")   # planned anew: the cache's measured size
            held = (over_cache.localCheckpoint(eager=True) if self.checkpoint == "local"
                    else over_cache.checkpoint(eager=True))
        finally:
            cached.unpersist()
        self.held.append(held)
        _log.debug("%s computed in %.2f s", name, time.perf_counter() - started)
        return held

    def persist(self, df, name: str):
        """``df`` computed now and cached; unlike a checkpoint the cache
        keeps its partitioning, so windows over the same keys need no
        shuffle."""
        from pyspark import StorageLevel

        started = time.perf_counter()
        df = df.persist(StorageLevel.MEMORY_AND_DISK)
        df.count()
        self.held.append(df)
        _log.debug("%s computed in %.2f s", name, time.perf_counter() - started)
        return df

    def drop(self, *frames) -> None:
        """Free tables that nothing needs any more (a checkpoint's blocks,
        a cache), so a run's memory does not grow with its rounds."""
        for df in frames:
            if df is None:
                continue
            self.held = [held for held in self.held if held is not df]
            df.unpersist()
            try:   # a checkpoint's blocks belong to its RDD, which unpersist() leaves alone
                df._jdf.queryExecution().logical().rdd().unpersist(False)
            except Exception:   # not a classic session's checkpoint: the cleaner frees it later
                pass

    def release(self, keep=()) -> None:
        """Free every table of the run but ``keep``."""
        self.drop(*[df for df in self.held if not any(df is k for k in keep)])


def _ordinals(articles, order_col: Optional[str]):
    """``(id, art)``: each article's ordinal in input order (``order``, then
    id, when there is an order column; else the DataFrame's own order)."""
    _, T, _ = _spark()
    spark = articles.sparkSession
    if order_col is not None:
        keys = articles.select("id", order_col).orderBy(order_col, "id").select("id")
    else:
        keys = articles.select("id")
    indexed = keys.rdd.zipWithIndex().map(lambda pair: (pair[0][0], pair[1]))
    schema = T.StructType([T.StructField("id", T.StringType()), T.StructField("art", T.LongType())])
    return spark.createDataFrame(indexed, schema)


def _check_input(articles) -> None:
    """Every id and text present, no id twice (as the local engine's
    default ``duplicate_ids="error"`` requires); else an InputError naming
    one of them."""
    F, _, _ = _spark()
    missing = articles.filter(F.col("id").isNull() | F.col("text").isNull()).select("id").limit(1).collect()
    if missing:
        doc_id = missing[0]["id"]
        if doc_id is None:
            raise InputError("an article", "has no id (null)")
        raise InputError(f"article {doc_id!r}", "text must be a string, got null")
    repeated = articles.groupBy("id").count().filter("count > 1").limit(1).collect()
    if repeated:
        doc_id = repeated[0]["id"]
        raise InputError(f"article {doc_id!r}", f"doc_id {doc_id!r} repeats an article already added "
                                                f"(tikrar.spark takes each id once)")


def _window_candidates(members, keys: list, width: int):
    """``(p, need, q)`` for every probing member ``p`` of each group
    ``keys`` (an LSH bucket or a fingerprint) and the ``width`` most recent
    kept members ``q`` before it, as the local index visits them. Members
    carry ``seq``, ``kept``, ``probe`` and ``need``.

    ``kr`` numbers the kept members of a group in order; a probe with
    ``before`` kept members ahead of it visits those numbered ``before -
    width + 1 .. before``. One more window, over ``kr``, gathers them: a
    lookup costs ``width`` rows however large the group, and the group is
    sorted once."""
    F, _, Window = _spark()
    running = Window.partitionBy(*keys).orderBy("seq").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    # Members neither kept nor looking up (exact repeats, above all) change
    # no rank and see nothing: the copies of a template cost nothing here.
    members = members.filter(F.col("kept") | F.col("probe"))
    ranked = members.withColumn("kr", F.sum(F.col("kept").cast("long")).over(running))
    by_rank = Window.partitionBy(*keys).orderBy("kr").rangeBetween(-width, 0)
    gathered = ranked.withColumn(
        "seen", F.collect_list(F.when(F.col("kept"), F.struct("kr", "seq"))).over(by_rank))
    before = F.col("kr") - F.col("kept").cast("long")
    probes = gathered.filter(F.col("probe") & (before > 0)).select(
        F.col("seq").alias("p"), "need",
        F.explode(F.filter("seen", lambda x: (x["kr"] > before - width) & (x["kr"] <= before))).alias("q"))
    return probes.select("p", "need", F.col("q.seq").alias("q"))


def _dirty(changed, restarted, flags, lsh_members, fp_members, widths: tuple, maybe_broadcast):
    """``seq`` of the paragraphs whose verdict may differ from the last
    round's: those of ``restarted`` (an exact repeat no more, or again, so
    their own lookup starts or stops), and those whose lookups may visit
    other kept paragraphs than last round, because a paragraph of
    ``changed`` (between kept and not kept) comes before them in one of
    their groups. ``flags`` holds every paragraph's new ``kept`` and
    ``probe``.

    A lookup in a group (an LSH bucket, a fingerprint) visits the ``width``
    most recent kept members before it. The members after the last change
    before it kept their flags, so when ``width`` or more of them are kept
    it visits the same ones as before: only a lookup with fewer is dirty."""
    F, _, Window = _spark()
    changed = maybe_broadcast(changed.select("seq", F.lit(True).alias("changed")))
    found = [restarted.select("seq")]
    for members, keys, width in ((lsh_members, ["band", "bkey"], widths[0]), (fp_members, ["f"], widths[1])):
        touched = maybe_broadcast(members.join(changed, "seq").select(*keys).distinct())
        rows = (members.join(touched, keys).join(flags, "seq").join(changed, "seq", "left")
                .filter(F.col("kept") | F.col("probe") | F.col("changed").isNotNull()))
        in_order = Window.partitionBy(*keys).orderBy("seq")
        ranked = rows.withColumn("kr", F.sum(F.col("kept").cast("long")).over(
            in_order.rowsBetween(Window.unboundedPreceding, Window.currentRow)))
        # kr at the last change before each member: kept members since = kr before it - that.
        ranked = ranked.withColumn("kr_change", F.last(F.when(F.col("changed").isNotNull(), F.col("kr")),
                                                       ignorenulls=True).over(
            in_order.rowsBetween(Window.unboundedPreceding, -1)))
        since = F.col("kr") - F.col("kept").cast("long") - F.col("kr_change")
        found.append(ranked.filter(F.col("probe") & F.col("kr_change").isNotNull() & (since < width))
                     .select("seq"))
    return found[0].unionByName(found[1]).unionByName(found[2]).distinct()


def dedup(articles, *, id_col: str = "id", text_col: str = "text", source_col: Optional[str] = "source",
          order_col: Optional[str] = "order", partitions: Optional[int] = None, checkpoint: str = "local",
          max_rounds: int = 100, **options: Any):
    """Label every paragraph of a Spark DataFrame of articles, as
    :func:`tikrar.dedup` does: a DataFrame of records (the columns of
    :func:`records_schema`) in input order.

    ``articles`` has an id column (strings, or integers written in decimal)
    and a text column; a ``source`` column (when present) is each article's
    source, as ``Article.source``; an ``order`` column (when present, any
    sortable type) gives the input order, ties broken by id; without one the
    input order is the DataFrame's own (its partitions in turn), so give one
    for reproducible results. Ids must be unique and texts not null
    (otherwise :class:`~tikrar.errors.InputError`). ``partitions``: how many
    partitions the articles are split into for segmenting and sketching
    (default: Spark's ``spark.sql.shuffle.partitions``). ``options`` are
    those of :meth:`tikrar.DedupConfig.from_options` (``config=`` a whole
    DedupConfig).

    Intermediate tables are cut from their lineage with
    ``localCheckpoint`` (``checkpoint="reliable"`` uses
    ``DataFrame.checkpoint``, which needs ``SparkContext.setCheckpointDir``);
    the records returned are computed and held the same way, so writing
    them or counting them does not run the job again. ``max_rounds`` bounds
    the keep-first rounds (a ``RuntimeError`` past it; the SaudiNewsNet
    corpus needs 8).

    >>> records = dedup(spark.createDataFrame([("a", "نص"), ("b", "نص")], "id string, text string"))  # doctest: +SKIP
    >>> [(r.doc_id, r.label) for r in records.collect()]                                           # doctest: +SKIP
    [('a', 'unique'), ('b', 'duplicate')]
    """
    F, T, Window = _spark()
    from . import stages
    from .dedup import DedupConfig
    from .types import LABEL_BOILERPLATE, LABEL_DUPLICATE, LABEL_UNIQUE, MATCH_CONTAINED, MATCH_EXACT, MATCH_NEAR

    if options.get("on_error", "raise") != "raise":
        raise ConfigError("tikrar.spark.dedup raises on a bad article (on_error='skip' is not supported)")
    options.pop("on_error", None)
    config = DedupConfig.from_options(**options)
    if config.duplicate_ids != "error":
        raise ConfigError("tikrar.spark.dedup takes each id once (duplicate_ids='error')")
    if not isinstance(max_rounds, int) or max_rounds < 1:
        raise ConfigError(f"max_rounds must be a positive integer, got {max_rounds!r}")
    spark = articles.sparkSession
    run = _Run(checkpoint)
    started = time.perf_counter()
    columns = set(articles.columns)
    for name in (id_col, text_col):
        if name not in columns:
            raise ConfigError(f"the articles have no {name!r} column (columns: {sorted(columns)})")
    types = dict(articles.dtypes)
    for name, what in ((id_col, "ids"), (source_col, "sources")):
        if name in columns and types[name] not in _ID_TYPES:
            raise ConfigError(f"the {what} ({name!r} column) must be strings or integers, got {types[name]}")
    source = F.col(source_col).cast("string") if source_col in columns else F.lit(None).cast("string")
    order = order_col if order_col in columns else None
    selected = [F.col(id_col).cast("string").alias("id"), F.col(text_col).alias("text"), source.alias("source")]
    if order is not None:
        selected.append(F.col(order).alias("__order"))
    frame = articles.select(*selected)
    if dict(frame.dtypes)["text"] != "string":
        raise ConfigError(f"the text column {text_col!r} must hold strings, got {dict(frame.dtypes)['text']}")
    _check_input(frame)
    ordinals = run.keep(_ordinals(frame, "__order" if order is not None else None), "ordinals")
    parts = partitions or int(spark.conf.get("spark.sql.shuffle.partitions"))
    numbered = frame.join(ordinals, "id").select("art", "id", "text", "source").repartition(parts)
    paragraphs = run.persist(numbered.mapInArrow(functools.partial(_paragraph_batches, config=config),
                                                 _paragraph_schema(T)), "paragraphs")
    total = paragraphs.count()
    _log.info("%d paragraphs prepared in %.1f s", total, time.perf_counter() - started)

    sets = run.persist(paragraphs.filter("indexed").select("seq", "hashes", "ordered"), "shingle sets")
    window, fp_window = config.lsh.max_bucket_pairs, config.fingerprint_postings
    # Buckets and fingerprints that pair nothing (one paragraph) are dropped.
    bucket = Window.partitionBy("band", "bkey")
    lsh_members = run.persist(paragraphs.filter("indexed")
                              .select("seq", F.posexplode("bands").alias("band", "bkey"))
                              .withColumn("size", F.count("*").over(bucket)).filter("size > 1").drop("size"),
                              "bucket members")
    fingerprint = Window.partitionBy("f")
    fp_members = run.persist(paragraphs.filter("indexed").select("seq", F.explode("fps").alias("f"))
                             .withColumn("size", F.count("*").over(fingerprint)).filter("size > 1").drop("size"),
                             "fingerprint postings")

    # Ordinary paragraphs (not a phrase-rule hit, not empty) take part in
    # the rounds; the first kept guess is the first copy of each text.
    text_order = Window.partitionBy("text_key").orderBy("seq")
    ordinary = (paragraphs.filter(F.col("kind") == _ORDINARY)
                .select("seq", "text_key", "indexed", "heading",
                        F.greatest(F.lit(1), F.floor((F.col("nfp") + 1) / 2)).alias("need")))
    state = run.keep(ordinary.withColumn(
        "kept", ~F.col("heading") & (F.row_number().over(
            Window.partitionBy("text_key", "heading").orderBy("seq")) == 1)), "first guess")
    earlier = text_order.rowsBetween(Window.unboundedPreceding, -1)
    small = total <= BROADCAST_PARAGRAPHS
    maybe_broadcast = F.broadcast if small else (lambda df: df)
    min_hits = _min_shared_fingerprints()
    verified: list = []      # verified pairs, a table per round (each pair verified once)
    reuse_pairs = best = dirty = current = labelled = None
    rounds = 0
    while True:
        rounds += 1
        if rounds > max_rounds:
            raise RuntimeError(f"tikrar.spark: labels still changing after {max_rounds} rounds")
        step = time.perf_counter()
        previous = current
        current = run.keep(state.withColumn("exact", F.min(F.when(F.col("kept"), F.col("seq"))).over(earlier))
                           .withColumn("probe", F.col("indexed") & F.col("exact").isNull()), "exact repeats")
        flags = maybe_broadcast(current.select("seq", "kept", "probe", "need"))
        if previous is not None:
            # Only the dirty paragraphs look their candidates up again; the
            # others would visit the same kept paragraphs as last round.
            compared = current.join(previous.select("seq", F.col("kept").alias("was_kept"),
                                                    F.col("exact").isNull().alias("was_looking")), "seq")
            old = dirty
            dirty = run.keep(_dirty(compared.filter(F.col("kept") != F.col("was_kept")).select("seq"),
                                    compared.filter(F.col("exact").isNull() != F.col("was_looking")).select("seq"),
                                    flags.select("seq", "kept", "probe"), lsh_members, fp_members,
                                    (window, fp_window), maybe_broadcast), "dirty paragraphs")
            run.drop(old, previous, labelled)
            looking = dirty.count()
            _log.debug("%d paragraphs to look up again", looking)
            if looking == 0:   # nothing can change: last round's verdicts over this round's flags
                labelled = run.keep(current.join(best, current["seq"] == best["p"], "left").drop("p"), "labels")
                _log.info("round %d, no paragraph to look up again (%.1f s)", rounds, time.perf_counter() - step)
                break
            dirty_seq = maybe_broadcast(dirty.withColumn("dirty", F.lit(True)))
            flags = maybe_broadcast(current.join(dirty_seq, "seq", "left").select(
                "seq", "kept", (F.col("probe") & F.col("dirty").isNotNull()).alias("probe"), "need"))
        lsh_in, fp_in = lsh_members, fp_members
        if dirty is not None:   # the groups that hold a dirty paragraph
            lsh_in, fp_in = (members.join(maybe_broadcast(members.join(dirty_seq, "seq").select(*keys).distinct()),
                                          keys)
                             for members, keys in ((lsh_members, ["band", "bkey"]), (fp_members, ["f"])))
        lsh = (_window_candidates(lsh_in.join(flags, "seq"), ["band", "bkey"], window)
               .distinct().withColumn("from_lsh", F.lit(True)))
        hits = (_window_candidates(fp_in.join(flags, "seq"), ["f"], fp_window)
                .groupBy("p", "need", "q").agg(F.count("*").alias("hits")))
        looked_up = run.keep(lsh.join(hits, ["p", "need", "q"], "full")
                             .select("p", "q", F.coalesce("from_lsh", F.lit(False)).alias("from_lsh"),
                                     F.coalesce("hits", F.lit(0)).alias("hits"), "need"), "candidates")
        to_verify = looked_up.filter(F.col("from_lsh") | (F.col("hits") >= F.col("need"))).select("p", "q")
        new = to_verify
        for piece in verified:
            new = new.join(piece.select("p", "q"), ["p", "q"], "left_anti")
        verified.append(run.keep(
            new.join(sets.select(F.col("seq").alias("p"), F.col("hashes").alias("p_hashes"),
                                 F.col("ordered").alias("p_ordered")), "p")
            .join(sets.select(F.col("seq").alias("q"), F.col("hashes").alias("q_hashes")), "q")
            .select("p", "q", "p_hashes", "p_ordered", "q_hashes")
            .mapInArrow(functools.partial(_verify_batches, config=config),
                        "p long, q long, jac double, sim double, kind byte"), "verified pairs"))
        repeats = functools.reduce(lambda a, b: a.unionByName(b), verified).filter("kind > 0")
        found = (to_verify.join(repeats, ["p", "q"])
                 .groupBy("p").agg(F.max(F.struct(F.col("jac"), (-F.col("q")).alias("neg_q"), F.col("kind"),
                                                  F.col("sim"))).alias("best")))
        # Pairs for reused passages: those sharing enough fingerprints.
        shared = looked_up.filter(F.col("hits") >= min_hits).select("p", "q")
        if dirty is not None:
            dirty_p = maybe_broadcast(dirty.select(F.col("seq").alias("p")))
            found = best.join(dirty_p, "p", "left_anti").unionByName(found)
            shared = reuse_pairs.join(dirty_p, "p", "left_anti").unionByName(shared)
        old = best, reuse_pairs
        best = run.keep(found, "best matches")
        reuse_pairs = run.keep(shared, "pairs sharing fingerprints")
        run.drop(looked_up, *old)
        labelled = run.keep(current.join(best, current["seq"] == best["p"], "left").drop("p")
                            .withColumn("next", F.col("exact").isNull() & F.col("best").isNull() & ~F.col("heading")),
                            "labels")
        changes = labelled.filter(F.col("kept") != F.col("next")).count()
        _log.info("round %d, %d paragraphs changed between kept and not (%.1f s)",
                  rounds, changes, time.perf_counter() - step)
        if changes == 0:
            break
        state = labelled.select("seq", "text_key", "indexed", "heading", "need", F.col("next").alias("kept"))

    final = labelled.select(
        "seq", "exact", "kept",
        F.when(F.col("exact").isNotNull(), F.col("exact")).otherwise(-F.col("best.neg_q")).alias("target"),
        F.when(F.col("exact").isNotNull(), F.lit(1.0)).otherwise(F.col("best.sim")).alias("similarity"),
        F.when(F.col("exact").isNotNull(), F.lit(MATCH_EXACT))
        .when(F.col("best.kind") == 1, F.lit(MATCH_NEAR))
        .when(F.col("best.kind") == 2, F.lit(MATCH_CONTAINED)).alias("match"))
    meta = paragraphs.select("seq", "art", "doc_id", "index", "start", "end", "text", "source", "src_key", "kind",
                             "heading", "hit_reason")
    targets = paragraphs.select(F.col("seq").alias("target"), F.col("art").alias("t_art"),
                                F.col("doc_id").alias("t_doc"), F.col("index").alias("t_index"))
    duplicate = F.col("target").isNotNull()
    joined = meta.join(final, "seq", "left").join(targets, "target", "left")
    label = (F.when(F.col("kind") == _DIRECT, F.lit(LABEL_BOILERPLATE))
             .when(F.col("kind") == _BLANK, F.lit(LABEL_UNIQUE))
             .when(duplicate, F.lit(LABEL_DUPLICATE))
             .when(F.col("heading"), F.lit(LABEL_BOILERPLATE))
             .otherwise(F.lit(LABEL_UNIQUE)))
    reason = (F.when(F.col("kind") == _DIRECT, F.col("hit_reason"))
              .when(F.col("kind") == _BLANK, F.lit(stages.REASON_EMPTY))
              .when(duplicate, F.lit(None))
              .when(F.col("heading"), F.col("hit_reason")))
    records = run.keep(joined.select(
        "seq", "art", "doc_id", "index", "start", "end", "text", label.alias("label"),
        F.when(duplicate, F.when(F.col("t_art") == F.col("art"), "within").otherwise("across")).alias("scope"),
        F.when(duplicate, F.struct(F.col("t_doc").alias("doc_id"), F.col("t_index").alias("index")))
        .alias("duplicate_of"),
        F.when(duplicate, F.col("similarity")).alias("similarity"), reason.alias("reason"),
        F.when(duplicate, F.col("match")).alias("match"), "source", "src_key", "target",
        (F.col("kept") & ~duplicate & (F.col("kind") == _ORDINARY)).alias("is_kept")), "records")

    # Reused passages of kept paragraphs: the pairs sharing fingerprints
    # (enough postings visited) in the last round, whose labels are final.
    if config.min_reuse_words is not None and config.shingle.kind == "word":   # as the local engine
        kept_p = records.filter("is_kept").select(F.col("seq").alias("p"))
        texts = paragraphs.select("seq", "text", "doc_id", "index")
        earlier = (reuse_pairs.join(kept_p, "p")
                   .join(sets.select(F.col("seq").alias("q"), F.col("hashes").alias("q_hashes"),
                                     F.col("ordered").alias("q_ordered")), "q")
                   .join(texts.select(F.col("seq").alias("q"), F.col("text").alias("q_text"),
                                      F.col("doc_id").alias("q_doc"), F.col("index").alias("q_index")), "q")
                   .groupBy(F.col("p").alias("seq"))
                   .agg(F.collect_list(F.struct("q", "q_hashes", "q_ordered", "q_text", "q_doc", "q_index"))
                        .alias("pairs")))
        grouped = (earlier.join(sets, "seq").join(texts.select("seq", "text"), "seq")
                   .select("seq", "hashes", "ordered", "text", "pairs"))
        reused = grouped.mapInArrow(functools.partial(_reuse_batches, config=config), _reuse_schema(T))
    else:
        reused = spark.createDataFrame([], _reuse_schema(T))

    # Corpus boilerplate: the copies of each repeated paragraph, in order.
    if config.boilerplate and config.corpus_boilerplate:
        repeated = records.filter(F.col("label") == LABEL_DUPLICATE).select(F.col("target").alias("cluster")).distinct()
        copies = (records.filter((F.col("label") == LABEL_DUPLICATE) | F.col("is_kept"))
                  .withColumn("cluster", F.coalesce("target", "seq")).join(repeated, "cluster")
                  .groupBy("cluster").agg(F.collect_list(F.struct("seq", "art", "src_key")).alias("copies")))
        furniture = copies.select("copies").mapInArrow(
            functools.partial(_furniture_batches, config=config), "seq long, corpus_reason string")
    else:
        furniture = spark.createDataFrame([], "seq long, corpus_reason string")

    empty_reuse = F.array().cast(_reuse_schema(T)["reused"].dataType)
    out = (records.join(reused, "seq", "left").join(furniture, "seq", "left")
           .withColumn("label", F.when(F.col("corpus_reason").isNotNull(), F.lit(LABEL_BOILERPLATE))
                       .otherwise(F.col("label")))
           .withColumn("reason", F.coalesce("corpus_reason", "reason"))
           .withColumn("reused", F.coalesce("reused", empty_reuse))
           .orderBy("seq")
           .select(*records_schema().names))
    result = run.keep(out, "records with passages and corpus boilerplate")
    run.release(keep=[result])
    _log.info("%d records in %.1f s (%d rounds)", total, time.perf_counter() - started, rounds)
    return result


def _min_shared_fingerprints() -> int:
    from . import reuse

    return reuse.MIN_SHARED_FINGERPRINTS


def cleaned(records, drop_reused: bool = False):
    """Each article of :func:`dedup`'s records without its duplicate and
    boilerplate paragraphs, as :meth:`tikrar.Report.cleaned` gives it: a
    DataFrame of ``(id, text)``, the kept paragraphs joined by newlines.
    ``drop_reused=True`` also cuts the reused passages out of the kept
    paragraphs.

    >>> cleaned(dedup(articles_df)).write.json("clean/")    # doctest: +SKIP
    """
    F, _, _ = _spark()
    if not isinstance(drop_reused, bool):
        raise ConfigError(f"drop_reused must be True or False, got {drop_reused!r}")
    articles = records.groupBy("doc_id").agg(
        F.collect_list(F.struct("index", "text", "label", "reused")).alias("records"))
    return articles.mapInArrow(functools.partial(_cleaned_batches, drop_reused=drop_reused), "id string, text string")
