"""``paragraph_views`` equals the chain it replaces: spans, then slices,
then ``normalize`` of each paragraph, encoded as UTF-8."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tikrar import _normalize_fast as _nf
from tikrar import _views
from tikrar.errors import InputError
from tikrar.normalize import DEDUP, LIGHT, RULES, NormalizeConfig, normalize
from tikrar.segment import paragraph_spans

CONFIG_PAIRS = [(DEDUP, RULES), (DEDUP, None), (LIGHT, DEDUP), (RULES, LIGHT), (DEDUP, DEDUP)]


def slow_views(texts, utf8_config, str_config):
    per_text = [paragraph_spans(t) for t in texts]
    counts = np.array([len(spans) for spans in per_text], dtype=np.int64)
    starts = np.array([s for spans in per_text for s, _ in spans], dtype=np.int64)
    ends = np.array([e for spans in per_text for _, e in spans], dtype=np.int64)
    owners = np.repeat(np.arange(len(texts)), counts).tolist()
    paragraphs = [texts[a][s:e] for a, s, e in zip(owners, starts.tolist(), ends.tolist())]
    encoded = [normalize(p, utf8_config).encode("utf-8", "surrogatepass") for p in paragraphs]
    strings = None if str_config is None else [normalize(p, str_config) for p in paragraphs]
    return starts, ends, counts, encoded, strings


def assert_same(texts, utf8_config=DEDUP, str_config=RULES):
    views = _views.paragraph_views(texts, utf8_config, str_config)
    starts, ends, counts, encoded, strings = slow_views(list(texts), utf8_config, str_config)
    for column in (views.span_starts, views.span_ends, views.counts, views.byte_starts, views.byte_ends):
        assert column.dtype == np.int64
    assert views.data.dtype == np.uint8
    assert views.span_starts.tolist() == starts.tolist()
    assert views.span_ends.tolist() == ends.tolist()
    assert views.counts.tolist() == counts.tolist()
    assert len(views.byte_starts) == len(views.byte_ends) == len(encoded)
    got = [views.data[s:e].tobytes() for s, e in zip(views.byte_starts.tolist(), views.byte_ends.tolist())]
    assert got == encoded
    assert views.rule_texts == strings
    return views


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few characters, so that a short batch crosses many
    chunks, runs the second thread and mixes UTF-16 and UTF-32 chunks."""
    monkeypatch.setattr(_views, "CHUNK_CHARS", 12)
    monkeypatch.setattr(_views, "CHUNK_ARTICLES", 3)


HAND_WRITTEN = [
    [],
    [""],
    ["", "", ""],
    ["   \t \u200f\u200b\n\r\n \u2028\ufeff\u00ad"],
    ["\n\n\n", "x"],
    ["أهلاً، وسهلاً\n\n  مرحبا ", "", "\u200f"],
    ["سطر\r\nسطر ثان\x85ثالث\u2028رابع\u2029خامس"],
    ["قال: «السلام» 😀 عليكم\n𝐀𝐁𝐂 بعد", "بلا رموز"],
    ["a\ud800b\nc\udfffd", "\ud83d\ude00 زوج من البدائل المنفردة"],
    ["فيه\x00صفر\n\x00", "x\x00"],
    ["ا\u0654ب\nو\u0654 إ\u0655\nا\u0640\u0654", "e\u200b\u0301 café"],
    ["ﷺ ﷲ ﻷن\n" + "ﷺ" * 50, "ﷺ"],
    ["الـــكـــتـــاب   ١٢٣  ۴۵۶\n#هاشتاق_طويل", "A B\tC\u00a0D"],
    ["\U00010000", "\U0010ffff\n\U0001f600 \U0002f800 \U0002fa1d"],
    ["\u1100\u1161\u11a8 \uac00", "\u09c7\u09be"],
]


@pytest.mark.parametrize("texts", HAND_WRITTEN)
@pytest.mark.parametrize("utf8_config,str_config", CONFIG_PAIRS)
def test_hand_written(texts, utf8_config, str_config):
    assert_same(texts, utf8_config, str_config)


@pytest.mark.parametrize("texts", HAND_WRITTEN)
def test_hand_written_in_small_chunks(texts, small_chunks):
    assert_same(texts)
    assert_same(texts, LIGHT, None)


def test_spans_are_those_of_segment():
    texts = ["  أول\n\nثان  \r\n\u200fثالث\u200f", "", "وحيد"]
    views = _views.paragraph_views(texts, DEDUP, None)
    expected = [span for text in texts for span in paragraph_spans(text)]
    assert list(zip(views.span_starts.tolist(), views.span_ends.tolist())) == expected
    assert expected == [(2, 5), (7, 10), (15, 19), (0, 4)]
    assert views.counts.tolist() == [3, 0, 1]
    assert [views.normalized(k) for k in range(len(views))] == ["اول", "ثان", "ثالث", "وحيد"]


def test_accepts_any_iterable_of_strings():
    texts = ["سطر\nآخر", "ثالث"]
    from_generator = _views.paragraph_views((t for t in texts), DEDUP, RULES)
    assert from_generator.rule_texts == ["سطر", "اخر", "ثالث"]
    assert_same(tuple(texts))


def test_rejects_a_non_string_naming_it():
    with pytest.raises(InputError, match=r"texts\[1\]"):
        _views.paragraph_views(["نص", 5], DEDUP, RULES)


def test_code_points_first_seen_are_classified_and_mapped_again():
    # A configuration of its own starts with only the usual ranges known,
    # and more new code points than one pass records.
    config = DEDUP.replace(fold_foreign_letters=False, unify_digits=False)
    many = "".join(chr(cp) for cp in range(0x4E00, 0x4E00 + 2 * _nf.MAX_NEW_CODE_POINTS))
    texts = ["ქართული ტექსტი\nΕλληνικά και ⅫⅣ", many[: len(many) // 2] + "\n" + many[len(many) // 2 :], "ᚠᚢᚦ"]
    assert_same(texts, config, config.replace(strip_punctuation=False))
    assert_same(texts, config, config.replace(strip_punctuation=False))


def test_long_expansions_grow_the_buffers():
    # U+FDFA (a ligature of 18 characters) written as UTF-8 needs more than
    # three bytes a character, the bound the byte buffer starts from.
    texts = ["\ufdfa" * 5000 + " " + "\ufdfb" * 300, "\ufdfa"]
    views = assert_same(texts, LIGHT, LIGHT)
    assert len(views.data) > 3 * sum(map(len, texts))


@pytest.mark.parametrize("units_dtype", [np.uint16, np.uint32])
def test_kernels_treat_a_stale_pool_as_unseen(units_dtype):
    # An expansion index beyond the pool a pass was given (the pool grew on
    # another thread) must not be read: the text is left for another pass.
    arrays = _nf._arrays(DEDUP)
    arrays.classify([0xFDFA])
    units = np.array([0x0627, 0xFDFA, 0x0628, 0x0628], dtype=units_dtype)
    starts, ends = np.array([0, 2]), np.array([2, 4])
    new_cps = np.empty(8, dtype=np.int64)
    no_pool = (np.zeros(0, dtype=np.uint32), np.zeros(1, dtype=np.int64))
    out = np.empty(4, dtype=np.uint8)
    data, size, byte_starts, byte_ends, status, n_new = _nf._map_spans_utf8(
        units, starts, ends, arrays.mapping, *no_pool, True, out, 0, new_cps)
    assert status.tolist() == [_nf.UNSEEN, _nf.OK] and n_new == 0
    assert data[byte_starts[1] : byte_ends[1]].tobytes() == "بب".encode()
    mapped, _, status, n_new = _nf._map_spans(units, starts, ends, arrays.mapping, *no_pool, True, False, new_cps)
    assert status.tolist() == [_nf.UNSEEN, _nf.OK] and n_new == 0
    assert mapped.tolist() == [0, 0x0628, 0x0628, 0]


def _arabic_article_alphabet() -> st.SearchStrategy[str]:
    arabic = st.one_of(st.integers(0x0600, 0x06FF).map(chr), st.integers(0xFB50, 0xFDFF).map(chr),
                       st.integers(0xFE70, 0xFEFF).map(chr))
    layout = st.sampled_from(["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", " ", "  ", "\t", "\u00a0",
                              "\u200f", "\u200e", "\u200b", "\u061c", "\ufeff", "\u00ad", "\u2066", "\u202b"])
    marks = st.sampled_from(["\u064b", "\u064e", "\u0650", "\u0651", "\u0652", "\u0640", "\u0653", "\u0654",
                             "\u0655", "\u0670", "\u0301"])
    other = st.sampled_from(list("AZaz09.,:;!?«»#_-") + ["\x00", "\ud800", "\udc00", "\U0001f600", "\U00010000",
                                                         "\U0002f800", "\u2026", "\ufdfa", "é", "ß", "İ"])
    return st.one_of(arabic, arabic, arabic, arabic, layout, layout, marks, other, st.characters())


# Pieces of one or two characters ("\r\n", two spaces), joined.
ARABIC_ARTICLES = st.lists(st.lists(_arabic_article_alphabet(), max_size=120).map("".join), max_size=8)
ANY_ARTICLES = st.lists(st.text(st.characters(blacklist_categories=()), max_size=80), max_size=6)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])


@SETTINGS
@given(ARABIC_ARTICLES, st.sampled_from(CONFIG_PAIRS))
def test_arabic_heavy_articles(texts, configs):
    assert_same(texts, *configs)


@SETTINGS
@given(ANY_ARTICLES, st.sampled_from(CONFIG_PAIRS))
def test_arbitrary_unicode_articles(texts, configs):
    assert_same(texts, *configs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(ARABIC_ARTICLES.map("".join), st.text(st.characters(blacklist_categories=()),
                                                                  max_size=40)), max_size=12),
       st.sampled_from(CONFIG_PAIRS))
def test_many_chunks(small_chunks, texts, configs):
    assert_same(texts, *configs)


def test_rule_texts_absent_without_a_second_config():
    views = _views.paragraph_views(["نص\nآخر"], NormalizeConfig(), None)
    assert views.rule_texts is None and len(views) == 2


def test_concurrent_calls_share_the_arrays_safely(small_chunks):
    # Two threads meet the same unclassified code points (and expansions
    # that grow the pool) in a configuration of their own.
    from concurrent.futures import ThreadPoolExecutor

    config = LIGHT.replace(fold_alef=True, unify_digits=True)
    texts = ["ﷺ ქართული\nﷻ ᚠᚢ " + chr(0x3400 + k) + " \ufdf2" for k in range(40)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: _views.paragraph_views(texts, config, config), range(4)))
    _, _, _, encoded, strings = slow_views(texts, config, config)
    for views in results:
        got = [views.data[s:e].tobytes() for s, e in zip(views.byte_starts.tolist(), views.byte_ends.tolist())]
        assert got == encoded and views.rule_texts == strings
