"""The report for people: an HTML view of the articles, a side-by-side
explanation of one pair, and a plain-text summary.

The view (:func:`render_html`, or :func:`render_page` for a standalone page)
shows each article right to left, paragraph by paragraph:

- a **duplicate** is highlighted and links to the kept paragraph it
  repeats (its ``duplicate_of``), with scope, match and similarity;
- a **reused passage** of a kept paragraph is underlined inside its text
  and links to the paragraph it comes from;
- **boilerplate** is dimmed, with the rule that fired;
- a kept paragraph that others repeat links back to its repeats.

Every paragraph has the id :func:`paragraph_anchor` gives it, so a link is
``href="#p-..."`` and lands on that very paragraph (which the page
outlines through the CSS ``:target`` rule). The page holds its own style
and no script, and loads nothing: it works offline. Every string from the
records is HTML-escaped.

:func:`explain` puts a paragraph next to the one it repeats, with the
shingles they share marked on the raw texts (:class:`Explanation`).
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .types import LABEL_BOILERPLATE, LABEL_DUPLICATE, LABEL_UNIQUE, ParagraphRef, Record, Reuse

if TYPE_CHECKING:
    from .report import Report

logger = logging.getLogger(__name__)

#: Articles a view renders unless told otherwise; the rest are counted in a note.
DEFAULT_MAX_ARTICLES = 50
#: Repeats of a kept paragraph linked from it; the others are counted.
MAX_BACKLINKS = 5
#: Rows of the "top flows" and "boilerplate rules" tables of the summary.
SUMMARY_ROWS = 10

_SAFE_ID_CHAR = re.compile(r"[A-Za-z0-9_]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_LEARNED_REASON = re.compile(r"repeated in \d+ articles of ")


def _escape_for_id(doc_id: str) -> str:
    # ASCII letters, digits and "_" stay; every other character, "-" among
    # them, becomes -<hex>-. That is decoded one way only, and the index
    # follows the last "-", so two different paragraphs never share an id.
    return "".join(ch if _SAFE_ID_CHAR.match(ch) else f"-{ord(ch):x}-" for ch in doc_id)


def paragraph_anchor(doc_id: str, index: int) -> str:
    """The HTML id of a paragraph in the view: ``p-<doc_id>-<index>``, the
    doc_id's ASCII letters, digits and underscores kept and every other
    character written ``-<hex code point>-``. Ids are plain ASCII, valid in
    URLs and CSS as they are, and distinct for distinct paragraphs.

    >>> paragraph_anchor("01_metro", 4), paragraph_anchor('a"b', 0), paragraph_anchor("خبر", 2)
    ('p-01_metro-4', 'p-a-22-b-0', 'p--62e--628--631--2')
    """
    return f"p-{_escape_for_id(str(doc_id))}-{int(index)}"


def article_anchor(doc_id: str) -> str:
    """The HTML id of an article's section in the view.

    >>> article_anchor("a-1")
    'a-a-2d-1'
    """
    return f"a-{_escape_for_id(str(doc_id))}"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _ref_label(doc_id: str, index: int) -> str:
    return f"<bdi>{_e(doc_id)}</bdi> #{int(index)}"


def rule_name(reason: Optional[str]) -> str:
    """The rule behind a boilerplate reason, for counting: the phrase rule
    as it is, and every "repeated in N articles of S" as one learned rule.

    >>> rule_name("tags_line"), rule_name("repeated in 12 articles of source sabq")
    ('tags_line', 'learned: repeated within a source')
    """
    if not reason:
        return "(no rule)"
    if _LEARNED_REASON.match(reason):
        return "learned: repeated within a source"
    return reason


_STYLE = """
.tikrar-view { font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "Amiri", "DejaVu Sans", "Arial", sans-serif;
  line-height: 1.7; color: #1d1d1f; max-width: 60em; }
.tikrar-view h2 { font-size: 1.2em; margin: 0.6em 0 0.3em; }
.tikrar-view table.tk-table { border-collapse: collapse; margin: 0.3em 0 0.8em; font-size: 0.85em; }
.tikrar-view table.tk-table th, .tikrar-view table.tk-table td { border: 1px solid #ccc; padding: 0.15em 0.6em;
  text-align: start; }
.tikrar-view table.tk-table td.tk-num { text-align: end; font-variant-numeric: tabular-nums; }
.tikrar-view .tk-summary { display: flex; flex-wrap: wrap; gap: 0 2em; align-items: flex-start; }
.tikrar-view caption { text-align: start; font-weight: bold; padding-bottom: 0.2em; }
.tikrar-view .tk-article { border-top: 2px solid #888; margin-top: 1.2em; padding-top: 0.3em; }
.tikrar-view .tk-head { display: flex; flex-wrap: wrap; gap: 0.3em 1em; font-size: 0.95em; margin: 0.2em 0 0.5em;
  font-weight: bold; }
.tikrar-view .tk-head .tk-meta { font-weight: normal; color: #555; }
.tikrar-view .tk-p { position: relative; padding: 0.25em 0.6em; margin: 0.25em 0; border-inline-start: 4px solid #dfe3e8;
  scroll-margin-top: 2em; }
.tikrar-view .tk-n { display: inline-block; min-width: 2.2em; color: #888; font-size: 0.8em; }
.tikrar-view .tk-text { white-space: pre-wrap; }
.tikrar-view .tk-duplicate { background: #fde2e1; border-inline-start-color: #d9534f; }
.tikrar-view .tk-boilerplate { background: #f2f2f2; color: #8a8a8a; border-inline-start-color: #bdbdbd; }
.tikrar-view .tk-boilerplate .tk-text { opacity: 0.75; }
.tikrar-view .tk-note { display: flex; flex-wrap: wrap; gap: 0 0.8em; font-size: 0.8em; color: #444; }
.tikrar-view .tk-boilerplate .tk-note { display: inline-flex; margin-inline-start: 1.5em; }
.tikrar-view .tk-note > *, .tikrar-view .tk-head > * { direction: ltr; unicode-bidi: isolate; }
.tikrar-view .tk-rule { font-family: "DejaVu Sans Mono", monospace; background: #e4e4e4; border-radius: 3px;
  padding: 0 0.3em; color: #555; }
.tikrar-view a.tk-link { color: #a02622; font-weight: bold; }
.tikrar-view a.tk-backlink { color: #555; }
.tikrar-view .tk-reuse { color: inherit; text-decoration: underline; text-decoration-color: #1f7a44;
  text-decoration-thickness: 2px; text-underline-offset: 0.25em; background: #e3f4e8; }
.tikrar-view .tk-missing { text-decoration-style: dashed; cursor: help; }
.tikrar-view .tk-p:target { outline: 3px solid #1f6feb; outline-offset: 2px; background-image:
  linear-gradient(#fff8c580, #fff8c580); }
.tikrar-view .tk-more { margin-top: 1.5em; padding: 0.5em; background: #eef3fb; }
.tikrar-view .tk-pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.tikrar-view .tk-pair > div { border: 1px solid #ccc; padding: 0.5em; }
.tikrar-view mark { background: #ffe08a; }
""".strip()


def style() -> str:
    """The CSS of the views (every rule scoped under ``.tikrar-view``).

    >>> style().startswith(".tikrar-view {")
    True
    """
    return _STYLE


# ---------------------------------------------------------------------------
# The summary


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], numeric_from: int = 1, caption: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for k, cell in enumerate(row):
            css = ' class="tk-num"' if k >= numeric_from else ""
            cells.append(f"<td{css}>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return f'<table class="tk-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _summary_html(report: "Report") -> str:
    from .flows import NO_SOURCE, flow_counts, source_counts

    counts = report.counts
    reusing = sum(1 for r in report.records if r.reused)
    rate = counts["duplicate"] / counts["paragraphs"] if counts["paragraphs"] else 0.0

    def row(name: str, articles: int, paragraphs: int, unique: int, duplicate: int, within: int, across: int,
            boilerplate: int, reused: int, duplicate_rate: float) -> list[str]:
        return [name, *(f"{n:,}" for n in (articles, paragraphs, unique, duplicate, within, across, boilerplate, reused)),
                f"{duplicate_rate:.1%}"]

    rows = [row("<b>all</b>", counts["articles"], counts["paragraphs"], counts["unique"], counts["duplicate"],
                counts["within"], counts["across"], counts["boilerplate"], reusing, rate)]
    sources = source_counts(report.records)
    if len(sources) > 1 or (sources and sources[0].source != NO_SOURCE):
        rows += [row(f"<bdi>{_e(s.source)}</bdi>", s.articles, s.paragraphs, s.unique, s.duplicate, s.within, s.across,
                     s.boilerplate, s.reused, s.duplicate_rate) for s in sources]
    skipped = f"; {counts['skipped']:,} records skipped" if counts["skipped"] else ""
    parts = [_table(["source", "articles", "paragraphs", "unique", "duplicate", "within", "across", "boilerplate",
                     "reusing", "duplicate rate"], rows,
                    caption=f"Paragraphs per label, scope and source{skipped}")]
    rules = Counter(rule_name(r.reason) for r in report.records if r.label == LABEL_BOILERPLATE)
    if rules:
        parts.append(_table(["rule", "paragraphs"],
                            [(f'<span class="tk-rule">{_e(rule)}</span>', f"{n:,}")
                             for rule, n in sorted(rules.items(), key=lambda item: (-item[1], item[0]))[:SUMMARY_ROWS]],
                            caption="Boilerplate rules"))
    flows = [f for f in flow_counts(report.records, report.dates) if f.source_from != f.source_to]
    if flows:
        with_delay = any(f.median_delay_days is not None for f in flows)
        headers = ["first occurrence in", "repeated in", "paragraphs", "articles", "reused"]
        headers += ["median delay (days)"] if with_delay else []
        rows = []
        for f in flows[:SUMMARY_ROWS]:
            row = [f"<bdi>{_e(f.source_from)}</bdi>", f"<bdi>{_e(f.source_to)}</bdi>", f"{f.paragraphs:,}",
                   f"{f.articles:,}", f"{f.reused:,}"]
            if with_delay:
                row.append("" if f.median_delay_days is None else f"{f.median_delay_days:g}")
            rows.append(row)
        parts.append(_table(headers, rows, numeric_from=2, caption="Top flows between sources"))
    return f'<div class="tk-summary">{"".join(parts)}</div>'


def summary_text(report: "Report") -> str:
    """The summary as plain text: totals, then one line per source.

    >>> from tikrar import dedup
    >>> print(summary_text(dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا\\nاقرأ أيضاً:", "sabq")])))
    1 articles, 3 paragraphs: 1 unique, 1 duplicate (1 within, 0 across), 1 boilerplate; 0 records skipped
    source  articles  paragraphs  unique  duplicate  boilerplate  duplicate rate
    sabq           1           3       1          1            1           33.3%
    boilerplate rules: read_also_heading 1
    """
    from .flows import source_counts

    c = report.counts
    lines = [f"{c['articles']} articles, {c['paragraphs']} paragraphs: {c['unique']} unique, {c['duplicate']} duplicate "
             f"({c['within']} within, {c['across']} across), {c['boilerplate']} boilerplate; "
             f"{c['skipped']} records skipped"]
    sources = source_counts(report.records)
    if sources:
        width = max(len("source"), *(len(s.source) for s in sources))
        lines.append(f"{'source':<{width}}  articles  paragraphs  unique  duplicate  boilerplate  duplicate rate")
        for s in sources:
            lines.append(f"{s.source:<{width}}  {s.articles:>8}  {s.paragraphs:>10}  {s.unique:>6}  {s.duplicate:>9}  "
                         f"{s.boilerplate:>11}  {s.duplicate_rate:>14.1%}")
    rules = Counter(rule_name(r.reason) for r in report.records if r.label == LABEL_BOILERPLATE)
    if rules:
        ranked = sorted(rules.items(), key=lambda item: (-item[1], item[0]))
        lines.append("boilerplate rules: " + ", ".join(f"{rule} {n}" for rule, n in ranked))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# The articles


def _text_with_passages(record: Record, rendered: set[ParagraphRef]) -> str:
    """The paragraph's text, its reused passages wrapped in links to their
    source paragraphs."""
    text = record.text
    pieces, at = [], 0
    for passage in sorted(record.reused, key=lambda p: (p.start, p.end)):
        # Chosen passages may overlap a little; links cannot nest, so a
        # passage starts where the previous one ended.
        start, end = max(passage.start, at), min(passage.end, len(text))
        if end <= start:
            continue
        pieces.append(_e(text[at:start]))
        title = f"reused from {passage.doc_id} #{passage.index} (similarity {passage.similarity:.2f})"
        data = f'data-doc="{_e(passage.doc_id)}" data-index="{int(passage.index)}"'
        if ParagraphRef(passage.doc_id, passage.index) in rendered:
            pieces.append(f'<a class="tk-reuse" href="#{paragraph_anchor(passage.doc_id, passage.index)}" {data} '
                          f'title="{_e(title)}">{_e(text[start:end])}</a>')
        else:
            pieces.append(f'<span class="tk-reuse tk-missing" {data} title="{_e(title + "; not in this view")}">'
                          f"{_e(text[start:end])}</span>")
        at = end
    pieces.append(_e(text[at:]))
    return "".join(pieces)


def _link(ref: ParagraphRef, rendered: set[ParagraphRef], css: str, label: str) -> str:
    if ref in rendered:
        return f'<a class="{css}" href="#{paragraph_anchor(ref.doc_id, ref.index)}">{label}</a>'
    return f'<span class="{css} tk-missing" title="not in this view">{label}</span>'


def _paragraph_html(record: Record, rendered: set[ParagraphRef], repeats: dict[ParagraphRef, list[ParagraphRef]]) -> str:
    ref = ParagraphRef(record.doc_id, record.index)
    notes: list[str] = []
    if record.label == LABEL_DUPLICATE and record.duplicate_of is not None:
        first = record.duplicate_of
        notes.append(_link(first, rendered, "tk-link", f"duplicate of {_ref_label(first.doc_id, first.index)}"))
        details = [record.scope, record.match]
        if record.similarity is not None:
            details.append(f"similarity {record.similarity:.2f}")
        notes.append(f"<span>{_e(' · '.join(str(d) for d in details if d))}</span>")
    elif record.label == LABEL_BOILERPLATE:
        notes.append(f'<span>boilerplate: <span class="tk-rule">{_e(record.reason or "(no rule)")}</span></span>')
    elif record.reason:
        notes.append(f"<span>{_e(record.reason)}</span>")
    sources = []
    for passage in record.reused:
        source = ParagraphRef(passage.doc_id, passage.index)
        if source not in sources:
            sources.append(source)
    if sources:
        links = ", ".join(_link(s, rendered, "tk-backlink", _ref_label(s.doc_id, s.index)) for s in sources)
        notes.append(f"<span>reuses {len(record.reused)} passage{'s' if len(record.reused) != 1 else ''} of {links}</span>")
    later = repeats.get(ref, ())
    if later:
        shown = [r for r in later if r in rendered][:MAX_BACKLINKS]
        links = ", ".join(_link(r, rendered, "tk-backlink", _ref_label(r.doc_id, r.index)) for r in shown)
        rest = len(later) - len(shown)
        more = f" and {rest} more" if rest else ""
        notes.append(f"<span>repeated {len(later)} time{'s' if len(later) != 1 else ''}"
                     f"{': ' + links if links else ''}{more}</span>")
    note = f'<div class="tk-note" lang="en">{"".join(notes)}</div>' if notes else ""
    css = {LABEL_UNIQUE: "tk-unique", LABEL_DUPLICATE: "tk-duplicate", LABEL_BOILERPLATE: "tk-boilerplate"}
    return (f'<div class="tk-p {css.get(record.label, "")}" id="{paragraph_anchor(record.doc_id, record.index)}" '
            f'data-doc="{_e(record.doc_id)}" data-index="{int(record.index)}" data-label="{_e(record.label)}">'
            f'<span class="tk-n">{int(record.index)}</span><span class="tk-text">{_text_with_passages(record, rendered)}'
            f"</span>{note}</div>")


def _article_html(doc_id: str, records: list[Record], date: Optional[str], rendered: set[ParagraphRef],
                  repeats: dict[ParagraphRef, list[ParagraphRef]]) -> str:
    labels = Counter(r.label for r in records)
    source = next((r.source for r in records if r.source is not None), None)
    head = [f"<bdi>{_e(doc_id)}</bdi>"]
    if source is not None:
        head.append(f'<span class="tk-meta">source <bdi>{_e(source)}</bdi></span>')
    if date:
        head.append(f'<span class="tk-meta">{_e(date)}</span>')
    head.append(f'<span class="tk-meta">{len(records)} paragraph{"s" if len(records) != 1 else ""}: '
                f"{labels[LABEL_DUPLICATE]} duplicate, "
                f"{labels[LABEL_BOILERPLATE]} boilerplate</span>")
    body = "".join(_paragraph_html(r, rendered, repeats) for r in records)
    return (f'<section class="tk-article" id="{article_anchor(doc_id)}" data-doc="{_e(doc_id)}">'
            f'<h3 class="tk-head" lang="en">{"".join(head)}</h3>{body}</section>')


def render_html(report: "Report", max_articles: Optional[int] = DEFAULT_MAX_ARTICLES) -> str:
    """The report as an HTML fragment (what a notebook shows): the summary,
    then the first ``max_articles`` articles (all with None) in input
    order, right to left, and a note of how many more there are.

    >>> from tikrar import dedup
    >>> view = render_html(dedup([("a", "سطر مكرر هنا\\nسطر مكرر هنا")]))
    >>> 'id="p-a-1"' in view, 'href="#p-a-0"' in view, 'dir="rtl"' in view
    (True, True, True)
    """
    if max_articles is not None and max_articles < 0:
        raise ValueError(f"max_articles must be None or a number >= 0, got {max_articles!r}")
    by_article: dict[str, list[Record]] = {}
    hidden_articles: set[str] = set()
    hidden_paragraphs = 0
    repeats: dict[ParagraphRef, list[ParagraphRef]] = defaultdict(list)
    for r in report.records:
        if r.label == LABEL_DUPLICATE and r.duplicate_of is not None:
            repeats[r.duplicate_of].append(ParagraphRef(r.doc_id, r.index))
        if r.doc_id in by_article:
            by_article[r.doc_id].append(r)
        elif r.doc_id not in hidden_articles and (max_articles is None or len(by_article) < max_articles):
            by_article[r.doc_id] = [r]
        else:
            hidden_articles.add(r.doc_id)
            hidden_paragraphs += 1
    rendered = {ParagraphRef(r.doc_id, r.index) for records in by_article.values() for r in records}
    articles = "".join(_article_html(doc_id, records, report.dates.get(doc_id), rendered, repeats)
                       for doc_id, records in by_article.items())
    logger.debug("rendered %d articles of %d (%d paragraphs left out)", len(by_article),
                 len(by_article) + len(hidden_articles), hidden_paragraphs)
    more = ""
    if hidden_articles:
        more = (f'<p class="tk-more" dir="ltr" lang="en">… and {len(hidden_articles):,} more articles '
                f"({hidden_paragraphs:,} paragraphs) not shown: the first {len(by_article):,} are. "
                "Render more with <code>to_html(max_articles=N)</code> (None for all) or "
                "<code>tikrar report --max-articles N</code>.</p>")
    summary = f'<section class="tk-overview" lang="en"><h2>tikrar report</h2>{_summary_html(report)}</section>'
    return _clean(f'<div class="tikrar-view" dir="rtl" lang="ar"><style>{_STYLE}</style>{summary}{articles}{more}</div>')


def render_page(report: "Report", max_articles: Optional[int] = DEFAULT_MAX_ARTICLES,
                title: str = "tikrar report") -> str:
    """The view of :func:`render_html` as a complete HTML document, right to
    left, that loads nothing from elsewhere (no script, no font, no CDN).

    >>> from tikrar import dedup
    >>> page = render_page(dedup([("a", "سطر")]))
    >>> page.startswith("<!DOCTYPE html>"), '<html lang="ar" dir="rtl">' in page, "http" in page
    (True, True, False)
    """
    return ('<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n</head>\n<body>\n{render_html(report, max_articles)}\n</body>\n</html>\n")


def _clean(markup: str) -> str:
    # A lone surrogate (JSON input may hold one) cannot be written as UTF-8:
    # shown as U+FFFD, one character for one, so offsets computed before stay right.
    return _LONE_SURROGATE.sub("\ufffd", markup)


# ---------------------------------------------------------------------------
# One pair, side by side


@dataclass(frozen=True)
class Explanation:
    """Why a paragraph repeats another: both raw texts and the stretches of
    each made of shingles they share.

    ``paragraph`` is the paragraph asked about and ``other`` the one it is
    compared with (its ``duplicate_of``, or the source of a reused passage);
    ``spans``/``other_spans`` are ``(start, end)`` offsets into ``text`` /
    ``other_text`` covering the shared shingles (adjacent ones merged).
    ``shared``, ``shingles``, ``other_shingles`` count distinct shingles;
    ``similarity`` is their Jaccard similarity (what the record's
    ``similarity`` is for a duplicate), ``containment`` the share of the
    paragraph's own shingles found in the other. ``label``, ``match`` and
    ``record_similarity`` are the paragraph's record as it is; ``passages``
    its reused passages from ``other``. ``shingle_kind``/``shingle_size``
    say what a shingle was.

    >>> e = Explanation(ParagraphRef("b", 0), ParagraphRef("a", 0), "قال الوزير إن الخطة جاهزة",
    ...                 "قال الوزير إن الخطة ستعلن", ((0, 19),), ((0, 19),), 2, 3, 3, "unique")
    >>> round(e.similarity, 2), e.marked()
    (0.5, '⟦قال الوزير إن الخطة⟧ جاهزة')
    """

    paragraph: ParagraphRef
    other: ParagraphRef
    text: str
    other_text: str
    spans: tuple[tuple[int, int], ...]
    other_spans: tuple[tuple[int, int], ...]
    shared: int
    shingles: int
    other_shingles: int
    label: str
    match: Optional[str] = None
    record_similarity: Optional[float] = None
    passages: tuple[Reuse, ...] = ()
    shingle_kind: str = "word"
    shingle_size: int = 3

    @property
    def similarity(self) -> float:
        """Jaccard similarity of the two shingle sets (0.0 when both are empty)."""
        union = self.shingles + self.other_shingles - self.shared
        return self.shared / union if union else 0.0

    @property
    def containment(self) -> float:
        """Share of this paragraph's shingles that the other holds."""
        return self.shared / self.shingles if self.shingles else 0.0

    def marked(self, which: str = "paragraph", before: str = "⟦", after: str = "⟧") -> str:
        """The text of ``"paragraph"`` or ``"other"`` with its shared spans
        between ``before`` and ``after``."""
        text, spans = (self.text, self.spans) if which == "paragraph" else (self.other_text, self.other_spans)
        pieces, at = [], 0
        for start, end in spans:
            pieces += [text[at:start], before, text[start:end], after]
            at = end
        pieces.append(text[at:])
        return "".join(pieces)

    def _headline(self) -> str:
        what = self.label
        if self.match:
            what += f", {self.match}"
        if self.record_similarity is not None:
            what += f", similarity {self.record_similarity:.2f}"
        relation = "repeats" if self.label == LABEL_DUPLICATE else "is compared with"
        if self.passages:
            relation = f"reuses {len(self.passages)} passage{'s' if len(self.passages) != 1 else ''} of"
        return (f"{self.paragraph.doc_id} #{self.paragraph.index} ({what}) {relation} "
                f"{self.other.doc_id} #{self.other.index}")

    def _figures(self) -> str:
        unit = f"{self.shingle_kind} {self.shingle_size}-grams"
        return (f"shared {unit}: {self.shared} (of {self.shingles} here, {self.other_shingles} there); "
                f"Jaccard {self.similarity:.2f}, containment {self.containment:.2f}")

    def __str__(self) -> str:
        return "\n".join([
            self._headline(), self._figures(), "",
            f"{self.other.doc_id} #{self.other.index}:", "  " + self.marked("other"), "",
            f"{self.paragraph.doc_id} #{self.paragraph.index}:", "  " + self.marked("paragraph"),
        ])

    def _marked_html(self, text: str, spans: tuple[tuple[int, int], ...]) -> str:
        pieces, at = [], 0
        for start, end in spans:
            pieces += [_e(text[at:start]), "<mark>", _e(text[start:end]), "</mark>"]
            at = end
        pieces.append(_e(text[at:]))
        return "".join(pieces)

    def _repr_html_(self) -> str:
        # The first occurrence comes first in the markup: in a right-to-left
        # grid it is the right-hand column, where an Arabic reader starts.
        columns = [(self.other, self.other_text, self.other_spans, "first occurrence"),
                   (self.paragraph, self.text, self.spans, self.label)]
        cells = "".join(
            f'<div><div class="tk-head" dir="ltr" lang="en">{_ref_label(ref.doc_id, ref.index)}'
            f'<span class="tk-meta">{_e(role)}</span></div>'
            f'<div class="tk-text">{self._marked_html(text, spans)}</div></div>'
            for ref, text, spans, role in columns)
        return _clean(f'<div class="tikrar-view" dir="rtl" lang="ar"><style>{_STYLE}</style>'
                      f'<p dir="ltr" lang="en"><b>{_e(self._headline())}</b><br>{_e(self._figures())}</p>'
                      f'<div class="tk-pair">{cells}</div></div>')


def _past_marks(text: str, end: int) -> int:
    # Marks and tatweel after a word's last letter belong to it on the raw
    # text, though the normalizer drops them (as tikrar.reuse does).
    while end < len(text) and (text[end] == "\u0640" or unicodedata.category(text[end]) == "Mn"):
        end += 1
    return end


def shingle_spans(text: str, config: Any = None) -> tuple[list[str], list[tuple[int, int]]]:
    """The shingles of a raw paragraph (as the deduplicator builds them)
    and the raw ``(start, end)`` span each one covers. ``config`` is a
    :class:`~tikrar.DedupConfig` (or anything with ``normalize`` and
    ``shingle``); None means the defaults.

    >>> grams, spans = shingle_spans("قالَ المتحدث إنّ المحادثات")
    >>> grams
    ['قال المتحدث ان', 'المتحدث ان المحادثات']
    >>> [("قالَ المتحدث إنّ المحادثات"[s:e]) for s, e in spans]
    ['قالَ المتحدث إنّ', 'المتحدث إنّ المحادثات']
    """
    from .normalize import DEDUP, normalize_with_offsets
    from .shingle import DEFAULT_SHINGLES, shingles

    normalize_config = getattr(config, "normalize", DEDUP)
    shingle_config = getattr(config, "shingle", DEFAULT_SHINGLES)
    normalized, offsets = normalize_with_offsets(text, normalize_config)
    grams = shingles(normalized, shingle_config)
    if not grams:
        return [], []
    offsets = offsets.tolist()
    if shingle_config.kind == "word":
        units, position = [], 0
        for word in normalized.split(" "):
            units.append((offsets[position], _past_marks(text, offsets[position + len(word) - 1] + 1)))
            position += len(word) + 1
    else:
        units = [(offsets[k], _past_marks(text, offsets[k] + 1)) for k in range(len(normalized))]
    size = shingle_config.size
    spans = [(units[i][0], units[min(i + size, len(units)) - 1][1]) for i in range(len(grams))]
    return grams, spans


def _merge(text: str, spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        # Spans that overlap, touch or are apart by white space only are
        # one stretch of shared text.
        if merged and (start <= merged[-1][1] or not text[merged[-1][1] : start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def explain_texts(text: str, other_text: str, config: Any = None) -> tuple[tuple, tuple, int, int, int]:
    """``(spans, other_spans, shared, shingles, other_shingles)`` for two raw
    paragraphs: the raw stretches made of shingles both hold, and the
    distinct shingle counts (see :class:`Explanation`).

    >>> spans, other_spans, shared, mine, theirs = explain_texts("وقال الوزير إن الخطة جاهزة", "قال الوزير إن الخطة ستعلن")
    >>> spans, shared, mine, theirs
    (((5, 20),), 1, 3, 3)
    """
    grams, spans = shingle_spans(text, config)
    other_grams, other_spans = shingle_spans(other_text, config)
    shared = set(grams) & set(other_grams)
    return (_merge(text, [s for g, s in zip(grams, spans) if g in shared]),
            _merge(other_text, [s for g, s in zip(other_grams, other_spans) if g in shared]),
            len(shared), len(set(grams)), len(set(other_grams)))


def _as_ref(value: Any) -> ParagraphRef:
    if isinstance(value, ParagraphRef):
        return value
    try:
        doc_id, index = value
    except (TypeError, ValueError):
        raise TypeError(f"other must be a ParagraphRef or a (doc_id, index) pair, got {value!r}") from None
    return ParagraphRef(str(doc_id), int(index))


def explain(report: "Report", doc_id: str, index: int, other: Any = None, config: Any = None) -> Explanation:
    """Put paragraph ``index`` of article ``doc_id`` next to the paragraph
    it repeats (its ``duplicate_of``), or, for a kept paragraph that reuses
    passages, next to the source of the first one; ``other``
    (a :class:`~tikrar.ParagraphRef` or ``(doc_id, index)``) names any
    other paragraph of the report instead. Shingles are built with
    ``config`` (the run's :class:`~tikrar.DedupConfig`), the defaults if
    None. Raises KeyError for a paragraph that is not in the report.

    >>> from tikrar import dedup
    >>> report = dedup([("a", "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور الوسطاء"),
    ...                 ("b", "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور الممثلين")])
    >>> e = explain(report, "b", 0)
    >>> e.other, e.shared, e.shingles, round(e.similarity, 6) == report[1].similarity, e.spans
    (ParagraphRef(doc_id='a', index=0), 9, 10, True, ((0, 69),))
    >>> print(e.marked())
    ⟦وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور⟧ الممثلين
    """
    by_ref = {(r.doc_id, r.index): r for r in report.records}
    key = (str(doc_id), int(index))
    record = by_ref.get(key)
    if record is None:
        raise KeyError(f"no paragraph {key[0]!r} #{key[1]} in this report")
    if other is not None:
        target = _as_ref(other)
    elif record.duplicate_of is not None:
        target = record.duplicate_of
    elif record.reused:
        target = ParagraphRef(record.reused[0].doc_id, record.reused[0].index)
    else:
        raise ValueError(f"{key[0]!r} #{key[1]} is {record.label} and repeats nothing: "
                         "name the paragraph to compare it with, other=(doc_id, index)")
    other_record = by_ref.get((target.doc_id, target.index))
    if other_record is None:
        raise KeyError(f"paragraph {target.doc_id!r} #{target.index} is not in this report "
                       "(kept by an earlier run?): its text is needed to explain the pair")
    spans, other_spans, shared, mine, theirs = explain_texts(record.text, other_record.text, config)
    from .shingle import DEFAULT_SHINGLES

    shingle_config = getattr(config, "shingle", DEFAULT_SHINGLES)
    return Explanation(
        paragraph=ParagraphRef(record.doc_id, record.index), other=target, text=record.text,
        other_text=other_record.text, spans=spans, other_spans=other_spans, shared=shared, shingles=mine,
        other_shingles=theirs, label=record.label, match=record.match, record_similarity=record.similarity,
        passages=tuple(p for p in record.reused if (p.doc_id, p.index) == (target.doc_id, target.index)),
        shingle_kind=shingle_config.kind, shingle_size=shingle_config.size,
    )


__all__ = [
    "DEFAULT_MAX_ARTICLES",
    "Explanation",
    "article_anchor",
    "explain",
    "explain_texts",
    "paragraph_anchor",
    "render_html",
    "render_page",
    "rule_name",
    "shingle_spans",
    "style",
    "summary_text",
]
