"""The result of a deduplication run: one record per paragraph, plus views."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from . import view as _view
from .types import LABEL_BOILERPLATE, LABEL_DUPLICATE, LABELS, ParagraphRef, Record

__all__ = [
    "Report", "Cluster", "SkippedArticle",
]


@dataclass(frozen=True)
class Cluster:
    """A kept paragraph and every later paragraph that verifiably repeats it
    (each member's own record names it): a star, never a chain, so every
    member-canonical pair can be checked from the two texts alone.
    ``matches[i]`` is ``(match, similarity)`` of ``members[i]`` with the
    canonical paragraph.

    >>> from tikrar import dedup
    >>> cluster = dedup([("a", "خبر مكرر"), ("b", "خبر مكرر"), ("c", "خبر مكرر")]).clusters[0]
    >>> cluster.canonical, cluster.size, cluster.matches
    (ParagraphRef(doc_id='a', index=0), 3, (('exact', 1.0), ('exact', 1.0)))
    """

    canonical: ParagraphRef
    members: tuple[ParagraphRef, ...]
    matches: tuple[tuple[str, float], ...] = ()

    @property
    def size(self) -> int:
        """Occurrences, the first one included."""
        return 1 + len(self.members)


@dataclass(frozen=True)
class SkippedArticle:
    """An input record that could not be processed, and why.

    >>> from tikrar import dedup
    >>> dedup([("a", "نص"), ("b", None)], on_error="skip").skipped
    [SkippedArticle(location="article 'b'", problem='text must be a string, got NoneType')]
    """

    location: str
    problem: str


@dataclass
class Report:
    """Paragraph records in input order.

    Iterating gives :class:`~tikrar.types.Record` objects; ``counts`` sums
    them up; ``to_jsonl`` writes the format of the command line.

    >>> from tikrar import dedup
    >>> report = dedup([("a", "سطر واحد مكرر\\nسطر واحد مكرر")])
    >>> [r.label for r in report], report.counts["duplicate"]
    (['unique', 'duplicate'], 1)
    """

    records: list[Record]
    articles: int = 0
    skipped: list[SkippedArticle] = field(default_factory=list)
    #: doc_id -> ISO 8601 date of publication, for the delays of :meth:`flows`
    #: (filled by :meth:`from_jsonl` from a ``date`` field; empty otherwise).
    dates: dict[str, str] = field(default_factory=dict)
    #: The :class:`~tikrar.DedupConfig` of the run that made the records
    #: (set by :meth:`tikrar.Deduplicator.add`; None: unknown, the defaults),
    #: so that :meth:`explain` shingles the paragraphs as the run compared them.
    config: Optional[Any] = field(default=None, repr=False, compare=False)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, item):
        return self.records[item]

    @property
    def counts(self) -> dict[str, int]:
        """Paragraphs per label and per scope, with articles and paragraphs.

        >>> from tikrar import dedup
        >>> dedup([("a", "x y")]).counts["unique"]
        1
        """
        labels = Counter(r.label for r in self.records)
        scopes = Counter(r.scope for r in self.records if r.label == LABEL_DUPLICATE)
        counts = {"articles": self.articles, "paragraphs": len(self.records)}
        counts.update({label: labels.get(label, 0) for label in LABELS})
        counts["within"] = scopes.get("within", 0)
        counts["across"] = scopes.get("across", 0)
        counts["skipped"] = len(self.skipped)
        return counts

    def by_article(self, doc_id: str) -> list[Record]:
        """The records of one article, in paragraph order."""
        return [r for r in self.records if r.doc_id == doc_id]

    @property
    def clusters(self) -> list[Cluster]:
        """Repeated paragraphs of this report, each under the kept paragraph
        its duplicates name (see :class:`Cluster`).

        A kept paragraph added in an earlier call of
        :meth:`tikrar.Deduplicator.add` is named but not part of this report.

        >>> from tikrar import dedup
        >>> [(c.canonical.index, [m.index for m in c.members], c.matches) for c in dedup([("a", "س\\nس")]).clusters]
        [(0, [1], (('exact', 1.0),))]
        """
        groups: dict[ParagraphRef, list] = {}
        for r in self.records:
            if r.label == LABEL_DUPLICATE and r.duplicate_of is not None:
                groups.setdefault(r.duplicate_of, []).append((ParagraphRef(r.doc_id, r.index), (r.match, r.similarity)))
        return [Cluster(canonical, tuple(m for m, _ in members), tuple(link for _, link in members))
                for canonical, members in groups.items()]

    def to_dicts(self) -> list[dict]:
        """Every record as a plain dict (the JSONL keys)."""
        return [r.to_dict() for r in self.records]

    def to_jsonl(self, path: str | Path) -> int:
        """Write one JSON object per paragraph; returns the number written."""
        with open(path, "w", encoding="utf-8") as out:
            for r in self.records:
                out.write(json.dumps(r.to_dict(), ensure_ascii=False))
                out.write("\n")
        return len(self.records)

    def to_pandas(self):
        """The records as a pandas DataFrame, one row per paragraph (needs the
        ``pandas`` extra): ``label``, ``scope`` and ``match`` categorical,
        ``duplicate_of`` split into ``duplicate_of_doc`` (string) and
        ``duplicate_of_index`` (Int64), ``similarity`` Float64, missing
        values ``pd.NA``, ``reused`` a list of dicts per row (see
        :func:`tikrar.frames.records_frame`).

        >>> from tikrar import dedup
        >>> frame = dedup([("a", "فقرة مكررة\\nفقرة مكررة")]).to_pandas()
        >>> frame["label"].tolist(), frame["duplicate_of_index"].tolist()
        (['unique', 'duplicate'], [<NA>, 0])
        """
        from .frames import records_frame

        return records_frame(self)

    def to_arrow(self):
        """The records as a pyarrow Table (needs the ``arrow`` extra), with
        the schema Parquet output uses (:func:`tikrar.frames.records_schema`):
        ``duplicate_of`` a struct and ``reused`` a list of structs, as in
        the JSONL records.

        >>> from tikrar import dedup
        >>> table = dedup([("a", "فقرة مكررة\\nفقرة مكررة")]).to_arrow()
        >>> table.num_rows, table.column("duplicate_of").to_pylist()[1]
        (2, {'doc_id': 'a', 'index': 0})
        """
        from .frames import records_table

        return records_table(self)

    def cleaned(self, texts: Optional[dict[str, str]] = None, drop_reused: bool = False) -> dict[str, str]:
        """Each article with its duplicate and boilerplate paragraphs removed,
        the kept paragraphs joined by newlines. Every removed duplicate's text
        survives in the kept paragraph it names. ``drop_reused=True`` also
        cuts the reused passages out of the kept paragraphs (for corpora that
        want no repeated text at all; what is left of a paragraph is joined
        by single spaces, and a paragraph left empty is dropped).

        >>> from tikrar import dedup
        >>> dedup([("a", "فقرة\\nفقرة")]).cleaned()
        {'a': 'فقرة'}
        """
        kept: dict[str, list[str]] = {}
        for r in self.records:
            kept.setdefault(r.doc_id, [])
            if r.label in (LABEL_DUPLICATE, LABEL_BOILERPLATE):
                continue
            text = r.text
            if drop_reused and r.reused:
                pieces, at = [], 0
                for passage in sorted(r.reused, key=lambda p: p.start):
                    pieces.append(text[at : passage.start])
                    at = max(at, passage.end)
                pieces.append(text[at:])
                text = " ".join(piece.strip() for piece in pieces if piece.strip())
                if not text:
                    continue
            kept[r.doc_id].append(text)
        return {doc_id: "\n".join(parts) for doc_id, parts in kept.items()}

    # -- views for people (tikrar.view, tikrar.flows) ----------------------

    def _repr_html_(self) -> str:
        return _view.render_html(self)

    def to_html(self, path: str | Path | None = None, max_articles: Optional[int] = _view.DEFAULT_MAX_ARTICLES) -> str:
        """The report as a self-contained HTML page, right to left: the
        summary, then the first ``max_articles`` articles (None: all) with
        duplicates linked to the paragraphs they repeat, reused passages
        underlined and linked, boilerplate dimmed with its rule (see
        :mod:`tikrar.view`). Returns the page, and writes it to ``path``
        (in UTF-8, replacing the file only once it is whole) when given.

        >>> from tikrar import dedup
        >>> page = dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا")]).to_html()
        >>> '<a class="tk-link" href="#p-a-0">' in page
        True
        """
        page = _view.render_page(self, max_articles)
        if path is not None:
            from .io import atomic_output

            with atomic_output(path) as out:
                out.write(page)
        return page

    def explain(self, doc_id: str, index: int, other=None, config=None):
        """Paragraph ``index`` of ``doc_id`` side by side with the paragraph it
        repeats (or whose passage it reuses, or ``other``), the shingles they
        share marked on both raw texts: a :class:`tikrar.view.Explanation`
        (a notebook shows it as HTML; ``print`` gives text). ``config``
        defaults to the run's own (:attr:`config`), else the defaults.

        >>> from tikrar import dedup
        >>> report = dedup([("a", "سطر مكرر هنا وهناك"), ("b", "سطر مكرر هنا وهناك")])
        >>> report.explain("b", 0).spans
        ((0, 18),)
        """
        return _view.explain(self, doc_id, index, other=other, config=config if config is not None else self.config)

    def flows(self, dates: Optional[dict[str, str]] = None):
        """Source-to-source flows as a pandas DataFrame (the ``pandas``
        extra): for each pair of sources, the paragraphs of ``source_to``
        that repeat a first occurrence in ``source_from``, the articles
        holding them, the kept paragraphs reusing its passages, and the
        median delay in days when both articles have a date (``dates``, on
        top of :attr:`dates`). See :mod:`tikrar.flows`.

        >>> from tikrar import dedup
        >>> text = "وصل الوفد إلى العاصمة مساء اليوم في زيارة رسمية تستمر ثلاثة أيام"
        >>> report = dedup([("w1", text, "was"), ("s1", text, "sabq")])
        >>> report.flows({"w1": "2015-07-21", "s1": "2015-07-22"}).to_dict("records")
        [{'source_from': 'was', 'source_to': 'sabq', 'paragraphs': 1, 'articles': 1, 'reused': 0, 'median_delay_days': 1.0}]
        """
        from .flows import flows_frame

        return flows_frame(self.records, {**self.dates, **(dates or {})})

    def source_summary(self):
        """Paragraphs per label and the duplicate rate of each source, as a
        pandas DataFrame (the ``pandas`` extra).

        >>> from tikrar import dedup
        >>> dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا", "sabq")]).source_summary()[["source", "duplicate_rate"]].values.tolist()
        [['sabq', 0.5]]
        """
        from .flows import sources_frame

        return sources_frame(self.records)

    def plot(self, dates: Optional[dict[str, str]] = None, top: int = 15):
        """A matplotlib figure of the flows between the ``top`` sources, the
        duplicate rate per source and the similarity histogram of
        duplicates (the ``plot`` extra; see :func:`tikrar.flows.plot_flows`).

        >>> from tikrar import dedup
        >>> len(dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا", "sabq")]).plot().axes) >= 3
        True
        """
        from .flows import plot_flows

        return plot_flows(self.records, {**self.dates, **(dates or {})}, top=top)

    @classmethod
    def from_jsonl(cls, path: str | Path) -> "Report":
        """Read back the records :meth:`to_jsonl` (or ``tikrar dedup -o``)
        wrote. Records with a ``date`` field fill :attr:`dates`. A line that
        is not such a record is an :class:`~tikrar.InputError` naming the
        file and line.

        >>> import os, tempfile
        >>> from tikrar import dedup
        >>> path = os.path.join(tempfile.mkdtemp(), "out.jsonl")
        >>> _ = dedup([("a", "سطر\\nسطر")]).to_jsonl(path)
        >>> back = Report.from_jsonl(path)
        >>> [r.label for r in back], back.articles, back[1].duplicate_of
        (['unique', 'duplicate'], 1, ParagraphRef(doc_id='a', index=0))
        """
        from .errors import InputError

        records: list[Record] = []
        dates: dict[str, str] = {}
        try:
            stream = open(path, "rb")
        except FileNotFoundError as err:
            raise InputError(str(path), "no such file") from err
        except OSError as err:
            raise InputError(str(path), f"cannot be read: {err.strerror}") from err
        with stream:
            for number, raw in enumerate(stream, 1):
                where = f"{path}:{number}"
                try:
                    line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    raise InputError(where, "line is not valid UTF-8") from None
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    raise InputError(where, "line is not valid JSON") from None
                records.append(_record_from_row(row, where))
                if isinstance(row, dict) and row.get("date"):
                    dates[records[-1].doc_id] = str(row["date"])
        articles = len({r.doc_id for r in records})
        return cls(records, articles=articles, dates=dates)


def _record_from_row(row, where: str) -> Record:
    """A :class:`Record` from one JSON object of the CLI's output; an
    :class:`~tikrar.InputError` at ``where`` if it is not one."""
    from .errors import InputError
    from .types import Reuse

    if not isinstance(row, dict):
        raise InputError(where, "is not a JSON object")
    missing = [key for key in ("doc_id", "index", "start", "end", "text", "label") if key not in row]
    if missing:
        raise InputError(where, f"is not a tikrar record: no {missing[0]!r} field")
    try:
        ref = row.get("duplicate_of")
        return Record(
            str(row["doc_id"]), int(row["index"]), int(row["start"]), int(row["end"]), str(row["text"]),
            str(row["label"]), row.get("scope"),
            ParagraphRef(str(ref["doc_id"]), int(ref["index"])) if ref else None,
            None if row.get("similarity") is None else float(row["similarity"]),
            row.get("reason"), row.get("match"), row.get("source"),
            tuple(Reuse(int(p["start"]), int(p["end"]), str(p["doc_id"]), int(p["index"]), int(p["source_start"]),
                        int(p["source_end"]), float(p["similarity"])) for p in row.get("reused") or ()),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(where, f"is not a tikrar record: {type(err).__name__}: {err}") from None
