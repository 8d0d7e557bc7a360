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
  always the first occurrence. A variant is found when it is labelled
  ``duplicate`` and points at its original (or at the first occurrence the
  original itself points at). A split is found when both parts point at the
  original; a merge when the merged paragraph points at either of its two
  originals.
* Negatives: pairs of real paragraphs of the same day (same article or
  different articles, at least 8 words each) with high topical overlap (at
  least half of the shorter one's content words occur in the other) but no
  text reuse: less than half of the shorter one's words lie in runs of 3+
  words shared with the other (word alignment). Also the pairs labelled by
  hand in ``eval_labels.tsv`` (see that file). A negative is flagged when
  both paragraphs end in the same cluster.
* Precision: correct variant flags / (correct variant flags + variants
  flagged against something else + flagged negatives).

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
#: not text reuse, and at or above which it is. Checked against the hand
#: labels: every pair labelled a repeat has coverage >= 0.77; every pair
#: labelled not a repeat but one (0.79) has coverage <= 0.70.
NO_REUSE = 0.5
REUSE = 0.8
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


def load_days(days: Sequence[str]) -> list[dict]:
    """Articles of the given SaudiNewsNet days, in corpus order."""
    return list(saudinewsnet.iter_articles(days=days))


def paragraphs_of(articles: Sequence[dict]) -> list[Para]:
    """Every paragraph of ``articles`` as the deduplicator segments it."""
    out = []
    for position, article in enumerate(articles):
        for p in tikrar.segment(article["id"], article["text"]):
            norm = tikrar.normalize(p.text)
            out.append(Para((article["id"], p.index), position, article["date"], p.text, norm, len(norm.split())))
    return out


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


def unrelated_paragraphs(background: Sequence[dict], paras: Sequence[Para]) -> set[Ref]:
    """Paragraphs that a permissive run relates to nothing else."""
    report = tikrar.dedup(background, threshold=0.3, containment=0.5, bands=64, rows=2)
    related: set[Ref] = set()
    for record in report:
        if record.label != "unique":
            related.add((record.doc_id, record.index))
        if record.duplicate_of is not None:
            related.add((record.duplicate_of.doc_id, record.duplicate_of.index))
    counts = collections.Counter(p.norm for p in paras)
    return {p.ref for p in paras if p.ref not in related and counts[p.norm] == 1}


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
        "normalized": {p.ref: p.norm for p in paras},
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
# Scoring


@dataclass
class Result:
    options: dict
    recall: dict[str, float]
    found: dict[str, int]
    total: dict[str, int]
    split_any: float
    negatives_flagged: dict[str, int]
    negatives_total: dict[str, int]
    labelled_repeats_found: int
    labelled_repeats_total: int
    true_flags: int
    false_flags: int
    wrong_target: int
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
    root: dict[Ref, Ref] = {}
    label: dict[Ref, str] = {}
    for r in report:
        ref = (r.doc_id, r.index)
        label[ref] = r.label
        root[ref] = (r.duplicate_of.doc_id, r.duplicate_of.index) if r.duplicate_of is not None else ref

    found = collections.Counter()
    total = collections.Counter()
    by_length: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    by_length_total: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    split_any = 0
    true_flags = wrong = 0
    for e in evalset.expectations:
        hits = []
        # The original may itself have joined an earlier cluster: the
        # variant must then join that cluster.
        targets = {root[o] for o in e.original_refs}
        for v in e.variant_refs:
            flagged = label.get(v) == "duplicate"
            correct = flagged and root[v] in targets
            hits.append(correct)
            true_flags += correct
            wrong += flagged and not correct
        ok = all(hits)
        total[e.kind] += 1
        found[e.kind] += ok
        by_length_total[e.kind][length_bucket(e.words)] += 1
        by_length[e.kind][length_bucket(e.words)] += ok
        if e.kind == "split in two":
            split_any += any(hits)
    norm_of = evalset.notes["normalized"]

    def linked(a: Ref, b: Ref) -> bool:
        """Whether the report claims ``a`` and ``b`` repeat each other:
        directly, or through a third paragraph unless both reproduce it."""
        if root.get(a) != root.get(b):
            return False
        third = root[a]
        if third in (a, b) or third not in norm_of:
            return True
        return not all(reuse_coverage(norm_of[x], norm_of[third]) >= REUSE for x in (a, b))

    flagged_neg = {group: sum(linked(a, b) for a, b in pairs) for group, pairs in evalset.negatives.items()}
    repeats_found = sum(root.get(a) == root.get(b) for a, b in evalset.labelled_repeats)
    recall = {k: found[k] / total[k] for k in total}
    lengths = {
        k: {b: by_length[k][b] / n for b, n in sorted(by_length_total[k].items())} for k in by_length_total
    }
    return Result(
        options=options,
        recall=recall,
        found=dict(found),
        total=dict(total),
        split_any=split_any / total["split in two"] if total["split in two"] else 0.0,
        negatives_flagged=flagged_neg,
        negatives_total={g: len(p) for g, p in evalset.negatives.items()},
        labelled_repeats_found=repeats_found,
        labelled_repeats_total=len(evalset.labelled_repeats),
        true_flags=true_flags,
        false_flags=wrong + sum(flagged_neg.values()),
        wrong_target=wrong,
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
    lines.append("")
    lines.append("| negatives | flagged / pairs |")
    lines.append("|---|---:|")
    for group, n in result.negatives_total.items():
        lines.append(f"| {group} | {result.negatives_flagged[group]}/{n} |")
    lines.append(f"| variants flagged against the wrong paragraph | {result.wrong_target} |")
    lines.append("")
    lines.append(
        f"precision = {result.true_flags}/{result.true_flags + result.false_flags} = {result.precision:.4%} "
        f"(target {PRECISION_TARGET:.1%}); hand-labelled natural repeats found: "
        f"{result.labelled_repeats_found}/{result.labelled_repeats_total}; dedup took {result.seconds:.1f} s"
    )
    return "\n".join(lines)


SHORT_KINDS = ("exact", "orthographic", "edit 1%", "edit 2%", "edit 5%", "edit 10%", "agency prefix", "dateline",
               "sentence appended", "sentence removed", "split in two", "two merged")


def sweep_table(results: Sequence[Result]) -> str:
    head = ["options", *[k.replace("sentence ", "sent. ") for k in SHORT_KINDS], "neg. flagged", "precision", "s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        cells = [describe(r.options)] + [f"{r.recall.get(k, 0):.1%}" for k in SHORT_KINDS]
        cells += [str(sum(r.negatives_flagged.values())), f"{r.precision:.3%}", f"{r.seconds:.0f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def meets_targets(result: Result) -> list[str]:
    """Names of the targets a result misses (empty when all are met)."""
    missed = [f"{k} {result.recall[k]:.1%} < {t:.0%}" for k, t in TARGETS.items() if k in result.recall and result.recall[k] < t]
    if result.precision < PRECISION_TARGET:
        missed.append(f"precision {result.precision:.3%} < {PRECISION_TARGET:.1%}")
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
    more outlets."""
    articles = saudinewsnet.load_articles()
    start = time.perf_counter()
    report = tikrar.dedup(articles, **options)
    seconds = time.perf_counter() - start
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
            target = (r.duplicate_of.doc_id, r.duplicate_of.index)
            counts[f"duplicate {r.match} {r.scope}"] += 1
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
        if r.label != "duplicate":
            cluster_sources[ref].add(source_of[r.doc_id])
            exact_sources[ref].add(source_of[r.doc_id])
    counts["paragraphs"] = len(report)
    multi = sum(1 for ref, s in cluster_sources.items() if len(s) >= 2 and words_of[ref] >= MIN_WORDS)
    multi_exact = sum(1 for ref, s in exact_sources.items() if len(s) >= 2 and words_of[ref] >= MIN_WORDS)
    within_articles = len({r.doc_id for r in report if r.scope == "within"})
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
