"""The labels keep their promise: keep-first, verified repeats, right similarity.

The checker is benchmarks/check_labels.py. On real news (the first 3,000
SaudiNewsNet articles) every duplicate must name an earlier kept paragraph
that it verifiably repeats, with the exact Jaccard as its similarity. The
hand-made records below show that the checker catches each way of breaking
that promise, so the real-data test cannot pass by checking nothing.
"""

from __future__ import annotations

import pytest

import tikrar
from benchmarks import check_labels
from benchmarks.check_labels import (
    REUSE_BAD_OFFSETS,
    REUSE_NOT_IN_SOURCE,
    REUSE_PASSAGES_DIFFER,
    REUSE_SOURCE_MISSING,
    REUSE_SOURCE_NOT_EARLIER,
    REUSE_SOURCE_NOT_KEPT,
    TARGET_BOILERPLATE,
    TARGET_DUPLICATE,
    TARGET_MISSING,
    TARGET_NONE,
    TARGET_NOT_EARLIER,
    check,
    format_result,
    shingle_set,
)
from conftest import requires_saudinewsnet
from tikrar.types import ParagraphRef, Record, Reuse

# --------------------------------------------------------------------------
# On real news


@pytest.fixture(scope="module")
def slice_result(snn_articles):
    report = tikrar.dedup(snn_articles)
    return check(report.records, max_examples=3)


@requires_saudinewsnet
def test_slice_has_duplicates_to_check(slice_result):
    assert slice_result.duplicates > 500
    assert slice_result.shingle_sample > 0 and slice_result.shingle_mismatches == 0


@requires_saudinewsnet
def test_slice_duplicates_name_earlier_kept_paragraphs(slice_result):
    assert slice_result.not_kept == 0, format_result(slice_result)


@requires_saudinewsnet
def test_slice_duplicates_verifiably_repeat_what_they_name(slice_result):
    assert slice_result.not_repeating == 0, format_result(slice_result)


@requires_saudinewsnet
def test_slice_similarity_is_the_exact_jaccard(slice_result):
    assert slice_result.similarity_wrong == 0, format_result(slice_result)


# --------------------------------------------------------------------------
# Hand-made records (sentences written for these tests)

HOSPITAL = "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة جدة يضم ثلاثمائة سرير"
HOSPITAL_RETYPED = "أعلنتْ وزارةُ الصحّة اليومَ عن افتتاح مستشفىً جديد في مدينة جدّة يضمّ ثلاثمائة سرير"
#: One word changed: 10 of the 12 shingles kept, Jaccard 10/14.
HOSPITAL_EDITED = "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة جدة يضم أربعمائة سرير"
#: Same opening, other story: 3 shingles shared, Jaccard 3/21.
CAMPAIGN = "أعلنت وزارة الصحة اليوم عن حملة وطنية لتطعيم الأطفال ضد الحصبة في جميع المناطق"
#: 10 words, 8 shingles, all of them in MEETING_LONG (18 shingles): Jaccard 8/18.
MEETING = "قال المتحدث الرسمي إن الاجتماع سيعقد الأسبوع المقبل في الرياض"
MEETING_LONG = MEETING + " بحضور وزراء الخارجية العرب وممثلين عن الأمم المتحدة والاتحاد الأوروبي"
STATEMENT = "وأكد البيان أن العمل سيستمر حتى نهاية العام"
#: A kept paragraph quoting a passage of MEETING_LONG.
PASSAGE = "الاجتماع سيعقد الأسبوع المقبل في الرياض"
QUOTING = "ومن جهة أخرى أوضح مصدر مطلع لوكالة الأنباء أن " + PASSAGE

HOSPITAL_EDITED_SIM = round(10 / 14, 6)
CAMPAIGN_SIM = round(3 / 21, 6)
MEETING_SIM = round(8 / 18, 6)


def rec(doc_id, index, text, label="unique", target=None, match=None, similarity=None, reused=()):
    scope = None
    if target is not None:
        scope = "within" if target[0] == doc_id else "across"
    return Record(doc_id, index, 0, len(text), text, label, scope,
                  ParagraphRef(*target) if target is not None else None, similarity, None, match, None,
                  tuple(reused))


def dup(doc_id, index, text, target, match, similarity):
    return rec(doc_id, index, text, "duplicate", target, match, similarity)


def quote(source=("a", 1), similarity=1.0, start=None, end=None, source_start=None, source_end=None):
    """A Reuse of PASSAGE in QUOTING, from MEETING_LONG (by default)."""
    start = QUOTING.index(PASSAGE) if start is None else start
    end = len(QUOTING) if end is None else end
    source_start = MEETING_LONG.index(PASSAGE) if source_start is None else source_start
    source_end = source_start + len(PASSAGE) if source_end is None else source_end
    return Reuse(start, end, source[0], source[1], source_start, source_end, similarity)


def clean_records():
    return [
        rec("a", 0, HOSPITAL),
        rec("a", 1, MEETING_LONG),
        dup("b", 0, HOSPITAL_RETYPED, ("a", 0), "exact", 1.0),
        dup("b", 1, HOSPITAL_EDITED, ("a", 0), "near", HOSPITAL_EDITED_SIM),
        dup("c", 0, MEETING, ("a", 1), "contained", MEETING_SIM),
        rec("c", 1, QUOTING, reused=[quote()]),
        rec("d", 0, STATEMENT),
        dup("d", 1, STATEMENT, ("d", 0), "exact", 1.0),
        # Relabelled by the corpus step: may name a paragraph that is not kept.
        rec("e", 0, HOSPITAL, "boilerplate", ("b", 0), "exact", 1.0),
    ]


def test_sentences_are_what_the_tests_say():
    sets = {name: shingle_set(tikrar.normalize(text)) for name, text in
            [("h", HOSPITAL), ("e", HOSPITAL_EDITED), ("c", CAMPAIGN), ("m", MEETING), ("l", MEETING_LONG)]}
    assert tikrar.normalize(HOSPITAL) == tikrar.normalize(HOSPITAL_RETYPED)
    assert (len(sets["h"] & sets["e"]), len(sets["h"] | sets["e"])) == (10, 14)
    assert (len(sets["h"] & sets["c"]), len(sets["h"] | sets["c"])) == (3, 21)
    assert sets["m"] < sets["l"] and (len(sets["m"]), len(sets["l"])) == (8, 18)


def test_shingles_match_the_library():
    for text in [HOSPITAL, MEETING_LONG, "قال المتحدث", "في الرياض اليوم", "نص", "", "؟!"]:
        normalized = tikrar.normalize(text)
        assert shingle_set(normalized) == frozenset(tikrar.shingles(normalized))
    assert shingle_set("") == frozenset()
    assert shingle_set("ا ب ج") == frozenset({"ا ب ج"})


def test_clean_records_pass():
    result = check(clean_records())
    assert result.ok, format_result(result)
    assert result.duplicates == 4
    assert dict(result.duplicates_by_match) == {"exact": 2, "near": 1, "contained": 1}
    assert result.boilerplate_with_target == 1 and result.reused_entries == 1
    assert not result.oddities


def test_dict_form_gives_the_same_result():
    records = clean_records()
    records.append(dup("f", 0, HOSPITAL, ("b", 0), "exact", 1.0))  # one violation
    as_records, as_dicts = check(records), check([r.to_dict() for r in records])
    assert (as_dicts.duplicates, as_dicts.not_kept, as_dicts.reused_entries) == (5, 1, 1)
    assert format_result(as_dicts) == format_result(as_records)


def test_catches_a_duplicate_naming_a_duplicate():
    records = [
        rec("a", 0, HOSPITAL),
        dup("b", 0, HOSPITAL_RETYPED, ("a", 0), "exact", 1.0),
        dup("c", 0, HOSPITAL, ("b", 0), "exact", 1.0),
    ]
    result = check(records)
    assert result.not_kept == 1 and result.not_kept_by_reason == {TARGET_DUPLICATE: 1}
    assert result.not_kept_by_match == {"exact": 1}
    assert result.not_repeating == 0 and result.similarity_wrong == 0
    assert not result.ok
    (example,) = result.examples[check_labels.NOT_KEPT]
    assert (example.doc_id, example.index, example.target) == ("c", 0, ("b", 0))
    assert "a#0" in example.detail


def test_catches_a_duplicate_naming_boilerplate():
    records = [rec("a", 0, HOSPITAL, "boilerplate"), dup("b", 0, HOSPITAL, ("a", 0), "exact", 1.0)]
    result = check(records)
    assert result.not_kept_by_reason == {TARGET_BOILERPLATE: 1}


@pytest.mark.parametrize("records", [
    # a later article
    [dup("a", 0, HOSPITAL, ("b", 0), "exact", 1.0), rec("b", 0, HOSPITAL)],
    # the same article, a larger index
    [dup("a", 0, HOSPITAL, ("a", 1), "exact", 1.0), rec("a", 1, HOSPITAL)],
    # itself
    [rec("a", 0, STATEMENT), dup("a", 1, HOSPITAL, ("a", 1), "exact", 1.0)],
], ids=["later article", "later index", "itself"])
def test_catches_a_target_that_is_not_earlier(records):
    result = check(records)
    assert result.not_kept == 1 and result.not_kept_by_reason == {TARGET_NOT_EARLIER: 1}
    assert not result.ok


def test_catches_a_missing_target():
    records = [
        rec("a", 0, HOSPITAL),
        dup("b", 0, HOSPITAL, ("zz", 0), "exact", 1.0),
        dup("b", 1, HOSPITAL, ("a", 7), "exact", 1.0),
        rec("b", 2, HOSPITAL, "duplicate", None, "exact", 1.0),
    ]
    result = check(records)
    assert result.not_kept == 3
    assert result.not_kept_by_reason == {TARGET_MISSING: 2, TARGET_NONE: 1}
    assert result.failing == 3


def test_catches_a_near_claim_below_the_threshold():
    records = [rec("a", 0, HOSPITAL), dup("b", 0, CAMPAIGN, ("a", 0), "near", CAMPAIGN_SIM)]
    result = check(records)
    assert result.not_repeating == 1 and result.not_repeating_by_match == {"near": 1}
    assert result.not_kept == 0 and result.similarity_wrong == 0
    (example,) = result.examples[f"{check_labels.NOT_REPEATING} (near)"]
    assert example.doc_id == "b" and "jaccard 0.142857" in example.detail
    # The threshold is the one given: at 0.1 the same pair is a near repeat.
    assert check(records, threshold=0.1).ok


def test_catches_a_contained_claim_the_wrong_way_round():
    records = [rec("a", 0, MEETING), dup("b", 0, MEETING_LONG, ("a", 0), "contained", MEETING_SIM)]
    result = check(records)
    assert result.not_repeating_by_match == {"contained": 1}
    assert result.contained_reversed == 1
    assert result.similarity_wrong == 0
    # The right way round (the short one later) holds.
    right = [rec("a", 0, MEETING_LONG), dup("b", 0, MEETING, ("a", 0), "contained", MEETING_SIM)]
    assert check(right).ok
    # ... and not when containment is off.
    assert check(right, containment=None).not_repeating == 1


def test_catches_an_exact_claim_between_different_texts():
    records = [rec("a", 0, HOSPITAL), dup("b", 0, HOSPITAL_EDITED, ("a", 0), "exact", 1.0)]
    result = check(records)
    assert result.not_repeating_by_match == {"exact": 1}
    assert result.similarity_wrong == 1  # 1.0 is not the Jaccard 10/14


@pytest.mark.parametrize("similarity, wrong", [
    (HOSPITAL_EDITED_SIM, False),
    (10 / 14 + 4e-7, False),
    (HOSPITAL_EDITED_SIM + 0.01, True),
    (1.0, True),
    (None, True),
])
def test_catches_a_wrong_similarity(similarity, wrong):
    records = [rec("a", 0, HOSPITAL), dup("b", 0, HOSPITAL_EDITED, ("a", 0), "near", similarity)]
    result = check(records)
    assert result.similarity_wrong == int(wrong)
    assert result.not_repeating == 0 and result.not_kept == 0


def test_catches_a_wrong_similarity_on_an_exact_repeat():
    records = [rec("a", 0, HOSPITAL), dup("b", 0, HOSPITAL_RETYPED, ("a", 0), "exact", 0.8)]
    result = check(records)
    assert result.similarity_wrong == 1 and result.similarity_wrong_by_match == {"exact": 1}
    assert result.not_repeating == 0


def test_catches_an_unknown_match_kind():
    records = [rec("a", 0, HOSPITAL), dup("b", 0, HOSPITAL, ("a", 0), None, 1.0)]
    result = check(records)
    assert result.not_repeating == 1 and result.not_repeating_by_match == {"other (None)": 1}


def test_boilerplate_only_has_to_repeat_what_it_names():
    records = [
        rec("a", 0, HOSPITAL),
        dup("b", 0, HOSPITAL, ("a", 0), "exact", 1.0),
        rec("c", 0, HOSPITAL, "boilerplate", ("b", 0), "exact", 1.0),  # target not kept: fine
        rec("d", 0, CAMPAIGN, "boilerplate", ("a", 0), "near", CAMPAIGN_SIM),  # does not repeat
        rec("e", 0, HOSPITAL, "boilerplate", ("zz", 3), "exact", 1.0),  # names nothing
    ]
    result = check(records)
    assert result.boilerplate_with_target == 3
    assert result.boilerplate_not_repeating == 2
    assert result.boilerplate_not_repeating_by_match == {"near": 1, "exact": 1}
    assert result.not_kept == 0


@pytest.mark.parametrize("entry, records_before, failure", [
    (quote(source=("zz", 0)), [], REUSE_SOURCE_MISSING),
    (quote(source=("d", 0)), [], REUSE_SOURCE_NOT_EARLIER),
    (quote(source=("c", 0)), [], REUSE_SOURCE_NOT_EARLIER),  # the paragraph itself
    (quote(source=("b", 0)), [dup("b", 0, MEETING_LONG, ("a", 1), "exact", 1.0)], REUSE_SOURCE_NOT_KEPT),
    (quote(start=5, end=500), [], REUSE_BAD_OFFSETS),
    # The passage's shingles are all in the source paragraph, but the source
    # offsets point at another part of it.
    (quote(source_start=MEETING_LONG.index("بحضور"), source_end=len(MEETING_LONG)), [], REUSE_PASSAGES_DIFFER),
    # Only the first word of the passage: one shingle, in the source, but the
    # named source passage is the whole PASSAGE.
    (quote(end=QUOTING.index(PASSAGE) + len("الاجتماع سيعقد الأسبوع")), [], REUSE_PASSAGES_DIFFER),
    # A passage from the part of QUOTING that is not in the source at all.
    (quote(start=0, end=QUOTING.index(" أن")), [], REUSE_NOT_IN_SOURCE),
], ids=["source missing", "source later", "source itself", "source not kept", "bad offsets",
        "wrong source passage", "source passage too long", "passage not in source"])
def test_catches_a_bad_reused_entry(entry, records_before, failure):
    records = [rec("a", 0, HOSPITAL), rec("a", 1, MEETING_LONG), *records_before,
               rec("c", 0, QUOTING, reused=[entry]), rec("d", 0, MEETING_LONG)]
    result = check(records)
    assert result.reused_entries == 1 and result.reused_entries_failing == 1
    assert dict(result.reused_failures) == {failure: 1}
    assert not result.ok


def test_catches_a_reused_similarity_above_what_the_passage_shares():
    # "... في جدة" instead of "... في الرياض": 3 of the passage's 4 shingles
    # are in the source paragraph, so a claimed similarity of 1.0 is too high.
    text = QUOTING.replace("الرياض", "جدة")
    start = text.index("الاجتماع")
    entry = Reuse(start, len(text), "a", 1, MEETING_LONG.index(PASSAGE),
                  MEETING_LONG.index(PASSAGE) + len(PASSAGE), 1.0)
    records = [rec("a", 1, MEETING_LONG), rec("c", 0, text, reused=[entry])]
    assert dict(check(records).reused_failures) == {REUSE_NOT_IN_SOURCE: 1}
    # Its true share (0.75) is under the 0.8 a reported passage must reach.
    assert dict(check([records[0], rec("c", 0, text, reused=[entry._replace(similarity=0.75)])]).reused_failures) \
        == {REUSE_NOT_IN_SOURCE: 1}


def test_a_record_without_the_reused_field_does_not_crash_the_check():
    # The engine may build records as 12-field tuples (no ``reused``).
    fields = tuple(rec("b", 0, HOSPITAL_RETYPED, "duplicate", ("a", 0), "exact", 1.0))[:12]
    short = tuple.__new__(Record, fields)
    result = check([rec("a", 0, HOSPITAL), short])
    assert result.ok and result.duplicates == 1
    assert result.oddities["record without a reused field"] == 1


def test_examples_are_capped_and_printable():
    records = [rec("a", 0, HOSPITAL)] + [dup(f"b{k}", 0, CAMPAIGN, ("a", 0), "near", CAMPAIGN_SIM)
                                        for k in range(5)]
    result = check(records, max_examples=2)
    assert result.not_repeating == 5
    assert len(result.examples[f"{check_labels.NOT_REPEATING} (near)"]) == 2
    text = format_result(result)
    assert "duplicates that do not verifiably repeat it: 5" in text and "b0#0" in text
