"""Reused passages on real news: a paragraph that holds an earlier kept
paragraph plus more text stays ``unique`` and lists the passage in
``record.reused``; a short paragraph wholly inside an earlier long one is a
``duplicate`` (match ``contained``) of it.

How the evaluation is built (seeded, SaudiNewsNet read in place, every
constructed paragraph made of real paragraphs cut and joined at whitespace):

* Background: every article of some days (quick: 2015-07-21; full:
  2015-07-21 to 2015-07-24), in corpus order.
* Outside days (quick: 2015-08-10; full: 2015-08-10 and 2015-08-11): new
  text for hosts, long paragraphs and inserted sentences. Only the
  paragraphs used go into the run.
* Free paragraphs: a paragraph of the background or the outside days is
  usable only when (a) no other paragraph of all those days shares more
  than ``MAX_SHARED`` distinct word 3-grams with it (so no shared run of
  8 or more normalized words and no near copy anywhere), (b) its
  normalized text occurs once, and (c) a default run of tikrar over all
  those days labels it ``unique``, with no ``reused`` passage, no other
  paragraph points at it (this drops boilerplate), and keeps it whole as
  one record (paragraphs are named by their record index). Every
  paragraph is used at most once over all kinds.
* Kinds (each constructed paragraph is the only paragraph of a new article
  placed after the background; follow-up articles come after all of them):

  - **embedded**: a free background paragraph S (>= 12 normalized words)
    put into a free outside-day host H with 3 to 10 times as many
    normalized words, at the start of H, at its end, or in the middle
    (at a sentence end between 20% and 80% of H's tokens when there is
    one, else at a word boundary there), cycling through the three.
  - **merged**: two free background paragraphs S1, S2 (>= 12 words each,
    different articles) joined by a space, or with a real 6-20-word
    sentence (ending in . ! ? or ؟) of an outside-day paragraph between
    them (alternating).
  - **contained**: a free outside-day paragraph L (>= 60 words) with a free
    outside-day S' (12-40 words, another article) embedded as above; the
    composite is a new article and S' alone follows in a later article.
  - **passage**: a contiguous run of 12-40 whitespace tokens (at least 12
    normalized words, at most 45% of the paragraph's tokens) of a free
    background paragraph of >= 60 words, cut at its start, in its middle or
    at its end (cycling), alone in a later article.

* Found:

  - embedded / merged: the composite's record is ``unique`` and, for each
    inserted paragraph, ``reused`` holds an entry naming it (doc_id, index)
    whose ``[start, end)`` is within one word of the truth span in the
    composite and whose ``[source_start, source_end)`` is within one word
    of the whole source paragraph (``0..len(source.text)``). "Within one
    word": each end is off by at most one word, where the words are the
    whitespace-separated tokens (``\\S+``) of that paragraph's raw text and
    an end is off by as many of them as intersect the characters between
    it and the true end in a letter or a digit (:func:`word_distance`:
    taking in the neighbouring word is 1, two words is 2, stopping inside
    a word counts that word; leaving out a final "." or a leading "* «",
    punctuation only, is 0). The table also gives the count with every
    token counted, punctuation-only ones too (``strict``).
  - contained / passage: the record of the short paragraph is
    ``duplicate``, match ``contained``, ``duplicate_of`` the composite (or
    the long background paragraph).

Run ``python -m benchmarks.eval_reuse`` (full: a few minutes; wrap it in
``flock /tmp/tikrar-heavy.lock``) or ``--quick`` for the CI slice.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import tikrar  # noqa: E402
from tikrar.config import ShingleConfig  # noqa: E402
from tikrar.shingle import shingle_sets  # noqa: E402

from benchmarks import eval_quality, saudinewsnet, variants  # noqa: E402
from benchmarks.eval_quality import Para, Ref, load_days, paragraphs_of  # noqa: E402

SEED = 20150721
QUICK_DAYS = eval_quality.QUICK_DAYS
FULL_DAYS = eval_quality.FULL_DAYS
QUICK_OUTSIDE = ("2015-08-10",)
FULL_OUTSIDE = ("2015-08-10", "2015-08-11")
QUICK_PER_KIND = 150
FULL_PER_KIND = 1000

MIN_WORDS = 12  # inserted paragraphs, short paragraphs, passages (normalized words)
SHORT_MAX = 40  # short paragraphs and passages: at most this many words
LONG_WORDS = 60  # long paragraphs of "contained" and "passage"
HOST_RATIO = (3, 10)
#: A passage is at most this share of its long paragraph's tokens, so the
#: pair's Jaccard similarity stays under the default threshold (0.5): it is
#: a ``contained`` repeat, not a ``near`` one.
PASSAGE_SHARE = 0.45  # host words / inserted paragraph words
SENTENCE_WORDS = (6, 20)  # the sentence between two merged paragraphs
#: A free paragraph shares at most this many distinct word 3-grams with any
#: other paragraph of the days read (a shared run of w words is w - 2 of
#: them, so no shared run of 8+ words).
MAX_SHARED = 5
#: 3-grams in more paragraphs than this are stock phrases, not counted.
COMMON_SHINGLE = 500
TARGET = 0.95

KINDS = ("embedded", "merged", "contained", "passage")
POSITIONS = ("start", "middle", "end")
MERGE_VARIANTS = ("space", "sentence between")
#: Length buckets (normalized words) of the inserted paragraphs; embedded
#: and merged cases cycle through them.
BUCKETS = ("12-15", "16-40", "41+")
SOURCE = "reuse-eval"

TOKEN = re.compile(r"\S+")
SENTENCE_END = re.compile(r"[.!?؟][\"'»\u201d\u2019)\]]*$")


def length_bucket(words: int) -> str:
    """The length bucket of a paragraph of ``words`` normalized words.

    >>> length_bucket(12), length_bucket(40), length_bucket(41)
    ('12-15', '16-40', '41+')
    """
    return BUCKETS[0] if words <= 15 else BUCKETS[1] if words <= 40 else BUCKETS[2]


# ---------------------------------------------------------------------------
# Spans and "within one word"


def token_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the whitespace-separated tokens of ``text``.

    >>> token_spans("ab  cd.")
    [(0, 2), (4, 7)]
    """
    return [m.span() for m in TOKEN.finditer(text)]


def word_distance(text: str, a: int, b: int, strict: bool = False) -> int:
    """How many words of ``text`` an offset ``a`` is off from ``b``: the
    whitespace-separated tokens that intersect the characters between them
    in a letter or a digit (white space and punctuation alone count for
    nothing; part of a word counts as the word). ``strict``: every token
    intersecting them counts, punctuation too.

    >>> t = "واحد اثنان ثلاثة."
    >>> word_distance(t, 5, 5), word_distance(t, 4, 5), word_distance(t, 0, 5)
    (0, 0, 1)
    >>> word_distance(t, len(t) - 1, len(t)), word_distance(t, len(t) - 1, len(t), strict=True)
    (0, 1)
    >>> word_distance(t, 0, len(t)), word_distance("* «نص", 0, 3), word_distance("* «نص", 0, 3, strict=True)
    (3, 0, 2)
    """
    lo, hi = min(a, b), max(a, b)
    if lo == hi:
        return 0
    return sum(
        1
        for s, e in token_spans(text)
        if s < hi and e > lo and (strict or any(c.isalnum() for c in text[max(s, lo) : min(e, hi)]))
    )


def within_one_word(text: str, truth: tuple[int, int], got: tuple[int, int], strict: bool = False) -> bool:
    """Whether ``got`` is a non-empty span of ``text`` whose ends are each at
    most one word away from those of ``truth`` (see :func:`word_distance`).

    >>> t = "قال الوزير إن المشروع اكتمل."
    >>> within_one_word(t, (4, 28), (0, 28)), within_one_word(t, (4, 28), (0, 27))
    (True, True)
    >>> within_one_word(t, (11, 28), (0, 28))
    False
    """
    start, end = got
    if not (0 <= start < end <= len(text)):
        return False
    return (word_distance(text, truth[0], start, strict) <= 1
            and word_distance(text, truth[1], end, strict) <= 1)


# ---------------------------------------------------------------------------
# Construction helpers (pure: raw text in, raw text and truth spans out)


@dataclass(frozen=True)
class Embedding:
    """``text[start:end]`` is the inserted paragraph; ``boundary`` says where
    it went: ``start``, ``end``, or in the middle at a ``sentence`` end or a
    ``word`` boundary of the host."""

    text: str
    start: int
    end: int
    boundary: str


def insertion_points(host: str) -> list[tuple[int, bool]]:
    """Offsets where a paragraph can go inside ``host``, between 20% and 80%
    of its tokens: the start of a token that is not the first, with whether
    the token before it ends a sentence.

    >>> insertion_points("أ ب. ج د ه و ز ح ط ي")[:2]
    [(5, True), (7, False)]
    """
    tokens = token_spans(host)
    n = len(tokens)
    if n < 2:
        return []
    lo, hi = max(1, math.ceil(n * 0.2)), min(n - 1, math.floor(n * 0.8))
    return [(tokens[k][0], bool(SENTENCE_END.search(host[tokens[k - 1][0] : tokens[k - 1][1]]))) for k in range(lo, hi + 1)]


def embed(host: str, passage: str, position: str, rng: random.Random) -> Embedding:
    """``passage`` put into ``host`` at its start, its end or in its middle
    (a sentence end when there is one in the middle 60% of the tokens, else
    a word boundary there), separated by one space; the host's own white
    space is kept.

    >>> e = embed("أ ب. ج د ه و ز ح ط ي", "نص", "middle", random.Random(0))
    >>> e.text, e.text[e.start:e.end], e.boundary
    ('أ ب. نص ج د ه و ز ح ط ي', 'نص', 'sentence')
    >>> embed("أ ب", "نص", "end", random.Random(0)).text
    'أ ب نص'
    """
    if position == "start":
        return Embedding(passage + " " + host, 0, len(passage), "start")
    if position == "end":
        return Embedding(host + " " + passage, len(host) + 1, len(host) + 1 + len(passage), "end")
    if position != "middle":
        raise ValueError(f"position must be one of {POSITIONS}, got {position!r}")
    points = insertion_points(host)
    if not points:
        raise ValueError("host too short to insert into its middle")
    sentence_ends = [offset for offset, is_end in points if is_end]
    if sentence_ends:
        offset, boundary = rng.choice(sentence_ends), "sentence"
    else:
        offset, boundary = rng.choice([offset for offset, _ in points]), "word"
    return Embedding(host[:offset] + passage + " " + host[offset:], offset, offset + len(passage), boundary)


def join(parts: Sequence[str], separator: str = " ") -> tuple[str, list[tuple[int, int]]]:
    """The parts joined into one line, and the span of each part in it.

    >>> join(["أ ب", "ج"])
    ('أ ب ج', [(0, 3), (4, 5)])
    """
    spans, position = [], 0
    for part in parts:
        spans.append((position, position + len(part)))
        position += len(part) + len(separator)
    return separator.join(parts), spans


def cut_passage(text: str, position: str, rng: random.Random, min_tokens: int = MIN_WORDS,
                max_tokens: int = SHORT_MAX, min_words: int = MIN_WORDS,
                max_share: float = PASSAGE_SHARE) -> Optional[tuple[int, int]]:
    """The span of a run of ``min_tokens`` to ``max_tokens`` whole tokens of
    ``text``, and at most ``max_share`` of its tokens, with ``min_words``
    to ``max_tokens`` normalized words, at its start, its end or strictly
    inside it (``middle``); None when there is no such run (ten draws).

    >>> t = " ".join(f"كلمة{i}" for i in range(60))
    >>> s, e = cut_passage(t, "start", random.Random(0))
    >>> s, t[s:e].split()[0], len(t[s:e].split()) <= SHORT_MAX
    (0, 'كلمة0', True)
    """
    tokens = token_spans(text)
    n = len(tokens)
    longest = min(max_tokens, math.floor(max_share * n))
    if longest < min_tokens:
        return None
    for _ in range(10):
        m = rng.randint(min_tokens, longest)
        if position == "start":
            i = 0
        elif position == "end":
            i = n - m
        else:
            if n - m < 2:
                return None
            i = rng.randint(1, n - m - 1)
        start, end = tokens[i][0], tokens[i + m - 1][1]
        if min_words <= len(tikrar.normalize(text[start:end]).split()) <= max_tokens:
            return start, end
    return None


# ---------------------------------------------------------------------------
# Free paragraphs


class SharedShingles:
    """Distinct word 3-grams of normalized paragraphs, and the most any other
    paragraph shares with a given one."""

    def __init__(self, norms: Sequence[str]):
        self.hashes, self.offsets = shingle_sets(list(norms), ShingleConfig("word", 3))
        owner = np.repeat(np.arange(len(norms)), np.diff(self.offsets))
        order = np.argsort(self.hashes, kind="stable")
        self.sorted_hashes = self.hashes[order]
        self.sorted_owner = owner[order]

    def most_shared(self, k: int) -> int:
        """Most distinct 3-grams paragraph ``k`` shares with any other one
        (3-grams of more than COMMON_SHINGLE paragraphs left out)."""
        own = self.hashes[self.offsets[k] : self.offsets[k + 1]]
        lo = np.searchsorted(self.sorted_hashes, own, "left")
        hi = np.searchsorted(self.sorted_hashes, own, "right")
        keep = (hi - lo) <= COMMON_SHINGLE
        if not keep.any():
            return 0
        owners = np.concatenate([self.sorted_owner[a:b] for a, b in zip(lo[keep].tolist(), hi[keep].tolist())])
        owners = owners[owners != k]
        if owners.size == 0:
            return 0
        return int(np.bincount(owners).max())


def pool_run(articles: Sequence[dict]) -> tuple[set[Ref], dict[Ref, Ref]]:
    """One default run over ``articles``: the paragraphs it does not keep as
    plain unique ones (labelled anything but ``unique``, pointed at by a
    duplicate, holding a reused passage or being the source of one), and
    the record of each paragraph the run leaves whole.

    Records can outnumber paragraphs (a wire credit glued in front of a
    story is cut off as a record of its own), so a paragraph's record index
    can differ from its segment index: the second map takes ``(doc_id,
    segment index)`` to ``(doc_id, record index)`` for every paragraph whose
    span is exactly one record's; split paragraphs are left out."""
    report = tikrar.dedup(articles)
    related: set[Ref] = set()
    by_span: dict[tuple[str, int, int], int] = {}
    for record in report:
        ref = (record.doc_id, record.index)
        by_span[(record.doc_id, record.start, record.end)] = record.index
        if record.label != "unique":
            related.add(ref)
        if record.duplicate_of is not None:
            related.add((record.duplicate_of.doc_id, record.duplicate_of.index))
        for passage in reuses_of(record):
            related.add(ref)
            related.add((passage.doc_id, passage.index))
    record_of: dict[Ref, Ref] = {}
    for article in articles:
        for p in tikrar.segment(article["id"], article["text"]):
            index = by_span.get((article["id"], p.start, p.end))
            if index is not None:
                record_of[(article["id"], p.index)] = (article["id"], index)
    return related, record_of


def as_records(paras: Sequence[Para], record_of: dict[Ref, Ref], article_offset: int = 0) -> list[Para]:
    """The paragraphs a run leaves whole, named by their record (see
    :func:`pool_run`), with article positions shifted by ``article_offset``."""
    return [Para(record_of[p.ref], p.article + article_offset, p.date, p.text, p.norm, p.words)
            for p in paras if p.ref in record_of]


class FreePool:
    """Free paragraphs (see the module docstring), checked lazily."""

    def __init__(self, paras: Sequence[Para], related: set[Ref]):
        self.paras = list(paras)
        self.related = related
        self.counts = collections.Counter(p.norm for p in self.paras)
        self.shared = SharedShingles([p.norm for p in self.paras])
        self.position = {p.ref: k for k, p in enumerate(self.paras)}
        self._free: dict[int, bool] = {}

    def is_free(self, p: Para) -> bool:
        k = self.position[p.ref]
        if k not in self._free:
            self._free[k] = (
                p.ref not in self.related and self.counts[p.norm] == 1 and self.shared.most_shared(k) <= MAX_SHARED
            )
        return self._free[k]


# ---------------------------------------------------------------------------
# The evaluation set


@dataclass(frozen=True)
class Expected:
    """A passage the checked paragraph must report: ``source`` names the
    earlier paragraph; ``start``/``end`` index the checked paragraph,
    ``source_start``/``source_end`` the source."""

    source: Ref
    start: int
    end: int
    source_start: int
    source_end: int


@dataclass
class Case:
    kind: str
    variant: str  # position (embedded, contained, passage) or join (merged)
    ref: Ref  # the paragraph whose record is checked
    text: str  # its raw text
    words: int  # normalized words of the (first) inserted or short paragraph
    expected: tuple[Expected, ...] = ()  # embedded, merged
    target: Optional[Ref] = None  # contained, passage: the expected duplicate_of
    composite: Optional[Ref] = None  # contained: the composite that must stay unique
    boundary: str = ""  # embedded, contained: start / end / sentence / word
    parts: tuple[Ref, ...] = ()  # real paragraphs it was made of


@dataclass
class ReuseEval:
    background: list[dict]
    constructed: list[dict]
    cases: list[Case]
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def articles(self) -> list[dict]:
        return self.background + self.constructed


def build_eval(days: Sequence[str] = QUICK_DAYS, outside_days: Sequence[str] = QUICK_OUTSIDE,
               per_kind: int = QUICK_PER_KIND, seed: int = SEED) -> ReuseEval:
    """Background articles, the constructed articles placed after them, and
    what each checked paragraph must be labelled or report."""
    if set(days) & set(outside_days):
        raise ValueError("outside days must not be background days")
    rng = random.Random(seed)
    background = load_days(days)
    outside = load_days(outside_days)
    related, record_of = pool_run(background + outside)
    bg_paras = as_records(paragraphs_of(background), record_of)
    # Article positions of the outside paragraphs continue the background's.
    out_paras = as_records(paragraphs_of(outside), record_of, len(background))
    pool = FreePool(bg_paras + out_paras, related)
    used: set[Ref] = set()

    def draw(paras: Sequence[Para], predicate) -> list[Para]:
        chosen = [p for p in paras if predicate(p)]
        rng.shuffle(chosen)
        return chosen

    def take(candidates: Iterable[Para]) -> Iterable[Para]:
        for p in candidates:
            if p.ref not in used and pool.is_free(p):
                yield p

    bg_short = draw(bg_paras, lambda p: p.words >= MIN_WORDS)
    bg_long = draw(bg_paras, lambda p: p.words >= LONG_WORDS)
    out_long = draw(out_paras, lambda p: p.words >= LONG_WORDS)
    out_short = draw(out_paras, lambda p: MIN_WORDS <= p.words <= SHORT_MAX)
    constructed: list[dict] = []
    followups: list[dict] = []
    cases: list[Case] = []

    def article(doc_id: str, text: str, into: list[dict]) -> Ref:
        paragraphs = tikrar.segment(doc_id, text)
        assert len(paragraphs) == 1 and paragraphs[0].text == text, doc_id
        into.append({"id": doc_id, "text": text, "source": SOURCE, "date": "reuse"})
        return (doc_id, 0)

    # passage: a run of 12-40 tokens of a long background paragraph, alone.
    for p in take(bg_long):
        number = len([c for c in cases if c.kind == "passage"])
        if number >= per_kind:
            break
        position = POSITIONS[number % 3]
        span = cut_passage(p.text, position, rng)
        if span is None:
            continue
        used.add(p.ref)
        text = p.text[span[0] : span[1]]
        ref = article(f"reuse:passage:{number}", text, followups)
        cases.append(Case("passage", position, ref, text, len(tikrar.normalize(text).split()), target=p.ref,
                          boundary=position, parts=(p.ref,)))

    # contained: L (outside, long) with S' (outside, short, another article) inside.
    shorts = take(out_short)
    for long_para in take(out_long):
        if len([c for c in cases if c.kind == "contained"]) >= per_kind:
            break
        used.add(long_para.ref)
        short = next((s for s in shorts if s.article != long_para.article), None)
        if short is None:
            break
        used.add(short.ref)
        position = POSITIONS[len([c for c in cases if c.kind == "contained"]) % 3]
        e = embed(long_para.text, short.text, position, rng)
        number = len([c for c in cases if c.kind == "contained"])
        composite = article(f"reuse:contained:{number}", e.text, constructed)
        alone = article(f"reuse:contained:{number}:alone", short.text, followups)
        cases.append(Case("contained", position, alone, short.text, short.words, target=composite,
                          composite=composite, boundary=e.boundary, parts=(long_para.ref, short.ref)))

    # embedded: S (background) into a host H (outside) of 3-10x its words.
    hosts = sorted((p for p in out_paras if p.words >= HOST_RATIO[0] * MIN_WORDS), key=lambda p: (p.words, p.ref))
    host_words = [p.words for p in hosts]
    # The inserted paragraphs cycle through the length buckets (12-15,
    # 16-40, 41+ words), so that short ones, near the minimum passage
    # length, are not left to chance.
    by_bucket = {b: [p for p in bg_short if length_bucket(p.words) == b] for b in BUCKETS}
    no_host: set[Ref] = set()  # left for the other kinds
    stalled = 0
    while len([c for c in cases if c.kind == "embedded"]) < per_kind and stalled < len(BUCKETS):
        number = len([c for c in cases if c.kind == "embedded"])
        bucket = by_bucket[BUCKETS[(number + stalled) % len(BUCKETS)]]
        s = next((p for p in take(bucket) if p.ref not in no_host), None)
        if s is None:
            stalled += 1
            continue
        stalled = 0
        lo = bisect.bisect_left(host_words, HOST_RATIO[0] * s.words)
        hi = bisect.bisect_right(host_words, HOST_RATIO[1] * s.words)
        candidates = [h for h in hosts[lo:hi] if h.ref not in used]
        rng.shuffle(candidates)
        host = next((h for h in candidates if pool.is_free(h)), None)
        if host is None:
            no_host.add(s.ref)
            continue
        used.update((s.ref, host.ref))
        position = POSITIONS[number % 3]
        e = embed(host.text, s.text, position, rng)
        ref = article(f"reuse:embedded:{number}", e.text, constructed)
        cases.append(Case("embedded", position, ref, e.text, s.words,
                          expected=(Expected(s.ref, e.start, e.end, 0, len(s.text)),),
                          boundary=e.boundary, parts=(s.ref, host.ref)))

    # merged: S1 + S2 (background, different articles), or S1 + sentence + S2.
    sentence_sources = take(draw(out_paras, lambda p: p.words >= MIN_WORDS))

    def next_sentence() -> Optional[tuple[str, Ref]]:
        for p in sentence_sources:
            options = [s for s in variants.sentences(p.text)
                       if SENTENCE_WORDS[0] <= len(s.split()) <= SENTENCE_WORDS[1] and SENTENCE_END.search(s)]
            if options:
                used.add(p.ref)
                return rng.choice(options), p.ref
        return None

    while len([c for c in cases if c.kind == "merged"]) < per_kind:
        number = len([c for c in cases if c.kind == "merged"])
        s1 = next((p for b in range(len(BUCKETS)) for p in take(by_bucket[BUCKETS[(number + b) % len(BUCKETS)]])), None)
        if s1 is None:
            break
        used.add(s1.ref)
        s2 = next((p for p in take(bg_short) if p.article != s1.article), None)
        if s2 is None:
            break
        used.add(s2.ref)
        variant = MERGE_VARIANTS[number % 2]
        parts, refs = [s1.text, s2.text], (s1.ref, s2.ref)
        if variant == "sentence between":
            got = next_sentence()
            if got is None:
                variant = "space"
            else:
                parts.insert(1, got[0])
                refs = (s1.ref, got[1], s2.ref)
        text, spans = join(parts)
        ref = article(f"reuse:merged:{number}", text, constructed)
        first, last = spans[0], spans[-1]
        cases.append(Case("merged", variant, ref, text, s1.words,
                          expected=(Expected(s1.ref, *first, 0, len(s1.text)), Expected(s2.ref, *last, 0, len(s2.text))),
                          boundary=variant, parts=refs))

    notes = {
        "days": list(days),
        "outside days": list(outside_days),
        "background articles": len(background),
        "background paragraphs": len(bg_paras),
        "outside paragraphs": len(out_paras),
        "free paragraphs checked": len(pool._free),
        "free among checked": sum(pool._free.values()),
        "seed": seed,
        "per kind": per_kind,
    }
    return ReuseEval(background, constructed + followups, cases, notes)


# ---------------------------------------------------------------------------
# Scoring (pure functions over records, then the run)


FOUND = "found"
SPAN_OFF = "named source right, span off"
NOT_REPORTED = "not reported"
PART_MISSING = "one part not reported"


def reuses_of(record) -> tuple:
    """``record.reused``, or () for a record built without that field."""
    try:
        return tuple(record.reused or ())
    except (AttributeError, IndexError):  # a tuple made without the field
        return ()


def part_status(record, expected: Expected, source_text: str, strict: bool = False) -> tuple[str, Optional[tuple]]:
    """``found``, ``span off`` or ``not named`` for one expected passage,
    with the reported spans (the first entry naming the source, or the one
    found)."""
    entries = [u for u in reuses_of(record) if (u.doc_id, u.index) == expected.source]
    if not entries:
        return "not named", None
    for u in entries:
        if within_one_word(record.text, (expected.start, expected.end), (u.start, u.end), strict) and within_one_word(
            source_text, (expected.source_start, expected.source_end), (u.source_start, u.source_end), strict
        ):
            return FOUND, (u.start, u.end, u.source_start, u.source_end)
    u = entries[0]
    return "span off", (u.start, u.end, u.source_start, u.source_end)


def reuse_outcome(case: Case, record, source_texts: dict[Ref, str], strict: bool = False) -> str:
    """Outcome of an embedded or merged case (see the module docstring)."""
    if record.label != "unique":
        return f"labelled {record.label}" + (f" {record.match}" if record.match else "")
    statuses = [part_status(record, e, source_texts[e.source], strict)[0] for e in case.expected]
    if all(s == FOUND for s in statuses):
        return FOUND
    if all(s == "not named" for s in statuses):
        return NOT_REPORTED
    if any(s == "not named" for s in statuses):
        return PART_MISSING
    return SPAN_OFF


def contained_outcome(case: Case, record, composite_record=None) -> str:
    """Outcome of a contained or passage case."""
    target = record.duplicate_of and (record.duplicate_of.doc_id, record.duplicate_of.index)
    if record.label == "duplicate":
        if target != case.target:
            return "duplicate of another paragraph"
        return FOUND if record.match == "contained" else f"duplicate {record.match} (not contained)"
    if composite_record is not None and composite_record.label != "unique":
        return "composite not kept"
    if record.label == "unique":
        if any((u.doc_id, u.index) == case.target for u in reuses_of(record)):
            return "unique, reported as reused"
        return "unique"
    return f"labelled {record.label}"


def construction_problem(case: Case, records: dict[Ref, Any]) -> Optional[str]:
    """Why the run's records do not hold a case as it was built (a paragraph
    split or renumbered by the run), or None. Never expected."""
    record = records.get(case.ref)
    if record is None or record.text != case.text:
        return "construction: checked paragraph not one record"
    for e in case.expected:
        source = records.get(e.source)
        if source is None or source.text[e.source_start : e.source_end] != case.text[e.start : e.end]:
            return "construction: source record differs"
    if case.target is not None and case.target not in records:
        return "construction: target record missing"
    if case.composite is not None and case.text not in records[case.composite].text:
        return "construction: composite record differs"
    return None


@dataclass
class KindResult:
    total: int = 0
    found: int = 0
    found_strict: int = 0  # found with punctuation-only tokens counted as words
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    by_variant: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(lambda: [0, 0]))
    by_length: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(lambda: [0, 0]))
    by_boundary: dict[str, list[int]] = field(default_factory=lambda: collections.defaultdict(lambda: [0, 0]))
    extra_passages: int = 0  # reused entries of checked paragraphs naming none of their parts
    misses: list[dict] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.found / self.total if self.total else 0.0


@dataclass
class ReuseResult:
    options: dict
    kinds: dict[str, KindResult]
    seconds: float
    paragraphs: int
    natural: dict[str, Any]
    records: dict = field(default_factory=dict, repr=False)  # (doc_id, index) -> Record of the run

    @property
    def rates(self) -> dict[str, float]:
        return {k: r.rate for k, r in self.kinds.items()}


def clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"


def score(evalset: ReuseEval, max_misses: int = 20, seed: int = SEED, **options: Any) -> ReuseResult:
    """Run tikrar once over background + constructed articles and score each case."""
    start = time.perf_counter()
    report = tikrar.dedup(evalset.articles, **options)
    seconds = time.perf_counter() - start
    records = {(r.doc_id, r.index): r for r in report}
    texts = {ref: r.text for ref, r in records.items()}
    kinds = {k: KindResult() for k in KINDS}
    checked: set[Ref] = set()
    for case in evalset.cases:
        record = records.get(case.ref)
        result = kinds[case.kind]
        problem = construction_problem(case, records)
        if problem:
            outcome = strict_outcome = problem
        elif case.kind in ("embedded", "merged"):
            outcome = reuse_outcome(case, record, texts)
            strict_outcome = reuse_outcome(case, record, texts, strict=True)
            checked.add(case.ref)
            result.extra_passages += sum((u.doc_id, u.index) not in case.parts for u in reuses_of(record))
        else:
            composite = records[case.composite] if case.composite else None
            outcome = strict_outcome = contained_outcome(case, record, composite)
        ok = outcome == FOUND
        result.total += 1
        result.found += ok
        result.found_strict += strict_outcome == FOUND
        result.outcomes[outcome] += 1
        for table, key in ((result.by_variant, case.variant), (result.by_length, length_bucket(case.words)),
                           (result.by_boundary, case.boundary)):
            table[key][0] += ok
            table[key][1] += 1
        if not ok and not problem and len(result.misses) < max_misses:
            miss = {"case": case.ref[0], "variant": case.variant, "boundary": case.boundary, "outcome": outcome,
                    "label": record.label, "match": record.match,
                    "duplicate_of": record.duplicate_of and (record.duplicate_of.doc_id, record.duplicate_of.index),
                    "text": clip(case.text)}
            if case.expected:
                miss["expected"] = []
                for e in case.expected:
                    status, got = part_status(record, e, texts[e.source])
                    entry = {"source": e.source, "truth": (e.start, e.end, e.source_start, e.source_end),
                             "status": status, "reported": got, "source text": clip(texts[e.source])}
                    if got is not None:
                        entry["words off"] = tuple(
                            word_distance(t, truth, reported, strict)
                            for strict in (False, True)
                            for t, truth, reported in ((record.text, e.start, got[0]), (record.text, e.end, got[1]),
                                                       (texts[e.source], e.source_start, got[2]),
                                                       (texts[e.source], e.source_end, got[3])))
                    miss["expected"].append(entry)
                miss["reused"] = [tuple(u[:4]) for u in reuses_of(record)][:5]
            else:
                miss["target"] = case.target
                miss["target text"] = clip(texts[case.target])
            result.misses.append(miss)
    natural = natural_reuse(report, checked, seed)
    return ReuseResult(options, kinds, seconds, len(report), natural, records)


def natural_reuse(report, checked: set[Ref], seed: int = SEED, sample: int = 5) -> dict[str, Any]:
    """Records other than the checked composites that got reused passages."""
    texts = {(r.doc_id, r.index): r.text for r in report}
    others = [r for r in report if (r.doc_id, r.index) not in checked and reuses_of(r)]
    constructed = sum(r.doc_id.startswith("reuse:") for r in others)
    picked = random.Random(seed).sample(others, min(sample, len(others)))
    examples = []
    for r in picked:
        for u in reuses_of(r)[:2]:
            source = texts.get((u.doc_id, u.index), "")
            examples.append({
                "record": (r.doc_id, r.index),
                "passage": clip(r.text[u.start : u.end]),
                "source": (u.doc_id, u.index),
                "source passage": clip(source[u.source_start : u.source_end]),
                "similarity": u.similarity,
                "words": len(tikrar.normalize(r.text[u.start : u.end]).split()),
            })
    return {
        "records with reused": len(others),
        "of them in constructed articles": constructed,
        "passages": sum(len(reuses_of(r)) for r in others),
        "kept records": sum(r.label == "unique" for r in report),
        "examples": examples,
    }


# ---------------------------------------------------------------------------
# Output


def rate_cell(pair: Sequence[int]) -> str:
    found, total = pair
    return f"{found}/{total} ({found / total:.1%})" if total else "-"


def kind_table(result: ReuseResult) -> str:
    lines = ["| kind | cases | found | % | target | found, punctuation counted as words |", "|---|---:|---:|---:|---:|---:|"]
    for kind, r in result.kinds.items():
        mark = "" if r.rate >= TARGET else " (below)"
        strict = f"{r.found_strict} ({r.found_strict / r.total:.1%})" if r.total else "-"
        lines.append(f"| {kind} | {r.total} | {r.found} | {r.rate:.1%}{mark} | {TARGET:.0%} | {strict} |")
    return "\n".join(lines)


def detail_tables(result: ReuseResult) -> str:
    out = []
    for kind, r in result.kinds.items():
        out.append(f"### {kind}\n")
        out.append("| outcome | cases |\n|---|---:|")
        for outcome, n in r.outcomes.most_common():
            out.append(f"| {outcome} | {n} |")
        for title, table in (("variant", r.by_variant), ("boundary", r.by_boundary), ("words of the inserted/short paragraph", r.by_length)):
            if len(table) > 1 or title == "variant":
                out.append(f"\nby {title}: " + "; ".join(f"{k} {rate_cell(v)}" for k, v in sorted(table.items())))
        if kind in ("embedded", "merged"):
            out.append(f"\nreused entries naming none of the parts: {r.extra_passages}")
        out.append("")
    return "\n".join(out)


def misses_text(result: ReuseResult, limit: int = 5) -> str:
    out = []
    for kind, r in result.kinds.items():
        if not r.misses:
            continue
        out.append(f"### {kind}: first {min(limit, len(r.misses))} of {r.total - r.found} misses\n")
        for m in r.misses[:limit]:
            head = f"- {m['case']} ({m['variant']}, {m['boundary']}): {m['outcome']}"
            if m["duplicate_of"]:
                head += f" -> {m['duplicate_of'][0]}#{m['duplicate_of'][1]}"
            out.append(head)
            out.append(f"    text: {m['text']}")
            for e in m.get("expected", []):
                extra = (f", reported {e['reported']}, words off (start, end, source start, source end) "
                         f"{e['words off'][:4]}, tokens off {e['words off'][4:]}") if e["reported"] else ""
                out.append(f"    source {e['source'][0]}#{e['source'][1]} truth {e['truth']}: {e['status']}{extra}")
                out.append(f"      {e['source text']}")
            if m.get("reused"):
                out.append(f"    reused (start, end, doc_id, index): {m['reused']}")
            if "target" in m:
                out.append(f"    should be a contained duplicate of {m['target'][0]}#{m['target'][1]}: {m['target text']}")
        out.append("")
    return "\n".join(out)


def natural_text(natural: dict[str, Any]) -> str:
    lines = [
        f"records outside the checked composites with non-empty `reused`: {natural['records with reused']} "
        f"({natural['of them in constructed articles']} of them in constructed articles; "
        f"{natural['passages']} passages; {natural['kept records']} kept records in the run)"
    ]
    for e in natural["examples"]:
        lines.append(f"- {e['record'][0]}#{e['record'][1]} <- {e['source'][0]}#{e['source'][1]} "
                     f"({e['words']} words, similarity {e['similarity']})")
        lines.append(f"    here:   {e['passage']}")
        lines.append(f"    source: {e['source passage']}")
    return "\n".join(lines)


def parse_option(text: str) -> tuple[str, Any]:
    """``name=value`` with a JSON value (a bare word stays a string).

    >>> parse_option("min_reuse_words=10"), parse_option("normalize=light")
    (('min_reuse_words', 10), ('normalize', 'light'))
    """
    name, _, value = text.partition("=")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"the CI slice: one day, {QUICK_PER_KIND} cases per kind")
    parser.add_argument("--per-kind", type=int, default=None, help=f"cases per kind (default {FULL_PER_KIND}, quick {QUICK_PER_KIND})")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE", help="a dedup option (JSON value), repeatable")
    parser.add_argument("--misses", type=int, default=5, help="misses shown per kind")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    args = parser.parse_args(argv)
    if not saudinewsnet.available():
        print(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}", file=sys.stderr)
        return 2
    days, outside = (QUICK_DAYS, QUICK_OUTSIDE) if args.quick else (FULL_DAYS, FULL_OUTSIDE)
    per_kind = args.per_kind or (QUICK_PER_KIND if args.quick else FULL_PER_KIND)
    options = dict(parse_option(o) for o in args.option)
    t0 = time.perf_counter()
    evalset = build_eval(days, outside, per_kind, args.seed)
    notes = evalset.notes
    print(f"# tikrar reused passages: background {', '.join(days)} ({notes['background articles']} articles, "
          f"{notes['background paragraphs']} whole paragraphs); new text from {', '.join(outside)}; "
          f"{len(evalset.cases)} cases in {len(evalset.constructed)} articles after the background; seed {args.seed}; "
          f"built in {time.perf_counter() - t0:.0f} s")
    print(f"free paragraphs: {notes['free among checked']} of {notes['free paragraphs checked']} checked; "
          f"options: {options or 'defaults'}\n")
    result = score(evalset, max_misses=max(args.misses, 20), seed=args.seed, **options)
    print(kind_table(result))
    print(f"\ndedup call: {result.seconds:.2f} s for {len(evalset.articles)} articles, {result.paragraphs} paragraphs "
          f"({result.paragraphs / result.seconds:,.0f} paragraphs/s)\n")
    print("## Outcomes\n")
    print(detail_tables(result))
    print("## Misses\n")
    print(misses_text(result, args.misses))
    print("## Natural reuse\n")
    print(natural_text(result.natural))
    below = [k for k, r in result.rates.items() if r < TARGET]
    print("\ntargets: " + ("all met" if not below else "NOT met: " + ", ".join(f"{k} {result.rates[k]:.1%}" for k in below)))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "notes": notes, "options": options, "seconds": result.seconds, "paragraphs": result.paragraphs,
            "kinds": {k: {"total": r.total, "found": r.found, "found_strict": r.found_strict, "rate": r.rate,
                          "outcomes": dict(r.outcomes),
                          "by_variant": dict(r.by_variant), "by_length": dict(r.by_length),
                          "by_boundary": dict(r.by_boundary), "extra_passages": r.extra_passages, "misses": r.misses}
                      for k, r in result.kinds.items()},
            "natural": result.natural,
        }, ensure_ascii=False, indent=1, default=str))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
