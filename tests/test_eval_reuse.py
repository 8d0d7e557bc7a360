"""Reused passages (benchmarks/eval_reuse.py): the quick slice must find at
least 95% of each kind, and the construction helpers must give the truth.

The quick-slice tests need SaudiNewsNet (skipped without it). Every Arabic
text written out here was written for these tests.
"""

from __future__ import annotations

import collections
import random

import pytest

import tikrar
from benchmarks import eval_reuse as er
from conftest import requires_saudinewsnet
from tikrar.types import ParagraphRef, Record, Reuse

HOST = (
    "أعلنت الهيئة العامة للإحصاء أمس نتائج المسح السنوي للقوى العاملة في المملكة. "
    "وأظهرت النتائج ارتفاع نسبة المشاركة في سوق العمل بين الشباب خلال العام الماضي. "
    "وقال المتحدث باسم الهيئة إن المسح شمل أكثر من ثلاثين ألف أسرة في جميع المناطق. "
    "وأضاف أن النتائج التفصيلية ستنشر على الموقع الرسمي للهيئة خلال الأسبوع المقبل."
)
PASSAGE = "وافتتح أمير المنطقة مساء الثلاثاء معرض الكتاب الذي يشارك فيه أكثر من مئتي دار نشر من عشرين دولة."
NO_SENTENCE_END = " ".join(HOST.replace(".", "").split())


# ---------------------------------------------------------------------------
# Construction helpers


@pytest.mark.parametrize("position", er.POSITIONS)
@pytest.mark.parametrize("seed", range(5))
def test_embed_truth_span_is_the_inserted_text_and_the_host_is_kept(position, seed):
    e = er.embed(HOST, PASSAGE, position, random.Random(seed))
    assert e.text[e.start : e.end] == PASSAGE
    # Removing the passage and the one space added gives the host back.
    if position == "end":
        assert e.text[: e.start - 1] + e.text[e.end :] == HOST
    else:
        assert e.text[: e.start] + e.text[e.end + 1 :] == HOST
    assert "\n" not in e.text
    [paragraph] = tikrar.segment("d", e.text)
    assert paragraph.text == e.text


def test_embed_positions_start_middle_end():
    rng = random.Random(0)
    assert er.embed(HOST, PASSAGE, "start", rng).start == 0
    end = er.embed(HOST, PASSAGE, "end", rng)
    assert end.end == len(end.text)
    for seed in range(20):
        middle = er.embed(HOST, PASSAGE, "middle", random.Random(seed))
        assert 0 < middle.start and middle.end < len(middle.text)
        # The host has sentence ends in its middle: the passage goes after one.
        assert middle.boundary == "sentence"
        assert middle.text[: middle.start].rstrip().endswith(".")
        before = len(middle.text[: middle.start].split())
        assert 0.2 * len(HOST.split()) <= before <= 0.8 * len(HOST.split())


def test_embed_middle_falls_back_to_a_word_boundary():
    e = er.embed(NO_SENTENCE_END, PASSAGE, "middle", random.Random(3))
    assert e.boundary == "word"
    assert e.text[e.start : e.end] == PASSAGE
    assert e.text[e.start - 1] == " " and e.text[e.end] == " "


def test_join_spans():
    first, second = "الخبر الأول كاملا.", "والخبر الثاني بعده."
    text, spans = er.join([first, second])
    assert text == first + " " + second
    assert [text[s:e] for s, e in spans] == [first, second]
    text, spans = er.join([first, "جملة بينهما.", second])
    assert [text[s:e] for s, e in spans] == [first, "جملة بينهما.", second]


@pytest.mark.parametrize("position", er.POSITIONS)
def test_cut_passage_takes_whole_tokens(position):
    long_text = " ".join([HOST] * 2)
    tokens = long_text.split()
    for seed in range(10):
        span = er.cut_passage(long_text, position, random.Random(seed))
        assert span is not None
        start, end = span
        passage = long_text[start:end]
        assert passage == passage.strip()
        assert (start == 0 or long_text[start - 1] == " ") and (end == len(long_text) or long_text[end] == " ")
        assert er.MIN_WORDS <= len(passage.split()) <= min(er.SHORT_MAX, er.PASSAGE_SHARE * len(tokens))
        assert (start == 0) == (position == "start")
        assert (end == len(long_text)) == (position == "end")


def test_cut_passage_refuses_a_paragraph_too_short():
    assert er.cut_passage(PASSAGE, "middle", random.Random(0)) is None


def test_within_one_word():
    text = "قال الوزير إن المشروع اكتمل."
    start = text.index("الوزير")
    truth = (start, len(text))
    assert er.within_one_word(text, truth, truth)
    assert er.within_one_word(text, truth, (start, len(text) - 1))  # the final "." left out
    assert er.within_one_word(text, truth, (0, len(text)))  # one more word in front
    assert er.within_one_word(text, truth, (start + 2, len(text)))  # inside the first word
    assert er.within_one_word(text, truth, (text.index("إن"), len(text)))  # one word short
    assert not er.within_one_word(text, (text.index("المشروع"), len(text)), (0, len(text)))  # three words
    assert not er.within_one_word(text, truth, (start, text.index("المشروع") - 1))  # two words short
    assert not er.within_one_word(text, truth, (5, 5))  # empty span


def test_punctuation_is_not_a_word_unless_strict():
    text = "* «قال الوزير إن المشروع اكتمل». وانتهى"
    truth = (0, text.index(" وانتهى"))
    words_only = (text.index("قال"), text.index("»"))
    assert er.word_distance(text, truth[0], words_only[0]) == 0
    assert er.word_distance(text, truth[0], words_only[0], strict=True) == 2
    assert er.within_one_word(text, truth, words_only)
    assert not er.within_one_word(text, truth, words_only, strict=True)
    # One more word is one word off either way.
    assert er.within_one_word(text, truth, (truth[0], len(text)), strict=True)


# ---------------------------------------------------------------------------
# Outcomes, on records written by hand


def _record(doc_id, text, label="unique", reused=(), duplicate_of=None, match=None):
    return Record(doc_id, 0, 0, len(text), text, label, duplicate_of=duplicate_of, match=match, reused=tuple(reused))


def _embedded_case():
    e = er.embed(HOST, PASSAGE, "middle", random.Random(1))
    expected = er.Expected(("bg", 3), e.start, e.end, 0, len(PASSAGE))
    return er.Case("embedded", "middle", ("reuse:embedded:0", 0), e.text, 18, expected=(expected,),
                   boundary=e.boundary, parts=(("bg", 3), ("out", 1))), e


def test_reuse_outcomes():
    case, e = _embedded_case()
    sources = {("bg", 3): PASSAGE}
    right = Reuse(e.start, e.end, "bg", 3, 0, len(PASSAGE), 1.0)
    assert er.reuse_outcome(case, _record(case.ref[0], e.text, reused=[right]), sources) == er.FOUND
    # A trailing "." left out on both sides is within one word.
    close = right._replace(end=e.end - 1, source_end=len(PASSAGE) - 1)
    assert er.reuse_outcome(case, _record(case.ref[0], e.text, reused=[close]), sources) == er.FOUND
    assert er.reuse_outcome(case, _record(case.ref[0], e.text, reused=[close]), sources, strict=True) == er.FOUND
    # Two host words taken in: span off.
    two_before = e.text.rindex(" ", 0, e.text.rindex(" ", 0, e.start - 1)) + 1
    wide = right._replace(start=two_before)
    assert er.reuse_outcome(case, _record(case.ref[0], e.text, reused=[wide]), sources) == er.SPAN_OFF
    half = right._replace(source_end=len(PASSAGE) // 2)
    assert er.reuse_outcome(case, _record(case.ref[0], e.text, reused=[half]), sources) == er.SPAN_OFF
    other = right._replace(doc_id="bg", index=4)
    assert er.reuse_outcome(case, _record(case.ref[0], e.text, reused=[other]), sources) == er.NOT_REPORTED
    assert er.reuse_outcome(case, _record(case.ref[0], e.text), sources) == er.NOT_REPORTED
    flagged = _record(case.ref[0], e.text, "duplicate", duplicate_of=ParagraphRef("bg", 3), match="contained")
    assert er.reuse_outcome(case, flagged, sources) == "labelled duplicate contained"
    # A record made without the reused field counts as reporting nothing.
    bare = tuple.__new__(Record, tuple(_record(case.ref[0], e.text))[:12])
    assert er.reuse_outcome(case, bare, sources) == er.NOT_REPORTED


def test_merged_outcome_needs_both_parts():
    first, second = "الخبر الأول كاملا كما نشر أمس في الصحف.", "والخبر الثاني بعده كما نشر اليوم."
    text, (a, b) = er.join([first, second])
    case = er.Case("merged", "space", ("m", 0), text, 8,
                   expected=(er.Expected(("x", 0), *a, 0, len(first)), er.Expected(("y", 0), *b, 0, len(second))))
    sources = {("x", 0): first, ("y", 0): second}
    one = Reuse(*a, "x", 0, 0, len(first), 1.0)
    two = Reuse(*b, "y", 0, 0, len(second), 1.0)
    assert er.reuse_outcome(case, _record("m", text, reused=[one, two]), sources) == er.FOUND
    assert er.reuse_outcome(case, _record("m", text, reused=[one]), sources) == er.PART_MISSING
    # Both named, one reported as the whole line: span off.
    whole = two._replace(start=0)
    assert er.reuse_outcome(case, _record("m", text, reused=[one, whole]), sources) == er.SPAN_OFF


def test_contained_outcomes():
    case = er.Case("contained", "start", ("c:alone", 0), PASSAGE, 18, target=("c", 0), composite=("c", 0))
    composite = _record("c", PASSAGE + " " + HOST)
    dup = _record("c:alone", PASSAGE, "duplicate", duplicate_of=ParagraphRef("c", 0), match="contained")
    assert er.contained_outcome(case, dup, composite) == er.FOUND
    assert er.contained_outcome(case, dup._replace(match="near"), composite) == "duplicate near (not contained)"
    wrong = dup._replace(duplicate_of=ParagraphRef("bg", 1))
    assert er.contained_outcome(case, wrong, composite) == "duplicate of another paragraph"
    assert er.contained_outcome(case, _record("c:alone", PASSAGE), composite) == "unique"
    as_reuse = _record("c:alone", PASSAGE, reused=[Reuse(0, len(PASSAGE), "c", 0, 0, len(PASSAGE), 1.0)])
    assert er.contained_outcome(case, as_reuse, composite) == "unique, reported as reused"


# ---------------------------------------------------------------------------
# The quick slice on SaudiNewsNet


@pytest.fixture(scope="module")
def quick_eval():
    if not er.saudinewsnet.available():
        pytest.skip(f"SaudiNewsNet not found at {er.saudinewsnet.SAUDINEWSNET}")
    return er.build_eval(er.QUICK_DAYS, er.QUICK_OUTSIDE, er.QUICK_PER_KIND, er.SEED)


@pytest.fixture(scope="module")
def quick_result(quick_eval):
    return er.score(quick_eval)


@requires_saudinewsnet
def test_quick_slice_cases_and_their_truth(quick_eval, quick_result):
    assert collections.Counter(c.kind for c in quick_eval.cases) == {k: er.QUICK_PER_KIND for k in er.KINDS}
    records = quick_result.records
    background_ids = {a["id"] for a in quick_eval.background}
    constructed = {a["id"]: a["text"] for a in quick_eval.constructed}
    assert not set(constructed) & background_ids
    parts = [ref for c in quick_eval.cases for ref in c.parts]
    assert len(parts) == len(set(parts)), "a real paragraph used twice"
    for case in quick_eval.cases:
        assert constructed[case.ref[0]] == case.text
        [paragraph] = tikrar.segment(case.ref[0], case.text)
        assert paragraph.text == case.text
        assert er.construction_problem(case, records) is None, case.ref
        if case.kind in ("embedded", "merged"):
            for e in case.expected:
                source = records[e.source]
                assert e.source[0] in background_ids
                assert case.text[e.start : e.end] == source.text
                assert (e.source_start, e.source_end) == (0, len(source.text))
                assert len(tikrar.normalize(source.text).split()) >= er.MIN_WORDS
            if case.kind == "embedded":
                assert case.parts[1][0] not in background_ids  # the host is new text
                e = case.expected[0]
                host_words = len(tikrar.normalize(case.text[: e.start] + case.text[e.end :]).split())
                assert er.HOST_RATIO[0] * case.words <= host_words <= er.HOST_RATIO[1] * case.words + 1
            else:
                assert case.expected[0].source[0] != case.expected[1].source[0], "merged parts of one article"
        elif case.kind == "contained":
            composite = constructed[case.composite[0]]
            assert composite.count(case.text) == 1
            assert er.MIN_WORDS <= case.words <= er.SHORT_MAX
            assert len(tikrar.normalize(composite).split()) >= er.LONG_WORDS + case.words - 1
        else:
            long_text = records[case.target].text
            assert case.target[0] in background_ids
            assert case.text in long_text and len(tikrar.normalize(long_text).split()) >= er.LONG_WORDS
            assert er.MIN_WORDS <= case.words <= er.SHORT_MAX
    positions = collections.Counter((c.kind, c.variant) for c in quick_eval.cases)
    for kind in ("embedded", "contained", "passage"):
        assert all(positions[(kind, p)] == er.QUICK_PER_KIND // 3 for p in er.POSITIONS)


@requires_saudinewsnet
def test_quick_slice_sources_are_kept(quick_eval, quick_result):
    # Keep-first labels: every paragraph a case must point at is unique.
    for case in quick_eval.cases:
        for ref in [e.source for e in case.expected] + ([case.target] if case.target else []):
            assert quick_result.records[ref].label == "unique", (case.ref, ref)


@requires_saudinewsnet
@pytest.mark.parametrize("kind", er.KINDS)
def test_quick_slice_found_per_kind(quick_result, kind):
    result = quick_result.kinds[kind]
    assert result.total == er.QUICK_PER_KIND
    assert result.rate >= er.TARGET, (
        f"{kind}: {result.found}/{result.total} found; outcomes {dict(result.outcomes)}\n" + er.misses_text(quick_result, 3)
    )
