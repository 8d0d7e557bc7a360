"""Keep-first, verified labels: every duplicate names a kept paragraph it
verifiably repeats, never one reached through a chain; a paragraph holding a
kept one plus new text stays unique and reports the passage it reuses."""

from __future__ import annotations

import pytest

import tikrar
from tikrar import Deduplicator, normalize

WORDS = (
    "أعلنت الهيئة العامة للأرصاد صباح اليوم أن موجة حارة ستضرب المناطق الوسطى والشرقية "
    "خلال الأيام الثلاثة المقبلة مع ارتفاع ملحوظ في درجات الحرارة قد يتجاوز خمسين درجة "
    "مئوية ودعت السكان إلى تجنب التعرض المباشر لأشعة الشمس وقت الظهيرة"
).split()
OTHER = (
    "وفي شأن متصل افتتح محافظ المدينة معرضا للكتاب يضم أكثر من مئتي دار نشر عربية وأجنبية "
    "ويستمر عشرة أيام بحضور عدد من الأدباء والمثقفين"
).split()


def shingle_set(text: str) -> set:
    words = normalize(text).split(" ")
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def jaccard(a: str, b: str) -> float:
    x, y = shingle_set(a), shingle_set(b)
    return len(x & y) / len(x | y)


def replaced(words: list[str], positions: dict[int, str]) -> list[str]:
    return [positions.get(i, w) for i, w in enumerate(words)]


def test_a_chain_a_b_c_never_makes_c_a_repeat_of_a():
    a = WORDS
    b = replaced(a, {6: "عاصفة", 18: "كبير", 30: "الناس"})
    c = replaced(b, {3: "الوطنية", 12: "الغربية", 24: "تسعين", 36: "الضحى"})
    a_text, b_text, c_text = (" ".join(w) for w in (a, b, c))
    # The chain: A~B and B~C repeat, A and C do not.
    assert jaccard(a_text, b_text) >= 0.5 and jaccard(b_text, c_text) >= 0.5 > jaccard(a_text, c_text)
    report = tikrar.dedup([("a", a_text), ("b", b_text), ("c", c_text)])
    assert [(r.doc_id, r.label, r.match) for r in report] == [
        ("a", "unique", None), ("b", "duplicate", "near"), ("c", "unique", None)]
    assert report[1].duplicate_of == tikrar.ParagraphRef("a", 0)
    assert report[1].similarity == round(jaccard(a_text, b_text), 6)


def test_a_later_paragraph_holding_a_kept_one_plus_a_sentence_is_unique_and_reuses_it():
    kept = " ".join(WORDS)
    added = " ".join(OTHER)
    later = kept + " " + added
    report = tikrar.dedup([("a", kept), ("b", later)])
    second = report[1]
    assert (second.label, second.duplicate_of, second.match) == ("unique", None, None)
    assert [(second.text[p.start:p.end], p.doc_id, p.index, p.source_start, p.source_end, p.similarity)
            for p in second.reused] == [(kept, "a", 0, 0, len(kept), 1.0)]
    # Cleaning keeps both paragraphs: the added sentence is kept nowhere else.
    assert report.cleaned() == {"a": kept, "b": later}
    assert report.cleaned(drop_reused=True) == {"a": kept, "b": added}


def test_the_shorter_later_copy_is_the_contained_duplicate_of_the_longer_kept_one():
    long_text = " ".join(WORDS + OTHER)
    short_text = " ".join(OTHER)
    report = tikrar.dedup([("a", long_text), ("b", short_text)])
    assert [(r.label, r.match) for r in report] == [("unique", None), ("duplicate", "contained")]
    assert report[1].similarity == round(jaccard(long_text, short_text), 6)


def test_two_merged_paragraphs_report_both_sources_with_exact_spans():
    first, second = " ".join(WORDS), " ".join(OTHER)
    merged = first + " " + second
    report = tikrar.dedup([("a", first), ("b", second), ("c", merged)])
    third = report[2]
    assert third.label == "unique"
    assert [(p.start, p.end, p.doc_id, p.source_start, p.source_end) for p in third.reused] == [
        (0, len(first), "a", 0, len(first)), (len(first) + 1, len(merged), "b", 0, len(second))]


def test_an_embedded_quote_is_found_inside_a_longer_paragraph_with_diacritics():
    quote = " ".join(OTHER)
    host = ("وقال المتحدث في مؤتمر صحفي عقده مساء أمس إن الوزارة تتابع الأمر عن كثب ", " وأضاف أن التفاصيل ستعلن لاحقا")
    quoted = "«وفي شأنٍ متّصل افتتح محافظُ المدينة معرضاً للكتاب يضم أكثر من مئتي دار نشر عربية وأجنبية ويستمر عشرة أيام بحضور عدد من الأدباء والمثقفين»"
    later = host[0] + quoted + host[1]
    report = tikrar.dedup([("src", quote), ("news", later)])
    passage, = report[1].reused
    assert report[1].label == "unique"
    # The span starts at the first letter (after the quote mark) and ends
    # with the last word, its marks included.
    assert later[passage.start:passage.end] == quoted[1:-1]
    assert (passage.doc_id, passage.index, passage.source_start, passage.source_end) == ("src", 0, 0, len(quote))


def test_a_duplicate_of_a_boilerplate_line_is_not_reported():
    line = "موعد مباراة الفريقين في الجولة المقبلة من الدوري الممتاز"
    listed = "\n".join(["مقالات ذات صلة", line])
    report = tikrar.dedup([("a", listed), ("b", line), ("c", line)])
    assert [(r.doc_id, r.label, r.duplicate_of) for r in report] == [
        ("a", "boilerplate", None), ("a", "boilerplate", None), ("b", "unique", None),
        ("c", "duplicate", tikrar.ParagraphRef("b", 0))]


@pytest.mark.parametrize("sizes", [(1, 1, 1, 1, 1), (2, 3), (4, 1)])
def test_adding_in_several_calls_gives_the_records_of_one_call(sizes):
    first, second = " ".join(WORDS), " ".join(OTHER)
    articles = [
        ("a", first), ("b", replaced_text(first, {4: "المقبلة"})), ("c", second),
        ("d", first + " " + second), ("e", second + "\n" + first),
    ]
    one = [r.to_dict() for r in Deduplicator().add(articles)]
    d = Deduplicator()
    several, at = [], 0
    for size in sizes:
        several += [r.to_dict() for r in d.add(articles[at : at + size])]
        at += size
    assert several == one
    assert [r["label"] for r in one] == ["unique", "duplicate", "unique", "unique", "duplicate", "duplicate"]
    assert [(p["doc_id"], p["source_start"]) for p in one[3]["reused"]] == [("a", 0), ("c", 0)]


def replaced_text(text: str, positions: dict[int, str]) -> str:
    return " ".join(replaced(text.split(), positions))
