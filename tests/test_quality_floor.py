"""Detection quality must not regress: the quick slice of the evaluation
(benchmarks/eval_quality.py --quick) is held above floors.

Floors sit a little under the values measured at the defaults on the quick
slice (one day of SaudiNewsNet, 150 originals per kind, seeded, so the run
is deterministic) and never under the targets of the issue. See
docs/quality.md for the measured tables.

Scoring counts verified claims only (see the docstring of
benchmarks/eval_quality.py): a variant is found when it is a duplicate
naming its own original and the pair repeats as its match says, checked
independently; a merge (and an appended sentence, unless the addition is
short enough for the duplicate claim to verify) is found as a kept paragraph
whose ``reused`` passages name the original(s); a negative is flagged when
one of the pair names the other in ``duplicate_of``. The floors below were
measured under the earlier, looser scoring and are kept until they are
measured again on the keep-first engine.
"""

from __future__ import annotations

import pytest

import tikrar
from benchmarks import eval_quality
from conftest import requires_saudinewsnet
from tikrar.types import ParagraphRef, Record, Reuse

#: Minimum recall per kind on the quick slice, under the keep-first rules
#: (a flag counts only when the pair it names verifiably repeats; sentence
#: appended and two merged are found as reused passages). Measured at the
#: defaults: 100% for every kind but edit 1% (99.3%), edit 2% (98.7%),
#: edit 5% (99.3%), edit 10% (96.7%), sentence appended (99.3%), split in
#: two (98.7%), two merged (98.7%: both originals named), hamza seat (99.3%).
RECALL_FLOORS = {
    "exact": 1.0,
    "orthographic": 1.0,
    "edit 1%": 0.98,
    "edit 2%": 0.98,
    "edit 5%": 0.98,
    "edit 10%": 0.95,
    "agency prefix": 0.98,
    "dateline": 0.98,
    "sentence appended": 0.94,
    "sentence removed": 0.94,
    "split in two": 0.94,
    "two merged": 0.96,
    "hamza seat": 0.98,
}
#: Measured 100% (1,791 correct flags, none of the 1,487 negatives flagged,
#: every claim verified); the floor is the target, 99.9%.
PRECISION_FLOOR = 0.999


@pytest.fixture(scope="module")
def quick_result():
    if not eval_quality.saudinewsnet.available():
        pytest.skip(f"SaudiNewsNet not found at {eval_quality.saudinewsnet.SAUDINEWSNET}")
    evalset = eval_quality.build_eval(eval_quality.QUICK_DAYS, 150, eval_quality.SEED, negatives_limit=2000)
    return eval_quality.score(evalset)


@requires_saudinewsnet
def test_floors_are_never_under_the_targets():
    for kind, target in eval_quality.TARGETS.items():
        assert RECALL_FLOORS[kind] >= target, kind
    assert PRECISION_FLOOR >= eval_quality.PRECISION_TARGET


@requires_saudinewsnet
@pytest.mark.parametrize("kind", list(RECALL_FLOORS))
def test_recall_per_kind_above_floor(quick_result, kind):
    assert quick_result.total[kind] == 150
    assert quick_result.recall[kind] >= RECALL_FLOORS[kind], (
        f"{kind}: {quick_result.found[kind]}/{quick_result.total[kind]} found"
    )


@requires_saudinewsnet
def test_precision_above_floor(quick_result):
    assert quick_result.precision >= PRECISION_FLOOR, eval_quality.kind_table(quick_result)


@requires_saudinewsnet
def test_no_hand_labelled_negative_is_flagged(quick_result):
    # Flagged: the report claims the pair directly (one's duplicate_of names the other).
    assert quick_result.negatives_total["hand-labelled not repeat"] == 49
    assert quick_result.negatives_flagged["hand-labelled not repeat"] == 0, eval_quality.kind_table(quick_result)


@requires_saudinewsnet
def test_hand_labelled_negatives_are_a_target(quick_result):
    missed = eval_quality.meets_targets(quick_result)
    assert not [m for m in missed if m.startswith("hand-labelled")], missed


@requires_saudinewsnet
def test_variants_never_point_at_the_wrong_paragraph(quick_result):
    # Flags naming another paragraph whose pair does not verify.
    assert quick_result.wrong_target == 0, eval_quality.kind_table(quick_result)


@requires_saudinewsnet
def test_variant_flags_naming_their_original_verify(quick_result):
    # A duplicate of its own original whose match claim does not hold is a false claim.
    assert quick_result.original_unverified == 0, eval_quality.kind_table(quick_result)


# The scoring rules, on hand-made reports (no corpus needed).

ORIGINAL = "ارتفع عدد المنشآت الصناعية العاملة في المنطقة الشرقية خلال الربع الثاني من العام الجاري"
OTHER = "أعلنت الهيئة العامة للإحصاء نتائج المسح السنوي للقوى العاملة في جميع مناطق المملكة"
ADDED = "وأضاف أن المنطقة تشهد نموا كبيرا في عدد المصانع الجديدة هذا العام"


def record(doc_id, text, label="unique", named=None, match=None, reused=()):
    return Record(
        doc_id, 0, 0, len(text), text, label,
        scope=None if named is None else "across",
        duplicate_of=None if named is None else ParagraphRef(named, 0),
        similarity=None, match=match, reused=tuple(Reuse(0, 1, doc, 0, 0, 1, 1.0) for doc in reused),
    )


def score(expectations, records, negatives=()):
    evalset = eval_quality.EvalSet(
        background=[], variant_articles=[],
        expectations=[eval_quality.Expectation(kind, ((v, 0),), tuple((o, 0) for o in originals), 12)
                      for kind, v, originals in expectations],
        negatives={"hand-labelled not repeat": [((a, 0), (b, 0)) for a, b in negatives]},
        labelled_repeats=[],
    )
    return eval_quality.score_report(evalset, records)


def test_claims_are_checked_in_their_direction():
    longer = ORIGINAL + " " + ADDED
    assert eval_quality.claim_holds("contained", ORIGINAL, longer)
    assert not eval_quality.claim_holds("contained", longer, ORIGINAL)
    assert not eval_quality.claim_holds("exact", longer, ORIGINAL)
    assert eval_quality.claim_holds("exact", "الْعَرَبِيَّةُ", "العربيه")


def test_a_flag_counts_only_when_it_names_the_original_and_verifies():
    result = score(
        [("exact", "v1", ["o"]), ("exact", "v2", ["o"]), ("exact", "v3", ["x"]), ("exact", "v4", ["x"])],
        [
            record("o", ORIGINAL),
            record("x", OTHER),
            record("v1", ORIGINAL, "duplicate", "o", "exact"),  # correct
            record("v2", ORIGINAL, "duplicate", "o", "near"),  # verified too (Jaccard 1)
            record("v3", ORIGINAL, "duplicate", "o", "exact"),  # names another paragraph, pair verified
            record("v4", OTHER + " " + ADDED, "duplicate", "x", "contained"),  # names the original, wrong direction
        ],
    )
    assert result.found["exact"] == 2 and result.true_flags == 2
    assert (result.other_verified, result.original_unverified, result.wrong_target) == (1, 1, 0)
    assert result.false_flags == 1


def test_no_credit_through_a_third_paragraph():
    # v names o2, a duplicate itself: o2 is not kept, so the claim does not verify.
    result = score(
        [("exact", "v", ["o"])],
        [record("o", ORIGINAL), record("o2", ORIGINAL, "duplicate", "o", "exact"),
         record("v", ORIGINAL, "duplicate", "o2", "exact")],
    )
    assert result.found["exact"] == 0 and result.wrong_target == 1


def test_merges_and_appended_sentences_are_found_as_reuse():
    merged = ORIGINAL + " " + OTHER
    result = score(
        [("two merged", "m1", ["o", "x"]), ("two merged", "m2", ["o", "x"]), ("two merged", "m3", ["o", "x"]),
         ("sentence appended", "a1", ["o"]), ("sentence appended", "a2", ["o"])],
        [
            record("o", ORIGINAL),
            record("x", OTHER),
            record("m1", merged, reused=["o", "x"]),  # found
            record("m2", merged, reused=["o"]),  # at least one only
            record("m3", merged, "duplicate", "o", "contained"),  # a false claim
            record("a1", ORIGINAL + " " + ADDED, reused=["o"]),  # found as reuse
            record("a2", ORIGINAL + " " + ADDED, "duplicate", "o", "contained"),  # false claim
        ],
    )
    assert result.found["two merged"] == 1 and result.merged_any == 2 / 3
    assert result.found["sentence appended"] == 1
    assert (result.appended_as_reuse, result.appended_as_duplicate) == (1, 0)
    assert result.original_unverified == 2


def test_a_negative_is_flagged_only_when_claimed_directly():
    result = score(
        [],
        [
            record("t", ORIGINAL + " " + OTHER),
            record("a", ORIGINAL, "duplicate", "t", "contained"),
            record("b", OTHER, "duplicate", "t", "contained"),  # a and b share a cluster, no claim
            record("c", ORIGINAL, "duplicate", "a", "exact"),  # c names a directly
            record("d", OTHER + " " + ADDED, reused=["b"]),  # reuse: information only
        ],
        negatives=[("a", "b"), ("a", "c"), ("b", "d")],
    )
    assert result.negatives_flagged["hand-labelled not repeat"] == 1
    assert result.negatives_reused["hand-labelled not repeat"] == 1


def test_references_follow_furniture_cut_off_a_paragraph():
    # The evaluation set's (doc, 0) is the record (doc, 1) once a dateline is cut off its front.
    evalset = eval_quality.EvalSet(
        background=[], variant_articles=[],
        expectations=[eval_quality.Expectation("dateline", (("v", 0),), (("o", 0),), 12)],
        negatives={}, labelled_repeats=[],
        notes={"ends": {("o", 0): len(ORIGINAL), ("v", 0): 10 + len(ORIGINAL)}},
    )
    records = [
        record("o", ORIGINAL),
        Record("v", 0, 0, 9, "الرياض واس", "boilerplate"),
        Record("v", 1, 10, 10 + len(ORIGINAL), ORIGINAL, "duplicate", "across", ParagraphRef("o", 0), 1.0, None, "exact"),
    ]
    assert eval_quality.score_report(evalset, records).found["dateline"] == 1


# Synthetic checks of the defaults (text written for these tests).

STOCK = "وقف إطلاق النار في غزة"


def test_headlines_sharing_a_stock_phrase_are_not_repeats():
    report = tikrar.dedup(
        [
            ("a", f"{STOCK} يدخل حيز التنفيذ"),
            ("b", f"مصر تدعو إلى {STOCK}"),
            ("c", f"{STOCK} صامد لليوم الثالث"),
        ]
    )
    assert [r.label for r in report] == ["unique", "unique", "unique"]


def test_short_line_repeat_is_found_only_when_equal_after_normalization():
    report = tikrar.dedup([("a", f"{STOCK} يدخل حيز التنفيذ"), ("b", "وقفُ إطلاقِ النّار في غزّة يدخل حيّز التنفيذ")])
    assert [(r.label, r.match) for r in report] == [("unique", None), ("duplicate", "exact")]


BODY = "ارتفع عدد المنشآت الصناعية العاملة في المنطقة الشرقية خلال الربع الثاني"
DATELINE = "الدمام 5 شوال 1436 هـ الموافق 21 يوليو 2015 م واس "


def test_a_dateline_in_front_is_cut_off_and_the_copy_is_an_exact_repeat():
    report = tikrar.dedup([("a", BODY), ("b", DATELINE + BODY)])
    assert [(r.doc_id, r.label, r.match) for r in report] == [
        ("a", "unique", None), ("b", "boilerplate", None), ("b", "duplicate", "exact")]
    assert report[1].text == DATELINE.strip() and report[2].duplicate_of.doc_id == "a"


def test_without_rules_the_dateline_copy_is_new_text_plus_a_reused_passage():
    # Nothing cuts the dateline off: the copy holds the whole body plus eleven
    # new words, so it is no duplicate (deleting it would lose them).
    report = tikrar.dedup([("a", BODY), ("b", DATELINE + BODY)], boilerplate=False)
    second = report[1]
    assert (second.label, second.duplicate_of) == ("unique", None)
    assert [(second.text[p.start:p.end], p.doc_id, p.index, p.source_start, p.source_end, p.similarity)
            for p in second.reused] == [(BODY, "a", 0, 0, len(BODY), 1.0)]
