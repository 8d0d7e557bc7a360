"""The views for people: the HTML report, explain, flows, plot, from_jsonl and `tikrar report`.

The page is also checked in a real browser in test_browser.py; here its
markup is parsed and every id, href and count is checked exactly.
"""

from __future__ import annotations

import io
import json
import math
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import tikrar
from tikrar import InputError, MissingDependencyError, ParagraphRef, Record, Report, Reuse
from tikrar.cli import main
from tikrar.flows import UNKNOWN_SOURCE, Flow, flow_counts, flow_matrix, source_counts
from tikrar.view import (
    Explanation,
    article_anchor,
    explain_texts,
    paragraph_anchor,
    render_html,
    shingle_spans,
    summary_text,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"

WIRE = ("أعلنت وزارة الصحة اليوم إطلاق حملة وطنية للتطعيم ضد الإنفلونزا الموسمية تشمل جميع المدارس والجامعات "
        "في المناطق الشمالية والجنوبية")
WIRE_2 = "وأضافت الوزارة أن الحملة ستستمر ستة أسابيع بمشاركة ألفي ممرض وممرضة من مختلف المستشفيات الحكومية والخاصة"
NEW = "وفي سياق متصل قال مدير المستشفى المركزي إن الأقسام مستعدة لاستقبال الزوار طوال الأسبوع المقبل"
FIRST = "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور الوسطاء"
# The same paragraph with spelling noise (tatweel, shadda, damma, tanween, a
# kasra on the last shared word) and its last word changed.
NOISY = "وقـــال المتحدّث إنّ المحادثات ستُستأنف غداً في العاصمة القطريّة الدوحة بحضورِ الممثلين"


class Elements(HTMLParser):
    """Every element of a page: tag, attributes (unescaped) and text content."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.all: list[dict] = []
        self._open: list[dict] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.all.append(element)
        if tag not in ("meta", "br", "link", "img", "input"):
            self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def find(self, tag=None, cls=None, **attrs) -> list[dict]:
        found = []
        for e in self.all:
            if tag and e["tag"] != tag:
                continue
            if cls and cls not in e["attrs"].get("class", "").split():
                continue
            if any(e["attrs"].get(k.replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(e)
        return found

    def by_id(self, element_id: str) -> dict:
        (element,) = [e for e in self.all if e["attrs"].get("id") == element_id]
        return element


def hand_made_report() -> Report:
    """Records written by hand: every kind of paragraph, sources, a first
    occurrence outside the report, and a doc_id full of markup characters."""
    odd = 'q"<&>\' 1'
    R, ref = Record, ParagraphRef
    records = [
        R("w1", 0, 0, 6, "خبر أول", "unique", source="was"),
        R("w1", 1, 7, 13, "خبر ثان", "unique", source="was"),
        R(odd, 0, 0, 30, '<script>alert("x")</script> & نص', "unique", source="<b>src</b>"),
        R("s1", 0, 0, 6, "خبر أول", "duplicate", "across", ref("w1", 0), 1.0, None, "exact", "sabq"),
        R("s1", 1, 7, 20, "فقرة جديدة هنا", "unique", source="sabq"),
        R("s1", 2, 21, 34, "فقرة جديدة هناك", "duplicate", "within", ref("s1", 1), 0.8, None, "near", "sabq"),
        R("s1", 3, 35, 46, "اقرأ أيضاً:", "boilerplate", reason="read_also_heading", source="sabq"),
        R("s1", 4, 47, 70, "مقدمة جديدة ثم خبر ثان", "unique", source="sabq",
          reused=(Reuse(15, 22, "w1", 1, 0, 6, 1.0),)),
        R("s2", 0, 0, 30, '<script>alert("x")</script> & نص', "duplicate", "across", ref(odd, 0), 1.0, None, "exact",
          "sabq"),
        R("s2", 1, 31, 40, "نص قديم", "duplicate", "across", ref("gone", 3), 0.9, None, "near", "sabq"),
    ]
    return Report(records, articles=4)


# ---------------------------------------------------------------------------
# Anchors


def test_paragraph_anchors_are_plain_ascii_and_distinct_for_distinct_paragraphs():
    assert paragraph_anchor("01_metro_opening", 2) == "p-01_metro_opening-2"
    assert paragraph_anchor('q"<&>\' 1', 0) == "p-q-22--3c--26--3e--27--20-1-0"
    assert paragraph_anchor("a-1", 2) == "p-a-2d-1-2"
    assert article_anchor("a b") == "a-a-20-b"
    tricky = [("a", 12), ("a-1", 2), ("a-12", 0), ("a_1", 2), ("a-", 12), ("a--1", 2), ("-1", 2), ("خبر", 0),
              ("a.1", 2), ("A-1", 2), ("", 0), ("-", 0)]
    anchors = [paragraph_anchor(doc_id, index) for doc_id, index in tricky]
    assert len(set(anchors)) == len(tricky)
    assert all(re.fullmatch(r"p-[A-Za-z0-9_-]*-\d+", a) for a in anchors)


# ---------------------------------------------------------------------------
# The HTML view


def test_every_paragraph_has_its_anchor_and_duplicates_link_to_their_first_occurrence():
    report = hand_made_report()
    page = Elements(render_html(report))
    paragraphs = page.find("div", cls="tk-p")
    assert [e["attrs"]["id"] for e in paragraphs] == [paragraph_anchor(r.doc_id, r.index) for r in report]
    assert [(e["attrs"]["data-doc"], int(e["attrs"]["data-index"])) for e in paragraphs] == [
        (r.doc_id, r.index) for r in report]
    duplicate_links = page.find("a", cls="tk-link")
    assert [e["attrs"]["href"] for e in duplicate_links] == [
        "#p-w1-0", "#p-s1-1", "#" + paragraph_anchor('q"<&>\' 1', 0)]
    assert [e["text"] for e in duplicate_links] == ["duplicate of w1 #0", "duplicate of s1 #1",
                                                    'duplicate of q"<&>\' 1 #0']
    for link in duplicate_links:
        assert page.by_id(link["attrs"]["href"][1:])["attrs"]["data-label"] == "unique"
    # The first occurrence outside the report is named, not linked.
    (missing,) = page.find("span", cls="tk-missing")
    assert missing["text"] == "duplicate of gone #3" and "href" not in missing["attrs"]
    assert [e["attrs"]["id"] for e in page.find(cls="tk-duplicate")] == ["p-s1-0", "p-s1-2", "p-s2-0", "p-s2-1"]


def test_reused_passages_are_underlined_links_to_their_source_paragraph():
    report = tikrar.dedup([("wire", WIRE + "\n" + WIRE_2), ("paper", NEW + " " + WIRE + "\nاقرأ أيضاً:")])
    kept = report[2]
    assert kept.label == "unique" and kept.reused == (Reuse(len(NEW) + 1, len(NEW) + 1 + len(WIRE), "wire", 0, 0,
                                                             len(WIRE), 1.0),)
    page = Elements(render_html(report))
    (passage,) = page.find("a", cls="tk-reuse")
    assert passage["attrs"]["href"] == "#p-wire-0"
    assert passage["text"] == WIRE
    assert passage["attrs"]["title"] == "reused from wire #0 (similarity 1.00)"
    # The passage sits inside the paragraph that reuses it, after its own text.
    paragraph = page.by_id("p-paper-0")
    assert paragraph["text"].startswith("0" + NEW + " " + WIRE)
    assert page.by_id("p-wire-0")["text"].startswith("0" + WIRE)
    assert "text-decoration: underline" in render_html(report)


def test_overlapping_passages_never_nest_links():
    record = Record("b", 0, 0, 30, "ا" * 30, "unique", reused=(Reuse(0, 20, "a", 0, 0, 20, 1.0),
                                                                   Reuse(15, 30, "a", 1, 0, 15, 1.0)))
    report = Report([Record("a", 0, 0, 20, "ا" * 20, "unique"), Record("a", 1, 0, 15, "ا" * 15, "unique"), record])
    links = Elements(render_html(report)).find("a", cls="tk-reuse")
    assert [(e["attrs"]["href"], len(e["text"])) for e in links] == [("#p-a-0", 20), ("#p-a-1", 10)]


def test_boilerplate_is_dimmed_with_the_rule_that_fired():
    page = Elements(render_html(hand_made_report()))
    (boilerplate,) = page.find("div", cls="tk-boilerplate")
    assert boilerplate["attrs"]["id"] == "p-s1-3"
    assert [e["text"] for e in page.find("span", cls="tk-rule")] == ["read_also_heading", "read_also_heading"]
    assert boilerplate["text"] == "3اقرأ أيضاً:boilerplate: read_also_heading"


def test_kept_paragraphs_link_back_to_their_repeats():
    page = Elements(render_html(hand_made_report()))
    backlinks = page.find("a", cls="tk-backlink")
    # In page order: w1 #0 is repeated by s1 #0, the odd article's paragraph
    # by s2 #0, s1 #1 by s1 #2; s1 #4 names the source of its passage.
    assert [e["attrs"]["href"] for e in backlinks] == ["#p-s1-0", "#p-s2-0", "#p-s1-2", "#p-w1-1"]
    assert page.by_id("p-w1-0")["text"].endswith("repeated 1 time: s1 #0")
    assert page.by_id("p-s1-4")["text"].endswith("reuses 1 passage of w1 #1")
    assert "repeated" not in page.by_id("p-w1-1")["text"]


def test_markup_in_doc_ids_sources_and_texts_is_escaped():
    markup = render_html(hand_made_report())
    assert "<script>" not in markup and "<b>src</b>" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; نص" in markup
    assert 'data-doc="q&quot;&lt;&amp;&gt;&#x27; 1"' in markup
    page = Elements(markup)
    section = page.by_id(article_anchor('q"<&>\' 1'))
    assert section["attrs"]["data-doc"] == 'q"<&>\' 1'
    assert section["text"].startswith('q"<&>\' 1source <b>src</b>1 paragraph:')


def test_view_is_right_to_left_arabic_and_the_page_loads_nothing(tmp_path):
    report = hand_made_report()
    fragment = render_html(report)
    assert fragment.startswith('<div class="tikrar-view" dir="rtl" lang="ar">')
    page = report.to_html(tmp_path / "page.html")
    assert (tmp_path / "page.html").read_text(encoding="utf-8") == page
    assert page.startswith('<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">')
    for outside in ("http:", "https:", "//", "<script", "<link", "@import", "url(", "src="):
        assert outside not in page.replace("&lt;script", ""), outside
    assert report._repr_html_() == fragment
    assert fragment in page


def test_summary_counts_labels_scopes_and_sources():
    page = Elements(render_html(hand_made_report()))
    table = page.find("table")[0]
    assert table["text"].startswith("Paragraphs per label, scope and source")
    rows = [[cell["text"] for cell in _cells(page, row)] for row in _rows(page, table)]
    assert rows == [
        ["source", "articles", "paragraphs", "unique", "duplicate", "within", "across", "boilerplate", "reusing",
         "duplicate rate"],
        ["all", "4", "10", "5", "4", "1", "3", "1", "1", "40.0%"],
        ["sabq", "2", "7", "2", "4", "1", "3", "1", "1", "57.1%"],
        ["was", "1", "2", "2", "0", "0", "0", "0", "0", "0.0%"],
        ["<b>src</b>", "1", "1", "1", "0", "0", "0", "0", "0", "0.0%"],
    ]
    flows_table = [t for t in page.find("table") if t["text"].startswith("Top flows")]
    (flows_table,) = flows_table
    assert [[c["text"] for c in _cells(page, row)] for row in _rows(page, flows_table)][1:] == [
        ["was", "sabq", "1", "1", "1"], ["(not in report)", "sabq", "1", "1", "0"], ["<b>src</b>", "sabq", "1", "1", "0"]]


def _rows(page: Elements, table: dict) -> list[dict]:
    start = page.all.index(table)
    end = next((k for k in range(start + 1, len(page.all)) if page.all[k]["tag"] == "table"), len(page.all))
    return [e for e in page.all[start:end] if e["tag"] == "tr"]


def _cells(page: Elements, row: dict) -> list[dict]:
    start = page.all.index(row)
    cells = []
    for e in page.all[start + 1:]:
        if e["tag"] == "tr":
            break
        if e["tag"] in ("td", "th"):
            cells.append(e)
    return cells


def test_summary_text():
    assert summary_text(hand_made_report()).splitlines() == [
        "4 articles, 10 paragraphs: 5 unique, 4 duplicate (1 within, 3 across), 1 boilerplate; 0 records skipped",
        "source      articles  paragraphs  unique  duplicate  boilerplate  duplicate rate",
        "sabq               2           7       2          4            1           57.1%",
        "was                1           2       2          0            0            0.0%",
        "<b>src</b>         1           1       1          0            0            0.0%",
        "boilerplate rules: read_also_heading 1",
    ]


def test_large_reports_render_the_first_articles_and_say_how_many_more():
    articles = [(f"d{k}", f"خبر رقم {k} عن موضوع مختلف\nسطر مكرر في كل خبر من الأخبار") for k in range(7)]
    report = tikrar.dedup(articles)
    page = Elements(report.to_html(max_articles=3))
    assert [e["attrs"]["data-doc"] for e in page.find("section", cls="tk-article")] == ["d0", "d1", "d2"]
    (more,) = page.find("p", cls="tk-more")
    assert more["text"].startswith("… and 4 more articles (8 paragraphs) not shown: the first 3 are.")
    # The kept line is repeated six times; three repeats are shown and linked.
    note = page.by_id("p-d0-1")["text"]
    assert note.endswith("repeated 6 times: d1 #1, d2 #1 and 4 more")
    assert len(Elements(report.to_html(max_articles=None)).find("section", cls="tk-article")) == 7
    assert Elements(report.to_html(max_articles=None)).find("p", cls="tk-more") == []
    with pytest.raises(ValueError, match="max_articles"):
        report.to_html(max_articles=-1)


def test_dates_show_in_the_article_headings():
    report = Report([Record("a", 0, 0, 3, "نص", "unique")], articles=1, dates={"a": "2015-07-21"})
    assert Elements(render_html(report)).by_id("a-a")["text"] == "a2015-07-211 paragraph: 0 duplicate, 0 boilerplate0نص"


def test_a_lone_surrogate_is_shown_as_a_replacement_character(tmp_path):
    report = Report([Record("a", 0, 0, 3, "نص\ud800", "unique")], articles=1)
    page = report.to_html(tmp_path / "p.html")
    assert "نص\ufffd" in page and "\ud800" not in page


# ---------------------------------------------------------------------------
# explain


def test_explain_marks_the_shared_shingles_on_both_raw_texts():
    report = tikrar.dedup([("a", FIRST), ("b", NOISY)])
    record = report[1]
    assert (record.label, record.match, record.duplicate_of) == ("duplicate", "near", ParagraphRef("a", 0))
    e = report.explain("b", 0)
    assert isinstance(e, Explanation)
    assert (e.paragraph, e.other, e.text, e.other_text) == (ParagraphRef("b", 0), ParagraphRef("a", 0), NOISY, FIRST)
    # Everything up to the last shared word, its kasra included, on each side.
    assert e.spans == ((0, NOISY.index("بحضورِ") + len("بحضورِ")),)
    assert e.other_spans == ((0, FIRST.index("بحضور") + len("بحضور")),)
    assert (e.shared, e.shingles, e.other_shingles) == (9, 10, 10)
    assert round(e.similarity, 6) == record.similarity == 0.818182
    assert e.containment == 0.9
    assert (e.label, e.match, e.record_similarity, e.passages) == ("duplicate", "near", 0.818182, ())
    assert str(e).splitlines() == [
        "b #0 (duplicate, near, similarity 0.82) repeats a #0",
        "shared word 3-grams: 9 (of 10 here, 10 there); Jaccard 0.82, containment 0.90",
        "",
        "a #0:",
        "  ⟦" + FIRST[: e.other_spans[0][1]] + "⟧ الوسطاء",
        "",
        "b #0:",
        "  ⟦" + NOISY[: e.spans[0][1]] + "⟧ الممثلين",
    ]


def test_explanation_html_is_side_by_side_right_to_left_with_marks():
    e = tikrar.dedup([("a", FIRST), ("b", NOISY)]).explain("b", 0)
    page = Elements(e._repr_html_())
    (root,) = [x for x in page.all if x["attrs"].get("class") == "tikrar-view"]
    assert (root["attrs"]["dir"], root["attrs"]["lang"]) == ("rtl", "ar")
    assert [m["text"] for m in page.find("mark")] == [FIRST[: e.other_spans[0][1]], NOISY[: e.spans[0][1]]]
    (pair,) = page.find("div", cls="tk-pair")
    assert pair["text"].startswith("a #0first occurrence" + FIRST)


def test_explain_a_reused_passage_and_any_other_pair():
    report = tikrar.dedup([("wire", WIRE + "\n" + WIRE_2), ("paper", NEW + " " + WIRE)])
    e = report.explain("paper", 0)
    assert e.other == ParagraphRef("wire", 0) and e.passages == report[2].reused
    assert e.spans == ((len(NEW) + 1, len(NEW) + 1 + len(WIRE)),) and e.other_spans == ((0, len(WIRE)),)
    assert str(e).splitlines()[0] == "paper #0 (unique) reuses 1 passage of wire #0"
    unrelated = report.explain("wire", 1, other=("wire", 0))
    assert (unrelated.shared, unrelated.spans, unrelated.other_spans, unrelated.similarity) == (0, (), (), 0.0)


def test_explain_errors_name_the_paragraph():
    report = tikrar.dedup([("a", FIRST)])
    with pytest.raises(KeyError, match="no paragraph 'a' #5 in this report"):
        report.explain("a", 5)
    with pytest.raises(ValueError, match="'a' #0 is unique and repeats nothing"):
        report.explain("a", 0)
    with pytest.raises(KeyError, match="'x' #0 is not in this report"):
        report.explain("a", 0, other=ParagraphRef("x", 0))
    with pytest.raises(TypeError, match="other must be a ParagraphRef"):
        report.explain("a", 0, other="x")


def test_shingle_spans_follow_the_run_config():
    config = tikrar.DedupConfig(shingle=tikrar.ShingleConfig("char", 4))
    grams, spans = shingle_spans("كتـاب جديد", config)
    assert grams == ["كتاب", "تاب ", "اب ج", "ب جد", " جدي", "جديد"]
    assert [("كتـاب جديد")[s:e] for s, e in spans] == ["كتـاب", "تـاب ", "اب ج", "ب جد", " جدي", "جديد"]
    assert shingle_spans("") == ([], [])
    # A paragraph of no more words than a shingle is one shingle, all of it.
    assert shingle_spans("قالَ الوزير") == (["قال الوزير"], [(0, 11)])


def test_explain_texts_merges_adjacent_shingles_into_stretches():
    text = "ا ب ج د س ع ف ص ق ر ش"
    other = "ا ب ج د ط ظ غ ص ق ر ش"
    spans, other_spans, shared, mine, theirs = explain_texts(text, other)
    assert [text[s:e] for s, e in spans] == ["ا ب ج د", "ص ق ر ش"]
    assert [other[s:e] for s, e in other_spans] == ["ا ب ج د", "ص ق ر ش"]
    assert (shared, mine, theirs) == (4, 9, 9)


# ---------------------------------------------------------------------------
# flows, source_summary, plot


def flow_report() -> Report:
    R, ref = Record, ParagraphRef
    records = [
        R("w1", 0, 0, 1, "ا", "unique", source="was"),
        R("w1", 1, 0, 1, "ب", "unique", source="was"),
        R("w2", 0, 0, 1, "ج", "unique", source="was"),
        R("s1", 0, 0, 1, "ا", "duplicate", "across", ref("w1", 0), 1.0, None, "exact", "sabq"),
        R("s1", 1, 0, 1, "ب", "duplicate", "across", ref("w1", 1), 0.7, None, "near", "sabq"),
        R("s1", 2, 0, 1, "د ج", "unique", source="sabq", reused=(Reuse(2, 3, "w2", 0, 0, 1, 1.0),)),
        R("s2", 0, 0, 1, "ا", "duplicate", "across", ref("w1", 0), 0.4, None, "contained", "sabq"),
        R("s2", 1, 0, 1, "د ج", "duplicate", "across", ref("s1", 2), 1.0, None, "exact", "sabq"),
        R("o1", 0, 0, 1, "ج", "duplicate", "across", ref("w2", 0), 0.6, None, "near", "okaz"),
        R("o1", 1, 0, 1, "ه", "duplicate", "across", ref("gone", 0), 1.0, None, "exact", "okaz"),
        R("x1", 0, 0, 1, "و", "unique"),
    ]
    dates = {"w1": "2015-07-21", "w2": "2015-07-22", "s1": "2015-07-22", "s2": "2015-07-24T00:00:00Z"}
    return Report(records, articles=6, dates=dates)


def test_flow_counts_with_delays():
    assert flow_counts(flow_report(), flow_report().dates) == [
        Flow("was", "sabq", 3, 2, 1, 1.0),
        Flow(UNKNOWN_SOURCE, "okaz", 1, 1, 0, None),
        Flow("sabq", "sabq", 1, 1, 0, 2.0),
        Flow("was", "okaz", 1, 1, 0, None),
    ]
    without_dates = flow_counts(flow_report())
    assert [f.median_delay_days for f in without_dates] == [None] * 4


def test_report_flows_is_a_dataframe_and_takes_dates():
    pytest.importorskip("pandas")
    report = flow_report()
    frame = report.flows()
    assert list(frame.columns) == ["source_from", "source_to", "paragraphs", "articles", "reused", "median_delay_days"]
    rows = frame.to_dict("records")
    assert [{k: v for k, v in row.items() if k != "median_delay_days"} for row in rows] == [
        {"source_from": "was", "source_to": "sabq", "paragraphs": 3, "articles": 2, "reused": 1},
        {"source_from": UNKNOWN_SOURCE, "source_to": "okaz", "paragraphs": 1, "articles": 1, "reused": 0},
        {"source_from": "sabq", "source_to": "sabq", "paragraphs": 1, "articles": 1, "reused": 0},
        {"source_from": "was", "source_to": "okaz", "paragraphs": 1, "articles": 1, "reused": 0},
    ]
    assert [row["median_delay_days"] for row in rows][:1] == [1.0] and rows[2]["median_delay_days"] == 2.0
    assert math.isnan(rows[1]["median_delay_days"]) and math.isnan(rows[3]["median_delay_days"])
    # Dates given to flows() come on top of the report's own.
    late = report.flows({"o1": "2015-07-25"}).to_dict("records")
    assert late[3]["median_delay_days"] == 3.0
    with pytest.raises(tikrar.ConfigError, match="dates\\['s1'\\] is not an ISO 8601 date: 'soon'"):
        report.flows({"s1": "soon"})


def test_source_summary_counts_and_duplicate_rates():
    pytest.importorskip("pandas")
    frame = flow_report().source_summary()
    assert frame.to_dict("records") == [
        {"source": "sabq", "articles": 2, "paragraphs": 5, "unique": 1, "duplicate": 4, "boilerplate": 0,
         "within": 0, "across": 4, "reused": 1, "duplicate_rate": 0.8},
        {"source": "was", "articles": 2, "paragraphs": 3, "unique": 3, "duplicate": 0, "boilerplate": 0,
         "within": 0, "across": 0, "reused": 0, "duplicate_rate": 0.0},
        {"source": "okaz", "articles": 1, "paragraphs": 2, "unique": 0, "duplicate": 2, "boilerplate": 0,
         "within": 0, "across": 2, "reused": 0, "duplicate_rate": 1.0},
        {"source": "(no source)", "articles": 1, "paragraphs": 1, "unique": 1, "duplicate": 0, "boilerplate": 0,
         "within": 0, "across": 0, "reused": 0, "duplicate_rate": 0.0},
    ]
    assert [s.source for s in source_counts(flow_report())] == frame["source"].tolist()


def test_flow_matrix_keeps_the_busiest_sources():
    flows = flow_counts(flow_report())
    assert flow_matrix(flows) == ([UNKNOWN_SOURCE, "okaz", "sabq", "was"],
                                  [[0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 3, 0]])
    assert flow_matrix(flows, top=2) == (["sabq", "was"], [[1, 0], [3, 0]])


def test_plot_draws_flows_rates_and_similarities():
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    figure = flow_report().plot()
    assert isinstance(figure, Figure)
    matrix_ax, rate_ax, hist_ax = figure.axes[:3]
    assert sorted(t.get_text() for t in matrix_ax.texts) == ["1", "1", "1", "3"]
    assert [t.get_text() for t in matrix_ax.get_yticklabels()] == [UNKNOWN_SOURCE, "okaz", "sabq", "was"]
    assert [t.get_text() for t in rate_ax.get_yticklabels()] == ["(no source)", "was", "sabq", "okaz"]
    assert [t.get_text() for t in rate_ax.texts] == [" 0.0% of 1", " 0.0% of 3", " 80.0% of 5", " 100.0% of 2"]
    assert [t.get_text() for t in hist_ax.get_legend().get_texts()] == ["near (2)", "contained (1)"]
    assert hist_ax.get_title() == "Similarity of near and contained duplicates\n(3 exact, all at 1.0, not shown)"
    png = io.BytesIO()
    figure.savefig(png, format="png")
    assert png.getvalue().startswith(b"\x89PNG")


def test_plot_of_a_report_without_duplicates():
    pytest.importorskip("matplotlib")
    figure = Report([Record("a", 0, 0, 1, "ا", "unique", source="was")], articles=1).plot()
    assert [t.get_text() for t in figure.axes[0].texts] == ["no duplicates"]


@pytest.mark.parametrize("blocked, call, message", [
    (["pandas"], lambda r: r.flows(), "Report.flows needs the optional package 'pandas'; "
                                      "install it with: pip install 'tikrar[pandas]'"),
    (["pandas"], lambda r: r.source_summary(), "pip install 'tikrar[pandas]'"),
    (["matplotlib", "matplotlib.colors", "matplotlib.figure"], lambda r: r.plot(),
     "Report.plot needs the optional package 'matplotlib'; install it with: pip install 'tikrar[plot]'"),
])
def test_missing_extras_say_what_to_install(monkeypatch, blocked, call, message):
    for name in blocked:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependencyError) as caught:
        call(flow_report())
    assert message in str(caught.value)


# ---------------------------------------------------------------------------
# Report.from_jsonl and `tikrar report`


def test_from_jsonl_reads_back_every_record_and_dates(tmp_path):
    report = tikrar.dedup([("wire", WIRE + "\n" + WIRE_2, "was"), ("paper", NEW + " " + WIRE + "\n" + WIRE_2, "sabq")])
    path = tmp_path / "out.jsonl"
    report.to_jsonl(path)
    back = Report.from_jsonl(path)
    assert back.records == report.records and back.articles == 2 and back.dates == {}
    assert back[2].reused and back[3].duplicate_of == ParagraphRef("wire", 1)
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        row["date"] = {"wire": "2015-07-21", "paper": "2015-07-23"}[row["doc_id"]]
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n\n", encoding="utf-8")
    assert Report.from_jsonl(path).dates == {"wire": "2015-07-21", "paper": "2015-07-23"}


@pytest.mark.parametrize("content, message", [
    (b'{"doc_id": "a", "index": 0, "start": 0, "end": 1, "text": "x", "label": "unique"}\nnope\n',
     "r.jsonl:2: line is not valid JSON"),
    (b'{"doc_id": "a", "index": 0, "start": 0, "end": 1, "text": "x"}\n', "r.jsonl:1: is not a tikrar record: no 'label' field"),
    (b'[1, 2]\n', "r.jsonl:1: is not a JSON object"),
    (b'{"doc_id": "a", "index": "x", "start": 0, "end": 1, "text": "x", "label": "unique"}\n',
     "r.jsonl:1: is not a tikrar record: ValueError"),
    (b'\xff\n', "r.jsonl:1: line is not valid UTF-8"),
])
def test_from_jsonl_names_the_bad_line(tmp_path, content, message):
    path = tmp_path / "r.jsonl"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        Report.from_jsonl(path)
    assert message in str(caught.value)


def test_cli_report_writes_the_page_and_prints_the_summary(tmp_path, capsys):
    out, page = tmp_path / "out.jsonl", tmp_path / "page.html"
    assert main(["dedup", str(EXAMPLES), "-o", str(out), "-q"]) == 0
    assert main(["report", str(out), "--html", str(page), "--summary"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "5 articles, 34 paragraphs: 21 unique, 5 duplicate (2 within, 3 across), 8 boilerplate; 0 records skipped")
    assert captured.err == f"tikrar: wrote {page} (5 of 5 articles shown)\n"
    view = Elements(page.read_text(encoding="utf-8"))
    assert len(view.find("section", cls="tk-article")) == 5
    assert len(view.find("div", cls="tk-p")) == 34
    assert view.by_id("p-01_metro_opening-4")["attrs"]["data-label"] == "duplicate"
    assert [e["attrs"]["href"] for e in view.find("a", cls="tk-link")] == [
        "#p-01_metro_opening-2", "#p-01_metro_opening-3", "#p-01_metro_opening-3", "#p-01_metro_opening-2",
        "#p-01_metro_opening-6"]


def test_cli_report_max_articles_and_summary_only(tmp_path, capsys):
    out, page = tmp_path / "out.jsonl", tmp_path / "page.html"
    assert main(["dedup", str(EXAMPLES), "-o", str(out), "-q"]) == 0
    assert main(["report", str(out), "--html", str(page), "--max-articles", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == f"tikrar: wrote {page} (2 of 5 articles shown)\n"
    view = Elements(page.read_text(encoding="utf-8"))
    assert [e["attrs"]["data-doc"] for e in view.find("section", cls="tk-article")] == [
        "01_metro_opening", "02_metro_wire"]
    assert view.find("p", cls="tk-more")[0]["text"].startswith("… and 3 more articles (22 paragraphs) not shown")
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[1:3] == [
        "source       articles  paragraphs  unique  duplicate  boilerplate  duplicate rate",
        "(no source)         5          34      21          5            8           14.7%"]


def test_cli_report_bad_input_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.jsonl")]) == 2
    assert capsys.readouterr().err == f"tikrar: error: {tmp_path / 'missing.jsonl'}: no such file\n"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n", encoding="utf-8")
    page = tmp_path / "page.html"
    assert main(["report", str(bad), "--html", str(page)]) == 2
    assert capsys.readouterr().err == f"tikrar: error: {bad}:1: is not a tikrar record: no 'doc_id' field\n"
    assert not page.exists()
    assert main(["report", str(bad), "--max-articles", "-1"]) == 2
    assert "--max-articles must be 0 (all) or a positive number, got -1" in capsys.readouterr().err


def test_explain_shingles_as_the_run_that_made_the_report():
    a = "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور الوسطاء"
    b = "وقال المتحدث إن المحادثات ستستأنف بعد غد في العاصمة القطرية الدوحة بحضور الوسطاء"
    report = tikrar.dedup([("a", a), ("b", b)], shingle_size=2, threshold=0.4)
    record = report[1]
    assert (record.label, record.similarity) == ("duplicate", 0.642857)
    # The run's word 2-grams (9 shared of 14), not the default 3-grams (0.5).
    assert round(report.explain("b", 0).similarity, 6) == 0.642857
    assert round(report.explain("b", 0, config=tikrar.DedupConfig()).similarity, 6) == 0.5
