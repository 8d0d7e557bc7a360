"""The whole path, from articles to labels, on articles written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import tikrar
from tikrar import Article, Deduplicator, InputError, dedup
from tikrar.errors import ConfigError
from tikrar.io import read_paths

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"

WIRE = (
    "وأكد المتحدث باسم وزارة الصحة أن الحملة الوطنية للتطعيم ستبدأ يوم الاثنين المقبل في جميع "
    "المراكز الصحية، وأن المرحلة الأولى تستهدف الأطفال دون الخامسة وكبار السن"
)
WIRE_RETYPED = (
    "وأَكَّدَ المُتحدّث باسم وزارة الصحّة إن الحملـــة الوطنيّة للتطعيم ستبدأ يوم الإثنين المقبل في جميع "
    "المراكز الصحيّة، وإن المرحلة الأولى تستهدف الأطفال دون الخامسة وكبار السن"
)
WIRE_ONE_WORD_CHANGED = WIRE.replace("الاثنين", "الثلاثاء")
OTHER = (
    "وفي سياق متصل أعلنت الوزارة عن افتتاح ثلاثة مستشفيات جديدة في المناطق الشمالية خلال العام "
    "الجاري بسعة إجمالية تبلغ ستمئة سرير"
)


def labels(report):
    return [(r.doc_id, r.index, r.label, r.scope, r.duplicate_of and (r.duplicate_of.doc_id, r.duplicate_of.index))
            for r in report]


def test_examples_are_labelled_exactly():
    report = dedup(read_paths([EXAMPLES]))
    got = {(r.doc_id[:2], r.index): (r.label, r.scope, r.match, r.reason) for r in report if r.label != "unique"}
    assert got == {
        ("01", 4): ("duplicate", "within", "exact", None),
        ("01", 5): ("duplicate", "within", "exact", None),
        ("02", 1): ("duplicate", "across", "exact", None),
        ("02", 2): ("duplicate", "across", "exact", None),
        ("02", 3): ("duplicate", "across", "near", None),
        ("03", 4): ("boilerplate", None, None, "source_line"),
        ("03", 5): ("boilerplate", None, None, "tags_line"),
        ("03", 6): ("boilerplate", None, None, "read_also_heading"),
        ("03", 7): ("boilerplate", None, None, "after:read_also_heading"),
        ("03", 8): ("boilerplate", None, None, "related_heading"),
        ("03", 9): ("boilerplate", None, None, "bullet_teaser"),
        ("03", 10): ("boilerplate", None, None, "bullet_teaser"),
        ("03", 11): ("boilerplate", None, None, "bullet_teaser"),
    }
    assert report.counts == {"articles": 5, "paragraphs": 34, "unique": 21, "duplicate": 5, "boilerplate": 8,
                             "within": 2, "across": 3, "skipped": 0}
    near = next(r for r in report if r.doc_id.startswith("02") and r.index == 3)
    assert near.duplicate_of.doc_id == "01_metro_opening" and near.duplicate_of.index == 6
    assert 0.5 <= near.similarity < 1.0


def test_orthographic_variant_is_exact_duplicate_and_one_word_change_is_near():
    report = dedup([("a", WIRE + "\n" + OTHER), ("b", WIRE_RETYPED), ("c", WIRE_ONE_WORD_CHANGED)])
    assert labels(report) == [
        ("a", 0, "unique", None, None),
        ("a", 1, "unique", None, None),
        ("b", 0, "duplicate", "across", ("a", 0)),
        ("c", 0, "duplicate", "across", ("a", 0)),
    ]
    assert report[2].similarity == 1.0 and report[2].match == "exact"
    assert report[3].match == "near" and 0.5 <= report[3].similarity < 1.0


def test_short_headlines_sharing_a_stock_phrase_are_not_duplicates_but_exact_repeats_are():
    headlines = [
        "وفد حماس يصل إلى القاهرة لبحث وقف إطلاق النار في غزة",
        "مصر تدعو إلى وقف إطلاق النار في غزة فورا",
        "قطر ترحب بجهود وقف إطلاق النار في غزة",
        "مصر تدعو إلى وقف إطلاق النار في غزة فوراً",
    ]
    report = dedup([(f"h{i}", h) for i, h in enumerate(headlines)])
    assert [r.label for r in report] == ["unique", "unique", "unique", "duplicate"]
    assert report[3].duplicate_of == tikrar.ParagraphRef("h1", 0)


def test_first_occurrence_is_canonical_for_the_whole_chain():
    report = dedup([("x", WIRE), ("y", WIRE_RETYPED), ("z", WIRE)])
    assert [r.duplicate_of and r.duplicate_of.doc_id for r in report] == [None, "x", "x"]


def test_deduplicator_compares_new_batches_with_earlier_ones():
    d = Deduplicator()
    first = d.add([("a", WIRE)])
    second = d.add([Article("b", WIRE_RETYPED, source="wire"), {"id": "c", "text": OTHER}])
    assert [r.label for r in first] == ["unique"]
    assert labels(second) == [("b", 0, "duplicate", "across", ("a", 0)), ("c", 0, "unique", None, None)]
    assert second[0].source == "wire"
    assert d.paragraph_count == 3
    third = d.add([("d", OTHER + "\n" + OTHER)])
    assert labels(third) == [("d", 0, "duplicate", "across", ("c", 0)), ("d", 1, "duplicate", "across", ("c", 0))]


def test_same_article_twice_in_one_batch_is_across_not_within():
    report = dedup([("a", WIRE), ("a", WIRE)])
    assert report[1].scope == "across"


def test_empty_and_punctuation_only_paragraphs_are_kept_with_a_reason():
    report = dedup([("a", "؟؟ !!\n" + WIRE), ("b", "؟؟ !!")])
    assert [(r.label, r.reason) for r in report] == [
        ("unique", "empty after normalization"),
        ("unique", None),
        ("unique", "empty after normalization"),
    ]


def test_article_without_paragraphs_counts_as_an_article():
    report = dedup([("empty", ""), ("a", WIRE)])
    assert report.counts["articles"] == 2 and report.counts["paragraphs"] == 1


def test_bad_record_raises_naming_it_or_is_skipped_on_request():
    with pytest.raises(InputError, match="article 'bad'"):
        dedup([("ok", WIRE), ("bad", None)])
    report = dedup([("ok", WIRE), ("bad", None), {"text": "x"}, ("z", WIRE)], on_error="skip")
    assert [s.location for s in report.skipped] == ["article 'bad'", "article #2"]
    assert [r.label for r in report] == ["unique", "duplicate"]
    assert report.counts["skipped"] == 2


def test_options_are_validated_with_a_message_naming_the_value():
    with pytest.raises(ConfigError, match="threshold must be a number in \\(0, 1\\], got 2"):
        Deduplicator(threshold=2)
    with pytest.raises(ConfigError, match="unknown option"):
        Deduplicator(treshold=0.5)
    with pytest.raises(ConfigError, match="exceeds num_perm"):
        Deduplicator(num_perm=16, bands=8, rows=4)
    with pytest.raises(ConfigError, match="disable_rules names no rule"):
        Deduplicator(disable_rules=["no_such_rule"])


def test_rules_can_be_disabled_and_added():
    text = WIRE + "\nالمصدر: وكالة الأنباء\nإعلان ممول"
    default = dedup([("a", text)])
    assert [r.label for r in default] == ["unique", "boilerplate", "unique"]
    custom = dedup([("a", text)], disable_rules=["source_line"], extra_rules=[tikrar.Rule("sponsored", "^اعلان ممول$")])
    assert [(r.label, r.reason) for r in custom] == [("unique", None), ("unique", None), ("boilerplate", "sponsored")]
    assert [r.label for r in dedup([("a", text)], boilerplate=False)] == ["unique"] * 3
