"""Detection quality on real news: recall per kind of repeat, precision
against same-story negatives, and natural repeats in SaudiNewsNet.

How the evaluation is built (all seeded, SaudiNewsNet read in place):

* Background: every article of some days of SaudiNewsNet, in corpus order.
* Originals: real paragraphs of the background with at least 8 words that
  have no relative in it (a permissive run, Jaccard >= 0.3 or containment
  >= 0.5, pairs them with nothing), drawn without replacement, disjoint
  between kinds.
* Variants: one per original, made by :mod:`benchmarks.variants`, each in
  an article of its own placed after the background, so the original is
  always the first occurrence.
* Verified claims. Labels follow a keep-first contract: a ``duplicate``
  names in ``duplicate_of`` an earlier paragraph that is kept (labelled
  ``unique``), and the pair itself repeats as its ``match`` says: ``exact``
  (equal after :func:`tikrar.normalize`), ``near`` (shingle Jaccard >= the
  threshold) or ``contained`` (>= the containment of the duplicate's *own*
  shingles lie in the named paragraph; directional). Every claim is checked
  here independently (:func:`claim_holds`: normalized texts, shingle
  *strings*, the run's threshold, containment and shingles; word 3-grams at
  the defaults); chains through third paragraphs earn nothing.
* A variant is found when it is labelled ``duplicate``, names its own
  original, and the claim verifies. A split is found when both parts are
  verified duplicates of the original. A paragraph that holds an earlier
  kept one plus more is not a duplicate but a kept paragraph whose
  ``reused`` passages name the source: a merge (A + B) is found when the
  merged paragraph is ``unique`` and its ``reused`` names both originals; an
  appended sentence when the paragraph is ``unique`` and ``reused`` names
  the original, or (a short addition) a verified duplicate of the original.
  Prefix and dateline copies (furniture added to a copy) are found only as
  duplicates of the original.
* A variant flag naming a paragraph other than its original is "against
  the wrong paragraph" (counted against precision) unless that named pair
  verifies, when it is counted apart ("named pair verified, not the
  original": neither a hit nor an error). A flag naming the original whose
  claim does not verify is a false claim (against precision, counted apart).
* Negatives: pairs of real paragraphs of the same day (same article or
  different articles, at least 8 words each) with high topical overlap (at
  least half of the shorter one's content words occur in the other) but no
  text reuse: less than half of the shorter one's words lie in runs of 3+
  words shared with the other (word alignment). Also the pairs labelled by
  hand in ``eval_labels.tsv`` (see that file). A negative is flagged when
  the report claims the pair directly: one's ``duplicate_of`` names the
  other. Pairs where one's ``reused`` names the other are counted apart, as
  information (two different paragraphs may share a sentence).
* Precision: correct variant flags / (correct variant flags + variant flags
  against the wrong paragraph, unverified + variant flags against the
  original whose claim does not verify + flagged negatives).
* Paragraph references: the engine cuts furniture (a dateline, an agency
  credit) glued to the front of a paragraph into a paragraph of its own,
  which shifts the indices of the rest. References of the evaluation set are
  taken from :func:`tikrar.segment` and mapped to the report's records by
  where they end in the article (the piece left after the furniture ends
  where the segmented paragraph ends).

Run ``python -m benchmarks.eval_quality`` (a few minutes; wrap in
``flock /tmp/tikrar-heavy.lock``), ``--quick`` for the CI slice, ``--sweep``
for the table of alternatives, ``--natural`` for repeats in all of
SaudiNewsNet.
"""

from __future__ import annotations

import argparse
import collections
import csv
import difflib
import json
import random
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import tikrar  # noqa: E402
from tikrar.config import MinHashConfig, ShingleConfig  # noqa: E402
from tikrar.index import LSHIndex, choose_bands, verify_pairs  # noqa: E402
from tikrar.minhash import signatures  # noqa: E402
from tikrar.shingle import shingle_sets  # noqa: E402

from benchmarks import saudinewsnet, variants  # noqa: E402

LABELS_FILE = Path(__file__).with_name("eval_labels.tsv")
MIN_WORDS = 8
#: Word-alignment coverage (:func:`reuse_coverage`) below which a pair is
#: not text reuse. Checked against the hand labels: every pair labelled a
#: repeat has coverage >= 0.77; every pair labelled not a repeat but one
#: (0.79) has coverage <= 0.70.
NO_REUSE = 0.5
SEED = 20150721

#: Days of the background: the quick slice is the first day (it holds the
#: hand-labelled pairs); the full run adds the next ones.
QUICK_DAYS = ("2015-07-21",)
FULL_DAYS = ("2015-07-21", "2015-07-22", "2015-07-23", "2015-07-24")
#: A day outside every background, source of appended sentences.
SENTENCE_DAY = "2015-08-10"

EDIT_RATES = (0.01, 0.02, 0.05, 0.10)
KINDS = (
    "exact",
    "orthographic",
    *(f"edit {round(r * 100)}%" for r in EDIT_RATES),
    "agency prefix",
    "dateline",
    "sentence appended",
    "sentence removed",
    "split in two",
    "two merged",
    "hamza seat",
)
#: Targets of the issue, per kind (recall) and for precision.
TARGETS = {
    "exact": 1.0,
    "orthographic": 1.0,
    "edit 1%": 0.98,
    "edit 2%": 0.98,
    "edit 5%": 0.98,
    "edit 10%": 0.90,
    "agency prefix": 0.98,
    "dateline": 0.98,
    "sentence appended": 0.90,
    "sentence removed": 0.90,
}
PRECISION_TARGET = 0.999

STOPWORDS = frozenset(
    "في من علي الي ان عن مع هذا هذه التي الذي الذين كان قد ما لا او ثم كما حيث بعد قبل بين خلال عند كل اي "
    "هو هي تم وقال وقد وفي ومن وان انه الا لم لن ذلك تلك".split()
)

Ref = tuple[str, int]


# ---------------------------------------------------------------------------
# Corpus


@dataclass
class Para:
    ref: Ref
    article: int
    date: str
    text: str
    norm: str
    words: int
    end: int = -1  # where the paragraph ends in its article's text


def load_days(days: Sequence[str]) -> list[dict]:
    """Articles of the given SaudiNewsNet days, in corpus order."""
    return list(saudinewsnet.iter_articles(days=days))


def paragraphs_of(articles: Sequence[dict]) -> list[Para]:
    """Every paragraph of ``articles`` as the deduplicator segments it."""
    out = []
    for position, article in enumerate(articles):
        for p in tikrar.segment(article["id"], article["text"]):
            norm = tikrar.normalize(p.text)
            out.append(Para((article["id"], p.index), position, article["date"], p.text, norm, len(norm.split()), p.end))
    return out


def paragraph_ends(articles: Sequence[dict]) -> dict[Ref, int]:
    """Where each paragraph of :func:`tikrar.segment` ends in its article."""
    return {(a["id"], p.index): p.end for a in articles for p in tikrar.segment(a["id"], a["text"])}


def record_refs(report: Iterable, ends: dict[Ref, int]) -> dict[Ref, Ref]:
    """Segmented paragraph -> the report's record of it: the record that
    ends where the paragraph ends (furniture cut off its front becomes
    records of its own before it). A paragraph no record ends with keeps
    its reference."""
    by_end = {(r.doc_id, r.end): (r.doc_id, r.index) for r in report}
    return {ref: by_end.get((ref[0], end), ref) for ref, end in ends.items()}


def reused_of(record) -> tuple:
    """A record's ``reused`` passages (empty for a record built without the
    field, as some engine paths did before it was filled)."""
    try:
        return tuple(record.reused)
    except (AttributeError, IndexError):
        return ()


def fingerprint(text: str) -> str:
    """Short checksum of a paragraph as segmented, so a label file can be
    checked against the corpus without holding its text.

    >>> fingerprint("abc")
    '352441c2'
    """
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


# ---------------------------------------------------------------------------
# Word alignment: the independent judge of text reuse


def reuse_coverage(a: str, b: str, min_run: int = 3, passes: int = 4) -> float:
    """Share of the shorter text's words that lie in runs of at least
    ``min_run`` words shared with the other (word alignment).

    Each pass aligns what earlier passes left unmatched, so blocks that were
    moved around are found too (an approximation of greedy string tiling).

    >>> reuse_coverage("a b c d e f", "x a b c y d e f z")
    1.0
    >>> reuse_coverage("a b c d e f", "d e f a b c")
    1.0
    >>> reuse_coverage("a b c d e f", "a b x d e y")
    0.0
    """
    x, y = a.split(), b.split()
    if len(x) > len(y):
        x, y = y, x
    if not x:
        return 0.0
    covered = 0
    for _ in range(passes):
        matcher = difflib.SequenceMatcher(None, x, y, autojunk=False)
        blocks = [m for m in matcher.get_matching_blocks() if m.size >= min_run]
        if not blocks:
            break
        for m in blocks:
            covered += m.size
            # Matched words become tokens that match nothing in later passes.
            x[m.a : m.a + m.size] = [f"\0x{i}" for i in range(m.a, m.a + m.size)]
            y[m.b : m.b + m.size] = [f"\0y{i}" for i in range(m.b, m.b + m.size)]
    return covered / len(x)


def content_words(norm: str) -> str:
    return " ".join(w for w in norm.split() if len(w) >= 3 and w not in STOPWORDS)


def topical_pairs(paras: Sequence[Para], min_overlap: float = 0.5) -> list[tuple[int, int]]:
    """Pairs of paragraphs of the same day, both of at least MIN_WORDS
    words, whose distinct content words overlap: at least ``min_overlap``
    of the smaller set occurs in the other. Candidates come from MinHash
    LSH over content-word sets (banded to catch a Jaccard of 0.3)."""
    keep = [k for k, p in enumerate(paras) if p.words >= MIN_WORDS]
    texts = [content_words(paras[k].norm) for k in keep]
    hashes, offsets = shingle_sets(texts, ShingleConfig("word", 1))
    minhash = MinHashConfig(num_perm=128)
    sigs = signatures(hashes, offsets, minhash)
    bands, rows = choose_bands(0.3, minhash.num_perm)
    pairs = LSHIndex(bands, rows).add(sigs, np.arange(len(keep)))
    if len(pairs) == 0:
        return []
    _, overlap = verify_pairs(pairs, hashes, offsets)
    out = []
    for (i, j), o in zip(pairs.tolist(), overlap.tolist()):
        a, b = paras[keep[i]], paras[keep[j]]
        if o >= min_overlap and a.date == b.date and a.norm != b.norm:
            out.append((keep[i], keep[j]))
    return out


# ---------------------------------------------------------------------------
# The evaluation set


@dataclass
class Expectation:
    kind: str
    variant_refs: tuple[Ref, ...]
    original_refs: tuple[Ref, ...]
    words: int  # words of the (first) original, normalized


@dataclass
class EvalSet:
    background: list[dict]
    variant_articles: list[dict]
    expectations: list[Expectation]
    negatives: dict[str, list[tuple[Ref, Ref]]]
    labelled_repeats: list[tuple[Ref, Ref]]
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def articles(self) -> list[dict]:
        return self.background + self.variant_articles


#: Paragraphs sharing a run of this many words are related (see
#: :func:`unrelated_paragraphs`).
SHARED_RUN_WORDS = 8


def unrelated_paragraphs(background: Sequence[dict], paras: Sequence[Para]) -> set[Ref]:
    """Paragraphs with no relative: a permissive run (Jaccard >= 0.3 or
    containment >= 0.5, 64 x 2 bands, no reused passages) labels them unique
    and names them in no record, their normalized text occurs once, and they
    share no run of :data:`SHARED_RUN_WORDS` words with another paragraph.
    The last test is plain word n-grams, not the library's passage finder,
    so the set drawn does not move when that finder changes."""
    report = tikrar.dedup(background, threshold=0.3, containment=0.5, bands=64, rows=2, min_reuse_words=None)
    related: set[Ref] = set()
    for record in report:
        if record.label != "unique":
            related.add((record.doc_id, record.index))
        if record.duplicate_of is not None:
            related.add((record.duplicate_of.doc_id, record.duplicate_of.index))
    to_record = record_refs(report, {p.ref: p.end for p in paras})
    counts = collections.Counter(p.norm for p in paras)
    holders: dict[str, set] = collections.defaultdict(set)
    for p in paras:
        words = p.norm.split(" ")
        for i in range(len(words) - SHARED_RUN_WORDS + 1):
            holders[" ".join(words[i : i + SHARED_RUN_WORDS])].add(p.ref)
    shared = {ref for refs in holders.values() if len(refs) > 1 for ref in refs}
    return {p.ref for p in paras
            if to_record[p.ref] not in related and counts[p.norm] == 1 and p.ref not in shared}


def build_eval(days: Sequence[str], per_kind: int, seed: int = SEED, negatives_limit: Optional[int] = None) -> EvalSet:
    """Background articles, variant articles, what each variant must match,
    and the negative pairs."""
    rng = random.Random(seed)
    background = load_days(days)
    paras = paragraphs_of(background)
    by_ref = {p.ref: p for p in paras}
    free = unrelated_paragraphs(background, paras)
    eligible = [p for p in paras if p.ref in free and p.words >= MIN_WORDS]
    rng.shuffle(eligible)
    vocabulary = sorted({w for p in paras[:20000] for w in p.text.split() if len(w) >= 3 and variants.ARABIC_LETTER.match(w)})
    extra_sentences = [
        s
        for a in load_days([SENTENCE_DAY])[:400]
        for line in a["text"].splitlines()
        for s in variants.sentences(line)
        if 6 <= len(s.split()) <= 30
    ]

    used: set[Ref] = set()
    expectations: list[Expectation] = []
    variant_articles: list[dict] = []

    def take(predicate) -> Iterable[Para]:
        for p in eligible:
            if p.ref not in used and predicate(p):
                yield p

    def add(kind: str, parts: Sequence[str], originals: Sequence[Para]) -> None:
        if any(len(tikrar.normalize(part).split()) < MIN_WORDS for part in parts):
            used.update(p.ref for p in originals)  # too short once normalized: drawn again
            return
        doc_id = f"variant:{kind}:{len([e for e in expectations if e.kind == kind])}"
        variant_articles.append({"id": doc_id, "text": "\n".join(parts), "source": "variant", "date": "variant"})
        expectations.append(
            Expectation(kind, tuple((doc_id, i) for i in range(len(parts))), tuple(p.ref for p in originals), originals[0].words)
        )
        used.update(p.ref for p in originals)

    generators = {
        "exact": lambda p: [p.text],
        "orthographic": lambda p: [variants.orthographic(p.text, rng)],
        **{f"edit {round(r * 100)}%": (lambda p, r=r: [variants.edit_words(p.text, r, rng, vocabulary)]) for r in EDIT_RATES},
        "agency prefix": lambda p: [variants.agency_prefix(p.text, rng)],
        "dateline": lambda p: [variants.dateline(p.text, rng)],
        "sentence appended": lambda p: [variants.append_sentence(p.text, rng.choice(extra_sentences))],
    }
    def count(kind: str) -> int:
        return sum(e.kind == kind for e in expectations)

    for kind, make in generators.items():
        for p in take(lambda p: True):
            if count(kind) >= per_kind:
                break
            add(kind, make(p), [p])
    for p in take(lambda p: variants.remove_sentence(p.text, random.Random(0), MIN_WORDS) is not None):
        if count("sentence removed") >= per_kind:
            break
        add("sentence removed", [variants.remove_sentence(p.text, rng, MIN_WORDS)], [p])
    for p in take(lambda p: variants.split_paragraph(p.text, MIN_WORDS) is not None):
        if count("split in two") >= per_kind:
            break
        add("split in two", list(variants.split_paragraph(p.text, MIN_WORDS)), [p])
    for p in take(lambda p: True):
        if count("two merged") >= per_kind:
            break
        nxt = by_ref.get((p.ref[0], p.ref[1] + 1))
        if p.ref in used or nxt is None or nxt.ref not in free or nxt.ref in used or nxt.words < MIN_WORDS:
            continue
        add("two merged", [variants.merge_paragraphs(p.text, nxt.text)], [p, nxt])
    for p in take(lambda p: variants.hamza_seat(p.text, random.Random(0)) != p.text):
        if count("hamza seat") >= per_kind:
            break
        add("hamza seat", [variants.hamza_seat(p.text, rng)], [p])

    negatives, repeats, notes = build_negatives(paras, negatives_limit, rng)
    notes["ends"] = {p.ref: p.end for p in paras} | paragraph_ends(variant_articles)
    return EvalSet(background, variant_articles, expectations, negatives, repeats, notes)


def build_negatives(paras: Sequence[Para], limit: Optional[int], rng: random.Random):
    """Same-day topical pairs without text reuse, plus hand-labelled pairs."""
    candidates = topical_pairs(paras)
    rng.shuffle(candidates)
    auto: list[tuple[Ref, Ref]] = []
    checked = 0
    for i, j in candidates:
        if limit is not None and len(auto) >= limit:
            break
        checked += 1
        if reuse_coverage(paras[i].norm, paras[j].norm) < NO_REUSE:
            auto.append((paras[i].ref, paras[j].ref))
    labelled = load_labels({p.ref: p for p in paras})
    negatives = {
        "same-day topical, no reuse": auto,
        "hand-labelled not repeat": [pair for pair, label in labelled if label == "N"],
    }
    repeats = [pair for pair, label in labelled if label == "R"]
    notes = {
        "topical pairs": len(candidates),
        "checked": checked,
        "labels": collections.Counter(label for _, label in labelled),
    }
    return negatives, repeats, notes


def load_labels(by_ref: dict[Ref, Para]) -> list[tuple[tuple[Ref, Ref], str]]:
    """Hand labels whose paragraphs are in this background and still match
    their fingerprints."""
    if not LABELS_FILE.exists():
        return []
    out = []
    with open(LABELS_FILE, encoding="utf-8") as f:
        for row in csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t"):
            a = (row["doc_a"], int(row["index_a"]))
            b = (row["doc_b"], int(row["index_b"]))
            if a not in by_ref or b not in by_ref:
                continue
            if fingerprint(by_ref[a].text) != row["crc_a"] or fingerprint(by_ref[b].text) != row["crc_b"]:
                raise SystemExit(f"eval_labels.tsv: paragraphs {a} / {b} changed since they were labelled")
            out.append(((a, b), row["label"]))
    return out


# ---------------------------------------------------------------------------
# Verifying the report's claims (independently of the engine's hashes)

#: Slack for comparing a ratio with a threshold (both are floats).
EPS = 1e-9


@dataclass(frozen=True)
class ClaimRules:
    """What the claims of a run mean: its threshold, containment, shingles
    and normalization (defaults: 0.5, 0.9, word 3-grams, ``DEDUP``).

    >>> rules = ClaimRules.of({"threshold": 0.4})
    >>> rules.threshold, rules.containment, rules.shingle.kind, rules.shingle.size
    (0.4, 0.9, 'word', 3)
    """

    threshold: float
    containment: Optional[float]
    shingle: ShingleConfig
    normalize: Any

    @classmethod
    def of(cls, options: dict) -> "ClaimRules":
        config = tikrar.DedupConfig.from_options(**dict(options))
        return cls(config.threshold, config.containment, config.shingle, config.normalize)


def shingle_strings(norm: str, config: ShingleConfig = ShingleConfig()) -> frozenset[str]:
    """Distinct shingle strings of a normalized text, computed here rather
    than by tikrar: runs of ``size`` words (or characters); a text no longer
    than one shingle is a single shingle, itself.

    >>> sorted(shingle_strings("a b c d"))
    ['a b c', 'b c d']
    >>> sorted(shingle_strings("a b"))
    ['a b']
    """
    if not norm:
        return frozenset()
    n = config.size
    if config.kind == "word":
        words = norm.split()
        if len(words) <= n:
            return frozenset([" ".join(words)])
        return frozenset(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    if len(norm) <= n:
        return frozenset([norm])
    return frozenset(norm[i : i + n] for i in range(len(norm) - n + 1))


def _holds(match: Optional[str], a: str, b: str, sa: frozenset, sb: frozenset, rules: ClaimRules) -> bool:
    if match == "exact":
        return bool(a) and a == b
    if not sa or not sb:
        return False
    shared = len(sa & sb)
    if match == "near":
        return shared / len(sa | sb) >= rules.threshold - EPS
    if match == "contained":
        return rules.containment is not None and shared / len(sa) >= rules.containment - EPS
    return False


def claim_holds(match: Optional[str], text: str, named_text: str, rules: Optional[ClaimRules] = None) -> bool:
    """Whether ``text`` repeats ``named_text`` as ``match`` says: ``exact``
    (equal after normalization), ``near`` (shingle Jaccard >= threshold) or
    ``contained`` (>= containment of *text*'s own shingles lie in
    ``named_text``: directional).

    >>> claim_holds("exact", "الْعَرَبِيَّةُ", "العربيه")
    True
    >>> long, part = "a b c d e f g h i j k l", "c d e f g h i j"
    >>> claim_holds("contained", part, long), claim_holds("contained", long, part)
    (True, False)
    >>> claim_holds("near", long, part)
    True
    """
    rules = rules or ClaimRules.of({})
    a, b = tikrar.normalize(text, rules.normalize), tikrar.normalize(named_text, rules.normalize)
    return _holds(match, a, b, shingle_strings(a, rules.shingle), shingle_strings(b, rules.shingle), rules)


class ReportView:
    """A report's records by reference, the claims they make, and whether
    those claims verify. ``ends`` (segmented paragraph -> where it ends)
    maps the evaluation set's references to the records (see
    :func:`record_refs`)."""

    def __init__(self, report: Iterable, rules: ClaimRules, ends: Optional[dict[Ref, int]] = None):
        self.rules = rules
        self.records: dict[Ref, Any] = {}
        self.position: dict[Ref, int] = {}
        for k, r in enumerate(report):
            ref = (r.doc_id, r.index)
            self.records[ref] = r
            self.position[ref] = k
        self.to_record = record_refs(self.records.values(), ends) if ends else {}
        self._norm: dict[Ref, str] = {}
        self._shingles: dict[Ref, frozenset] = {}

    def ref(self, segmented: Ref) -> Ref:
        """The record's reference of a paragraph of the evaluation set."""
        return self.to_record.get(segmented, segmented)

    def label(self, ref: Ref) -> Optional[str]:
        r = self.records.get(ref)
        return None if r is None else r.label

    def named(self, ref: Ref) -> Optional[Ref]:
        """The paragraph a duplicate names in ``duplicate_of`` (None otherwise)."""
        r = self.records.get(ref)
        if r is None or r.label != "duplicate" or r.duplicate_of is None:
            return None
        return (r.duplicate_of.doc_id, r.duplicate_of.index)

    def reused_sources(self, ref: Ref) -> set[Ref]:
        """The paragraphs a record's ``reused`` passages name."""
        r = self.records.get(ref)
        return set() if r is None else {(p.doc_id, p.index) for p in reused_of(r)}

    def claims(self, a: Ref, b: Ref) -> bool:
        """Whether the report claims the pair directly: one names the other."""
        return self.named(a) == b or self.named(b) == a

    def reuses(self, a: Ref, b: Ref) -> bool:
        """Whether one's ``reused`` names the other."""
        return b in self.reused_sources(a) or a in self.reused_sources(b)

    def _norm_of(self, ref: Ref) -> str:
        if ref not in self._norm:
            self._norm[ref] = tikrar.normalize(self.records[ref].text, self.rules.normalize)
        return self._norm[ref]

    def _shingles_of(self, ref: Ref) -> frozenset:
        if ref not in self._shingles:
            self._shingles[ref] = shingle_strings(self._norm_of(ref), self.rules.shingle)
        return self._shingles[ref]

    def verified(self, ref: Ref) -> bool:
        """Whether the record is a duplicate whose claim holds: it names an
        earlier, kept (``unique``) paragraph that it repeats as its
        ``match`` says."""
        named = self.named(ref)
        if named is None or named not in self.records or named == ref:
            return False
        if self.records[named].label != "unique" or self.position[named] > self.position[ref]:
            return False
        return _holds(
            self.records[ref].match, self._norm_of(ref), self._norm_of(named),
            self._shingles_of(ref), self._shingles_of(named), self.rules,
        )

    def verified_pair(self, a: Ref, b: Ref) -> bool:
        """Whether one of the two is a verified duplicate naming the other."""
        return (self.named(a) == b and self.verified(a)) or (self.named(b) == a and self.verified(b))


#: What became of a variant flag (a variant labelled ``duplicate``).
CORRECT = "correct"  # names its original, claim verified
OTHER_VERIFIED = "named pair verified, not the original"
ORIGINAL_UNVERIFIED = "names the original, claim not verified"
WRONG = "wrong paragraph, unverified"


def flag_outcome(view: ReportView, ref: Ref, originals: Sequence[Ref]) -> Optional[str]:
    """None when ``ref`` is not labelled ``duplicate``, else one of CORRECT,
    OTHER_VERIFIED, ORIGINAL_UNVERIFIED, WRONG."""
    named = view.named(ref)
    if named is None:
        return None
    verified = view.verified(ref)
    if named in originals:
        return CORRECT if verified else ORIGINAL_UNVERIFIED
    return OTHER_VERIFIED if verified else WRONG


# ---------------------------------------------------------------------------
# Scoring


@dataclass
class Result:
    options: dict
    recall: dict[str, float]
    found: dict[str, int]
    total: dict[str, int]
    split_any: float
    merged_any: float  # two merged: at least one original named in `reused`
    appended_as_reuse: int  # sentence appended: unique, `reused` names the original
    appended_as_duplicate: int  # sentence appended: verified duplicate of the original
    negatives_flagged: dict[str, int]  # one's duplicate_of names the other
    negatives_reused: dict[str, int]  # one's `reused` names the other (information, not a flag)
    negatives_total: dict[str, int]
    labelled_repeats_found: int  # verified direct duplicate claim
    labelled_repeats_reused: int  # not claimed as duplicate, but `reused` names the other
    labelled_repeats_total: int
    true_flags: int
    false_flags: int
    wrong_target: int  # variant flags naming another paragraph, pair not verified
    original_unverified: int  # variant flags naming the original, claim not verified
    other_verified: int  # variant flags naming another paragraph, pair verified (not counted)
    seconds: float
    by_length: dict[str, dict[str, float]]

    @property
    def precision(self) -> float:
        flags = self.true_flags + self.false_flags
        return self.true_flags / flags if flags else 1.0


def length_bucket(words: int) -> str:
    return "8-15" if words < 16 else ("16-40" if words <= 40 else "41+")


def score(evalset: EvalSet, **options: Any) -> Result:
    """Run the deduplicator with ``options`` over the evaluation set."""
    start = time.perf_counter()
    report = tikrar.dedup(evalset.articles, **options)
    seconds = time.perf_counter() - start
    return score_report(evalset, report, options, seconds)


def score_report(evalset: EvalSet, report: Iterable, options: Optional[dict] = None, seconds: float = 0.0) -> Result:
    """Score a report (records of ``evalset.articles``, made with
    ``options``) against the evaluation set; see the module docstring."""
    options = dict(options or {})
    view = ReportView(report, ClaimRules.of(options), evalset.notes.get("ends"))
    found = collections.Counter()
    total = collections.Counter()
    by_length: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_length_total: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    outcomes = collections.Counter()
    split_any = merged_any = appended_reuse = appended_duplicate = 0
    for e in evalset.expectations:
        originals = [view.ref(o) for o in e.original_refs]
        parts = [view.ref(v) for v in e.variant_refs]
        flags = [flag_outcome(view, v, originals) for v in parts]
        outcomes.update(f for f in flags if f is not None)
        hits = [f == CORRECT for f in flags]
        if e.kind == "two merged":
            v = parts[0]
            named = view.reused_sources(v) if view.label(v) == "unique" else set()
            ok = all(o in named for o in originals)
            merged_any += any(o in named for o in originals)
        elif e.kind == "sentence appended":
            v = parts[0]
            as_reuse = view.label(v) == "unique" and originals[0] in view.reused_sources(v)
            appended_reuse += as_reuse
            appended_duplicate += hits[0]
            ok = hits[0] or as_reuse
        else:
            ok = all(hits)
            if e.kind == "split in two":
                split_any += any(hits)
        total[e.kind] += 1
        found[e.kind] += ok
        by_length_total[e.kind][length_bucket(e.words)] += 1
        by_length[e.kind][length_bucket(e.words)] += ok

    def pairs(group: Sequence[tuple[Ref, Ref]]) -> list[tuple[Ref, Ref]]:
        return [(view.ref(a), view.ref(b)) for a, b in group]

    negatives = {group: pairs(p) for group, p in evalset.negatives.items()}
    flagged_neg = {group: sum(view.claims(a, b) for a, b in p) for group, p in negatives.items()}
    reused_neg = {group: sum(view.reuses(a, b) for a, b in p) for group, p in negatives.items()}
    repeats = pairs(evalset.labelled_repeats)
    repeats_found = sum(view.verified_pair(a, b) for a, b in repeats)
    repeats_reused = sum(not view.verified_pair(a, b) and view.reuses(a, b) for a, b in repeats)
    recall = {k: found[k] / total[k] for k in total}
    lengths = {
        k: {b: by_length[k][b] / n for b, n in sorted(by_length_total[k].items())} for k in by_length_total
    }
    n_split, n_merged = total["split in two"], total["two merged"]
    return Result(
        options=options,
        recall=recall,
        found=dict(found),
        total=dict(total),
        split_any=split_any / n_split if n_split else 0.0,
        merged_any=merged_any / n_merged if n_merged else 0.0,
        appended_as_reuse=appended_reuse,
        appended_as_duplicate=appended_duplicate,
        negatives_flagged=flagged_neg,
        negatives_reused=reused_neg,
        negatives_total={g: len(p) for g, p in negatives.items()},
        labelled_repeats_found=repeats_found,
        labelled_repeats_reused=repeats_reused,
        labelled_repeats_total=len(repeats),
        true_flags=outcomes[CORRECT],
        false_flags=outcomes[WRONG] + outcomes[ORIGINAL_UNVERIFIED] + sum(flagged_neg.values()),
        wrong_target=outcomes[WRONG],
        original_unverified=outcomes[ORIGINAL_UNVERIFIED],
        other_verified=outcomes[OTHER_VERIFIED],
        seconds=seconds,
        by_length=lengths,
    )


# ---------------------------------------------------------------------------
# Output


def describe(options: dict) -> str:
    if not options:
        return "defaults"
    return ", ".join(f"{k}={v}" for k, v in options.items())


def kind_table(result: Result) -> str:
    lines = ["| kind of repeat | found | recall | target |", "|---|---:|---:|---:|"]
    for kind in KINDS:
        if kind not in result.total:
            continue
        target = TARGETS.get(kind)
        mark = "" if target is None or result.recall[kind] >= target else " (below)"
        lines.append(
            f"| {kind} | {result.found[kind]}/{result.total[kind]} | {result.recall[kind]:.1%}{mark} | "
            f"{'' if target is None else format(target, '.0%')} |"
        )
    lines.append(f"| split in two, at least one part | | {result.split_any:.1%} | |")
    n = result.total.get("sentence appended", 0)
    if n:
        for how, count in (("reuse", result.appended_as_reuse), ("duplicate", result.appended_as_duplicate)):
            lines.append(f"| sentence appended, found as {how} | {count}/{n} | {count / n:.1%} | |")
    if result.total.get("two merged", 0):
        lines.append(f"| two merged, at least one original in `reused` | | {result.merged_any:.1%} | |")
    lines.append("")
    lines.append("| negatives | flagged / pairs | named in `reused` (not a flag) |")
    lines.append("|---|---:|---:|")
    for group, n in result.negatives_total.items():
        lines.append(f"| {group} | {result.negatives_flagged[group]}/{n} | {result.negatives_reused[group]} |")
    lines.append(f"| variants flagged against the wrong paragraph (unverified) | {result.wrong_target} | |")
    lines.append(f"| variants flagged against the original, claim not verified | {result.original_unverified} | |")
    lines.append(f"| variants flagged, named pair verified, not the original (not counted) | {result.other_verified} | |")
    lines.append("")
    lines.append(
        f"precision = {result.true_flags}/{result.true_flags + result.false_flags} = {result.precision:.4%} "
        f"(target {PRECISION_TARGET:.1%}); hand-labelled natural repeats found: "
        f"{result.labelled_repeats_found}/{result.labelled_repeats_total} as verified duplicates, "
        f"{result.labelled_repeats_reused} more named in `reused`; dedup took {result.seconds:.1f} s"
    )
    return "\n".join(lines)


SHORT_KINDS = ("exact", "orthographic", "edit 1%", "edit 2%", "edit 5%", "edit 10%", "agency prefix", "dateline",
               "sentence appended", "sentence removed", "split in two", "two merged")


def sweep_table(results: Sequence[Result]) -> str:
    head = ["options", *[k.replace("sentence ", "sent. ") for k in SHORT_KINDS], "neg. flagged",
            "unverified flags", "verified, not the original", "precision", "s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [describe(r.options)] + [f"{r.recall.get(k, 0):.1%}" for k in SHORT_KINDS]
        cells += [str(sum(r.negatives_flagged.values())), str(r.wrong_target + r.original_unverified),
                  str(r.other_verified), f"{r.precision:.3%}", f"{r.seconds:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def meets_targets(result: Result) -> list[str]:
    """Names of the targets a result misses (empty when all are met)."""
    missed = [f"{k} {result.recall[k]:.1%} < {t:.0%}" for k, t in TARGETS.items() if k in result.recall and result.recall[k] < t]
    if result.precision < PRECISION_TARGET:
        missed.append(f"precision {result.precision:.3%} < {PRECISION_TARGET:.1%}")
    flagged = result.negatives_flagged.get("hand-labelled not repeat", 0)
    if flagged:
        missed.append(f"hand-labelled not repeat: {flagged} flagged > 0")
    return missed


# ---------------------------------------------------------------------------
# Short paragraphs: exact matching vs character n-grams


def short_line_study(days: Sequence[str], seed: int = SEED, limit: int = 2000) -> str:
    """Headlines (3 to 7 words) as stand-ins for short paragraphs: recall of
    character n-gram Jaccard on edited headlines vs. false matches on
    headlines of different articles of the same day sharing a run of 3+
    words (a stock phrase)."""
    rng = random.Random(seed)
    articles = load_days(days)
    titles = []
    seen = set()
    for a in articles:
        norm = tikrar.normalize(a["title"])
        if 3 <= len(norm.split()) < MIN_WORDS and norm not in seen:
            seen.add(norm)
            titles.append((a["title"], norm, a["date"]))
    rng.shuffle(titles)
    vocabulary = sorted({w for t, _, _ in titles for w in t.split() if len(w) >= 3})
    positives = collections.defaultdict(list)
    for raw, norm, _ in titles[:limit]:
        positives["orthographic"].append((norm, tikrar.normalize(variants.orthographic(raw, rng))))
        positives["one word edited"].append((norm, tikrar.normalize(variants.edit_words(raw, 0.01, rng, vocabulary))))
        positives["hamza seat"].append((norm, tikrar.normalize(variants.hamza_seat(raw, rng))))
    positives["hamza seat"] = [(a, b) for a, b in positives["hamza seat"] if a != b]
    # Stock-phrase negatives: distinct headlines of one day sharing 3 words in a row.
    by_trigram = collections.defaultdict(list)
    for k, (_, norm, date) in enumerate(titles):
        words = norm.split()
        for i in range(len(words) - 2):
            by_trigram[(date, " ".join(words[i : i + 3]))].append(k)
    negative_ids = set()
    for members in by_trigram.values():
        for x in range(len(members)):
            for y in range(x + 1, min(len(members), x + 20)):
                negative_ids.add((members[x], members[y]))
    negatives = sorted(negative_ids)
    rng.shuffle(negatives)
    negatives = [(titles[i][1], titles[j][1]) for i, j in negatives[:limit]]

    def jaccard(a: str, b: str, n: int) -> float:
        sa = set(tikrar.shingles(a, ShingleConfig("char", n)))
        sb = set(tikrar.shingles(b, ShingleConfig("char", n)))
        return len(sa & sb) / len(sa | sb) if sa and sb else 0.0

    rows = ["| rule | " + " | ".join(positives) + " | stock-phrase headlines matched |", "|---|" + "---:|" * (len(positives) + 1)]
    exact_cells = [f"{sum(a == b for a, b in pairs) / len(pairs):.1%}" for pairs in positives.values()]
    rows.append(f"| exact after normalization | {' | '.join(exact_cells)} | {sum(a == b for a, b in negatives)}/{len(negatives)} |")
    for n in (3, 4, 5):
        pos_scores = {k: [jaccard(a, b, n) for a, b in pairs] for k, pairs in positives.items()}
        neg_scores = [jaccard(a, b, n) for a, b in negatives]
        for t in (0.5, 0.6, 0.7, 0.8):
            cells = [f"{np.mean(np.array(s) >= t):.1%}" for s in pos_scores.values()]
            rows.append(f"| char {n}-grams, Jaccard >= {t} | {' | '.join(cells)} | {int(np.sum(np.array(neg_scores) >= t))}/{len(negatives)} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------
# Natural repeats in all of SaudiNewsNet


def natural_repeats(**options: Any) -> dict[str, Any]:
    """Repeats the deduplicator finds in all of SaudiNewsNet, by scope and
    match kind, with the counts of paragraphs of 8+ words shared by two or
    more outlets. Only verified direct pairs count (a duplicate naming an
    earlier kept paragraph that it repeats as its ``match`` says, see
    :meth:`ReportView.verified`); duplicates whose claim does not verify are
    counted apart, and kept paragraphs with ``reused`` passages as
    information."""
    articles = saudinewsnet.load_articles()
    start = time.perf_counter()
    report = tikrar.dedup(articles, **options)
    seconds = time.perf_counter() - start
    view = ReportView(report, ClaimRules.of(options))
    source_of = {a["id"]: a["source"] for a in articles}
    counts = collections.Counter()
    cluster_sources: dict[Ref, set] = collections.defaultdict(set)
    exact_sources: dict[Ref, set] = collections.defaultdict(set)
    words_of: dict[Ref, int] = {}
    for r in report:
        ref = (r.doc_id, r.index)
        words = len(tikrar.normalize(r.text).split())
        words_of[ref] = words
        if r.label == "duplicate":
            target = view.named(ref)
            if not view.verified(ref):
                counts["duplicate, claim not verified"] += 1
                counts[f"duplicate, claim not verified, {r.match}"] += 1
                continue
            counts[f"duplicate {r.match} {r.scope}"] += 1
            if words >= MIN_WORDS:
                counts[f"duplicate {r.match} {r.scope}, 8+ words"] += 1
            counts["duplicate"] += 1
            counts[r.scope] += 1
            if r.scope == "across":
                counts["across, other outlet" if source_of[target[0]] != source_of[r.doc_id] else "across, same outlet"] += 1
            cluster_sources[target].add(source_of[r.doc_id])
            if r.match == "exact":
                exact_sources[target].add(source_of[r.doc_id])
        elif r.label == "boilerplate":
            counts["boilerplate"] += 1
        else:
            counts["unique"] += 1
            passages = reused_of(r)
            if passages:
                counts["unique with reused passages"] += 1
                counts["reused passages"] += len(passages)
                counts["reused passages, source in another article"] += sum(p.doc_id != r.doc_id for p in passages)
        if r.label != "duplicate":
            cluster_sources[ref].add(source_of[r.doc_id])
            exact_sources[ref].add(source_of[r.doc_id])
    counts["paragraphs"] = len(report)
    multi = sum(1 for ref, s in cluster_sources.items() if len(s) >= 2 and words_of[ref] >= MIN_WORDS)
    multi_exact = sum(1 for ref, s in exact_sources.items() if len(s) >= 2 and words_of[ref] >= MIN_WORDS)
    within_articles = len({r.doc_id for r in report if r.scope == "within" and view.verified((r.doc_id, r.index))})
    return {
        "counts": dict(counts),
        "8+ word paragraphs in 2+ outlets (exact after normalization)": multi_exact,
        "8+ word paragraphs in 2+ outlets (exact, near or contained)": multi,
        "articles with a repeat inside": within_articles,
        "seconds": round(seconds, 1),
    }


# ---------------------------------------------------------------------------

#: Alternatives compared by --sweep (the first is the library's default).
SWEEP = [
    {},
    {"containment": None},
    {"containment": 0.8},
    {"containment": 1.0},
    {"threshold": 0.4},
    {"threshold": 0.45},
    {"threshold": 0.55},
    {"threshold": 0.6},
    {"bands": 64, "rows": 2},
    {"shingle_size": 2},
    {"shingle_size": 4},
    {"shingle": "char", "shingle_size": 5},
    {"shingle": "char", "shingle_size": 7},
    {"num_perm": 64},
    {"num_perm": 256},
]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the CI slice: one day, 150 originals per kind (< 60 s)")
    parser.add_argument("--per-kind", type=int, default=None, help="originals per kind (default 1000, quick 150)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sweep", action="store_true", help="also score the alternatives of SWEEP")
    parser.add_argument("--short", action="store_true", help="also run the short-line (headline) study")
    parser.add_argument("--natural", action="store_true", help="also count natural repeats in all of SaudiNewsNet")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    args = parser.parse_args(argv)
    if not saudinewsnet.available():
        print(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}", file=sys.stderr)
        return 2
    days = QUICK_DAYS if args.quick else FULL_DAYS
    per_kind = args.per_kind or (150 if args.quick else 1000)
    t0 = time.perf_counter()
    evalset = build_eval(days, per_kind, args.seed, negatives_limit=2000 if args.quick else None)
    print(f"# tikrar detection quality: days {', '.join(days)}; {len(evalset.background)} articles, "
          f"{len(evalset.expectations)} variants, seed {args.seed}; built in {time.perf_counter() - t0:.0f} s")
    print(f"negatives: {', '.join(f'{g}: {len(p)}' for g, p in evalset.negatives.items())}; "
          f"hand labels in this slice: {dict(evalset.notes['labels'])}\n")
    default = score(evalset)
    print("## At the defaults\n")
    print(kind_table(default))
    print("\nrecall by length of the original (words):\n")
    print("| kind | " + " | ".join(["8-15", "16-40", "41+"]) + " |\n|---|---:|---:|---:|")
    for kind in KINDS:
        if kind in default.by_length:
            cells = [f"{default.by_length[kind].get(b, float('nan')):.1%}" for b in ("8-15", "16-40", "41+")]
            print(f"| {kind} | {' | '.join(cells)} |")
    missed = meets_targets(default)
    print("\ntargets: " + ("all met" if not missed else "NOT met: " + "; ".join(missed)))
    results = [default]
    if args.sweep:
        for options in SWEEP[1:]:
            results.append(score(evalset, **options))
        print("\n## Alternatives\n")
        print(sweep_table(results))
    if args.short:
        print("\n## Short lines: headlines of 3 to 7 words\n")
        print(short_line_study(days, args.seed))
    natural = None
    if args.natural:
        natural = natural_repeats()
        print("\n## Natural repeats in all of SaudiNewsNet (defaults)\n")
        print(json.dumps(natural, ensure_ascii=False, indent=1))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "results": [
                        {**r.__dict__, "precision": r.precision} for r in results
                    ],
                    "natural": natural,
                },
                ensure_ascii=False,
                indent=1,
                default=str,
            )
        )
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
