"""Arabic normalization for deciding whether two paragraphs are the same.

Every step is a switch of a frozen :class:`NormalizeConfig`; the presets
:data:`DEDUP` (the default), :data:`LIGHT` and :data:`RULES` cover the usual
needs. The steps run in the order that keeps information (docs/normalize.md
explains each one):

1. NFC, so that alef, waw or yeh followed by a combining hamza or madda
   becomes one letter before marks are stripped;
2. Arabic presentation forms (U+FB50-FDFF, U+FE70-FEFF) through NFKC, one
   character at a time, so that ligatures become their letters while the rest
   of the text keeps its compatibility characters;
3. letter folding (alef and hamza forms, alef maksura, teh marbuta, Persian
   and Urdu look-alikes), marks, tatweel, invisible controls, digits, spaces,
   punctuation and quotes, hashtags, Latin case;
4. runs of spaces become one space; the ends are trimmed.

Steps 2 and 3 act on one code point at a time, so they compose into one
lookup table. Each code point is classified the first time it is seen (a few
hundred distinct characters make up a news corpus), which keeps the start-up
cost near zero. :func:`normalize` applies the table with ``str.translate``;
:func:`normalize_batch` applies it to a whole batch in one compiled pass
(``tikrar._normalize_fast``) and returns exactly what :func:`normalize`
returns for each text.

Deleting a character can bring a combining mark next to a letter it composes
with ("e", ZERO WIDTH SPACE, COMBINING ACUTE). When the result of step 3 is
not in NFC, steps 1-3 run again on it, so that normalizing twice gives the
same string as normalizing once. A combining madda or hamza is itself
deleted by the table, so when one is present the deleted characters go
before NFC instead (ا, tatweel, U+0654 is أ).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import numpy as np
from pyarabic import araby

from .errors import ConfigError, InputError

__all__ = [
    "NormalizeConfig", "DEDUP", "LIGHT", "RULES", "PRESETS", "NORMALIZER_VERSION", "normalize",
    "normalize_batch", "normalize_with_offsets", "translation_table",
]

# ---------------------------------------------------------------------------
# Character sets (code point ranges are inclusive).


def _chars(*ranges: tuple[int, int] | int) -> frozenset[str]:
    out = set()
    for r in ranges:
        lo, hi = (r, r) if isinstance(r, int) else r
        out.update(chr(c) for c in range(lo, hi + 1))
    return frozenset(out)


#: Harakat, tanween, shadda, sukun and the other Arabic combining marks.
#: pyarabic's TASHKEEL covers only U+064B-0652; the rest is added here.
ARABIC_MARKS = frozenset(araby.TASHKEEL) | _chars(
    (0x064B, 0x065F),  # harakat, tanween, shadda, sukun, madda/hamza above/below, ...
    0x0670,  # superscript (dagger) alef
    (0x0610, 0x061A),  # honorific and Quranic signs above letters
    (0x06D6, 0x06DC),  # Quranic small high ligatures
    (0x06DF, 0x06E4),
    (0x06E7, 0x06E8),
    (0x06EA, 0x06ED),
    (0x0898, 0x089F),
    (0x08CA, 0x08E1),
    (0x08E3, 0x08FF),
)
#: Quranic signs in U+06D6-06ED that are not combining marks (end of ayah,
#: rub el hizb, small waw and yeh, place of sajdah): no word content either.
QURANIC_SYMBOLS = _chars(0x06DD, 0x06DE, 0x06E5, 0x06E6, 0x06E9)
#: Number signs that prefix digits (Arabic number sign, year sign, ...):
#: invisible format characters.
NUMBER_SIGNS = _chars((0x0600, 0x0605), (0x0890, 0x0891), 0x08E2)
TATWEEL = frozenset({araby.TATWEEL})
#: Zero-width, bidi and other invisible format characters.
INVISIBLE = _chars(
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x2069),
    0x061C,
    0xFEFF,
    0x00AD,
    0x034F,
    0x180E,
)
#: Characters that become a plain space.
SPACES = _chars(
    0x0009, 0x000B, 0x000C, (0x001C, 0x001F), 0x00A0, (0x2000, 0x200A), 0x202F, 0x205F, 0x3000, 0x1680
)
#: Line and paragraph breaks; inside one paragraph they are white space.
BREAKS = _chars(0x000A, 0x000D, 0x0085, 0x2028, 0x2029)

ALEF = araby.ALEF
YEH = araby.YEH
WAW = araby.WAW
HEH = araby.HEH
KAF = araby.KAF
TEH_MARBUTA = araby.TEH_MARBUTA
ALEF_FORMS = frozenset(
    [araby.ALEF_HAMZA_ABOVE, araby.ALEF_HAMZA_BELOW, araby.ALEF_MADDA, araby.ALEF_WASLA]
    + ["\u0672", "\u0673", "\u0675"]
)
#: Persian, Urdu and other yeh forms (U+06D3 is U+06D2 with hamza above,
#: which NFC composes, so it must fold like U+06D2).
YEH_FORMS = _chars(0x06CC, (0x063D, 0x063F), 0x06CD, 0x06CE, (0x06D0, 0x06D3), 0x0678)
KAF_FORMS = _chars(0x06A9, 0x06AA, 0x063B, 0x063C)
HEH_FORMS = _chars(0x06C1, 0x06BE, 0x06D5, 0x06C0, 0x06C2)
WAW_FORMS = _chars(0x0676, 0x0677)
#: Teh marbuta goal (Urdu) is a teh marbuta.
TEH_MARBUTA_GOAL = "\u06c3"
HIGH_HAMZA = "\u0674"
#: Letters of Persian and other languages used in foreign names, folded to the
#: nearest Arabic letter only when ``fold_foreign_letters`` is on (news sites
#: write the same name as "جوجل" or "گوگل", "فيروس" or "ڤيروس").
FOREIGN_LETTERS = {"\u067e": "\u0628", "\u0686": "\u062c", "\u06a4": "\u0641", "\u06af": "\u0643"}
ARABIC_INDIC_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)}
EXTENDED_DIGITS = {chr(0x06F0 + i): str(i) for i in range(10)}
ARABIC_DECIMAL_SEPARATOR = "\u066b"
ARABIC_THOUSANDS_SEPARATOR = "\u066c"
ARABIC_PERCENT = "\u066a"

#: Arabic and typographic punctuation with an ASCII equivalent, used when
#: punctuation is kept but its spelling should not matter (boilerplate rules).
PUNCTUATION_TO_ASCII = {
    "\u060c": ",", "\u061b": ";", "\u061f": "?", "\u06d4": ".", "\u066d": "*",
    "\u060d": "/", "\u061e": "...", "\u2026": "...",
    "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2039": '"', "\u203a": '"',
    "\u2032": "'", "\u2033": '"', "\ufd3e": "(", "\ufd3f": ")",
    **{chr(c): "-" for c in range(0x2010, 0x2016)}, "\u2212": "-",
}
#: Symbols that are not in a Unicode punctuation category but separate words
#: the way punctuation does in news text (bullets, vertical bars).
SEPARATOR_SYMBOLS = frozenset("\u2022\u25cf\u25aa\u25a0\u25e6\u2023\u2043\u00b7|\u00a6")
#: Hashtag syntax: "#كلمة_كلمة" is the words "كلمة كلمة".
HASHTAG_CHARS = frozenset("#_")

PRESENTATION_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
#: :func:`translation_table` lists the changes below this code point; no code
#: point above it changes under any switch (tests check this).
TABLE_LIMIT = 0x30000


#: Raised whenever a change makes the normalizer give other output for the
#: same text and settings: indexes saved by another version are refused.
NORMALIZER_VERSION = 1

@dataclass(frozen=True)
class NormalizeConfig:
    """Switches of the normalizer; each step can be turned off on its own.

    ``nfc``: canonical composition first (and again when deletions leave a
    mark next to a letter it composes with). ``presentation_forms``: NFKC on
    U+FB50-FDFF and U+FE70-FEFF only. ``strip_marks``: harakat, tanween,
    shadda, sukun, dagger alef, Quranic marks. ``strip_tatweel``: U+0640.
    ``strip_invisible``: zero-width and bidi controls, soft hyphen, Arabic
    number signs. ``fold_alef``: أ إ آ ٱ -> ا. ``fold_hamza``: ؤ -> و,
    ئ -> ي. ``drop_standalone_hamza``: ء removed. ``fold_alef_maksura``:
    ى -> ي. ``fold_teh_marbuta``: ة -> ه. ``fold_persian``: Persian and Urdu
    look-alikes (ی ک ہ ھ ە ...) -> Arabic letters. ``fold_foreign_letters``:
    پ چ ڤ گ -> ب ج ف ك. ``unify_digits``: Arabic-Indic and Persian digits ->
    0-9, ٫ -> ".", ٬ removed, ٪ -> %. ``unify_spaces``: NBSP, thin spaces,
    tabs and line breaks -> space. ``strip_punctuation``: punctuation,
    quotes, dashes, bullets -> space. ``unify_punctuation``: Arabic and
    typographic punctuation -> ASCII spelling (، -> , « -> "). ``split_hashtags``:
    # and _ -> space. ``lowercase_latin``: Latin letters case-folded (other
    scripts untouched). ``collapse_spaces``: runs of spaces -> one, ends
    trimmed.

    Use a preset (:data:`DEDUP`, :data:`LIGHT`, :data:`RULES`) or derive one
    with :meth:`replace`.

    >>> NormalizeConfig().replace(fold_teh_marbuta=False).fold_teh_marbuta
    False
    """

    nfc: bool = True
    presentation_forms: bool = True
    strip_marks: bool = True
    strip_tatweel: bool = True
    strip_invisible: bool = True
    fold_alef: bool = True
    fold_hamza: bool = True
    drop_standalone_hamza: bool = False
    fold_alef_maksura: bool = True
    fold_teh_marbuta: bool = True
    fold_persian: bool = True
    fold_foreign_letters: bool = True
    unify_digits: bool = True
    unify_spaces: bool = True
    strip_punctuation: bool = True
    unify_punctuation: bool = False
    split_hashtags: bool = True
    lowercase_latin: bool = True
    collapse_spaces: bool = True

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, bool):
                raise ConfigError(f"NormalizeConfig.{field.name} must be True or False, got {value!r}")

    def replace(self, **changes: bool) -> "NormalizeConfig":
        """A copy with some switches changed.

        >>> LIGHT.replace(fold_alef=True).fold_alef
        True
        """
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ConfigError(f"NormalizeConfig has no switch {unknown[0]!r}; switches: {sorted(f.name for f in dataclasses.fields(self))}")
        return dataclasses.replace(self, **changes)


#: Folds everything that scrapers vary: the default for deduplication.
DEDUP = NormalizeConfig()
#: Removes only invisible noise (zero-width and bidi controls, odd spaces),
#: marks, tatweel and presentation forms; letters, digits, punctuation and
#: case are kept as written.
LIGHT = NormalizeConfig(
    fold_alef=False,
    fold_hamza=False,
    fold_alef_maksura=False,
    fold_teh_marbuta=False,
    fold_persian=False,
    fold_foreign_letters=False,
    unify_digits=False,
    strip_punctuation=False,
    split_hashtags=False,
    lowercase_latin=False,
)
#: Folds letters like DEDUP but keeps punctuation (in ASCII spelling) and
#: hashtags, so that phrase rules can anchor on a colon, a slash or a "#".
RULES = NormalizeConfig(strip_punctuation=False, unify_punctuation=True, split_hashtags=False)
PRESETS: Mapping[str, NormalizeConfig] = {"dedup": DEDUP, "light": LIGHT, "rules": RULES}


# ---------------------------------------------------------------------------
# One code point


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or ch in SEPARATOR_SYMBOLS


def _fold_latin(ch: str) -> str:
    """Case-fold a Latin letter; any other character is returned as is."""
    folded = ch.casefold()
    if folded == ch or "LATIN" not in unicodedata.name(ch, "").split():
        return ch
    # A fold that NFC would recompose ("ǰ" -> "j" + caron) would make the
    # normalizer chase its own tail; plain lower case is stable there.
    if unicodedata.normalize("NFC", folded) != folded:
        return ch.lower()
    return folded


def _fold_char(ch: str, config: NormalizeConfig) -> str:
    """Step 3 of the module docstring, for one code point of NFC text."""
    if config.strip_marks and (ch in ARABIC_MARKS or ch in QURANIC_SYMBOLS):
        return ""
    if config.strip_invisible and (ch in INVISIBLE or ch in NUMBER_SIGNS):
        return ""
    if config.strip_tatweel and ch in TATWEEL:
        return ""
    if config.unify_spaces and (ch in SPACES or ch in BREAKS):
        return " "
    if config.split_hashtags and ch in HASHTAG_CHARS:
        return " "
    # Letters. The order matters where one fold feeds another: high hamza is
    # a hamza, teh marbuta goal is a teh marbuta.
    if config.fold_alef and ch in ALEF_FORMS:
        return ALEF
    if config.fold_hamza:
        if ch == araby.WAW_HAMZA:
            return WAW
        if ch == araby.YEH_HAMZA:
            return YEH
        if ch == HIGH_HAMZA:
            ch = araby.HAMZA
    if config.drop_standalone_hamza and ch == araby.HAMZA:
        return ""
    if config.fold_alef_maksura and ch == araby.ALEF_MAKSURA:
        return YEH
    if config.fold_persian and ch == TEH_MARBUTA_GOAL:
        ch = TEH_MARBUTA
    if config.fold_teh_marbuta and ch == TEH_MARBUTA:
        return HEH
    if config.fold_persian:
        if ch in YEH_FORMS:
            return YEH
        if ch in KAF_FORMS:
            return KAF
        if ch in HEH_FORMS:
            return HEH
        if ch in WAW_FORMS:
            return WAW
    if config.fold_foreign_letters and ch in FOREIGN_LETTERS:
        return FOREIGN_LETTERS[ch]
    if config.unify_digits:
        if ch in ARABIC_INDIC_DIGITS:
            return ARABIC_INDIC_DIGITS[ch]
        if ch in EXTENDED_DIGITS:
            return EXTENDED_DIGITS[ch]
        if ch == ARABIC_THOUSANDS_SEPARATOR:
            return ""
        if ch == ARABIC_DECIMAL_SEPARATOR:
            ch = "."
        elif ch == ARABIC_PERCENT:
            ch = "%"
    ascii_spelling = PUNCTUATION_TO_ASCII.get(ch)
    if config.strip_punctuation and (ascii_spelling is not None or _is_punctuation(ch)):
        return " "
    if config.unify_punctuation and ascii_spelling is not None:
        return ascii_spelling
    if config.lowercase_latin:
        return _fold_latin(ch)
    return ch


def _map_char(ch: str, config: NormalizeConfig) -> str:
    """Steps 2 and 3 for one code point of NFC text: what the table holds."""
    cp = ord(ch)
    if config.presentation_forms and any(lo <= cp <= hi for lo, hi in PRESENTATION_RANGES):
        expanded = unicodedata.normalize("NFKC", ch)
        if expanded != ch:
            return "".join(_fold_char(c, config) for c in expanded)
    return _fold_char(ch, config)


class _LazyTable(dict):
    """A ``str.translate`` table that classifies a code point on first sight.

    Unchanged code points map to themselves, so after warm-up every lookup
    is one dict hit.
    """

    def __init__(self, config: NormalizeConfig):
        super().__init__()
        self.config = config

    def __missing__(self, cp: int) -> str:
        mapped = _map_char(chr(cp), self.config)
        self[cp] = mapped
        return mapped


@lru_cache(maxsize=None)
def _lazy_table(config: NormalizeConfig) -> _LazyTable:
    return _LazyTable(config)


@lru_cache(maxsize=1)
def _candidate_code_points() -> tuple[int, ...]:
    """Code points below TABLE_LIMIT that some switch may change."""
    explicit: set[str] = set()
    for group in (ARABIC_MARKS, QURANIC_SYMBOLS, NUMBER_SIGNS, TATWEEL, INVISIBLE, SPACES, BREAKS, ALEF_FORMS,
                  YEH_FORMS, KAF_FORMS, HEH_FORMS, WAW_FORMS, FOREIGN_LETTERS, ARABIC_INDIC_DIGITS, EXTENDED_DIGITS,
                  PUNCTUATION_TO_ASCII, SEPARATOR_SYMBOLS, HASHTAG_CHARS):
        explicit.update(group)
    cps = {ord(c) for c in explicit} | set(range(0x0600, 0x0900))
    for lo, hi in PRESENTATION_RANGES:
        cps.update(range(lo, hi + 1))
    category = unicodedata.category
    for cp in range(TABLE_LIMIT):
        ch = chr(cp)
        if ch.casefold() != ch or category(ch)[0] == "P":
            cps.add(cp)
    return tuple(sorted(cps))


@lru_cache(maxsize=16)
def translation_table(config: NormalizeConfig = DEDUP) -> dict[int, str]:
    """Every code point ``config`` changes, mapped to what it becomes.

    This is steps 2 and 3 as one ``str.translate`` table (empty string:
    removed). Built on first call (tens of milliseconds); :func:`normalize`
    does not need it, it classifies characters as it meets them.

    >>> translation_table()[ord("\u0623")]
    '\u0627'
    >>> translation_table(LIGHT)[ord("\u0640")]
    ''
    """
    table: dict[int, str] = {}
    for cp in _candidate_code_points():
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        mapped = _map_char(ch, config)
        if mapped != ch:
            table[cp] = mapped
    return table


# ---------------------------------------------------------------------------
# NFC bookkeeping. A character is *inert* when NFC can neither change it nor
# combine it with a neighbour: a starter (combining class 0) that is its own
# NFC and is never the second half of a composition. Text made of inert
# characters is in NFC; a run of text can be normalized on its own when the
# next character is inert.

#: Ranges holding the starters that compose with the character before them
#: (Indic two-part vowels, Myanmar, Hangul jamo, Balinese) and, to stay safe
#: across Unicode versions, every supplementary-plane script except the emoji
#: and CJK planes. tests/test_normalize.py checks the list against the
#: Unicode database of the running Python.
_BACKWARD_COMPOSING_RANGES = ((0x0900, 0x0DFF), (0x1000, 0x109F), (0x1100, 0x11FF), (0x1B00, 0x1B7F),
                              (0x10000, 0x1EFFF))


def _may_compose_backward(ch: str) -> bool:
    """Whether ``ch`` may combine with the character before it under NFC."""
    if unicodedata.combining(ch):
        # Among Arabic marks only madda and hamza above/below compose.
        return ch not in ARABIC_MARKS or "\u0653" <= ch <= "\u0655"
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _BACKWARD_COMPOSING_RANGES)


@lru_cache(maxsize=65536)
def _is_inert(ch: str) -> bool:
    return unicodedata.combining(ch) == 0 and unicodedata.normalize("NFC", ch) == ch and not _may_compose_backward(ch)


def _nfc_blind_to(ch: str, mapped: str) -> bool:
    """Whether the table can be applied to raw text at ``ch`` without NFC first.

    True when NFC cannot change what ``ch`` contributes (an inert character,
    or a deleted mark that never composes: NFC would only reorder it among
    other deleted marks) and what it becomes is inert, so no NFC pass is due
    after the table either.
    """
    if unicodedata.normalize("NFC", ch) != ch:
        return False
    if unicodedata.combining(ch):
        return mapped == "" and not _may_compose_backward(ch)
    if _may_compose_backward(ch):
        return False
    return all(_is_inert(c) for c in mapped)


def _nfc_tracked(chars: str, sources: list[int]) -> tuple[str, list[int]]:
    """NFC of ``chars`` with each output character traced to a source index.

    The text is cut before every inert character; each piece is normalized
    on its own, and its k-th output character is traced to its k-th input
    character (the last one when NFC made it longer).
    """
    out_chars: list[str] = []
    out_sources: list[int] = []
    start = 0
    n = len(chars)
    for i in range(1, n + 1):
        if i == n or _is_inert(chars[i]):
            piece = unicodedata.normalize("NFC", chars[start:i])
            last = i - 1
            for k, c in enumerate(piece):
                out_chars.append(c)
                out_sources.append(sources[min(start + k, last)])
            start = i
    text = "".join(out_chars)
    if text != unicodedata.normalize("NFC", chars):  # pragma: no cover - guarded by the inert definition
        text = unicodedata.normalize("NFC", chars)
        out_sources = [sources[0] if sources else 0] * len(text)
    return text, out_sources


_MAX_NFC_ROUNDS = 4

#: Combining madda, hamza above and hamza below: the only marks that both
#: compose with a letter under NFC and are deleted by ``strip_marks``.
COMPOSING_MARKS = frozenset("\u0653\u0654\u0655")


class _DeletionTable(dict):
    """Deletes what the table deletes, except the composing marks."""

    def __init__(self, config: NormalizeConfig):
        super().__init__()
        self.table = _lazy_table(config)

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        value = "" if self.table[cp] == "" and ch not in COMPOSING_MARKS else ch
        self[cp] = value
        return value


@lru_cache(maxsize=None)
def _deletion_table(config: NormalizeConfig) -> _DeletionTable:
    return _DeletionTable(config)


def _deletions_first(config: NormalizeConfig, text: str) -> bool:
    """Whether deleted characters must go before NFC.

    A combining hamza or madda that ``strip_marks`` deletes can still make a
    letter (ا + ٔ -> أ), but only if NFC sees it next to its letter: a tatweel,
    an invisible control or a blocking mark in between is removed first.
    Otherwise the order does not matter: NFC after the table (see
    :func:`normalize`) recovers every other composition.
    """
    return config.nfc and config.strip_marks and ("\u0654" in text or "\u0653" in text or "\u0655" in text)


# ---------------------------------------------------------------------------
# Public functions


def _check_str(text: object, where: str) -> None:
    if not isinstance(text, str):
        raise InputError(where, f"expected a str to normalize, got {type(text).__name__}")


def normalize(text: str, config: NormalizeConfig = DEDUP) -> str:
    """Normalize one string for comparison.

    >>> normalize("إِنَّ الـــسلامَ  على «المدينة» ١٢")
    'ان السلام علي المدينه 12'
    >>> normalize("ﻷن CNN\u00a0قالت", LIGHT)
    'لأن CNN قالت'
    """
    _check_str(text, "normalize(text)")
    table = _lazy_table(config)
    if _deletions_first(config, text):
        text = text.translate(_deletion_table(config))
    if config.nfc and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    out = text.translate(table)
    if config.nfc:
        for _ in range(_MAX_NFC_ROUNDS):
            if unicodedata.is_normalized("NFC", out):
                break
            out = unicodedata.normalize("NFC", out).translate(table)
    if config.collapse_spaces:
        out = " ".join([part for part in out.split(" ") if part])
    return out


def normalize_batch(texts: Iterable[str], config: NormalizeConfig = DEDUP) -> list[str]:
    """Normalize many strings with one configuration, in compiled batches.

    Returns exactly ``[normalize(t, config) for t in texts]``, several times
    faster. A text that is not a ``str`` raises :class:`~tikrar.InputError`
    naming its position.

    >>> normalize_batch(["أحمد", "احمد", "ﺃﺣﻤﺪ"])
    ['احمد', 'احمد', 'احمد']
    """
    try:
        from . import _normalize_fast
    except ImportError:  # pragma: no cover - numba is a dependency; stay correct without it
        out = []
        for i, t in enumerate(texts):
            _check_str(t, f"texts[{i}]")
            out.append(normalize(t, config))
        return out
    return _normalize_fast.normalize_batch(texts, config)


def normalize_with_offsets(text: str, config: NormalizeConfig = DEDUP) -> tuple[str, np.ndarray]:
    """Normalize ``text`` and map each normalized character to the raw text.

    Returns ``(normalized, offsets)``: ``normalized == normalize(text,
    config)`` and ``offsets[k]`` is the index in ``text`` of the character
    that produced ``normalized[k]`` (a composed letter points at its base, a
    ligature's letters at the ligature). The map is non-decreasing, so a span
    ``normalized[i:j]`` shows on the raw text as
    ``text[offsets[i]:offsets[j - 1] + 1]``.

    >>> s, off = normalize_with_offsets("كتـــاب")
    >>> s, off.tolist()
    ('كتاب', [0, 1, 5, 6])
    """
    _check_str(text, "normalize_with_offsets(text)")
    try:
        from . import _normalize_fast
    except ImportError:  # pragma: no cover
        return _offsets_reference(text, config)
    found = _normalize_fast.normalize_with_offsets(text, config)
    return found if found is not None else _offsets_reference(text, config)


def _offsets_reference(text: str, config: NormalizeConfig) -> tuple[str, np.ndarray]:
    """normalize_with_offsets in plain Python, step by step."""
    table = _lazy_table(config)
    chars, sources = text, list(range(len(text)))
    if _deletions_first(config, text):
        deletions = _deletion_table(config)
        kept = [(ch, src) for ch, src in zip(chars, sources) if deletions[ord(ch)]]
        chars, sources = "".join(ch for ch, _ in kept), [src for _, src in kept]
    if config.nfc and not unicodedata.is_normalized("NFC", chars):
        chars, sources = _nfc_tracked(chars, sources)
    rounds = 0
    while True:
        mapped: list[str] = []
        mapped_sources: list[int] = []
        for ch, src in zip(chars, sources):
            for out_ch in table[ord(ch)]:
                mapped.append(out_ch)
                mapped_sources.append(src)
        chars, sources = "".join(mapped), mapped_sources
        if not config.nfc or rounds >= _MAX_NFC_ROUNDS or unicodedata.is_normalized("NFC", chars):
            break
        chars, sources = _nfc_tracked(chars, sources)
        rounds += 1
    if config.collapse_spaces:
        kept_chars: list[str] = []
        kept_sources: list[int] = []
        for ch, src in zip(chars, sources):
            if ch == " " and (not kept_chars or kept_chars[-1] == " "):
                continue
            kept_chars.append(ch)
            kept_sources.append(src)
        if kept_chars and kept_chars[-1] == " ":
            kept_chars.pop()
            kept_sources.pop()
        chars, sources = "".join(kept_chars), kept_sources
    return chars, np.asarray(sources, dtype=np.int64)
