"""The normalizer, row by row of the Arabic checklist (ARABIC.md), plus the
pyarabic pitfalls, presets, switches, offsets and the batch path."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
import pytest
from pyarabic import araby, unshape

from tikrar.errors import ConfigError, InputError
from tikrar.normalize import (
    DEDUP,
    LIGHT,
    PRESETS,
    RULES,
    TABLE_LIMIT,
    NormalizeConfig,
    _map_char,
    _may_compose_backward,
    normalize,
    normalize_batch,
    normalize_with_offsets,
    translation_table,
)

B = "\u0628"  # beh: a neutral letter to put things between


def between(*code_points: int) -> list[str]:
    return [B + chr(cp) + B for cp in code_points]


def cps(lo: int, hi: int) -> list[int]:
    return list(range(lo, hi + 1))


# ---------------------------------------------------------------------------
# One case (or one family of cases) per row of ARABIC.md: (row, raw, preset, expected).

ROWS: list[tuple[str, str, str, str]] = [
    # Order matters
    ("1 NFC recomposes alef + madda", "\u0627\u0653", "light", "\u0622"),
    ("1 NFC recomposes alef + hamza above", "\u0627\u0654", "light", "\u0623"),
    ("1 NFC recomposes alef + hamza below", "\u0627\u0655", "light", "\u0625"),
    ("1 NFC recomposes waw + hamza above", "\u0648\u0654", "light", "\u0624"),
    ("1 NFC recomposes yeh + hamza above", "\u064a\u0654", "light", "\u0626"),
    ("1 NFC before mark stripping, then folding", "\u0627\u0655\u0650\u0644\u0649", "dedup", "\u0627\u0644\u064a"),
    ("2 presentation forms: isolated lam-alef with hamza", "\ufef7", "light", "\u0644\u0623"),
    ("2 presentation forms: final lam-alef with hamza", "\ufef8", "light", "\u0644\u0623"),
    ("2 presentation forms: final lam-alef with madda", "\ufef6", "light", "\u0644\u0622"),
    ("2 presentation forms: final lam-alef with hamza below", "\ufefa", "light", "\u0644\u0625"),
    ("2 presentation forms: final lam-alef", "\ufefc", "light", "\u0644\u0627"),
    ("2 presentation forms: lam-alef folded for dedup", "\ufef5\ufef7\ufef9\ufefb", "dedup", "\u0644\u0627" * 4),
    ("2 presentation forms: contextual letters", "\ufe91\ufeae\ufee8\ufe8e\ufee3\ufea9", "light", "\u0628\u0631\u0646\u0627\u0645\u062f"),
    ("2 presentation forms: FE70-FE7F mark forms leave no mark", "\u0643\ufe77\u062a\ufe7d\u0628", "light", "\u0643\u062a\u0628"),
    ("2 presentation forms: isolated fathatan form is a space plus a mark", "\u0643\ufe70\u062a", "light", "\u0643 \u062a"),
    ("2 presentation forms: keheh forms FB8E-FB95 are kaf for dedup", "".join(map(chr, cps(0xFB8E, 0xFB95))), "dedup", "\u0643" * 8),
    ("2 presentation forms: keheh forms FB8E-FB95 are keheh in light", "\ufb8e", "light", "\u06a9"),
    ("2 presentation forms: Farsi yeh forms FBFC-FBFF are yeh for dedup", "".join(map(chr, cps(0xFBFC, 0xFBFF))), "dedup", "\u064a" * 4),
    ("2 presentation forms: FDF2 is the word Allah", "\ufdf2", "light", "\u0627\u0644\u0644\u0647"),
    ("2 presentation forms: FDFA expands to a phrase", "\ufdfa", "dedup", "\u0635\u0644\u064a \u0627\u0644\u0644\u0647 \u0639\u0644\u064a\u0647 \u0648\u0633\u0644\u0645"),
    ("2 presentation forms: FDFB expands to a phrase", "\ufdfb", "light", "\u062c\u0644 \u062c\u0644\u0627\u0644\u0647"),
    ("2 presentation forms: NFKC stays inside the two ranges", "\ufb01 \u2460 \uff21", "light", "\ufb01 \u2460 \uff21"),
    # Letters
    *[(f"to alef: U+{cp:04X}", B + chr(cp) + B, "dedup", B + "\u0627" + B) for cp in (0x0623, 0x0625, 0x0622, 0x0671, 0x0672, 0x0673, 0x0675)],
    *[(f"to yeh: U+{cp:04X}", B + chr(cp) + B, "dedup", B + "\u064a" + B)
      for cp in (0x0649, 0x06CC, 0x063D, 0x063E, 0x063F, 0x06CD, 0x06CE, 0x06D0, 0x06D1, 0x06D2, 0x06D3, 0x0678)],
    ("to yeh: alef maksura is a switch (off in light)", "\u0639\u0644\u0649", "light", "\u0639\u0644\u0649"),
    *[(f"to kaf: U+{cp:04X}", B + chr(cp) + B, "dedup", B + "\u0643" + B) for cp in (0x06A9, 0x06AA, 0x063B, 0x063C)],
    *[(f"to heh: U+{cp:04X}", B + chr(cp) + B, "dedup", B + "\u0647" + B) for cp in (0x0629, 0x06C1, 0x06BE, 0x06D5, 0x06C0, 0x06C2, 0x06C3)],
    ("to heh: teh marbuta is a switch (off in light)", "\u0645\u062f\u064a\u0646\u0629", "light", "\u0645\u062f\u064a\u0646\u0629"),
    *[(f"to waw: U+{cp:04X}", B + chr(cp) + B, "dedup", B + "\u0648" + B) for cp in (0x0624, 0x0676, 0x0677)],
    ("hamza: yeh with hamza to yeh", "\u0627\u0644\u0623\u0626\u0645\u0629", "dedup", "\u0627\u0644\u0627\u064a\u0645\u0647"),
    ("hamza: waw with hamza to waw", "\u0633\u0624\u0627\u0644", "dedup", "\u0633\u0648\u0627\u0644"),
    ("hamza: standalone hamza kept by default", "\u062c\u0627\u0621", "dedup", "\u062c\u0627\u0621"),
    ("keep: foreign letters kept in light", "\u067e\u0686\u06a4\u06af", "light", "\u067e\u0686\u06a4\u06af"),
    ("keep: foreign letters folded for dedup (documented)", "\u067e\u0686\u06a4\u06af", "dedup", "\u0628\u062c\u0641\u0643"),
    # Marks and invisible characters
    *[(f"harakat etc. U+{cp:04X}", between(cp)[0], "light", B + B) for cp in cps(0x064B, 0x065F)],
    ("superscript alef", "\u0647\u0670\u0630\u0627", "light", "\u0647\u0630\u0627"),
    *[(f"Quranic mark U+{cp:04X}", between(cp)[0], "light", B + B) for cp in cps(0x0610, 0x061A) + cps(0x06D6, 0x06ED)],
    *[(f"extended mark U+{cp:04X}", between(cp)[0], "light", B + B) for cp in cps(0x0898, 0x089F) + cps(0x08CA, 0x08E1) + cps(0x08E3, 0x08FF)],
    *[(f"number sign U+{cp:04X}", chr(cp) + "\u0661\u0662", "light", "\u0661\u0662") for cp in cps(0x0600, 0x0605) + [0x0890, 0x0891, 0x08E2]],
    ("tatweel", "\u0627\u0644\u0640\u0640\u0640\u0633\u0644\u0627\u0645", "light", "\u0627\u0644\u0633\u0644\u0627\u0645"),
    *[(f"invisible U+{cp:04X}", between(cp)[0], "light", B + B)
      for cp in cps(0x200B, 0x200F) + cps(0x202A, 0x202E) + cps(0x2060, 0x2064) + cps(0x2066, 0x2069) + [0x061C, 0xFEFF, 0x00AD, 0x034F, 0x180E]],
    # Digits, spaces, punctuation
    ("Arabic-Indic digits", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669", "dedup", "0123456789"),
    ("Persian digits", "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9", "dedup", "0123456789"),
    ("Arabic decimal separator is a full stop", "\u0663\u066b\u0665", "rules", "3.5"),
    ("Arabic thousands separator dropped", "\u0661\u066c\u0660\u0660\u0660", "dedup", "1000"),
    ("Arabic percent sign", "\u0665\u0660\u066a", "rules", "50%"),
    ("digits kept as written in light", "\u0661\u0662", "light", "\u0661\u0662"),
    *[(f"space U+{cp:04X}", between(cp)[0], "light", B + " " + B) for cp in [0x00A0] + cps(0x2000, 0x200A) + [0x202F, 0x205F, 0x3000, 0x1680]],
    *[(f"paragraph break {text!r}", B + text + B, "light", B + " " + B) for text in ("\n", "\r\n", "\u2028", "\u2029", "\u0085")],
    *[(f"punctuation U+{cp:04X} removed for dedup", B + chr(cp) + B, "dedup", B + " " + B)
      for cp in (0x060C, 0x061B, 0x061F, 0x06D4, 0x066D, 0x060D, 0x061E, 0x2026, *cps(0x2010, 0x2015), 0x2212, 0xFD3E, 0xFD3F)],
    *[(f"punctuation U+{cp:04X} in ASCII spelling for rules", B + chr(cp) + B, "rules", B + ascii_form + B)
      for cp, ascii_form in ((0x060C, ","), (0x061B, ";"), (0x061F, "?"), (0x06D4, "."), (0x066D, "*"), (0x060D, "/"),
                             (0x061E, "..."), (0x2026, "..."), (0x2010, "-"), (0x2013, "-"), (0x2014, "-"), (0x2015, "-"),
                             (0x2212, "-"), (0xFD3E, "("), (0xFD3F, ")"))],
    *[(f"quote U+{cp:04X} removed for dedup", "\u0642\u0627\u0644" + chr(cp) + "\u0646\u0639\u0645", "dedup", "\u0642\u0627\u0644 \u0646\u0639\u0645")
      for cp in (0x00AB, 0x00BB, *cps(0x2018, 0x201F), 0x2039, 0x203A)],
    *[(f"quote U+{cp:04X} in ASCII spelling for rules", chr(cp), "rules", '"' if cp in (0x00AB, 0x00BB, 0x2039, 0x203A) or cp >= 0x201C else "'")
      for cp in (0x00AB, 0x00BB, *cps(0x2018, 0x201F), 0x2039, 0x203A)],
    ("hashtag: # and _ become spaces", "#\u0643\u0644\u0645\u0629_\u0643\u0644\u0645\u0629", "dedup", "\u0643\u0644\u0645\u0647 \u0643\u0644\u0645\u0647"),
    ("hashtag: kept for rules (a rule anchors on #)", "#\u0643\u0644\u0645\u0629", "rules", "#\u0643\u0644\u0645\u0647"),
]


@pytest.mark.parametrize("row,raw,preset,expected", ROWS, ids=[r[0] for r in ROWS])
def test_arabic_checklist_row(row, raw, preset, expected):
    assert normalize(raw, PRESETS[preset]) == expected


@pytest.mark.parametrize("row,raw,preset,expected", ROWS, ids=[r[0] for r in ROWS])
def test_arabic_checklist_row_batch_and_offsets(row, raw, preset, expected):
    config = PRESETS[preset]
    assert normalize_batch([raw, raw + " x"], config) == [expected, normalize(raw + " x", config)]
    text, offsets = normalize_with_offsets(raw, config)
    assert text == expected
    assert len(offsets) == len(text)


def test_every_arabic_checklist_row_has_a_case():
    rows = {r[0].split(":")[0].split(" U+")[0] for r in ROWS}
    for expected in ("to alef", "to yeh", "to kaf", "to heh", "to waw", "hamza", "keep", "superscript alef",
                     "tatweel", "Arabic-Indic digits", "Persian digits", "hashtag"):
        assert expected in rows


# ---------------------------------------------------------------------------
# pyarabic: what it gets wrong, and that tikrar does not.


def test_pitfall_strip_tashkeel_leaves_dagger_alef_and_quranic_marks():
    word = "\u0627\u0644\u0631\u064e\u0651\u062d\u0652\u0645\u064e\u0670\u0646\u0650\u06e1\u0653"
    stripped = araby.strip_tashkeel(word)
    assert "\u0670" in stripped and "\u06e1" in stripped and "\u0653" in stripped
    assert araby.strip_tashkeel("\u0627\u0644\u0631\u062d\u0645\u0670\u0646") == "\u0627\u0644\u0631\u062d\u0645\u0670\u0646"
    assert normalize(word, LIGHT) == "\u0627\u0644\u0631\u062d\u0645\u0646"


def test_pitfall_normalize_alef_turns_alef_maksura_into_alef():
    assert araby.normalize_alef("\u0639\u0644\u0649") == "\u0639\u0644\u0627"  # على -> علا
    assert araby.normalize_alef("\u0647\u0670\u0630\u0627") == "\u0647\u0627\u0630\u0627"
    assert normalize("\u0639\u0644\u0649") == "\u0639\u0644\u064a"
    assert normalize("\u0639\u0644\u0649", LIGHT) == "\u0639\u0644\u0649"
    assert normalize("\u0647\u0670\u0630\u0627") == "\u0647\u0630\u0627"


def test_pitfall_normalize_ligature_drops_hamza_and_skips_final_forms():
    assert araby.normalize_ligature("\ufef7") == "\u0644\u0627"  # the hamza is lost
    assert araby.normalize_ligature("\ufef8\ufefc") == "\ufef8\ufefc"  # final forms untouched
    assert normalize("\ufef7", LIGHT) == "\u0644\u0623"
    assert normalize("\ufef8\ufefc", LIGHT) == "\u0644\u0623\u0644\u0627"


def test_pitfall_sentence_tokenize_stops_after_32_splits():
    text = " ".join(f"\u062c\u0645\u0644\u0629 {i}\u061f" for i in range(40))
    assert len(araby.sentence_tokenize(text)) == 33  # re.UNICODE (32) passed as re.sub's count
    ruled = normalize(text, RULES)
    assert ruled.count("?") == 40 and "\u061f" not in ruled
    assert normalize(text).split(" ")[-2:] == ["\u062c\u0645\u0644\u0647", "39"]


def test_pitfall_tokenize_keeps_invisible_controls_as_tokens():
    text = "\u0643\u0644\u0645\u0629 \u200c \u0627\u062e\u0631\u0649 \u200f \u0646\u0635"
    assert "\u200c" in araby.tokenize(text) and "\u200f" in araby.tokenize(text)
    assert normalize(text).split(" ") == ["\u0643\u0644\u0645\u0647", "\u0627\u062e\u0631\u064a", "\u0646\u0635"]


def _isolated_forms() -> dict[str, str]:
    forms = {}
    for cp in range(0xFE70, 0xFEFF):
        ch = chr(cp)
        if unicodedata.name(ch, "").endswith("ISOLATED FORM"):
            letters = unicodedata.normalize("NFKC", ch)
            if len(letters) == 1:
                forms.setdefault(letters, ch)
    return forms


def test_pitfall_unshaping_text_reverses_order():
    forms = _isolated_forms()
    plain = "\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645"
    shaped = "".join(forms.get(c, c) for c in plain)
    assert shaped != plain
    assert unshape.unshaping_text(shaped) != plain
    assert unshape.unshaping_text(shaped).strip() == plain[::-1]  # visual order: words and letters reversed
    assert normalize(shaped, LIGHT) == plain


def test_pyarabic_good_parts_agree():
    hamza_forms = "\u0623\u0625\u0622\u0624\u0626"
    assert normalize(hamza_forms) == araby.normalize_hamza(hamza_forms, method="tasheel")
    text = "\u0627\u0644\u0639\u0640\u0640\u0631\u0628\u064a\u0629"
    assert normalize(text, LIGHT) == araby.strip_tatweel(text)
    for mark in araby.TASHKEEL:
        assert translation_table(LIGHT)[ord(mark)] == ""


# ---------------------------------------------------------------------------
# Presets and switches


def test_presets():
    assert set(PRESETS) == {"dedup", "light", "rules"}
    assert PRESETS["dedup"] is DEDUP and DEDUP == NormalizeConfig()
    assert DEDUP.fold_alef_maksura and DEDUP.fold_teh_marbuta and DEDUP.strip_punctuation
    assert not LIGHT.fold_alef and not LIGHT.unify_digits and not LIGHT.lowercase_latin
    assert RULES.unify_punctuation and not RULES.strip_punctuation


def test_light_removes_only_noise():
    raw = "\u0625\u0650\u0646\u0651\u064e \u0627\u0644\u0640\u0640\u0633\u0644\u0627\u0645\u200f \u0639\u0644\u0649\u00a0\u00ab\u0661\u0662\u00bb CNN"
    assert normalize(raw, LIGHT) == "\u0625\u0646 \u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u0649 \u00ab\u0661\u0662\u00bb CNN"
    assert normalize(raw) == "\u0627\u0646 \u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a 12 cnn"
    assert normalize(raw, RULES) == '\u0627\u0646 \u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a "12" cnn'


@pytest.mark.parametrize(
    "switch,raw,on,off",
    [
        ("fold_alef_maksura", "\u0639\u0644\u0649", "\u0639\u0644\u064a", "\u0639\u0644\u0649"),
        ("fold_teh_marbuta", "\u0645\u062f\u064a\u0646\u0629", "\u0645\u062f\u064a\u0646\u0647", "\u0645\u062f\u064a\u0646\u0629"),
        ("fold_alef", "\u0623\u062d\u0645\u062f", "\u0627\u062d\u0645\u062f", "\u0623\u062d\u0645\u062f"),
        ("fold_hamza", "\u0633\u0624\u0627\u0644", "\u0633\u0648\u0627\u0644", "\u0633\u0624\u0627\u0644"),
        ("fold_persian", "\u06a9\u06cc", "\u0643\u064a", "\u06a9\u06cc"),
        ("fold_foreign_letters", "\u06af\u0648\u06af\u0644", "\u0643\u0648\u0643\u0644", "\u06af\u0648\u06af\u0644"),
        ("strip_marks", "\u0643\u064e\u062a\u064e\u0628\u064e", "\u0643\u062a\u0628", "\u0643\u064e\u062a\u064e\u0628\u064e"),
        ("strip_tatweel", "\u0643\u0640\u062a\u0628", "\u0643\u062a\u0628", "\u0643\u0640\u062a\u0628"),
        ("strip_invisible", "\u0643\u200d\u062a\u0628", "\u0643\u062a\u0628", "\u0643\u200d\u062a\u0628"),
        ("unify_digits", "\u0661\u0669", "19", "\u0661\u0669"),
        ("unify_spaces", "\u0643\u00a0\u062a", "\u0643 \u062a", "\u0643\u00a0\u062a"),
        ("strip_punctuation", "\u0643\u060c \u062a", "\u0643 \u062a", "\u0643\u060c \u062a"),
        ("split_hashtags", "#\u0643_\u062a", "\u0643 \u062a", "#\u0643_\u062a"),
        ("lowercase_latin", "CNN", "cnn", "CNN"),
        ("collapse_spaces", " \u0643  \u062a ", "\u0643 \u062a", " \u0643  \u062a "),
        ("presentation_forms", "\ufefb", "\u0644\u0627", "\ufefb"),
        ("nfc", "\u0627\u0653", "\u0622", "\u0627\u0653"),
    ],
)
def test_each_switch(switch, raw, on, off):
    base = LIGHT.replace(strip_marks=False, strip_punctuation=False, split_hashtags=False, unify_spaces=False)
    assert normalize(raw, base.replace(**{switch: True})) == on
    assert normalize(raw, base.replace(**{switch: False})) == off
    assert normalize_batch([raw], base.replace(**{switch: False})) == [off]


def test_drop_standalone_hamza_switch():
    assert normalize("\u062c\u0627\u0621") == "\u062c\u0627\u0621"
    assert normalize("\u062c\u0627\u0621", DEDUP.replace(drop_standalone_hamza=True)) == "\u062c\u0627"
    assert normalize("\u062c\u0627\u0674", DEDUP.replace(drop_standalone_hamza=True)) == "\u062c\u0627"


def test_unify_punctuation_switch():
    assert normalize("\u0642\u0627\u0644\u061b \u00ab\u0646\u0639\u0645\u00bb\u2026", RULES) == '\u0642\u0627\u0644; "\u0646\u0639\u0645"...'
    assert normalize("\u0642\u0627\u0644\u061b", RULES.replace(unify_punctuation=False)) == "\u0642\u0627\u0644\u061b"


def test_config_validation():
    with pytest.raises(ConfigError, match="fold_alef"):
        NormalizeConfig(fold_alef="yes")
    with pytest.raises(ConfigError, match="fold_alif"):
        DEDUP.replace(fold_alif=True)


# ---------------------------------------------------------------------------
# Latin and other scripts


def test_latin_is_case_folded():
    assert normalize("CNN SMS \u00c9COLE Stra\u00dfe \uff23\uff2e\uff2e") == "cnn sms \u00e9cole strasse \uff43\uff4e\uff4e"
    assert normalize("CNN", LIGHT) == "CNN"


@pytest.mark.parametrize(
    "text",
    [
        "\u041c\u043e\u0441\u043a\u0432\u0430 \u0420\u041e\u0421\u0421\u0418\u042f",  # Cyrillic, upper case kept
        "\u0391\u03b8\u03ae\u03bd\u03b1 \u0395\u039b\u039b\u0391\u0394\u0391",  # Greek
        "\u5317\u4eac \u6771\u4eac \ud55c\uad6d\uc5b4",  # CJK and Hangul
        "\U0001f600 \U0001f1f8\U0001f1e6 \u2764\ufe0f \U0001f44d\U0001f3fd",  # emoji, flags, variation selector, skin tone
        "\u05e9\u05dc\u05d5\u05dd \u0928\u092e\u0938\u094d\u0924\u0947",  # Hebrew, Devanagari
    ],
)
def test_other_scripts_pass_through(text):
    for config in PRESETS.values():
        assert normalize(text, config) == text
        assert normalize_batch([text, "\u0623" + text], config) == [text, normalize("\u0623" + text, config)]
        assert normalize_with_offsets(text, config)[0] == text


def test_mixed_script_paragraph():
    raw = "\u0642\u0627\u0644 Putin \u0625\u0646 \u00ab\u041c\u043e\u0441\u043a\u0432\u0430\u00bb \U0001f600"
    assert normalize(raw) == "\u0642\u0627\u0644 putin \u0627\u0646 \u041c\u043e\u0441\u043a\u0432\u0430 \U0001f600"


# ---------------------------------------------------------------------------
# Idempotence corner cases: deletions that bring a mark next to its letter


@pytest.mark.parametrize(
    "raw,config,expected",
    [
        ("e\u200b\u0301", DEDUP, "\u00e9"),
        ("E\u0640\u0301", DEDUP, "\u00e9"),
        ("\u0627\u200d\u0654", DEDUP.replace(strip_marks=False, fold_alef=False), "\u0623"),
        ("\ufe8d\u0654", DEDUP.replace(strip_marks=False, fold_alef=False), "\u0623"),
        ("\u0627\u200d\u0654", LIGHT, "\u0623"),
        ("\u0627\u0640\u0654", LIGHT, "\u0623"),
        ("\u0627\u0610\u0654", LIGHT, "\u0623"),  # U+0610 would block the composition
        ("\u0648\u200b\u0654\u064e \u0627\u200c\u0653", LIGHT, "\u0624 \u0622"),
        ("\u0130stanbul", DEDUP, "i\u0307stanbul"),
        ("\u01f0", DEDUP, "\u01f0"),
    ],
)
def test_nfc_after_the_table(raw, config, expected):
    once = normalize(raw, config)
    assert once == expected
    assert normalize(once, config) == once
    assert normalize_batch([raw], config) == [expected]
    assert normalize_with_offsets(raw, config)[0] == expected


# ---------------------------------------------------------------------------
# Offsets


def test_offsets_point_at_the_raw_characters():
    raw = "  \u0627\u0644\u0640\u0640\u0633\u0644\u0627\u0645\u064f   \u0639\u0644\u064a\u0643\u0645  "
    text, offsets = normalize_with_offsets(raw)
    assert text == "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645"
    assert offsets.tolist() == [2, 3, 6, 7, 8, 9, 11, 14, 15, 16, 17, 18]
    assert all(raw[o] == c for o, c in zip(offsets, text) if c != " ")


def test_offsets_of_a_match_show_on_the_raw_text():
    raw = "\u0648\u0642\u0627\u0644 \u00ab\u0627\u0644\u0631\u0651\u0626\u064a\u0633\u00bb \u0627\u0644\u0642\u0627\u062f\u0645"
    text, offsets = normalize_with_offsets(raw)
    start = text.index("\u0627\u0644\u0631\u064a\u064a\u0633")
    end = start + len("\u0627\u0644\u0631\u064a\u064a\u0633")
    assert raw[offsets[start] : offsets[end - 1] + 1] == "\u0627\u0644\u0631\u0651\u0626\u064a\u0633"


def test_offsets_through_expansions_and_composition():
    text, offsets = normalize_with_offsets("\u0628 \ufdfa \u0627\u0654\u064e\u0628", LIGHT)
    assert text == "\u0628 \u0635\u0644\u0649 \u0627\u0644\u0644\u0647 \u0639\u0644\u064a\u0647 \u0648\u0633\u0644\u0645 \u0623\u0628"
    assert offsets.tolist()[:2] == [0, 1] and set(offsets.tolist()[2:20]) == {2}
    assert offsets.tolist()[-3:] == [3, 4, 7]


def test_offsets_when_nfc_reorders_marks():
    raw = "\u0627\u0653\u0628\u0651\u064e\u062a"  # madda to compose; shadda before fatha is not NFC order
    assert not unicodedata.is_normalized("NFC", raw)
    text, offsets = normalize_with_offsets(raw, LIGHT)
    assert text == "\u0622\u0628\u062a" and offsets.tolist() == [0, 2, 5]
    text, offsets = normalize_with_offsets(raw, LIGHT.replace(strip_marks=False))
    assert text == "\u0622\u0628\u064e\u0651\u062a"
    assert offsets.tolist() == [0, 2, 3, 4, 5]


def test_offsets_of_empty_and_blank_text():
    for raw in ("", "   ", "\u200f\u0640", "\u061f\u061f"):
        text, offsets = normalize_with_offsets(raw)
        assert text == "" and offsets.dtype == np.int64 and offsets.shape == (0,)


# ---------------------------------------------------------------------------
# Batch path


def test_batch_equals_normalize_on_edge_cases():
    texts = ["", " ", "\u0623", "a\x00b", "\ud800x", "\U0001f600 \u0623", "\ufdfa" * 50, "A" * 10_000, "\u0627\u0654",
             "e\u200b\u0301", "\u00a0\u00a0\u0628\u00a0\u00a0", "\u3000", "#\u0643_\u0643"]
    for config in (DEDUP, LIGHT, RULES, DEDUP.replace(collapse_spaces=False), DEDUP.replace(nfc=False)):
        assert normalize_batch(texts, config) == [normalize(t, config) for t in texts]
        assert normalize_batch(iter(texts), config) == [normalize(t, config) for t in texts]
        assert normalize_batch(tuple(texts), config) == [normalize(t, config) for t in texts]
    assert normalize_batch([]) == []


def test_batch_spanning_chunks(monkeypatch):
    from tikrar import _normalize_fast

    monkeypatch.setattr(_normalize_fast, "CHUNK_TEXTS", 3)
    texts = [f"\u0623\u062d\u0645\u062f {i}" for i in range(10)]
    assert normalize_batch(texts) == [f"\u0627\u062d\u0645\u062f {i}" for i in range(10)]
    assert normalize_batch(iter(texts)) == [f"\u0627\u062d\u0645\u062f {i}" for i in range(10)]


def test_batch_meets_many_new_code_points(monkeypatch):
    from tikrar import _normalize_fast

    monkeypatch.setattr(_normalize_fast, "MAX_NEW_CODE_POINTS", 2)
    texts = ["".join(chr(c) for c in range(0x4E00 + 40 * k, 0x4E00 + 40 * k + 40)) for k in range(5)] + ["\u0623"]
    assert normalize_batch(texts, DEDUP.replace(lowercase_latin=False)) == texts[:5] + ["\u0627"]


def test_bad_input_names_the_record():
    with pytest.raises(InputError, match=r"texts\[2\].*int"):
        normalize_batch(["\u0623", "b", 3])
    from tikrar import _normalize_fast

    with pytest.raises(InputError, match=r"texts\[5\].*bytes"):
        normalize_batch(iter(["a"] * 5 + [b"x"]))
    with pytest.raises(InputError, match="NoneType"):
        normalize(None)
    with pytest.raises(InputError, match="NoneType"):
        normalize_with_offsets(None)
    assert _normalize_fast.CHUNK_TEXTS > 0


# ---------------------------------------------------------------------------
# The table itself


@pytest.mark.parametrize("preset", ["dedup", "rules", "light"])
def test_translation_table_is_the_whole_mapping(preset):
    config = PRESETS[preset]
    table = translation_table(config)
    changed = {}
    for cp in range(TABLE_LIMIT):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        mapped = _map_char(chr(cp), config)
        if mapped != chr(cp):
            changed[cp] = mapped
    assert table == changed


def test_nothing_beyond_the_table_limit_can_change():
    for cp in range(TABLE_LIMIT, 0x110000):
        ch = chr(cp)
        assert unicodedata.category(ch)[0] != "P" and ch.casefold() == ch, hex(cp)


@pytest.mark.parametrize("preset", ["dedup", "rules", "light"])
def test_table_outputs_are_fixed_points(preset):
    config = PRESETS[preset]
    for cp, mapped in translation_table(config).items():
        for ch in mapped:
            assert _map_char(ch, config) == ch, (hex(cp), mapped)


@lru_cache(maxsize=1)
def primary_compositions() -> tuple[tuple[str, str], ...]:
    """(first, second) of every pair NFC composes, from the running Python's Unicode database."""
    pairs = []
    for cp in range(0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if not decomposition or decomposition.startswith("<"):
            continue
        parts = decomposition.split()
        if len(parts) == 2 and unicodedata.normalize("NFC", chr(cp)) == chr(cp):
            pairs.append((chr(int(parts[0], 16)), chr(int(parts[1], 16))))
    return tuple(pairs)


@pytest.mark.parametrize("preset", ["dedup", "rules", "light"])
def test_only_madda_and_hamza_are_deleted_composing_marks(preset):
    """Deleting characters before NFC (when a combining hamza is present)
    changes no composition except the ones it is for."""
    from tikrar.normalize import COMPOSING_MARKS

    deleted = {chr(cp) for cp, mapped in translation_table(PRESETS[preset]).items() if mapped == ""}
    assert {ch for ch in deleted if _may_compose_backward(ch)} == set(COMPOSING_MARKS)
    assert not {first for first, _ in primary_compositions()} & deleted


def test_every_composition_second_half_is_known():
    """The batch path trusts raw text without NFC unless a character may
    compose with the one before it; this checks that list against the
    Unicode database of the running Python."""
    pairs = primary_compositions()
    assert len(pairs) > 900
    for first, second in pairs:
        assert _may_compose_backward(second), (first, second)
    for jamo in list(range(0x1161, 0x1176)) + list(range(0x11A8, 0x11C3)):  # Hangul, composed by algorithm
        assert _may_compose_backward(chr(jamo))

