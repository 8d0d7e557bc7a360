"""Arabic normalization for deciding whether two paragraphs are the same.

The normalizer is a per-code-point table built once from a frozen
:class:`NormalizeConfig`, followed by white-space collapsing. Steps run in the
order that keeps information (see ARABIC notes in the README):

1. NFC, so that alef followed by a combining hamza or madda becomes one letter
   before marks are stripped;
2. Arabic presentation forms (U+FB50-FDFF, U+FE70-FEFF) through NFKC, one
   character at a time, so ligatures become their letters;
3. letter folding (alef and hamza forms, alef maksura, teh marbuta, Persian and
   Urdu look-alikes), marks, tatweel, invisible controls, digits, spaces,
   punctuation, Latin case;
4. runs of white space become one space; the ends are trimmed.

Because steps 2 and 3 act on one code point at a time, they compose into one
lookup table, which is what makes normalizing a batch fast.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

import numpy as np
from pyarabic import araby

from .errors import ConfigError

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
#: Quranic symbols that are not combining marks but carry no word content.
QURANIC_SYMBOLS = _chars(0x06DD, 0x06DE, 0x06E5, 0x06E6, 0x06E9)
#: Number signs that prefix digits (Arabic number sign, year sign, ...).
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
SPACES = _chars(0x0009, 0x000B, 0x000C, 0x00A0, (0x2000, 0x200A), 0x202F, 0x205F, 0x3000, 0x1680)
#: Line and paragraph breaks; inside one paragraph they are white space.
BREAKS = _chars(0x000A, 0x000D, 0x0085, 0x2028, 0x2029)

ALEF_FORMS = {c: "\u0627" for c in "\u0623\u0625\u0622\u0671\u0672\u0673\u0675"}
YEH_FORMS = {c: "\u064a" for c in "\u06cc\u063d\u063e\u063f\u06cd\u06ce\u06d0\u06d1\u06d2\u0678"}
KAF_FORMS = {c: "\u0643" for c in "\u06a9\u06aa\u063b\u063c"}
HEH_FORMS = {c: "\u0647" for c in "\u06c1\u06be\u06d5\u06c0\u06c2"}
WAW_FORMS = {c: "\u0648" for c in "\u0676\u0677"}
#: Letters of Persian and other languages used in foreign names, folded to the
#: nearest Arabic letter only when ``fold_foreign_letters`` is on.
FOREIGN_LETTERS = {"\u067e": "\u0628", "\u0686": "\u062c", "\u06a4": "\u0641", "\u06af": "\u0643"}
ARABIC_INDIC_DIGITS = {chr(0x0660 + i): str(i) for i in range(10)}
EXTENDED_DIGITS = {chr(0x06F0 + i): str(i) for i in range(10)}

#: Arabic and typographic punctuation with an ASCII equivalent, used when
#: punctuation is kept but its spelling should not matter (boilerplate rules).
PUNCTUATION_TO_ASCII = {
    "\u060c": ",", "\u061b": ";", "\u061f": "?", "\u06d4": ".", "\u066d": "*",
    "\u2026": "...", "\u00ab": '"', "\u00bb": '"', "\u201c": '"', "\u201d": '"',
    "\u201e": '"', "\u201f": '"', "\u2018": "'", "\u2019": "'", "\u201a": "'",
    "\u201b": "'", "\u2039": '"', "\u203a": '"', "\ufd3e": "(", "\ufd3f": ")",
    **{chr(c): "-" for c in range(0x2010, 0x2016)}, "\u2212": "-",
}

PRESENTATION_RANGES = ((0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
# Code points the table must consider beyond the punctuation scan.
_TABLE_LIMIT = 0x30000


@dataclass(frozen=True)
class NormalizeConfig:
    """Switches of the normalizer; each step can be turned off on its own.

    Use a preset (:data:`DEDUP`, :data:`LIGHT`) or derive one with
    :meth:`replace`.

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
    lowercase_latin: bool = True
    collapse_spaces: bool = True

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, bool):
                raise ConfigError(f"NormalizeConfig.{field.name} must be True or False, got {value!r}")

    def replace(self, **changes: bool) -> "NormalizeConfig":
        """A copy with some switches changed."""
        return dataclasses.replace(self, **changes)


#: Folds everything that scrapers vary: the default for deduplication.
DEDUP = NormalizeConfig()
#: Removes only invisible noise, marks, tatweel and presentation forms; letters,
#: digits and punctuation are kept as written.
LIGHT = NormalizeConfig(
    fold_alef=False,
    fold_hamza=False,
    fold_alef_maksura=False,
    fold_teh_marbuta=False,
    fold_persian=False,
    fold_foreign_letters=False,
    unify_digits=False,
    strip_punctuation=False,
    lowercase_latin=False,
)
#: Folds letters like DEDUP but keeps punctuation (in ASCII spelling), so that
#: phrase rules can anchor on a colon or a slash.
RULES = NormalizeConfig(strip_punctuation=False, unify_punctuation=True)
PRESETS: Mapping[str, NormalizeConfig] = {"dedup": DEDUP, "light": LIGHT, "rules": RULES}


def _is_latin_cased(ch: str) -> bool:
    cp = ord(ch)
    return (cp < 0x0250 or 0x1E00 <= cp <= 0x1EFF or 0xFF21 <= cp <= 0xFF5A) and ch.lower() != ch


def _fold_char(ch: str, config: NormalizeConfig) -> str:
    """Steps 3 of the module docstring, for one code point."""
    if config.strip_marks and (ch in ARABIC_MARKS or ch in QURANIC_SYMBOLS or ch in NUMBER_SIGNS):
        return ""
    if config.strip_tatweel and ch in TATWEEL:
        return ""
    if config.strip_invisible and ch in INVISIBLE:
        return ""
    if config.unify_spaces and (ch in SPACES or ch in BREAKS):
        return " "
    if config.fold_alef and ch in ALEF_FORMS:
        return ALEF_FORMS[ch]
    if config.fold_hamza:
        if ch == "\u0624":
            return "\u0648"
        if ch == "\u0626":
            return "\u064a"
    if config.drop_standalone_hamza and ch == "\u0621":
        return ""
    if config.fold_alef_maksura and ch == "\u0649":
        return "\u064a"
    if ch == "\u06c3":  # teh marbuta goal is a teh marbuta
        ch = "\u0629" if config.fold_persian else ch
    if config.fold_teh_marbuta and ch == "\u0629":
        return "\u0647"
    if config.fold_persian:
        for table in (YEH_FORMS, KAF_FORMS, HEH_FORMS, WAW_FORMS):
            if ch in table:
                return table[ch]
    if config.fold_foreign_letters and ch in FOREIGN_LETTERS:
        return FOREIGN_LETTERS[ch]
    if config.unify_digits:
        if ch in ARABIC_INDIC_DIGITS:
            return ARABIC_INDIC_DIGITS[ch]
        if ch in EXTENDED_DIGITS:
            return EXTENDED_DIGITS[ch]
        if ch == "\u066b":  # Arabic decimal separator
            ch = "."
        elif ch == "\u066c":  # Arabic thousands separator
            return ""
        elif ch == "\u066a":  # Arabic percent sign
            return "%"
    if config.unify_punctuation and ch in PUNCTUATION_TO_ASCII:
        return PUNCTUATION_TO_ASCII[ch]
    if config.strip_punctuation:
        category = unicodedata.category(ch)
        if category.startswith("P") or ch in "\u066d\u2022\u25cf\u25aa\u25a0\u2023\u2043\u00b7":
            return " "
    if config.lowercase_latin and _is_latin_cased(ch):
        return ch.lower()
    return ch


def _map_char(ch: str, config: NormalizeConfig) -> str:
    """Steps 2 and 3 for one code point of NFC text."""
    cp = ord(ch)
    if config.presentation_forms and any(lo <= cp <= hi for lo, hi in PRESENTATION_RANGES):
        expanded = unicodedata.normalize("NFKC", ch)
        if expanded != ch:
            return "".join(_fold_char(c, config) for c in expanded)
    return _fold_char(ch, config)


@lru_cache(maxsize=16)
def translation_table(config: NormalizeConfig = DEDUP) -> dict[int, str]:
    """The code points ``config`` changes, mapped to what they become.

    >>> translation_table()[ord("\u0623")]
    '\u0627'
    """
    table: dict[int, str] = {}
    for cp in range(_TABLE_LIMIT):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        mapped = _map_char(ch, config)
        if mapped != ch:
            table[cp] = mapped
    return table


def normalize(text: str, config: NormalizeConfig = DEDUP) -> str:
    """Normalize one string for comparison.

    >>> normalize("إِنَّ الـــسلامَ  على «المدينة» ١٢")
    'ان السلام علي المدينه 12'
    """
    if config.nfc and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    out = text.translate(translation_table(config))
    if config.collapse_spaces:
        out = " ".join([part for part in out.split(" ") if part])
    return out


def normalize_batch(texts: Iterable[str], config: NormalizeConfig = DEDUP) -> list[str]:
    """Normalize many strings with one configuration.

    >>> normalize_batch(["أحمد", "احمد"])
    ['احمد', 'احمد']
    """
    return [normalize(t, config) for t in texts]


def normalize_with_offsets(text: str, config: NormalizeConfig = DEDUP) -> tuple[str, np.ndarray]:
    """Normalize ``text`` and map each normalized character to the raw text.

    Returns ``(normalized, offsets)`` where ``offsets[k]`` is the index in
    ``text`` of the character that produced ``normalized[k]``; the map is
    non-decreasing.

    >>> s, off = normalize_with_offsets("كتـــاب")
    >>> s, off.tolist()
    ('كتاب', [0, 1, 5, 6])
    """
    table = translation_table(config)
    chars: list[str] = []
    offsets: list[int] = []
    # NFC is applied per run of a starter and the marks after it, so that the
    # composed character can be traced back to where its run began.
    runs = _nfc_runs(text) if config.nfc else [(i, c) for i, c in enumerate(text)]
    for raw_index, piece in runs:
        for ch in piece:
            mapped = table.get(ord(ch), ch)
            for out_ch in mapped:
                if config.collapse_spaces and out_ch == " " and (not chars or chars[-1] == " "):
                    continue
                chars.append(out_ch)
                offsets.append(raw_index)
    if config.collapse_spaces and chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), np.asarray(offsets, dtype=np.int64)


def _nfc_runs(text: str) -> list[tuple[int, str]]:
    if unicodedata.is_normalized("NFC", text):
        return list(enumerate(text))
    runs: list[tuple[int, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            runs.append((start, unicodedata.normalize("NFC", text[start:i])))
            start = i
    return runs
