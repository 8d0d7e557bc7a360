"""Real paragraphs re-typed the ways scrapers and keyboards vary normalize to
exactly the same string as the original.

Every paragraph of the first 3,000 SaudiNewsNet articles (about 15,000) is
read in place and re-typed by a seeded generator with random diacritics,
tatweel, alef and hamza variants, ى/ي and ة/ه swaps, Persian yeh and keheh,
Arabic-Indic and Persian digits, presentation forms, zero-width and bidi
characters, odd spaces and quote variants (dedup preset); 10,000 of them are
re-typed with the noise only (marks, tatweel, invisible characters,
presentation forms, spaces) for the light preset.
"""

from __future__ import annotations

import random
import unicodedata

import pytest

from tikrar.normalize import DEDUP, LIGHT, normalize, normalize_batch, normalize_with_offsets

MIN_PARAGRAPHS = 10_000
SEED = 20150811

DIACRITICS = [chr(c) for c in range(0x064B, 0x0653)] + ["\u0670", "\u0656", "\u06e1", "\u0615"]
INVISIBLES = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2066", "\u2069", "\u202b", "\u202c", "\ufeff", "\u00ad", "\u061c", "\u2060"]
SPACES = ["\u00a0", "\u202f", "\u2009", "\u2002", "  ", " \u00a0", "\u3000"]
QUOTES = ["\u00ab", "\u00bb", "\u201c", "\u201d", "\u201e", "\u2018", "\u2019", "\u2039", "\u203a", '"', "'"]
DIGITS = {str(d): [chr(0x0660 + d), chr(0x06F0 + d)] for d in range(10)}
LETTER_VARIANTS = {
    "\u0627": ["\u0623", "\u0625", "\u0622", "\u0671"],  # alef: hamza above/below, madda, wasla
    "\u0623": ["\u0627", "\u0625", "\u0622"],
    "\u0625": ["\u0627", "\u0623"],
    "\u0622": ["\u0627", "\u0623"],
    "\u064a": ["\u0649", "\u06cc", "\u0626"],  # yeh: alef maksura, Persian yeh, yeh with hamza
    "\u0649": ["\u064a", "\u06cc"],
    "\u0626": ["\u064a", "\u0649"],
    "\u0629": ["\u0647", "\u06c3"],  # teh marbuta <-> heh
    "\u0647": ["\u0629", "\u06c1", "\u06d5"],
    "\u0643": ["\u06a9"],  # keheh
    "\u0648": ["\u0624"],
    "\u0624": ["\u0648"],
}
LAM_ALEF = {"\u0627": ["\ufefb", "\ufefc"], "\u0623": ["\ufef7", "\ufef8"], "\u0625": ["\ufef9", "\ufefa"], "\u0622": ["\ufef5", "\ufef6"]}


def _presentation_forms() -> dict[str, list[str]]:
    """Each letter's contextual forms in U+FB50-FDFF and U+FE70-FEFF."""
    forms: dict[str, list[str]] = {}
    for lo, hi in ((0xFB50, 0xFDFF), (0xFE80, 0xFEFC)):
        for cp in range(lo, hi + 1):
            letters = unicodedata.normalize("NFKC", chr(cp))
            if len(letters) == 1 and letters != chr(cp) and "\u0621" <= letters <= "\u06ff":
                forms.setdefault(letters, []).append(chr(cp))
    return forms


FORMS = _presentation_forms()


def retype(text: str, rng: random.Random, spelling: bool = True) -> str:
    """``text`` re-typed; with ``spelling=False`` only invisible noise, marks,
    tatweel, presentation forms and spaces change (what the light preset
    removes), letters, digits and quotes stay."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        r = rng.random()
        if ch == "\u0644" and i + 1 < n and text[i + 1] in LAM_ALEF and r < 0.3:
            out.append(rng.choice(LAM_ALEF[text[i + 1]]))
            i += 2
            continue
        if spelling and ch in LETTER_VARIANTS and r < 0.25:
            ch = rng.choice(LETTER_VARIANTS[ch])
        elif ch in FORMS and r < 0.35:
            ch = rng.choice(FORMS[ch])
        elif spelling and ch in DIGITS and r < 0.5:
            ch = rng.choice(DIGITS[ch])
        elif ch == " " and r < 0.3:
            ch = rng.choice(SPACES)
        elif spelling and ch in QUOTES and r < 0.7:
            ch = rng.choice(QUOTES)
        out.append(ch)
        if "\u0621" <= text[i] <= "\u064a":
            if rng.random() < 0.25:
                out.append(rng.choice(DIACRITICS))
                if rng.random() < 0.2:
                    out.append(rng.choice(DIACRITICS))
            if rng.random() < 0.05:
                out.append("\u0640" * rng.randint(1, 4))
        if rng.random() < 0.02:
            out.append(rng.choice(INVISIBLES))
        i += 1
    return "".join(out)


@pytest.fixture(scope="module")
def paragraphs(snn_articles) -> list[str]:
    found = [line.strip() for article in snn_articles for line in article["text"].splitlines() if line.strip()]
    assert len(found) >= MIN_PARAGRAPHS, f"only {len(found)} paragraphs in the fixture"
    return found


def test_retyped_paragraphs_normalize_to_the_original(paragraphs):
    rng = random.Random(SEED)
    retyped = [retype(p, rng) for p in paragraphs]
    changed = sum(1 for a, b in zip(paragraphs, retyped) if a != b)
    assert changed >= 0.95 * len(paragraphs)  # the generator really re-types

    expected = normalize_batch(paragraphs)
    got = normalize_batch(retyped)
    failures = [(p, r) for p, r, e, g in zip(paragraphs, retyped, expected, got) if e != g]
    assert not failures, f"{len(failures)} of {len(paragraphs)} differ; first: {failures[0]!r}"
    # The batch path and the one-text path agree on both sides.
    assert expected == [normalize(p) for p in paragraphs]
    assert got == [normalize(r, DEDUP) for r in retyped]


def test_light_preset_ignores_noise_only_retyping(paragraphs):
    paragraphs = paragraphs[:MIN_PARAGRAPHS]
    rng = random.Random(SEED + 2)
    retyped = [retype(p, rng, spelling=False) for p in paragraphs]
    assert sum(1 for a, b in zip(paragraphs, retyped) if a != b) >= 0.95 * len(paragraphs)
    expected = normalize_batch(paragraphs, LIGHT)
    got = normalize_batch(retyped, LIGHT)
    failures = [(p, r) for p, r, e, g in zip(paragraphs, retyped, expected, got) if e != g]
    assert not failures, f"{len(failures)} of {len(paragraphs)} differ; first: {failures[0]!r}"


def test_retyped_paragraphs_offsets_show_on_the_raw_text(paragraphs):
    rng = random.Random(SEED + 1)
    for paragraph in paragraphs[:2000]:
        raw = retype(paragraph, rng)
        text, offsets = normalize_with_offsets(raw)
        assert text == normalize(paragraph)
        assert len(offsets) == len(text)
        if len(text):
            assert (offsets[1:] >= offsets[:-1]).all() and 0 <= offsets[0] and offsets[-1] < len(raw)
        # Every ASCII digit or letter of the output comes from a raw character that folds to it.
        for k, ch in enumerate(text):
            if ch.isascii() and ch.isalnum():
                assert normalize(raw[offsets[k]]) == ch
