"""Seeded generators of the kinds of repeat that news wires and scrapers produce.

Each generator takes a real paragraph (raw text, as scraped) and a
``random.Random`` and returns the rewritten paragraph. They act on raw text,
so the normalizer is part of what the evaluation measures.

>>> import random
>>> edit_words("واحد اثنان ثلاثة اربعة خمسة ستة سبعة ثمانية تسعة عشرة", 0.1, random.Random(1), ["كلمة"]) != ""
True
"""

from __future__ import annotations

import random
import re
from typing import Sequence

ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")
# Letters after which tatweel can be drawn (they join to the next letter).
JOINING = set("بتثجحخسشصضطظعغفقكلمنهيئ")
HARAKAT = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u064b", "\u064c", "\u064d"]
INVISIBLES = ["\u200c", "\u200d", "\u200f", "\u200e", "\u2066", "\u2069", "\ufeff"]
QUOTE_PAIRS = [("«", "»"), ("\u201c", "\u201d"), ('"', '"'), ("\u2018", "\u2019")]
QUOTES = set("«»\u201c\u201d\u2018\u2019\"'")
TO_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TO_WESTERN = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")

CITIES = ["الرياض", "جدة", "مكة المكرمة", "المدينة المنورة", "الدمام", "أبها", "تبوك", "الطائف", "القاهرة", "دبي", "لندن"]
HIJRI_MONTHS = ["رمضان", "شوال", "ذو القعدة"]
GREGORIAN_MONTHS = ["يوليو", "أغسطس", "اغسطس"]


def orthographic(text: str, rng: random.Random) -> str:
    """The same words spelled the ways scraped Arabic varies: diacritics,
    tatweel, alef/hamza forms, ى/ي, ة/ه, digits, invisible characters, NBSP,
    quotes and lam-alef ligatures. Always changes the text.

    >>> out = orthographic("قال أحمد إن المدرسة على بعد 25 كيلومترا", random.Random(3))
    >>> out != "قال أحمد إن المدرسة على بعد 25 كيلومترا"
    True
    """
    for _ in range(10):
        out = _orthographic_once(text, rng)
        if out != text:
            return out
    return text + "\u200c"


def _orthographic_once(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    out_words = []
    for word in words:
        if word and word[0] in "اأإآ" and rng.random() < 0.3:
            word = rng.choice("اأإآ".replace(word[0], "")) + word[1:]
        if word.endswith("ى") and rng.random() < 0.5:
            word = word[:-1] + "ي"
        elif word.endswith("ي") and rng.random() < 0.2:
            word = word[:-1] + "ى"
        if word.endswith("ة") and rng.random() < 0.3:
            word = word[:-1] + "ه"
        if "لا" in word and rng.random() < 0.2:
            word = word.replace("لا", "\ufefb", 1)
        if rng.random() < 0.1:
            word = _tatweel(word, rng)
        if rng.random() < 0.2:
            word = "".join(c + rng.choice(HARAKAT) if ARABIC_LETTER.match(c) and rng.random() < 0.3 else c for c in word)
        if len(word) > 2 and rng.random() < 0.05:
            cut = rng.randrange(1, len(word))
            word = word[:cut] + rng.choice(INVISIBLES) + word[cut:]
        if len(word) > 2 and rng.random() < 0.05:
            open_q, close_q = rng.choice(QUOTE_PAIRS)
            word = open_q + word + close_q
        out_words.append(word)
    separators = ["\u00a0" if rng.random() < 0.15 else " " for _ in out_words[1:]]
    out = out_words[0] + "".join(sep + w for sep, w in zip(separators, out_words[1:]))
    if any(ch in QUOTES for ch in out) and rng.random() < 0.7:
        open_q, close_q = rng.choice(QUOTE_PAIRS)
        out = re.sub(r"[«\u201c]", open_q, out)
        out = re.sub(r"[»\u201d]", close_q, out)
    if rng.random() < 0.5:
        out = out.translate(TO_ARABIC_INDIC) if rng.random() < 0.5 else out.translate(TO_WESTERN)
    return out


def _tatweel(word: str, rng: random.Random) -> str:
    spots = [i for i in range(len(word) - 1) if word[i] in JOINING and ARABIC_LETTER.match(word[i + 1])]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[: i + 1] + "ـ" * rng.randint(1, 4) + word[i + 1 :]


def hamza_seat(text: str, rng: random.Random) -> str:
    """Swap the seat of a medial hamza (مسئول / مسؤول), a spelling that
    differs between outlets and that normalization does not fold.
    Returns the text unchanged when no word has a medial ؤ or ئ.

    >>> hamza_seat("قال مسؤول في الوزارة", random.Random(0))
    'قال مسئول في الوزارة'
    """
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if any(c in "ؤئ" for c in w[1:-1])]
    if not spots:
        return text
    for i in spots:
        if i == spots[0] or rng.random() < 0.5:
            words[i] = words[i][0] + words[i][1:-1].translate(str.maketrans("ؤئ", "ئؤ")) + words[i][-1]
    return " ".join(words)


def edit_words(text: str, rate: float, rng: random.Random, vocabulary: Sequence[str]) -> str:
    """Substitute, insert or delete ``max(1, round(rate * words))`` words,
    each operation drawn uniformly, at random positions; new words come from
    ``vocabulary``.

    >>> edit_words("a b c d e f g h i j", 0.2, random.Random(0), ["x"])
    'a b c d e f x g x h i j'
    """
    words = text.split()
    edits = max(1, round(rate * len(words)))
    for _ in range(edits):
        operation = rng.choice(("substitute", "insert", "delete")) if len(words) > 1 else "insert"
        if operation == "substitute":
            i = rng.randrange(len(words))
            choices = [w for w in rng.sample(list(vocabulary), min(5, len(vocabulary))) if w != words[i]]
            words[i] = choices[0] if choices else words[i] + "ا"
        elif operation == "insert":
            words.insert(rng.randrange(len(words) + 1), rng.choice(vocabulary))
        else:
            del words[rng.randrange(len(words))]
    return " ".join(words)


def agency_prefix(text: str, rng: random.Random) -> str:
    """The paragraph with an agency credit and city in front, as SPA copy is
    republished ("واس - الرياض:").

    >>> agency_prefix("نص الخبر", random.Random(0)).endswith("نص الخبر")
    True
    """
    city = rng.choice(CITIES)
    template = rng.choice(["واس - {c}:", "{c} - واس:", "{c}- واس", "{c} (واس) -", "{c} - (واس):", "(واس) - {c}:", "واس- {c}:"])
    return template.format(c=city) + " " + text


def dateline(text: str, rng: random.Random) -> str:
    """The paragraph with an SPA dateline in front ("الرياض 26 شوال 1436 هـ
    الموافق 11 أغسطس 2015 م واس").

    >>> "الموافق" in dateline("نص الخبر", random.Random(0))
    True
    """
    city = rng.choice(CITIES)
    line = (
        f"{city} {rng.randint(1, 29)} {rng.choice(HIJRI_MONTHS)} 1436 هـ الموافق "
        f"{rng.randint(1, 31)} {rng.choice(GREGORIAN_MONTHS)} 2015 م واس"
    )
    return line + rng.choice([" ", " - ", "\u00a0"]) + text


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph: split after . ! ? ؟ followed by space.

    >>> sentences("جملة أولى. جملة ثانية؟ ثالثة")
    ['جملة أولى.', 'جملة ثانية؟', 'ثالثة']
    """
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def append_sentence(text: str, sentence: str) -> str:
    """The paragraph with one more sentence at its end.

    >>> append_sentence("أ ب.", "ج د.")
    'أ ب. ج د.'
    """
    return text.rstrip() + " " + sentence.strip()


def remove_sentence(text: str, rng: random.Random, min_words: int) -> str | None:
    """The paragraph without its first or last sentence, such that at least
    ``min_words`` words remain; None if no such cut exists.

    >>> remove_sentence("a b c. d e f g.", random.Random(0), 4)
    'd e f g.'
    """
    parts = sentences(text)
    if len(parts) < 2:
        return None
    options = [" ".join(parts[1:]), " ".join(parts[:-1])]
    options = [o for o in options if len(o.split()) >= min_words]
    return rng.choice(options) if options else None


def split_paragraph(text: str, min_words: int) -> tuple[str, str] | None:
    """The paragraph cut in two parts of at least ``min_words`` words each:
    at the sentence end nearest the middle, else at the middle word.

    >>> split_paragraph("a b c. d e f g", 3)
    ('a b c.', 'd e f g')
    """
    words = text.split()
    if len(words) < 2 * min_words:
        return None
    cut_points = [i + 1 for i, w in enumerate(words[:-1]) if w[-1] in ".!?؟"]
    cut_points = [c for c in cut_points if min_words <= c <= len(words) - min_words]
    middle = len(words) // 2
    cut = min(cut_points, key=lambda c: abs(c - middle)) if cut_points else middle
    return " ".join(words[:cut]), " ".join(words[cut:])


def merge_paragraphs(first: str, second: str) -> str:
    """Two paragraphs run together as one.

    >>> merge_paragraphs("أ ب", "ج د")
    'أ ب ج د'
    """
    return first.rstrip() + " " + second.lstrip()
