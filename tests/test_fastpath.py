"""The compiled batch path gives exactly what the plain reference path gives.

Corpora are synthetic Arabic-like text generated here (random words over the
Arabic alphabet with marks, hamza forms and tatweel), with planted exact
repeats, near repeats, short lines, empty lines and boilerplate lines.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from tikrar import Deduplicator, ShingleConfig
from tikrar.config import LSHConfig, MinHashConfig
from tikrar._views import paragraph_views
from tikrar.stages import _PARAGRAPH
from tikrar.errors import ConfigError
from tikrar.index import LSHIndex, ReferenceLSHIndex, verify_pairs, verify_pairs_reference
from tikrar.minhash import signatures, signatures_reference
from tikrar.normalize import NormalizeConfig, normalize_batch
from tikrar.segment import paragraph_spans
from tikrar.shingle import shingle_sets, shingle_sets_reference

from reference_engine import ReferenceDeduplicator

ENGINES = {"fast": Deduplicator, "reference": ReferenceDeduplicator}

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي" + "أإآةىؤئء"
MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"
BOILERPLATE = ["اقرأ أيضاً:", "المصدر: وكالات", "مقالات ذات صلة", "• عنوان قصير في القائمة"]
BODY_LINE = "وأعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق في المدن الكبرى خلال الأعوام المقبلة"
FURNITURE_PREFIXES = ["Next Previous ", "عين اليوم – متابعات ", "Next Previous عيـن اليوم - جدة\u00a0 ", "سعد - عين اليوم "]


def make_word(rng: random.Random) -> str:
    word = "".join(rng.choice(LETTERS) for _ in range(rng.randint(2, 7)))
    if rng.random() < 0.2:
        at = rng.randint(1, len(word))
        word = word[:at] + rng.choice(MARKS) + word[at:]
    if rng.random() < 0.05:
        word = word[:1] + "\u0640\u0640" + word[1:]
    return word


def edit(paragraph: str, rng: random.Random, vocabulary: list[str], changes: int) -> str:
    words = paragraph.split(" ")
    for _ in range(changes):
        roll = rng.random()
        at = rng.randrange(len(words))
        if roll < 0.4:
            words[at] = rng.choice(vocabulary)
        elif roll < 0.7 and len(words) > 3:
            del words[at]
        else:
            words.insert(at, rng.choice(vocabulary))
    return " ".join(words)


def make_corpus(seed: int, articles: int = 60) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    vocabulary = [make_word(rng) for _ in range(300)]
    pool: list[str] = []
    corpus = []
    for a in range(articles):
        lines = []
        for _ in range(rng.randint(0, 12)):
            roll = rng.random()
            if pool and roll < 0.15:
                lines.append(rng.choice(pool))  # exact repeat
            elif pool and roll < 0.35:
                lines.append(edit(rng.choice(pool), rng, vocabulary, rng.randint(1, 6)))  # near repeat
            elif roll < 0.42:
                lines.append(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 5))))  # short
            elif roll < 0.47:
                lines.append(rng.choice(BOILERPLATE))
            elif roll < 0.50:
                lines.append(rng.choice(["", "   ", "؟؟ !!", "\u200f", "***"]))
            else:
                text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(6, 40)))
                if rng.random() < 0.1:
                    text += " ١٢٣ Test, «نص»"
                if rng.random() < 0.08:
                    # Furniture glued to the front: cut into paragraphs of its own.
                    text = rng.choice(FURNITURE_PREFIXES) + text
                pool.append(text)
                lines.append(text)
        separator = rng.choice(["\n", "\n\n", "\r\n", "\n \u200f\n"])
        corpus.append((f"doc{a}", separator.join(f"  {line} " if rng.random() < 0.1 else line for line in lines)))
    return corpus


def run(corpus, engine: str, batches: int = 2, **options):
    dedup = ENGINES[engine](**options)
    cut = len(corpus) // batches
    records = []
    for b in range(batches):
        part = corpus[b * cut : (b + 1) * cut] if b < batches - 1 else corpus[b * cut :]
        records.extend(r.to_dict() for r in dedup.add(part))
    return records


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_same_records_as_reference_path(seed):
    corpus = make_corpus(seed)
    fast = run(corpus, "fast")
    reference = run(corpus, "reference")
    assert fast == reference
    labels = {r["label"] for r in fast}
    matches = {r["match"] for r in fast}
    # The corpus exercises every kind of verdict, so the comparison means something.
    assert {"unique", "duplicate", "boilerplate"} <= labels
    assert {"exact", "near"} <= matches


@pytest.mark.parametrize(
    "options",
    [
        dict(shingle="char", shingle_size=5, num_perm=64, seed=7),
        dict(shingle="word", shingle_size=1, short_words=0, threshold=0.7),
        dict(shingle="word", shingle_size=2, containment=0.8, num_perm=32, boilerplate=False),
        dict(bands=8, rows=2, threshold=0.3),
    ],
)
def test_same_records_for_other_settings(options):
    corpus = make_corpus(11, articles=40)
    assert run(corpus, "fast", batches=3, **options) == run(corpus, "reference", batches=3, **options)



def random_text(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize("seed", range(5))
def test_one_pass_segmentation_matches_paragraph_spans(seed):
    rng = random.Random(seed)
    alphabet = "اب ج\n\r\u2028\u2029\u0085 \t\u00a0\u200b\u200f\u061c\ufeff\u00adxy\u000b\u000c\u001c"
    texts = [random_text(rng, alphabet + "\U0001F600\ud800", rng.randint(0, 30)) for _ in range(200)]
    for text in texts:
        assert [m.span() for m in _PARAGRAPH.finditer(text)] == paragraph_spans(text)
    views = paragraph_views(texts, NormalizeConfig())
    starts, ends, counts = views.span_starts, views.span_ends, views.counts
    spans = iter(zip(starts.tolist(), ends.tolist()))
    assert [[next(spans) for _ in range(c)] for c in counts.tolist()] == [paragraph_spans(t) for t in texts]


def test_batch_segmentation_splits_work_into_chunks(monkeypatch):
    import importlib

    views_module = importlib.import_module("tikrar._views")
    texts = ["سطر\nاخر \u200f\n\nثالث"] * 50 + [""] * 3

    def spans():
        views = paragraph_views(texts, NormalizeConfig())
        return views.span_starts, views.span_ends, views.counts

    whole = spans()
    monkeypatch.setattr(views_module, "CHUNK_CHARS", 7)
    chunked = spans()
    assert all(np.array_equal(a, b) for a, b in zip(whole, chunked))
    assert chunked[2].tolist() == [3] * 50 + [0] * 3


TRICKY = [
    "",
    "a",
    "a b",
    "a  b   c",  # empty words, as str.split(" ") gives them
    " lead and trail ",
    "وفد امني مصري الي الدوحه في زياره رسميه",
    "emoji \U0001F600 and \U0001D11E clef",
    "mixed ascii و عربي ١٢٣ done",
    "x" * 40,
]


@pytest.mark.parametrize(
    "config", [ShingleConfig("word", 1), ShingleConfig("word", 3), ShingleConfig("word", 7),
               ShingleConfig("char", 1), ShingleConfig("char", 4), ShingleConfig("char", 9)],
)
def test_shingle_sets_match_reference(config):
    rng = random.Random(5)
    texts = TRICKY + [random_text(rng, "ab cد\U0001F600ي", rng.randint(0, 25)) for _ in range(300)]
    hashes, offsets = shingle_sets(texts, config)
    ref_hashes, ref_offsets = shingle_sets_reference(texts, config)
    assert offsets.tolist() == ref_offsets.tolist()
    assert hashes.tolist() == ref_hashes.tolist()


def test_signatures_and_verification_match_reference():
    rng = random.Random(9)
    vocabulary = [make_word(rng) for _ in range(50)]
    texts = normalize_batch(" ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 30))) for _ in range(400))
    hashes, offsets = shingle_sets(texts)
    for num_perm, seed in [(128, 1), (64, 3), (7, 12345)]:
        config = MinHashConfig(num_perm=num_perm, seed=seed)
        assert np.array_equal(signatures(hashes, offsets, config), signatures_reference(hashes, offsets, config))
    pairs = np.array([(rng.randrange(400), rng.randrange(400)) for _ in range(2000)])
    fast = verify_pairs(pairs, hashes, offsets)
    reference = verify_pairs_reference(pairs, hashes, offsets)
    assert np.array_equal(fast[0], reference[0]) and np.array_equal(fast[1], reference[1])


@pytest.mark.parametrize("window", [1, 3, 256])
def test_lsh_index_gives_reference_pairs_over_several_adds(window):
    rng = np.random.default_rng(window)
    # Few distinct values per column: many collisions and large buckets.
    sigs = rng.integers(0, 3, size=(600, 12), dtype=np.uint32)
    fast, reference = LSHIndex(6, 2, LSHConfig(max_bucket_pairs=window)), ReferenceLSHIndex(6, 2, LSHConfig(max_bucket_pairs=window))
    start = 0
    for size in [1, 50, 0, 200, 349]:
        ids = np.arange(start, start + size) * 2 + 5
        assert fast.add(sigs[start : start + size], ids).tolist() == reference.add(sigs[start : start + size], ids).tolist()
        start += size
    assert len(fast) == len(reference) == 600


def test_lsh_index_refuses_ids_that_do_not_increase():
    index = LSHIndex(2, 2)
    sig = np.zeros((2, 4), dtype=np.uint32)
    index.add(sig, np.array([3, 4]))
    with pytest.raises(ConfigError, match="increase"):
        index.add(sig, np.array([4, 5]))


def test_normalization_switches_do_not_change_agreement():
    corpus = make_corpus(21, articles=30)
    light = NormalizeConfig(collapse_spaces=False, strip_punctuation=False)
    assert run(corpus, "fast", normalize=light) == run(corpus, "reference", normalize=light)


def test_verdict_precedence_matches_reference_on_hand_made_cases():
    wire = "قال المتحدث باسم الوزارة إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور الوفود"
    corpus = [
        ("a", "\n".join(["مقالات ذات صلة", "؟؟ !!", "عنوان قصير", wire, "اقرأ أيضاً: " + wire])),
        ("b", "\n".join([wire, "مقالات ذات صلة", wire, "***", wire.replace("غدا", "بعد غد")])),
        ("c", "\n".join(["المصدر: وكالات", "المصدر: وكالات", "", wire + " وأضاف"])),
    ]
    fast = [r.to_dict() for r in Deduplicator().add(corpus)]
    assert fast == [r.to_dict() for r in ReferenceDeduplicator().add(corpus)]
    assert {r["label"] for r in fast} == {"unique", "duplicate", "boilerplate"}
    assert any(r["reason"] == "empty after normalization" for r in fast)


def test_stray_surrogate_and_astral_characters_are_hashed_not_fatal():
    text = "نص \ud800 فيه رمز منفرد \U0001F600 وكلمات اخرى كثيرة هنا وهناك ايضا"
    corpus = [("a", text + "\nسطر"), ("b", text)]
    fast = [r.to_dict() for r in Deduplicator().add(corpus)]
    assert fast == [r.to_dict() for r in ReferenceDeduplicator().add(corpus)]
    assert [r["label"] for r in fast] == ["unique", "unique", "duplicate"]


@pytest.mark.parametrize("seed", [5, 6, 8])
def test_kernels_run_beside_the_phrase_rules_with_the_same_records(seed, monkeypatch):
    import importlib

    stages_module = importlib.import_module("tikrar.stages")
    monkeypatch.setattr(stages_module, "OVERLAP_MIN_PARAGRAPHS", 0)
    corpus = make_corpus(seed)
    fast = run(corpus, "fast", batches=3)
    assert fast == run(corpus, "reference", batches=3)
    # Lines were cut into furniture and news after the kernels had started.
    assert any(r["reason"] in ("next_previous", "site_credit") for r in fast)
    assert run(corpus, "fast", batches=2, shingle="char", shingle_size=4, short_words=0) == run(
        corpus, "reference", batches=2, shingle="char", shingle_size=4, short_words=0)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_corpus_learned_boilerplate_matches_reference(seed):
    # Low thresholds and three sources, so that clusters qualify, ties and
    # earlier-batch first occurrences happen, and the two implementations of
    # the corpus step are compared on them.
    rng = random.Random(seed)
    corpus = [(f"{rng.choice(['sabq', 'okaz', 'wam'])}:{doc_id}", text) for doc_id, text in make_corpus(seed, 90)]
    options = dict(min_source_articles=2, min_source_share=0.5)
    fast = run(corpus, "fast", batches=3, **options)
    assert fast == run(corpus, "reference", batches=3, **options)
    assert any(r["reason"] and r["reason"].startswith("repeated in") for r in fast)


def test_corpus_step_after_a_batch_without_paragraphs_matches_reference():
    # A batch whose articles have no paragraph still takes article ids; the
    # sources of later articles must not shift.
    rng = random.Random(9)
    corpus = [(f"{rng.choice(['sabq', 'okaz', 'wam'])}:{doc_id}", text) for doc_id, text in make_corpus(9, 90)]
    blank = [("okaz:blank1", ""), ("wam:blank2", " \n\u200f\n")]
    options = dict(min_source_articles=2, min_source_share=0.5)

    def run_with_blank(engine):
        dedup = ENGINES[engine](**options)
        records = [r.to_dict() for r in dedup.add(corpus[:45])]
        assert len(dedup.add(blank)) == 0
        return records + [r.to_dict() for r in dedup.add(corpus[45:])]

    fast = run_with_blank("fast")
    assert fast == run_with_blank("reference")
    assert any(r["reason"] and r["reason"].startswith("repeated in") for r in fast)

    # After the blank batch, a line first seen under a heading (boilerplate
    # there, so no one's first occurrence) and repeated in two articles of
    # wam and one of okaz.
    line = "موعد مباراة الفريقين في الجولة المقبلة"
    listed = ("sabq:list", "\n".join([BODY_LINE, "مقالات ذات صلة", line]))
    repeats = [(f"{source}:r{k}", "\n".join([line, BODY_LINE + f" {k}"]))
               for k, source in enumerate(["wam", "wam", "okaz"])]
    tail = [(f"okaz:t{k}", BODY_LINE + f" {k} {k}") for k in range(3)]

    def run_listed(engine):
        # Counting in input order: at the second wam copy 2 of 2 articles are
        # wam's (furniture); at the okaz copy 2 of 3, under 0.7.
        dedup = ENGINES[engine](min_source_articles=2, min_source_share=0.7)
        dedup.add(corpus[:10])
        dedup.add(blank)
        return [r.to_dict() for r in dedup.add([listed] + repeats + tail)]

    fast = run_listed("fast")
    assert fast == run_listed("reference")
    assert [(r["label"], r["reason"]) for r in fast if r["text"] == line] == [
        ("boilerplate", "after:related_heading"), ("unique", None),
        ("boilerplate", "repeated in 2 articles of source wam"), ("duplicate", None)]
