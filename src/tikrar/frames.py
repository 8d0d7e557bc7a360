"""Tables in and out: pandas DataFrames, Arrow tables and Hugging Face datasets.

Articles come in as a table with an id column and a text column (and
optionally a source and a date column); paragraph records go out as a
table with typed columns, and cleaned articles as the input's rows with
their text cleaned.

* pandas: :func:`dedup_frame` (records), :func:`clean_frame` (cleaned
  articles), :func:`frame_report` (the :class:`~tikrar.report.Report`
  itself) and :func:`records_frame` (records of any report).
* Arrow: :func:`records_schema`, :func:`records_batch`, :func:`records_table`;
  :mod:`tikrar.io` writes the same schema to Parquet.
* Hugging Face ``datasets``: :func:`dedup_dataset`, read batch by batch.

pandas, pyarrow and datasets are optional: each is imported when a
function needs it, and a missing one is a
:class:`~tikrar.errors.MissingDependencyError` that names the extra to
install (``pip install 'tikrar[pandas]'``, ``[arrow]``, ``[datasets]``).

Record columns, in the order of the JSONL keys:

===================== ================================ ====================================
column                pandas dtype                     Arrow type
===================== ================================ ====================================
doc_id                string                           string (not null)
index, start, end     int64                            int64 (not null)
text                  string                           string (not null)
label                 category (unique, duplicate,     string (not null)
                      boilerplate)
scope                 category (within, across)        string
duplicate_of          ``duplicate_of_doc`` string and  struct<doc_id: string, index: int64>
                      ``duplicate_of_index`` Int64
similarity            Float64                          float64
reason                string                           string
match                 category (exact, near,           string
                      contained)
source                string                           string
reused                object (a list of dicts)         list<struct<start, end, doc_id,
                                                       index, source_start, source_end,
                                                       similarity>> (not null)
===================== ================================ ====================================

Missing values are ``pd.NA`` in pandas (NaN in the categorical columns, as
pandas has it) and null in Arrow. Arrow keeps
labels as plain strings (Parquet dictionary-encodes them on disk), so any
reader of the file gets ordinary text columns. Arrow strings must be valid
UTF-8: a lone surrogate (which JSON input may hold) is written as U+FFFD,
as :func:`tikrar.io.write_clean` does.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional, Sequence

from .errors import ConfigError, InputError, require_module
from .report import Report, SkippedArticle
from .types import LABELS, MATCH_CONTAINED, MATCH_EXACT, MATCH_NEAR, SCOPE_ACROSS, SCOPE_WITHIN, Article, Record

__all__ = [
    "DedupedDataset",
    "RECORD_COLUMNS",
    "clean_frame",
    "dedup_dataset",
    "dedup_frame",
    "frame_report",
    "records_batch",
    "records_frame",
    "records_schema",
    "records_table",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`records_frame`, in order (the JSONL keys, with
#: ``duplicate_of`` split in two).
RECORD_COLUMNS = (
    "doc_id", "index", "start", "end", "text", "label", "scope", "duplicate_of_doc", "duplicate_of_index",
    "similarity", "reason", "match", "source", "reused",
)
SCOPES = (SCOPE_WITHIN, SCOPE_ACROSS)
MATCHES = (MATCH_EXACT, MATCH_NEAR, MATCH_CONTAINED)

#: Rows read from a ``datasets.Dataset`` and labelled at a time.
DEFAULT_DATASET_BATCH_ROWS = 10_000

_SURROGATES = re.compile("[\ud800-\udfff]")


def _pandas(feature: str):
    return require_module("pandas", "pandas", feature)


def _pyarrow(feature: str):
    return require_module("pyarrow", "arrow", feature)


# ---------------------------------------------------------------------------
# Records as columns


def _record_columns(records: Iterable[Record]) -> dict[str, list]:
    """The records as one Python list per field, in one pass; ``reused`` as
    the flattened passages plus one offset per record (Arrow's list layout)."""
    doc_ids, indices, starts, ends, texts, labels, scopes = [], [], [], [], [], [], []
    duplicate_docs, duplicate_indices, similarities, reasons, matches, sources = [], [], [], [], [], []
    reuse_offsets = [0]
    passages: list = []
    for r in records:
        doc_ids.append(r.doc_id)
        indices.append(r.index)
        starts.append(r.start)
        ends.append(r.end)
        texts.append(r.text)
        labels.append(r.label)
        scopes.append(r.scope)
        ref = r.duplicate_of
        duplicate_docs.append(None if ref is None else ref.doc_id)
        duplicate_indices.append(None if ref is None else ref.index)
        similarities.append(r.similarity)
        reasons.append(r.reason)
        matches.append(r.match)
        sources.append(r.source)
        passages.extend(r.reused)
        reuse_offsets.append(len(passages))
    return {
        "doc_id": doc_ids, "index": indices, "start": starts, "end": ends, "text": texts, "label": labels,
        "scope": scopes, "duplicate_of_doc": duplicate_docs, "duplicate_of_index": duplicate_indices,
        "similarity": similarities, "reason": reasons, "match": matches, "source": sources,
        "reuse_offsets": reuse_offsets, "passages": passages,
    }


def _records_of(report: Report | Iterable[Record]) -> Iterable[Record]:
    return report.records if isinstance(report, Report) else report


def records_frame(report: Report | Iterable[Record]):
    """The records of a report (or any iterable of records) as a pandas
    DataFrame with the columns of :data:`RECORD_COLUMNS` and the dtypes in
    the module docstring; needs the ``pandas`` extra.

    >>> from tikrar import dedup
    >>> frame = records_frame(dedup([("a", "فقرة مكررة\\nفقرة مكررة")]))
    >>> frame[["doc_id", "index", "label", "duplicate_of_doc", "duplicate_of_index"]].values.tolist()
    [['a', 0, 'unique', <NA>, <NA>], ['a', 1, 'duplicate', 'a', 0]]
    >>> str(frame["label"].dtype), str(frame["duplicate_of_index"].dtype), str(frame["similarity"].dtype)
    ('category', 'Int64', 'Float64')
    """
    pd = _pandas("records_frame")
    import numpy as np

    columns = _record_columns(_records_of(report))
    passages, offsets = columns["passages"], columns["reuse_offsets"]
    passage_dicts = [p.to_dict() for p in passages]
    reused = [passage_dicts[offsets[i]:offsets[i + 1]] for i in range(len(offsets) - 1)]
    data = {
        "doc_id": pd.array(columns["doc_id"], dtype="string"),
        "index": np.array(columns["index"], dtype=np.int64),
        "start": np.array(columns["start"], dtype=np.int64),
        "end": np.array(columns["end"], dtype=np.int64),
        "text": pd.array(columns["text"], dtype="string"),
        "label": pd.Categorical(columns["label"], categories=LABELS),
        "scope": pd.Categorical(columns["scope"], categories=SCOPES),
        "duplicate_of_doc": pd.array(columns["duplicate_of_doc"], dtype="string"),
        "duplicate_of_index": pd.array(columns["duplicate_of_index"], dtype="Int64"),
        "similarity": pd.array(columns["similarity"], dtype="Float64"),
        "reason": pd.array(columns["reason"], dtype="string"),
        "match": pd.Categorical(columns["match"], categories=MATCHES),
        "source": pd.array(columns["source"], dtype="string"),
        # An object column holding one list per row, so that
        # frame.explode("reused") gives one row per passage.
        "reused": pd.Series(reused, dtype=object),
    }
    return pd.DataFrame(data, columns=list(RECORD_COLUMNS))


# ---------------------------------------------------------------------------
# Arrow


def _reuse_type(pa):
    return pa.struct([
        ("start", pa.int64()), ("end", pa.int64()), ("doc_id", pa.string()), ("index", pa.int64()),
        ("source_start", pa.int64()), ("source_end", pa.int64()), ("similarity", pa.float64()),
    ])


def _duplicate_of_type(pa):
    return pa.struct([("doc_id", pa.string()), ("index", pa.int64())])


def records_schema():
    """The Arrow schema of paragraph records (as Parquet stores them); needs
    the ``arrow`` extra. ``duplicate_of`` and ``reused`` keep the nesting of
    the JSONL records.

    >>> schema = records_schema()
    >>> schema.names[:6]
    ['doc_id', 'index', 'start', 'end', 'text', 'label']
    >>> schema.field("reused").type.value_type.names
    ['start', 'end', 'doc_id', 'index', 'source_start', 'source_end', 'similarity']
    """
    pa = _pyarrow("records_schema")
    return pa.schema([
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("index", pa.int64(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("end", pa.int64(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("label", pa.string(), nullable=False),
        pa.field("scope", pa.string()),
        pa.field("duplicate_of", _duplicate_of_type(pa)),
        pa.field("similarity", pa.float64()),
        pa.field("reason", pa.string()),
        pa.field("match", pa.string()),
        pa.field("source", pa.string()),
        pa.field("reused", pa.list_(_reuse_type(pa)), nullable=False),
    ])


def _utf8_strings(pa, values: list, column: str):
    """A string array; a lone surrogate, which UTF-8 (and so Arrow) cannot
    hold, becomes U+FFFD."""
    try:
        return pa.array(values, pa.string())
    except UnicodeEncodeError:
        fixed = [None if v is None else _SURROGATES.sub("\ufffd", v) for v in values]
        changed = sum(1 for before, after in zip(values, fixed) if before != after)
        logger.warning("%d value(s) of column %r hold lone surrogates, written as U+FFFD", changed, column)
        return pa.array(fixed, pa.string())


def records_batch(records: Iterable[Record]):
    """The records as one Arrow RecordBatch of :func:`records_schema`
    (what the Parquet writer writes per batch); needs the ``arrow`` extra.

    >>> from tikrar import dedup
    >>> batch = records_batch(dedup([("a", "فقرة مكررة\\nفقرة مكررة")]))
    >>> batch.num_rows, batch.column("duplicate_of").to_pylist()
    (2, [None, {'doc_id': 'a', 'index': 0}])
    """
    pa = _pyarrow("records_batch")
    schema = records_schema()
    columns = _record_columns(_records_of(records))
    int64 = pa.int64()
    dup_docs, dup_indices = columns["duplicate_of_doc"], columns["duplicate_of_index"]
    duplicate_of = pa.StructArray.from_arrays(
        [_utf8_strings(pa, dup_docs, "duplicate_of.doc_id"), pa.array(dup_indices, int64)],
        fields=list(_duplicate_of_type(pa)),
        mask=pa.array([doc is None for doc in dup_docs], pa.bool_()),
    )
    passages = columns["passages"]
    reuse_values = pa.StructArray.from_arrays(
        [
            pa.array([p.start for p in passages], int64),
            pa.array([p.end for p in passages], int64),
            _utf8_strings(pa, [p.doc_id for p in passages], "reused.doc_id"),
            pa.array([p.index for p in passages], int64),
            pa.array([p.source_start for p in passages], int64),
            pa.array([p.source_end for p in passages], int64),
            pa.array([p.similarity for p in passages], pa.float64()),
        ],
        fields=list(_reuse_type(pa)),
    )
    reused = pa.ListArray.from_arrays(pa.array(columns["reuse_offsets"], pa.int32()), reuse_values,
                                      type=schema.field("reused").type)
    arrays = [
        _utf8_strings(pa, columns["doc_id"], "doc_id"),
        pa.array(columns["index"], int64),
        pa.array(columns["start"], int64),
        pa.array(columns["end"], int64),
        _utf8_strings(pa, columns["text"], "text"),
        pa.array(columns["label"], pa.string()),
        pa.array(columns["scope"], pa.string()),
        duplicate_of,
        pa.array(columns["similarity"], pa.float64()),
        _utf8_strings(pa, columns["reason"], "reason"),
        pa.array(columns["match"], pa.string()),
        _utf8_strings(pa, columns["source"], "source"),
        reused,
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def records_table(report: Report | Iterable[Record]):
    """The records of a report as an Arrow Table of :func:`records_schema`;
    needs the ``arrow`` extra.

    >>> from tikrar import dedup
    >>> table = records_table(dedup([("a", "فقرة مكررة\\nفقرة مكررة")]))
    >>> table.column("label").to_pylist(), table.schema.field("doc_id").nullable
    (['unique', 'duplicate'], False)
    """
    pa = _pyarrow("records_table")
    return pa.Table.from_batches([records_batch(report)], schema=records_schema())


# ---------------------------------------------------------------------------
# Rows of a table -> articles


def _deduplicator_for(deduplicator, options: dict):
    from .dedup import Deduplicator

    if deduplicator is None:
        return Deduplicator(**options)
    if options:
        raise ConfigError(f"give options to the Deduplicator or here, not both: got {sorted(options)}")
    return deduplicator


def _check_on_error(on_error: str) -> None:
    if on_error not in ("raise", "skip"):
        raise ConfigError(f"on_error must be 'raise' or 'skip', got {on_error!r}")


class _RowReader:
    """Turns table rows into articles as :meth:`Deduplicator.add` would take
    them (:func:`~tikrar.dedup.coerce_article`: an integer id is its decimal
    string, anything but a string text is an error), but names the row in
    every error, and applies the ``duplicate_ids`` policy itself. So the
    articles handed to ``add`` are exactly those it labels, which is how a
    cleaned article finds its row again."""

    def __init__(self, deduplicator, on_error: str):
        self.state = deduplicator.state
        self.policy = deduplicator.config.duplicate_ids
        self.on_error = on_error
        self.skipped: list[SkippedArticle] = []

    def _fail(self, location: str, problem: str, always_skip: bool = False) -> None:
        if self.on_error == "raise" and not always_skip:
            raise InputError(location, problem)
        self.skipped.append(SkippedArticle(location, problem))

    def read(self, rows: Iterable[tuple[int, str, Any, Any, Any]]) -> tuple[list[Article], list[int]]:
        """``rows`` of ``(position, location, id, text, source)``; returns the
        articles to add and the position of each one's row."""
        from .dedup import coerce_article

        articles: list[Optional[Article]] = []
        positions: list[int] = []
        locations: list[str] = []
        taken: dict[str, int] = {}
        for position, location, doc_id, text, source in rows:
            try:
                article = coerce_article((doc_id, text, source), position)
            except InputError as err:
                self._fail(location, err.problem)
                continue
            doc_id = article.doc_id
            if doc_id in taken or self.state.ordinal_of(doc_id) is not None:
                if self.policy != "replace":
                    problem = f"doc_id {doc_id!r} repeats an article already added (duplicate_ids={self.policy!r})"
                    self._fail(location, problem, always_skip=self.policy == "skip")
                    continue
                if doc_id in taken:
                    earlier = taken[doc_id]
                    self.skipped.append(SkippedArticle(
                        locations[earlier], f"replaced by a later row with the same doc_id ({location})"))
                    articles[earlier] = None
                # An id already in the index: add() removes the earlier article.
            taken[doc_id] = len(articles)
            articles.append(article)
            positions.append(position)
            locations.append(location)
        kept = [i for i, article in enumerate(articles) if article is not None]
        return [articles[i] for i in kept], [positions[i] for i in kept]


def _log_skipped(skipped: Sequence[SkippedArticle]) -> None:
    if skipped:
        first = skipped[0]
        logger.warning("skipped %d row(s); the first: %s: %s", len(skipped), first.location, first.problem)
        for item in skipped:
            logger.debug("skipped %s: %s", item.location, item.problem)


def _column_values(frame, name: str) -> list:
    """A column as Python values, every missing value (NaN, NA, NaT) None."""
    column = frame[name]
    missing = column.isna()
    values = column.tolist()
    if missing.any():
        for position in missing.to_numpy().nonzero()[0]:
            values[position] = None
    return values


def _check_columns(frame, names: dict[str, Optional[str]]) -> None:
    for role, name in names.items():
        if name is not None and name not in frame.columns:
            raise ConfigError(f"the DataFrame has no {role} column {name!r} (columns: {list(frame.columns)})")


def _run_frame(frame, id, text, source, date, deduplicator, on_error, options):
    """Label the rows of ``frame``; returns the report and the row position
    of each labelled article, by doc_id, in the order they were labelled."""
    pd = _pandas("reading a DataFrame")
    _check_on_error(on_error)
    _check_columns(frame, {"id": id, "text": text, "source": source, "date": date})
    deduplicator = _deduplicator_for(deduplicator, options)
    ids = _column_values(frame, id)
    texts = _column_values(frame, text)
    sources = _column_values(frame, source) if source is not None else [None] * len(frame)
    if date is not None:
        # Keep-first keeps the earliest: label in date order (stable, rows
        # without a date last), so the first published copy is the kept one.
        order = frame[date].reset_index(drop=True).sort_values(kind="stable", na_position="last").index.tolist()
    else:
        order = range(len(frame))
    labels = frame.index
    plain_index = labels.equals(pd.RangeIndex(len(frame)))

    def location(position: int) -> str:
        return f"row {position}" if plain_index else f"row {position} (index {labels[position]!r})"

    reader = _RowReader(deduplicator, on_error)
    articles, positions = reader.read(
        (position, location(position), ids[position], texts[position], sources[position]) for position in order)
    report = deduplicator.add(articles, on_error=on_error)
    report.skipped[:0] = reader.skipped
    _log_skipped(report.skipped)
    return report, {article.doc_id: position for article, position in zip(articles, positions)}


def frame_report(frame, id: str = "id", text: str = "text", source: Optional[str] = None,
                 date: Optional[str] = None, *, deduplicator=None, on_error: str = "raise",
                 **options: Any) -> Report:
    """Deduplicate the articles of a pandas DataFrame, one per row; returns
    the :class:`~tikrar.report.Report` (records, counts, clusters,
    ``skipped``).

    ``id``, ``text``, ``source`` and ``date`` name the columns. Ids follow
    :func:`tikrar.dedup`: a string, or an integer written in decimal (``7``
    and ``"7"`` are the same doc_id); a missing or float id, or a text that
    is not a string (a missing one included), is an
    :class:`~tikrar.InputError` naming the row, or with ``on_error="skip"``
    an entry of ``report.skipped``. A repeated id follows the
    ``duplicate_ids`` option as in :meth:`tikrar.Deduplicator.add`. With
    ``date``, rows are labelled in date order (stable; rows without a date
    last), so the earliest copy is the one kept. ``deduplicator`` labels
    against an existing :class:`~tikrar.Deduplicator` (an index kept on
    disk, say); otherwise ``options`` are those of :func:`tikrar.dedup`.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": [1, 2], "text": ["خبر عاجل عن المحادثات", "خبرٌ عاجلٌ عن المحادثات"]})
    >>> [(r.doc_id, r.label, r.scope) for r in frame_report(frame)]
    [('1', 'unique', None), ('2', 'duplicate', 'across')]
    """
    report, _ = _run_frame(frame, id, text, source, date, deduplicator, on_error, options)
    return report


def dedup_frame(frame, id: str = "id", text: str = "text", source: Optional[str] = None,
                date: Optional[str] = None, *, deduplicator=None, on_error: str = "raise", **options: Any):
    """Deduplicate the articles of a pandas DataFrame; returns the paragraph
    records as a DataFrame (:func:`records_frame`), in the order they were
    labelled. With ``date``, a ``date`` column (of the input's dtype) follows
    ``source``. Arguments as for :func:`frame_report`; skipped rows are
    logged (:func:`frame_report` lists them).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["b", "a"], "text": ["خبرٌ عاجلٌ عن المحادثات", "خبر عاجل عن المحادثات"],
    ...                       "day": ["2015-07-02", "2015-07-01"]})
    >>> dedup_frame(frame, date="day")[["doc_id", "label", "duplicate_of_doc", "date"]].values.tolist()
    [['a', 'unique', <NA>, '2015-07-01'], ['b', 'duplicate', 'a', '2015-07-02']]
    """
    report, row_of = _run_frame(frame, id, text, source, date, deduplicator, on_error, options)
    records = records_frame(report)
    if date is not None:
        rows = [row_of[r.doc_id] for r in report.records]
        records.insert(records.columns.get_loc("source") + 1, "date", frame[date].iloc[rows].reset_index(drop=True))
    return records


def clean_frame(frame, id: str = "id", text: str = "text", source: Optional[str] = None,
                date: Optional[str] = None, *, deduplicator=None, on_error: str = "raise",
                drop_reused: bool = False, **options: Any):
    """Deduplicate the articles of a pandas DataFrame; returns its rows with
    the text column cleaned: duplicate and boilerplate paragraphs removed,
    the kept ones joined by newlines (:meth:`~tikrar.report.Report.cleaned`;
    ``drop_reused=True`` also cuts out reused passages).

    Every column and the index of the input are kept (so the result lines
    up with ``frame``); the text column becomes ``string`` dtype. Rows come
    in the order they were labelled (date order with ``date``); a skipped
    row is left out, and an article with nothing kept has an empty text.
    Arguments as for :func:`frame_report`.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": [1, 2], "title": ["x", "y"], "text": [
    ...     "خبر عاجل عن المحادثات\\nاقرأ أيضاً:", "خبرٌ عاجلٌ عن المحادثات\\nتفاصيل جديدة"]})
    >>> clean_frame(frame).values.tolist()
    [[1, 'x', 'خبر عاجل عن المحادثات'], [2, 'y', 'تفاصيل جديدة']]
    """
    pd = _pandas("clean_frame")
    report, row_of = _run_frame(frame, id, text, source, date, deduplicator, on_error, options)
    cleaned = report.cleaned(drop_reused=drop_reused)
    result = frame.iloc[list(row_of.values())].copy()
    # An article without paragraphs has no records, so cleaned() omits it.
    result[text] = pd.array([cleaned.get(doc_id, "") for doc_id in row_of], dtype="string")
    return result


# ---------------------------------------------------------------------------
# Hugging Face datasets


@dataclass
class DedupedDataset:
    """What :func:`dedup_dataset` returns: ``records`` (a ``datasets.Dataset``
    of :func:`records_schema`), ``cleaned`` (the input's labelled rows with
    their text cleaned), the summed ``counts`` of the reports and the
    ``skipped`` rows.

    >>> from datasets import Dataset
    >>> result = dedup_dataset(Dataset.from_dict({"id": ["a"], "text": ["سطر\\nسطر"]}))
    >>> result.records.num_rows, result.cleaned.num_rows, result.counts["duplicate"], result.skipped
    (2, 1, 1, [])
    """

    records: Any
    cleaned: Any
    counts: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)


def dedup_dataset(dataset, id: str = "id", text: str = "text", source: Optional[str] = None, *,
                  deduplicator=None, on_error: str = "raise", drop_reused: bool = False,
                  batch_rows: int = DEFAULT_DATASET_BATCH_ROWS, **options: Any) -> DedupedDataset:
    """Deduplicate a Hugging Face ``datasets.Dataset`` of articles, one per
    row; needs the ``datasets`` extra.

    The dataset is read ``batch_rows`` rows at a time (only the id, text and
    source columns), each batch labelled against everything before it, as
    the command line does; the result is the same as one batch. Rows follow
    the conventions of :func:`frame_report` (an integer id is its decimal
    string; errors name ``row N``). ``cleaned`` keeps every column and
    feature of the input, for the rows that were labelled, in order, with
    the text cleaned (an empty string when nothing is kept). Sort the
    dataset first (``dataset.sort("date")``) to keep the earliest copy.

    >>> from datasets import Dataset
    >>> ds = Dataset.from_dict({"id": [1, 2], "text": ["خبر عاجل عن المحادثات", "خبرٌ عاجلٌ عن المحادثات\\nتفاصيل"]})
    >>> result = dedup_dataset(ds)
    >>> list(result.records["label"]), list(result.cleaned["text"]), result.counts["duplicate"]
    (['unique', 'duplicate', 'unique'], ['خبر عاجل عن المحادثات', 'تفاصيل'], 1)
    """
    datasets = require_module("datasets", "datasets", "dedup_dataset")
    pa = _pyarrow("dedup_dataset")
    from datasets.table import InMemoryTable

    _check_on_error(on_error)
    if not isinstance(dataset, datasets.Dataset):
        raise TypeError(f"dedup_dataset needs a datasets.Dataset, got {type(dataset).__name__} "
                        "(for an IterableDataset, feed dataset.iter(batch_size=...) to a Deduplicator)")
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ConfigError(f"batch_rows must be a whole number >= 1, got {batch_rows!r}")
    for role, name in (("id", id), ("text", text), ("source", source)):
        if name is not None and name not in dataset.column_names:
            raise ConfigError(f"the dataset has no {role} column {name!r} (columns: {dataset.column_names})")
    deduplicator = _deduplicator_for(deduplicator, options)
    reader = _RowReader(deduplicator, on_error)
    wanted = list(dict.fromkeys(name for name in (id, text, source) if name is not None))
    batches, kept_rows, cleaned_texts = [], [], []
    totals: Counter = Counter()
    skipped: list[SkippedArticle] = []
    offset = 0
    for rows in dataset.select_columns(wanted).iter(batch_size=batch_rows):
        ids, texts = rows[id], rows[text]
        sources = rows[source] if source is not None else [None] * len(texts)
        articles, positions = reader.read(
            (offset + i, f"row {offset + i}", ids[i], texts[i], sources[i]) for i in range(len(texts)))
        offset += len(texts)
        report = deduplicator.add(articles, on_error=on_error)
        skipped.extend(reader.skipped)
        skipped.extend(report.skipped)
        reader.skipped = []
        totals.update(report.counts)
        batches.append(records_batch(report))
        cleaned = report.cleaned(drop_reused=drop_reused)
        kept_rows.extend(positions)
        cleaned_texts.extend(cleaned.get(article.doc_id, "") for article in articles)
    _log_skipped(skipped)
    # An Arrow table of no chunks is one datasets cannot cast: give it one empty chunk.
    table = pa.Table.from_batches(batches or [records_batch([])], schema=records_schema())
    records = datasets.Dataset(InMemoryTable(table))
    # Arrow, not select()+add_column(): those would rewrite the rows with a
    # progress bar of their own.
    chosen = dataset.with_format("arrow")[kept_rows] if kept_rows else dataset.with_format("arrow")[:0]
    chosen = chosen.set_column(chosen.schema.get_field_index(text), pa.field(text, pa.string()),
                               _utf8_strings(pa, cleaned_texts, text))
    features = dataset.features.copy()
    features[text] = datasets.Value("string")
    cleaned_dataset = datasets.Dataset(InMemoryTable(chosen), info=datasets.DatasetInfo(features=features))
    counts = {key: totals.get(key, 0) for key in
              ("articles", "paragraphs", *LABELS, "within", "across")}
    counts["skipped"] = len(skipped)
    return DedupedDataset(records, cleaned_dataset, counts, skipped)
