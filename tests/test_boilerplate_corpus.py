"""Boilerplate learned from the corpus: a synthetic corpus with known truth.

Three outlets. Outlet "alpha" ends 12 articles with the same footer (its
furniture); a wire paragraph appears once in each outlet (syndicated
content); outlet "gamma" repeats a paragraph in 9 articles only (below the
default of 10); a paragraph that 10 articles of "beta" carry first and 11 of
the others after is beta's furniture only while beta holds at least half of
the articles seen so far. No phrase rule matches any of these lines, so
whatever is labelled boilerplate here was learned from repetition.

Each copy is judged in input order, against the articles up to and including
its own (an article counts once per cluster): with the defaults (10, 0.5) the
tenth article of a source is the first copy labelled boilerplate, the ninth
and the kept first copy are not, and a copy after the source's share has
fallen below half is a duplicate again.
"""

from __future__ import annotations

import json
import random

import pytest

from tikrar import Deduplicator, dedup
from tikrar.boilerplate import default_rules, find_boilerplate, rule_view
from tikrar.cli import main
from tikrar.dedup import DedupConfig
from tikrar.errors import ConfigError
from tikrar.normalize import normalize

WORDS = (
    "المدينة الوزارة المشروع الطريق الجديد الأسبوع المقبل الماضي أعلنت أكدت قالت أوضح المسؤول الفريق الملعب "
    "المباراة السوق الأسعار النفط الذهب الريال الدولار الطقس الحرارة الأمطار الرياح البحر الجبال المدرسة الجامعة "
    "الطلاب المعلمين المستشفى المرضى الأطباء الدواء المصنع العمال الإنتاج التصدير الميناء السفينة الطائرة المطار "
    "الرحلة المسافرين الفندق السياحة المهرجان الجمهور الفنان المسرح الكتاب المعرض الزوار الشركة الأرباح الأسهم "
    "المستثمرين البنك القرض الحديقة الأشجار المياه الكهرباء الشبكة الهاتف التطبيق"
).split()

FOOTER = "لمتابعة آخر التطورات في الحي زوروا صفحتنا كل صباح مع فريق التحرير الميداني"
WIRE = "وذكرت الهيئة في بيانها أن أعمال الصيانة الدورية للشبكة ستبدأ منتصف الليل وتستمر حتى السادسة صباحا في معظم الأحياء"
FEW = "ويرحب فريق العمل باقتراحات القراء حول الموضوعات التي يودون قراءتها في الأعداد المقبلة من الملحق الأسبوعي"
SHARED = "وأشارت التوقعات إلى أن درجات الحرارة ستتراوح بين الأربعين والخامسة والأربعين في المناطق الداخلية طوال الأسبوع"


def content(rng: random.Random, words: int = 24) -> str:
    """A content paragraph unlike any other (random words, so no shared 3-grams)."""
    return " ".join(rng.choice(WORDS) for _ in range(words))


def article(rng, *extra, before=2):
    return "\n".join([content(rng) for _ in range(before)] + list(extra))


@pytest.fixture(scope="module")
def corpus():
    rng = random.Random(7)
    items = []
    for k in range(12):
        items.append({"id": f"alpha-{k}", "source": "alpha", "text": article(rng, FOOTER)})
    for source in ("alpha", "beta", "gamma"):
        items.append({"id": f"{source}-wire", "source": source, "text": article(rng, WIRE)})
    for k in range(9):
        items.append({"id": f"gamma-{k}", "source": "gamma", "text": article(rng, FEW)})
    for k in range(10):
        items.append({"id": f"beta-{k}", "source": "beta", "text": article(rng, SHARED)})
    for k in range(11):
        source = ("alpha", "gamma")[k % 2]
        items.append({"id": f"{source}-shared-{k}", "source": source, "text": article(rng, SHARED)})
    return items


def by_text(report, text):
    return [r for r in report if r.text == text]


def test_no_phrase_rule_knows_these_lines():
    lines = [FOOTER, WIRE, FEW, SHARED]
    hits = find_boilerplate([rule_view(t) for t in lines], [len(normalize(t).split()) for t in lines], default_rules())
    assert hits == [None] * 4


def test_footer_of_one_outlet_is_boilerplate_with_its_evidence(corpus):
    report = dedup(corpus)
    footers = by_text(report, FOOTER)
    assert [(r.doc_id, r.label, r.reason) for r in footers] == (
        [("alpha-0", "unique", None)]
        + [(f"alpha-{k}", "duplicate", None) for k in range(1, 9)]
        + [(f"alpha-{k}", "boilerplate", f"repeated in {k + 1} articles of source alpha") for k in range(9, 12)]
    )
    # The first copy stays unique (kept), and the rest still say which cluster they belong to.
    assert footers[0].duplicate_of is None
    assert {r.duplicate_of.doc_id for r in footers[1:]} == {"alpha-0"}


def test_wire_paragraph_in_three_outlets_stays_duplicate(corpus):
    wires = by_text(dedup(corpus), WIRE)
    assert [(r.doc_id, r.label, r.scope) for r in wires] == [
        ("alpha-wire", "unique", None),
        ("beta-wire", "duplicate", "across"),
        ("gamma-wire", "duplicate", "across"),
    ]


def test_below_the_threshold_repeats_stay_duplicate(corpus):
    few = by_text(dedup(corpus), FEW)
    assert [r.label for r in few] == ["unique"] + ["duplicate"] * 8
    lowered = by_text(dedup(corpus, min_source_articles=9), FEW)
    assert [(r.label, r.reason) for r in lowered] == [("unique", None)] + [("duplicate", None)] * 7 + [
        ("boilerplate", "repeated in 9 articles of source gamma")]


def test_a_paragraph_most_of_whose_articles_are_elsewhere_is_not_one_outlets_furniture(corpus):
    beta = "repeated in 10 articles of source beta"
    shared = by_text(dedup(corpus), SHARED)
    assert len(shared) == 21
    # beta-0..beta-9 come first: at beta-9 beta holds 10 of 10 articles; then
    # alpha/gamma copies follow, and after the k-th of them beta holds 10 of
    # 10 + k. Boilerplate while 10 >= 0.5 * (10 + k), i.e. up to the tenth of
    # them (10 of 20); the eleventh (10 of 21 < 0.5) is a duplicate again.
    assert [(r.doc_id, r.label, r.reason) for r in shared] == (
        [("beta-0", "unique", None)]
        + [(f"beta-{k}", "duplicate", None) for k in range(1, 9)]
        + [("beta-9", "boilerplate", beta)]
        + [(f"{('alpha', 'gamma')[k % 2]}-shared-{k}", "boilerplate", beta) for k in range(10)]
        + [("alpha-shared-10", "duplicate", None)]
    )
    # The same articles with the others first: beta never holds half of what
    # was seen by the time it has 10 (10 of 21), so no copy is furniture.
    others_first = [item for item in corpus if "-shared-" in item["id"]] + [
        item for item in corpus if item["text"].endswith(SHARED) and "-shared-" not in item["id"]]
    assert len(others_first) == 21
    assert [r.label for r in by_text(dedup(others_first), SHARED)] == ["unique"] + ["duplicate"] * 20
    # With a share of 0.4, beta's 10 stay enough up to 25 articles: every copy from beta-9 on.
    relaxed = by_text(dedup(corpus, min_source_share=0.4), SHARED)
    assert [(r.label, r.reason) for r in relaxed] == [("unique", None)] + [("duplicate", None)] * 8 + [
        ("boilerplate", beta)] * 12


def test_everything_else_is_untouched(corpus):
    report = dedup(corpus)
    # alpha-9..alpha-11 (footer) and beta-9 plus ten shared copies (see above).
    assert report.counts["boilerplate"] == 3 + 11
    assert {r.text for r in report if r.label == "boilerplate"} == {FOOTER, SHARED}
    assert all(r.label == "unique" for r in report if r.text not in {FOOTER, WIRE, FEW, SHARED})


def test_near_duplicate_footers_form_one_cluster():
    rng = random.Random(11)
    items = [
        ("beta:%d" % k, article(rng, f"للاشتراك في النسخة الورقية من الصحيفة اتصلوا بقسم التوزيع على الرقم {100 + k} من السبت إلى الخميس"))
        for k in range(10)
    ]
    report = dedup(items)
    footers = [r for r in report if r.index == 2]
    assert [r.match for r in footers[1:]] == ["near"] * 9
    assert [(r.label, r.reason) for r in footers] == [("unique", None)] + [("duplicate", None)] * 8 + [
        ("boilerplate", "repeated in 10 articles of source beta")]


def test_repeats_inside_one_article_count_once():
    rng = random.Random(3)
    items = [(f"gamma:{k}", article(rng, FEW)) for k in range(9)]
    items[4] = ("gamma:4", article(rng, FEW, FEW))
    report = dedup(items)
    assert report.counts["boilerplate"] == 0
    assert [r.label for r in report if r.text == FEW] == ["unique"] + ["duplicate"] * 9


def test_source_falls_back_to_the_doc_id_prefix_then_to_the_corpus():
    rng = random.Random(5)
    prefixed = dedup([(f"site/{k}", article(rng, FOOTER)) for k in range(10)])
    assert [r.reason for r in prefixed if r.text == FOOTER] == [None] * 9 + ["repeated in 10 articles of source site"]
    plain = dedup([(f"article{k}", article(rng, FOOTER)) for k in range(10)])
    assert [r.reason for r in plain if r.text == FOOTER] == [None] * 9 + ["repeated in 10 articles of the corpus"]
    mixed = dedup([(f"a{k}:1", article(rng, FOOTER)) for k in range(10)])  # ten prefixes, one article each
    assert {r.label for r in mixed if r.text == FOOTER} == {"unique", "duplicate"}


def records(reports):
    return [r.to_dict() for report in reports for r in report]


def test_counts_carry_over_between_add_calls_earlier_records_stay_as_returned_and_the_split_changes_nothing(corpus):
    rng = random.Random(9)
    items = [Article_(f"alpha-{k}", article(rng, FOOTER)) for k in range(12)]
    deduplicator = Deduplicator()
    first = deduplicator.add(items[:6])
    assert [r.label for r in first if r.text == FOOTER] == ["unique"] + ["duplicate"] * 5
    second = deduplicator.add(items[6:9])
    assert [r.label for r in second if r.text == FOOTER] == ["duplicate"] * 3  # 7, 8, 9 articles so far
    third = deduplicator.add(items[9:])
    assert [(r.label, r.reason) for r in third if r.text == FOOTER] == [
        ("boilerplate", f"repeated in {n} articles of source alpha") for n in (10, 11, 12)]
    assert [r.label for r in first if r.text == FOOTER] == ["unique"] + ["duplicate"] * 5
    # How the input is split into add calls does not change a record.
    whole = records([dedup(items)])
    assert records([first, second, third]) == whole
    two = Deduplicator()
    assert records([two.add(items[:10]), two.add(items[10:])]) == whole
    # The same over the three-outlet corpus, cut inside the footer and the shared clusters.
    whole = records([dedup(corpus)])
    assert sum(row["label"] == "boilerplate" for row in whole) == 14
    for cuts in ((30,), (11, 34)):
        deduplicator = Deduplicator()
        bounds = (0, *cuts, len(corpus))
        assert records([deduplicator.add(corpus[a:b]) for a, b in zip(bounds, bounds[1:])]) == whole


def Article_(doc_id, text):
    return {"id": doc_id, "text": text, "source": "alpha"}


def test_corpus_learning_can_be_turned_off():
    rng = random.Random(13)
    items = [Article_(f"alpha-{k}", article(rng, FOOTER)) for k in range(12)]
    assert dedup(items, corpus_boilerplate=False).counts["boilerplate"] == 0
    assert dedup(items, boilerplate=False).counts["boilerplate"] == 0
    assert dedup(items).counts["boilerplate"] == 3  # alpha-9, alpha-10, alpha-11


@pytest.mark.parametrize(
    "options, message",
    [
        ({"min_source_articles": 1}, "min_source_articles must be an integer >= 2"),
        ({"min_source_articles": 2.5}, "min_source_articles must be an integer >= 2"),
        ({"min_source_share": 0}, r"min_source_share must be a number in \(0, 1\]"),
        ({"min_source_share": 1.5}, r"min_source_share must be a number in \(0, 1\]"),
        ({"source_separators": None}, "source_separators must be a string"),
    ],
)
def test_bad_thresholds_are_refused_with_the_option_named(options, message):
    with pytest.raises(ConfigError, match=message):
        DedupConfig.from_options(**options)


def test_defaults_are_the_documented_ones():
    config = DedupConfig()
    assert (config.corpus_boilerplate, config.min_source_articles, config.min_source_share, config.source_separators) == (
        True, 10, 0.5, ":/",
    )


def test_cli_thresholds(tmp_path, corpus):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in corpus), encoding="utf-8")
    out = tmp_path / "out.jsonl"

    def reasons(*extra):
        assert main(["dedup", str(src), "-o", str(out), "-q", *extra]) == 0
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        return [(row["label"], row["reason"]) for row in rows if row["text"] == FEW]

    assert reasons() == [("unique", None)] + [("duplicate", None)] * 8
    assert reasons("--min-source-articles", "9") == [("unique", None)] + [("duplicate", None)] * 7 + [
        ("boilerplate", "repeated in 9 articles of source gamma")]
    assert reasons("--min-source-articles", "9", "--no-corpus-boilerplate") == [("unique", None)] + [("duplicate", None)] * 8
    assert main(["dedup", str(src), "-o", str(out), "--min-source-share", "2"]) == 2


def test_an_article_counts_once_and_a_listed_headline_is_no_first_occurrence():
    # In alpha-0 the line appears under a heading (boilerplate by structure,
    # so never kept and never the first occurrence of a cluster); alpha-1
    # holds it twice. So alpha-1..alpha-9 are 9 articles, and only alpha-9
    # is the ninth: counting alpha-0, or alpha-1 twice, would make alpha-8 it.
    rng = random.Random(17)
    line = "مهرجان الصيف يستقبل زواره"
    items = [Article_("alpha-0", article(rng, "مقالات مشابهة", line))]
    items += [Article_("alpha-1", article(rng, line, line))]
    items += [Article_(f"alpha-{k}", article(rng, line)) for k in range(2, 10)]
    exact = dedup(items, min_source_articles=9)
    assert [(r.doc_id, r.label, r.reason) for r in exact if r.text == line] == (
        [("alpha-0", "boilerplate", "after:related_heading"), ("alpha-1", "unique", None)]
        + [(f"alpha-{k}", "duplicate", None) for k in (1, *range(2, 9))]
        + [("alpha-9", "boilerplate", "repeated in 9 articles of source alpha")]
    )
    again = dedup(items, min_source_articles=10)
    assert [r.label for r in again if r.text == line] == ["boilerplate", "unique"] + ["duplicate"] * 9
