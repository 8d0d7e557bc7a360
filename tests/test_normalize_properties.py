"""Properties of the normalizer over arbitrary Unicode and Arabic-heavy text."""

from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tikrar.normalize import (
    ALEF_FORMS,
    ARABIC_INDIC_DIGITS,
    ARABIC_MARKS,
    BREAKS,
    DEDUP,
    EXTENDED_DIGITS,
    HASHTAG_CHARS,
    HEH_FORMS,
    INVISIBLE,
    KAF_FORMS,
    LIGHT,
    NUMBER_SIGNS,
    PRESENTATION_RANGES,
    PUNCTUATION_TO_ASCII,
    QURANIC_SYMBOLS,
    RULES,
    SEPARATOR_SYMBOLS,
    SPACES,
    TATWEEL,
    WAW_FORMS,
    YEH_FORMS,
    NormalizeConfig,
    normalize,
    normalize_batch,
    normalize_with_offsets,
)

CONFIGS = [DEDUP, LIGHT, RULES, DEDUP.replace(strip_marks=False, fold_alef=False), DEDUP.replace(nfc=False),
           LIGHT.replace(collapse_spaces=False)]


def _is_presentation_form(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in PRESENTATION_RANGES) and unicodedata.normalize("NFKC", ch) != ch


# Characters no output of the preset may contain.
NOISE = ARABIC_MARKS | QURANIC_SYMBOLS | NUMBER_SIGNS | TATWEEL | INVISIBLE | (SPACES - {" "}) | BREAKS
DEDUP_REMOVED = (
    NOISE | ALEF_FORMS | YEH_FORMS | KAF_FORMS | HEH_FORMS | WAW_FORMS | set(ARABIC_INDIC_DIGITS) | set(EXTENDED_DIGITS)
    | set(PUNCTUATION_TO_ASCII) | SEPARATOR_SYMBOLS | HASHTAG_CHARS
    | {"\u0649", "\u0629", "\u0624", "\u0626", "\u06c3", "\u067e", "\u0686", "\u06a4", "\u06af", "\u066a", "\u066b", "\u066c"}
)
RULES_REMOVED = NOISE | set(PUNCTUATION_TO_ASCII) | {"\u0649", "\u0629", "\u0623", "\u0625", "\u0622"}


def _arabic_heavy_alphabet() -> st.SearchStrategy[str]:
    ranges = [(0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)]
    arabic = st.one_of(*[st.integers(lo, hi).map(chr) for lo, hi in ranges])
    noise = st.sampled_from(sorted(NOISE | set(PUNCTUATION_TO_ASCII) | SEPARATOR_SYMBOLS | HASHTAG_CHARS | set(" .,:;!?\"'()-/*%")))
    combining = st.one_of(st.integers(0x0300, 0x036F).map(chr), st.sampled_from(["\u0653", "\u0654", "\u0655", "\u0670"]))
    other = st.sampled_from(list("AZaz09éÉİǰßﬁ") + ["\u1100", "\u1161", "\u11a8", "\uac00", "\u09c7", "\u09be", "\U0001f600", "\u2764", "\ufe0f"])
    return st.one_of(arabic, arabic, arabic, noise, combining, other, st.characters())


ARBITRARY = st.text(st.characters(blacklist_categories=()), max_size=60)
ARABIC_HEAVY = st.text(_arabic_heavy_alphabet(), max_size=80)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(text: str, config: NormalizeConfig) -> None:
    once = normalize(text, config)
    assert normalize(once, config) == once, "not idempotent"
    assert normalize_batch([text, once], config) == [once, once]
    mapped, offsets = normalize_with_offsets(text, config)
    assert mapped == once
    assert offsets.dtype == np.int64 and len(offsets) == len(mapped)
    if len(offsets):
        assert offsets[0] >= 0 and offsets[-1] < len(text)
        assert np.all(np.diff(offsets) >= 0)
    if config.collapse_spaces:
        assert "  " not in once and once == once.strip(" ")


def _check_removed(text: str) -> None:
    dedup = normalize(text, DEDUP)
    assert not set(dedup) & DEDUP_REMOVED, sorted(set(dedup) & DEDUP_REMOVED)
    assert not any(_is_presentation_form(c) for c in dedup)
    assert not any(unicodedata.category(c).startswith("P") for c in dedup)
    assert not any(c.lower() != c and "LATIN" in unicodedata.name(c, "") for c in dedup)
    light = normalize(text, LIGHT)
    assert not set(light) & NOISE and not any(_is_presentation_form(c) for c in light)
    rules = normalize(text, RULES)
    assert not set(rules) & RULES_REMOVED and not any(_is_presentation_form(c) for c in rules)


@SETTINGS
@given(ARBITRARY)
def test_arbitrary_unicode(text):
    for config in CONFIGS:
        _check(text, config)
    _check_removed(text)


@SETTINGS
@given(ARABIC_HEAVY)
def test_arabic_heavy_text(text):
    for config in CONFIGS:
        _check(text, config)
    _check_removed(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(ARABIC_HEAVY, max_size=12), st.sampled_from(CONFIGS))
def test_batch_is_normalize_of_each(texts, config):
    assert normalize_batch(texts, config) == [normalize(t, config) for t in texts]
