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


def test_a_repeated_doc_id_is_an_error_by_default_naming_the_record():
    with pytest.raises(InputError, match=r"article #1: doc_id 'a' repeats an article already added"):
        dedup([("a", WIRE), ("a", WIRE)])
    deduplicator = Deduplicator()
    deduplicator.add([("a", WIRE)])
    with pytest.raises(InputError, match=r"article #0: doc_id 'a'"):
        deduplicator.add([("a", WIRE)])
    # The failed call added nothing.
    assert deduplicator.paragraph_count == 1
    # An integer id and the same digits as a string are the same doc_id: not merged silently.
    with pytest.raises(InputError, match=r"doc_id '1'"):
        dedup([(1, WIRE), ("1", WIRE + " وأضاف")])


def test_repeated_doc_ids_skipped_on_request_are_listed_with_the_reason():
    report = dedup([("a", WIRE), ("b", "خبر آخر تماما"), ("a", WIRE)], duplicate_ids="skip")
    assert [(r.doc_id, r.label) for r in report] == [("a", "unique"), ("b", "unique")]
    assert [(s.location, s.problem) for s in report.skipped] == [
        ("article #2", "doc_id 'a' repeats an article already added (duplicate_ids='skip')")]
    assert report.counts["articles"] == 2


def test_a_replaced_article_is_labelled_as_if_the_old_one_had_never_been_added():
    deduplicator = Deduplicator(duplicate_ids="replace")
    deduplicator.add([("a", WIRE), ("b", WIRE)])
    # "a" again: the old "a" goes. "b" was its duplicate, never kept, so
    # the new "a" is kept; "b" added again then repeats it.
    assert [(r.label, r.duplicate_of) for r in deduplicator.add([("a", WIRE)])] == [("unique", None)]
    report = deduplicator.add([("b", WIRE)])
    assert [(r.label, r.duplicate_of.doc_id) for r in report] == [("duplicate", "a")]
    # Replaced inside one call: the later text wins, the earlier is listed.
    report = Deduplicator(duplicate_ids="replace").add([("x", "نص اول"), ("x", WIRE)])
    assert [(r.doc_id, r.text) for r in report] == [("x", WIRE)]
    assert [s.problem for s in report.skipped] == ["replaced by a later article with the same doc_id (input #1)"]


def test_removed_articles_no_longer_match_and_dependents_are_named():
    deduplicator = Deduplicator()
    deduplicator.add([("a", WIRE), ("b", WIRE), ("c", "خبر آخر تماما عن الطقس في الرياض اليوم وغدا")])
    assert deduplicator.remove(["a", "unknown"]) == ["b"]
    numbered = Deduplicator()
    numbered.add([(7, WIRE)])
    assert numbered.remove([7]) == [] and numbered.state.ordinal_of("7") is None
    assert deduplicator.remove(["a"]) == []
    report = deduplicator.add([("d", WIRE)])
    assert [(r.label, r.match) for r in report] == [("unique", None)]
    # The removed doc_id can be used again.
    assert deduplicator.add([("a", WIRE)])[0].duplicate_of.doc_id == "d"


def test_add_is_all_or_nothing(monkeypatch):
    deduplicator = Deduplicator(duplicate_ids="replace")
    first = [("a", WIRE), ("b", "خبر آخر تماما عن الطقس في الرياض اليوم وغدا")]
    deduplicator.add(first)
    later = [("c", WIRE + " وأضاف المتحدث أن الجولة المقبلة ستعقد الشهر المقبل في العاصمة"), ("a", WIRE)]
    untouched = Deduplicator(duplicate_ids="replace")
    untouched.add(first)
    expected = [r.to_dict() for r in untouched.add(later)]
    assert [(r["doc_id"], r["label"]) for r in expected] == [("c", "unique"), ("a", "duplicate")]
    label = type(deduplicator)._apply_corpus_boilerplate

    def fail(self, batch, records):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(deduplicator), "_apply_corpus_boilerplate", fail)
    with pytest.raises(KeyboardInterrupt):
        deduplicator.add(later)
    monkeypatch.setattr(type(deduplicator), "_apply_corpus_boilerplate", label)
    assert deduplicator.paragraph_count == 2
    assert [r.to_dict() for r in deduplicator.add(later)] == expected


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
