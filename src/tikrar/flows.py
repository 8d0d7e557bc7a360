"""Who repeats whom: paragraph flows between sources, per-source rates, a figure.

A *flow* from source A to source B counts the paragraphs of B's articles
that are duplicates of a first occurrence (the kept paragraph their record
names) in an article of A, and the kept paragraphs of B that reuse a
passage of a paragraph of A. A wire story that a newspaper republishes is a
flow from the agency to the paper; a paper repeating its own paragraphs is
a flow from itself to itself. With a publication date per article, each
flow also gives the median delay between the first occurrence and its
repeats.

The counting works on plain :class:`~tikrar.types.Record` sequences and
needs nothing beyond the standard library (:func:`flow_counts`,
:func:`source_counts`); :func:`flows_frame` and :func:`sources_frame` give
the same as pandas DataFrames (the ``pandas`` extra) and :func:`plot_flows`
draws them with matplotlib (the ``plot`` extra). Both libraries are
imported only when those functions are called.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterable, Mapping, Optional, Sequence

from .errors import ConfigError, require_module
from .types import LABEL_BOILERPLATE, LABEL_DUPLICATE, LABEL_UNIQUE, SCOPE_ACROSS, SCOPE_WITHIN, Record

logger = logging.getLogger(__name__)

#: The source name given to articles whose records carry no source.
NO_SOURCE = "(no source)"
#: The source name given to a first occurrence that is not among the records
#: (a paragraph kept by an earlier :meth:`tikrar.Deduplicator.add` call or an
#: earlier run over the same index): its article, hence its source, is unknown.
UNKNOWN_SOURCE = "(not in report)"

FLOW_COLUMNS = ("source_from", "source_to", "paragraphs", "articles", "reused", "median_delay_days")
SOURCE_COLUMNS = ("source", "articles", "paragraphs", "unique", "duplicate", "boilerplate", "within", "across",
                  "reused", "duplicate_rate")


@dataclass(frozen=True)
class Flow:
    """Paragraphs of ``source_to`` that repeat a first occurrence in ``source_from``.

    ``paragraphs``: duplicates in ``source_to`` whose kept paragraph is in an
    article of ``source_from``; ``articles``: the articles of ``source_to``
    holding them; ``reused``: kept paragraphs of ``source_to`` that reuse a
    passage of a paragraph of ``source_from`` (counted apart: they are kept).
    ``median_delay_days``: median of (date of the repeating article - date
    of the first occurrence's article) over the duplicates whose two
    articles both have a date, in days; None without such a pair.

    >>> Flow("was", "sabq", 12, 9, 2, 0.0).paragraphs
    12
    """

    source_from: str
    source_to: str
    paragraphs: int
    articles: int
    reused: int
    median_delay_days: Optional[float]


@dataclass(frozen=True)
class SourceCounts:
    """The paragraphs of one source's articles, per label.

    ``within``/``across`` split the duplicates by scope; ``reused`` counts
    kept paragraphs that reuse a passage of an earlier one.

    >>> SourceCounts("sabq", 2, 10, 6, 3, 1, 0, 3, 1).duplicate_rate
    0.3
    """

    source: str
    articles: int
    paragraphs: int
    unique: int
    duplicate: int
    boilerplate: int
    within: int
    across: int
    reused: int

    @property
    def duplicate_rate(self) -> float:
        """Share of this source's paragraphs that are duplicates (0.0 for none)."""
        return self.duplicate / self.paragraphs if self.paragraphs else 0.0


def _source_of(record: Record) -> str:
    return record.source if record.source is not None else NO_SOURCE


def parse_date(value: str) -> datetime:
    """An ISO 8601 date or date-time as a naive UTC :class:`datetime`
    (a date alone is its midnight; a trailing ``Z`` is UTC).

    >>> parse_date("2015-07-21"), parse_date("2015-07-21T03:00:00+03:00")
    (datetime.datetime(2015, 7, 21, 0, 0), datetime.datetime(2015, 7, 21, 0, 0))
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        # Aware and naive stamps are compared on one clock: UTC.
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


class _Dates:
    """Parsed dates of articles, parsed once each; a value that is not an
    ISO date is an error naming the article."""

    def __init__(self, dates: Optional[Mapping[str, str]]):
        self._raw = dates or {}
        self._parsed: dict[str, Optional[datetime]] = {}

    def __bool__(self) -> bool:
        return bool(self._raw)

    def get(self, doc_id: str) -> Optional[datetime]:
        if doc_id not in self._parsed:
            value = self._raw.get(doc_id)
            if value is None or value == "":
                self._parsed[doc_id] = None
            else:
                try:
                    self._parsed[doc_id] = parse_date(value)
                except (TypeError, ValueError):
                    raise ConfigError(f"dates[{doc_id!r}] is not an ISO 8601 date: {value!r}") from None
        return self._parsed[doc_id]


def flow_counts(records: Iterable[Record], dates: Optional[Mapping[str, str]] = None) -> list[Flow]:
    """Every source-to-source flow of ``records`` (see :class:`Flow`), the
    largest first (then by reuse, then by names).

    ``dates`` maps doc_id to an ISO 8601 date or date-time; articles without
    one take no part in the delays. A first occurrence outside ``records``
    counts under the source :data:`UNKNOWN_SOURCE`.

    >>> from tikrar.types import ParagraphRef
    >>> records = [Record("w1", 0, 0, 5, "خبر", "unique", source="was"),
    ...            Record("s1", 0, 0, 5, "خبر", "duplicate", "across", ParagraphRef("w1", 0), 1.0, None, "exact", "sabq")]
    >>> flow_counts(records, {"w1": "2015-07-21", "s1": "2015-07-23"})
    [Flow(source_from='was', source_to='sabq', paragraphs=1, articles=1, reused=0, median_delay_days=2.0)]
    """
    records = records if isinstance(records, Sequence) else list(records)
    source_of_doc: dict[str, str] = {}
    for r in records:
        source_of_doc.setdefault(r.doc_id, _source_of(r))
    known_dates = _Dates(dates)
    paragraphs: Counter = Counter()
    reused: Counter = Counter()
    articles: defaultdict = defaultdict(set)
    delays: defaultdict = defaultdict(list)
    outside = 0
    for r in records:
        to = source_of_doc[r.doc_id]
        if r.label == LABEL_DUPLICATE and r.duplicate_of is not None:
            first = r.duplicate_of
            came_from = source_of_doc.get(first.doc_id)
            if came_from is None:
                came_from = UNKNOWN_SOURCE
                outside += 1
            key = (came_from, to)
            paragraphs[key] += 1
            articles[key].add(r.doc_id)
            if known_dates:
                then, now = known_dates.get(first.doc_id), known_dates.get(r.doc_id)
                if then is not None and now is not None:
                    delays[key].append((now - then).total_seconds() / 86400.0)
        elif r.reused:
            # One paragraph may reuse passages of several sources: it counts
            # once in each of their flows.
            for came_from in {source_of_doc.get(p.doc_id, UNKNOWN_SOURCE) for p in r.reused}:
                reused[(came_from, to)] += 1
    if outside:
        logger.info("%d duplicates name a first occurrence outside these records (source %r)", outside, UNKNOWN_SOURCE)
    flows = [
        Flow(came_from, to, paragraphs[(came_from, to)], len(articles[(came_from, to)]), reused[(came_from, to)],
             statistics.median(delays[(came_from, to)]) if delays[(came_from, to)] else None)
        for came_from, to in set(paragraphs) | set(reused)
    ]
    flows.sort(key=lambda f: (-f.paragraphs, -f.reused, f.source_from, f.source_to))
    return flows


def source_counts(records: Iterable[Record]) -> list[SourceCounts]:
    """Per-label paragraph counts of each source (see :class:`SourceCounts`),
    the source with the most paragraphs first.

    >>> from tikrar import dedup
    >>> report = dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا", "sabq")])
    >>> [(s.source, s.paragraphs, s.duplicate, s.duplicate_rate) for s in source_counts(report)]
    [('sabq', 2, 1, 0.5)]
    """
    totals: dict[str, Counter] = defaultdict(Counter)
    docs: dict[str, set] = defaultdict(set)
    for r in records:
        source = _source_of(r)
        counts = totals[source]
        docs[source].add(r.doc_id)
        counts["paragraphs"] += 1
        counts[r.label] += 1
        if r.label == LABEL_DUPLICATE:
            counts[r.scope] += 1
        elif r.reused:
            counts["reused"] += 1
    summary = [
        SourceCounts(source, len(docs[source]), c["paragraphs"], c[LABEL_UNIQUE], c[LABEL_DUPLICATE],
                     c[LABEL_BOILERPLATE], c[SCOPE_WITHIN], c[SCOPE_ACROSS], c["reused"])
        for source, c in totals.items()
    ]
    summary.sort(key=lambda s: (-s.paragraphs, s.source))
    return summary


def _pandas(feature: str):
    return require_module("pandas", "pandas", feature)


def flows_frame(records: Iterable[Record], dates: Optional[Mapping[str, str]] = None):
    """:func:`flow_counts` as a pandas DataFrame with the columns of
    :data:`FLOW_COLUMNS` (``median_delay_days`` is NaN where no pair has two
    dates). Needs the ``pandas`` extra.

    >>> from tikrar import dedup
    >>> report = dedup([("w1", "وصل الوفد إلى العاصمة مساء اليوم في زيارة رسمية تستمر ثلاثة أيام", "was"),
    ...                 ("s1", "وصل الوفد إلى العاصمة مساء اليوم في زيارة رسمية تستمر ثلاثة أيام", "sabq")])
    >>> flows_frame(report)[["source_from", "source_to", "paragraphs"]].values.tolist()
    [['was', 'sabq', 1]]
    """
    pd = _pandas("Report.flows")
    rows = [(f.source_from, f.source_to, f.paragraphs, f.articles, f.reused,
             float("nan") if f.median_delay_days is None else f.median_delay_days)
            for f in flow_counts(records, dates)]
    frame = pd.DataFrame(rows, columns=list(FLOW_COLUMNS))
    return frame.astype({"paragraphs": "int64", "articles": "int64", "reused": "int64", "median_delay_days": "float64"})


def sources_frame(records: Iterable[Record]):
    """:func:`source_counts` as a pandas DataFrame with the columns of
    :data:`SOURCE_COLUMNS`. Needs the ``pandas`` extra.

    >>> from tikrar import dedup
    >>> sources_frame(dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا", "sabq")]))["duplicate_rate"].tolist()
    [0.5]
    """
    pd = _pandas("Report.source_summary")
    rows = [(s.source, s.articles, s.paragraphs, s.unique, s.duplicate, s.boilerplate, s.within, s.across, s.reused,
             s.duplicate_rate) for s in source_counts(records)]
    frame = pd.DataFrame(rows, columns=list(SOURCE_COLUMNS))
    return frame.astype({name: "int64" for name in SOURCE_COLUMNS[1:-1]} | {"duplicate_rate": "float64"})


def flow_matrix(flows: Sequence[Flow], top: Optional[int] = None) -> tuple[list[str], list[list[int]]]:
    """The sources taking part in ``flows`` and the square matrix of their
    duplicate paragraphs, ``matrix[i][j]`` from ``sources[i]`` to
    ``sources[j]``. With ``top``, only the ``top`` sources with the most
    paragraphs in or out (the others' flows are left out).

    >>> flow_matrix([Flow("was", "sabq", 3, 3, 0, None), Flow("sabq", "sabq", 1, 1, 0, None)])
    (['sabq', 'was'], [[1, 0], [3, 0]])
    """
    volume: Counter = Counter()
    for f in flows:
        volume[f.source_from] += f.paragraphs
        volume[f.source_to] += f.paragraphs
    ranked = sorted(volume, key=lambda s: (-volume[s], s))
    sources = sorted(ranked[:top] if top is not None else ranked)
    position = {s: i for i, s in enumerate(sources)}
    matrix = [[0] * len(sources) for _ in sources]
    for f in flows:
        if f.source_from in position and f.source_to in position:
            matrix[position[f.source_from]][position[f.source_to]] += f.paragraphs
    return sources, matrix


def plot_flows(records: Iterable[Record], dates: Optional[Mapping[str, str]] = None, top: int = 15,
               figsize: tuple[float, float] = (17.0, 6.0)):
    """A matplotlib :class:`~matplotlib.figure.Figure` with three panels:
    the source-to-source matrix of duplicate paragraphs (the ``top``
    sources by volume; each cell counts the paragraphs of the column's
    source that repeat a first occurrence in the row's source), the
    duplicate rate per source (split into within and across), and the
    histogram of the similarity of duplicates that are not exact (exact
    ones are all 1.0; their count is in the title). Needs the ``plot``
    extra. The figure is made without pyplot, so it opens no window and a
    notebook shows it once, as the value of the cell.

    Matplotlib draws Arabic letters unjoined and left to right: source
    names are best given in Latin script.

    >>> from tikrar import dedup
    >>> report = dedup([("w1", "وصل الوفد إلى العاصمة مساء اليوم في زيارة رسمية تستمر ثلاثة أيام", "was"),
    ...                 ("s1", "وصل الوفد إلى العاصمة مساء اليوم في زيارة رسمية تستمر ثلاثة أيام", "sabq")])
    >>> for ax in plot_flows(report).axes[:3]:
    ...     print(ax.get_title())
    Duplicate paragraphs: first occurrence (row) to repeat (column)
    Duplicate rate per source
    Similarity of near and contained duplicates
    (1 exact, all at 1.0, not shown)
    """
    LogNorm = require_module("matplotlib.colors", "plot", "Report.plot").LogNorm
    Figure = require_module("matplotlib.figure", "plot", "Report.plot").Figure
    records = records if isinstance(records, Sequence) else list(records)
    flows = flow_counts(records, dates)
    per_source = source_counts(records)

    figure = Figure(figsize=figsize, layout="constrained")
    matrix_ax, rate_ax, hist_ax = figure.subplots(1, 3, width_ratios=[1.25, 1.0, 1.0])

    sources, matrix = flow_matrix(flows, top)
    largest = max((value for row in matrix for value in row), default=0)
    if largest:
        import numpy as np

        values = np.ma.masked_equal(np.array(matrix, dtype=float), 0.0)
        # Counts run from one paragraph to thousands: a log scale keeps the
        # small flows visible next to the wire agency's.
        image = matrix_ax.imshow(values, cmap="viridis", norm=LogNorm(vmin=1, vmax=max(largest, 2)))
        figure.colorbar(image, ax=matrix_ax, shrink=0.8, label="duplicate paragraphs")
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                if value:
                    matrix_ax.text(j, i, str(value), ha="center", va="center", fontsize=7,
                                   color="white" if value < largest ** 0.5 else "black")
        matrix_ax.set_xticks(range(len(sources)), sources, rotation=60, ha="right", fontsize=8)
        matrix_ax.set_yticks(range(len(sources)), sources, fontsize=8)
        matrix_ax.set_xlabel("repeated in")
        matrix_ax.set_ylabel("first occurrence in")
    else:
        matrix_ax.text(0.5, 0.5, "no duplicates", ha="center", va="center", transform=matrix_ax.transAxes)
        matrix_ax.set_axis_off()
    shown = f" (top {len(sources)} sources)" if top is not None and len(sources) == top else ""
    matrix_ax.set_title(f"Duplicate paragraphs: first occurrence (row) to repeat (column){shown}", fontsize=10,
                        wrap=True)

    ranked = sorted(per_source, key=lambda s: (s.duplicate_rate, s.source))
    names = [s.source for s in ranked]
    within = [s.within / s.paragraphs if s.paragraphs else 0.0 for s in ranked]
    across = [s.across / s.paragraphs if s.paragraphs else 0.0 for s in ranked]
    rate_ax.barh(names, across, color="#d9534f", label="across articles")
    rate_ax.barh(names, within, left=across, color="#f0ad4e", label="within an article")
    for y, s in enumerate(ranked):
        rate_ax.text(s.duplicate_rate, y, f" {s.duplicate_rate:.1%} of {s.paragraphs:,}", va="center", fontsize=7)
    rate_ax.set_xlim(0, max([s.duplicate_rate for s in ranked] + [0.01]) * 1.35)
    rate_ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    rate_ax.tick_params(axis="y", labelsize=8)
    rate_ax.legend(loc="lower right", fontsize=8)
    rate_ax.set_title("Duplicate rate per source", fontsize=10)

    duplicates = [r for r in records if r.label == LABEL_DUPLICATE and r.similarity is not None]
    exact = sum(1 for r in duplicates if r.match == "exact")
    bins = [k / 40 for k in range(41)]
    kinds = [("near", "#5b8def"), ("contained", "#8e6bbf")]
    values_by_kind = [[r.similarity for r in duplicates if r.match == kind] for kind, _ in kinds]
    hist_ax.hist(values_by_kind, bins=bins, stacked=True, color=[color for _, color in kinds],
                 label=[f"{kind} ({len(v):,})" for (kind, _), v in zip(kinds, values_by_kind)])
    hist_ax.set_xlim(0, 1)
    hist_ax.set_xlabel("Jaccard similarity of shingle sets")
    hist_ax.set_ylabel("duplicate paragraphs")
    hist_ax.legend(loc="upper left", fontsize=8)
    hist_ax.set_title(f"Similarity of near and contained duplicates\n({exact:,} exact, all at 1.0, not shown)",
                      fontsize=10)
    return figure


__all__ = [
    "FLOW_COLUMNS",
    "Flow",
    "NO_SOURCE",
    "SOURCE_COLUMNS",
    "SourceCounts",
    "UNKNOWN_SOURCE",
    "flow_counts",
    "flow_matrix",
    "flows_frame",
    "parse_date",
    "plot_flows",
    "source_counts",
    "sources_frame",
]
