"""Do the labels keep their promise? Keep-first, verified repeats, on SaudiNewsNet.

The contract of :func:`tikrar.dedup` checked here, record by record:

* a ``duplicate`` names in ``duplicate_of`` an **earlier** paragraph (earlier
  article, or the same article with a smaller index) whose record is
  ``unique`` (kept);
* the pair verifiably repeats according to its ``match``: ``exact`` (equal
  normalized texts), ``near`` (Jaccard of the word 3-gram shingle sets >=
  ``threshold``) or ``contained`` (at least ``containment`` of *this*
  paragraph's own shingles are in the named paragraph's set, |P&Q|/|P|);
* ``similarity`` is the exact Jaccard of the two shingle sets (1.0 for
  ``exact``), to 1e-6;
* a ``boilerplate`` record that kept a ``duplicate_of`` (relabelled by the
  corpus step) only has to verifiably repeat the paragraph it names;
* every ``reused`` entry names an earlier kept paragraph, and what the entry
  says holds: the passage's shingles (counted by position, as the library
  counts them) are found in that paragraph's shingle set at least at the
  share the entry's ``similarity`` gives (within ``REUSE_SHARE_SLACK``: the
  passage is re-normalized here on its own, which can differ at its edges)
  and at least at ``REUSE_PASSAGE_SHARE``; and at least
  ``REUSE_PASSAGE_SHARE`` of them are in the *source passage* the entry
  names, which in turn is at least ``REUSE_SOURCE_PASSAGE_SHARE`` made of
  the passage's shingles (less is asked in that direction: a source passage
  runs from the first to the last shared shingle and holds the source's own
  insertions).

Shingles are computed here, independently of the library's kernels, as plain
Python sets of strings: ``normalized = tikrar.normalize(text)``, words split
on single spaces, every run of 3 words (a paragraph of <= 3 words is one
shingle, its whole normalized text; an empty text has none). :func:`check`
compares this with ``tikrar.shingles`` on a sample once.

Usage (the full corpus is heavy: wrap it in the shared lock)::

    flock /tmp/tikrar-heavy.lock .venv/bin/python benchmarks/check_labels.py
    flock /tmp/tikrar-heavy.lock .venv/bin/python benchmarks/check_labels.py --days 6
    .venv/bin/python benchmarks/check_labels.py --limit 2000
    .venv/bin/python benchmarks/check_labels.py --jsonl out.jsonl   # check a CLI output

Exit status 1 when any violation is found, 0 otherwise.

From Python (the tests do)::

    from benchmarks.check_labels import check
    result = check(tikrar.dedup(articles).records)
    result.not_kept, result.not_repeating, result.similarity_wrong

Records may be :class:`tikrar.Record` objects or their ``to_dict()`` form
(one JSONL line of the command line).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tikrar  # noqa: E402
from benchmarks import saudinewsnet  # noqa: E402

SHINGLE_WORDS = 3
#: ``similarity`` fields are rounded to 6 decimals by the library.
SIMILARITY_TOLERANCE = 1e-6
#: Slack on threshold comparisons, so a ratio that is the threshold up to
#: float rounding is not called a miss.
RATIO_EPS = 1e-9
#: A reused passage must have at least this share of its shingles in its
#: source paragraph and in the source passage (the library reports passages
#: from 0.8 on).
REUSE_PASSAGE_SHARE = 0.8
#: How far below the entry's similarity the share re-computed here may be.
REUSE_SHARE_SLACK = 0.05
#: The source passage must be at least this much made of the passage's
#: shingles (it may hold insertions of its own, not be another text).
REUSE_SOURCE_PASSAGE_SHARE = 0.5
#: Paragraphs compared with ``tikrar.shingles`` once per :func:`check`.
SHINGLE_SAMPLE = 500

# Violation kinds (keys of CheckResult.examples).
NOT_KEPT = "duplicate names a paragraph that is not kept"
NOT_REPEATING = "duplicate does not verifiably repeat the paragraph it names"
SIMILARITY_WRONG = "similarity field wrong"
BOILERPLATE_NOT_REPEATING = "boilerplate with duplicate_of does not verifiably repeat it"
SHINGLE_MISMATCH = "checker shingles differ from tikrar.shingles"

# Reasons a named paragraph is not an earlier kept one.
TARGET_NONE = "duplicate_of is null"
TARGET_MISSING = "named paragraph not in the records"
TARGET_NOT_EARLIER = "named paragraph is not earlier"
TARGET_DUPLICATE = "named paragraph labelled duplicate"
TARGET_BOILERPLATE = "named paragraph labelled boilerplate"

# Checks of one reused entry, in the order they are made.
REUSE_BAD_OFFSETS = "passage offsets out of the paragraph"
REUSE_SOURCE_MISSING = "source paragraph not in the records"
REUSE_SOURCE_NOT_EARLIER = "source paragraph not earlier"
REUSE_SOURCE_NOT_KEPT = "source paragraph not unique"
REUSE_BAD_SOURCE_OFFSETS = "source offsets out of the source paragraph"
REUSE_EMPTY = "passage empty after normalization"
REUSE_NOT_IN_SOURCE = "passage shingles not mostly in the source paragraph"
REUSE_PASSAGES_DIFFER = "passage shingles not mostly in the source passage"
REUSE_CHECKS = (
    REUSE_BAD_OFFSETS,
    REUSE_SOURCE_MISSING,
    REUSE_SOURCE_NOT_EARLIER,
    REUSE_SOURCE_NOT_KEPT,
    REUSE_BAD_SOURCE_OFFSETS,
    REUSE_EMPTY,
    REUSE_NOT_IN_SOURCE,
    REUSE_PASSAGES_DIFFER,
)

MATCH_KINDS = ("exact", "near", "contained")


# --------------------------------------------------------------------------
# Shingles, independently of the library's kernels


def shingle_set(normalized: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word ``size``-gram shingles of a normalized text, as a set of strings.

    >>> sorted(shingle_set("a b c d"))
    ['a b c', 'b c d']
    >>> shingle_set("a b"), shingle_set("")
    (frozenset({'a b'}), frozenset())
    """
    if not normalized:
        return frozenset()
    words = normalized.split(" ")
    if len(words) <= size:
        return frozenset((normalized,))
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


def jaccard(p: frozenset, q: frozenset, p_norm: str = "", q_norm: str = "") -> float:
    """|P&Q| / |P|Q|; two empty sets are 1.0 when their texts are equal.

    >>> jaccard(frozenset("ab"), frozenset("bc"))
    0.3333333333333333
    """
    union = len(p | q)
    if not union:
        return 1.0 if p_norm == q_norm else 0.0
    return len(p & q) / union


def shingle_list(normalized: str) -> list:
    """The word 3-grams of a normalized text in text order (repeats kept).

    >>> shingle_list("ا ب ج ا ب ج")
    ['ا ب ج', 'ب ج ا', 'ج ا ب', 'ا ب ج']
    """
    words = normalized.split(" ") if normalized else []
    if not words:
        return []
    if len(words) <= SHINGLE_WORDS:
        return [normalized]
    return [" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)]


def sequence_share(shingles: list, target: frozenset) -> float:
    """Share of the shingles (by position) found in ``target``.

    >>> sequence_share(["a", "b", "a"], frozenset("a"))
    0.6666666666666666
    """
    return sum(s in target for s in shingles) / len(shingles) if shingles else 0.0


def contained_share(p: frozenset, q: frozenset) -> float:
    """Share of P's shingles found in Q (directional, |P&Q| / |P|).

    >>> contained_share(frozenset("ab"), frozenset("abc")), contained_share(frozenset("abc"), frozenset("ab"))
    (1.0, 0.6666666666666666)
    """
    return len(p & q) / len(p) if p else 0.0


# --------------------------------------------------------------------------
# Records of either form, read into one


def _field(record: Any, name: str, default: Any = None) -> Any:
    if isinstance(record, dict):
        return record.get(name, default)
    try:
        return getattr(record, name)
    except (AttributeError, IndexError):
        # A Record built as a tuple with fewer fields than the type declares
        # (the fast engine builds 12-field tuples without ``reused``).
        return default


def _ref(value: Any) -> Optional[tuple[str, int]]:
    """(doc_id, index) of a ParagraphRef, its dict form, or a pair."""
    if value is None:
        return None
    if isinstance(value, dict):
        return (value.get("doc_id"), value.get("index"))
    if isinstance(value, (tuple, list)) and not hasattr(value, "doc_id"):
        return (value[0], value[1])
    return (value.doc_id, value.index)


@dataclass(frozen=True)
class ReuseEntry:
    start: Any
    end: Any
    source: Optional[tuple[str, int]]
    source_start: Any
    source_end: Any
    similarity: Any


def _reuse(value: Any) -> ReuseEntry:
    if isinstance(value, dict):
        return ReuseEntry(value.get("start"), value.get("end"), (value.get("doc_id"), value.get("index")),
                          value.get("source_start"), value.get("source_end"), value.get("similarity"))
    start, end, doc_id, index, source_start, source_end, similarity = tuple(value)
    return ReuseEntry(start, end, (doc_id, index), source_start, source_end, similarity)


@dataclass(frozen=True)
class Rec:
    """One record, whatever form it came in."""

    doc_id: str
    index: int
    text: str
    label: str
    scope: Optional[str]
    target: Optional[tuple[str, int]]
    similarity: Optional[float]
    match: Optional[str]
    reason: Optional[str]
    reused: tuple
    has_reused_field: bool

    @property
    def key(self) -> tuple[str, int]:
        return (self.doc_id, self.index)


_MISSING = object()


def read_record(record: Any) -> Rec:
    """A :class:`Rec` from a Record (or any object with its attributes) or a dict."""
    reused = _field(record, "reused", _MISSING)
    return Rec(
        doc_id=_field(record, "doc_id"),
        index=_field(record, "index"),
        text=_field(record, "text") or "",
        label=_field(record, "label"),
        scope=_field(record, "scope"),
        target=_ref(_field(record, "duplicate_of")),
        similarity=_field(record, "similarity"),
        match=_field(record, "match"),
        reason=_field(record, "reason"),
        reused=() if reused is _MISSING or reused is None else tuple(_reuse(r) for r in reused),
        has_reused_field=reused is not _MISSING,
    )


# --------------------------------------------------------------------------
# The check


@dataclass
class Example:
    """One violation, to print: the record, the paragraph it names, why."""

    kind: str
    doc_id: str
    index: int
    text: str
    label: str
    match: Optional[str]
    target: Optional[tuple[str, int]]
    target_text: Optional[str]
    detail: str

    def format(self, width: int = 80) -> str:
        line = f"{self.doc_id}#{self.index} [{self.label}/{self.match}] {self.text[:width]!r}"
        if self.target is not None:
            target = f"{self.target[0]}#{self.target[1]}"
            text = "" if self.target_text is None else f" {self.target_text[:width]!r}"
            line += f"\n        -> {target}{text}"
        return line + f"\n        {self.detail}"


@dataclass
class CheckResult:
    """Counts of a :func:`check` run and a few examples of each violation."""

    threshold: float
    containment: Optional[float]
    articles: int = 0
    paragraphs: int = 0
    labels: Counter = field(default_factory=Counter)
    duplicates: int = 0
    duplicates_by_match: Counter = field(default_factory=Counter)
    #: Headline 1: duplicates whose named paragraph is not an earlier kept one.
    not_kept: int = 0
    not_kept_by_match: Counter = field(default_factory=Counter)
    not_kept_by_reason: Counter = field(default_factory=Counter)
    #: Headline 2: duplicates whose pair does not verifiably repeat (the
    #: named paragraph exists; duplicates naming none are in ``not_kept``).
    not_repeating: int = 0
    not_repeating_by_match: Counter = field(default_factory=Counter)
    #: Of those: contained claims that would hold the other way round.
    contained_reversed: int = 0
    #: Duplicates failing either headline check.
    failing: int = 0
    similarity_wrong: int = 0
    similarity_wrong_by_match: Counter = field(default_factory=Counter)
    boilerplate_with_target: int = 0
    boilerplate_not_repeating: int = 0
    boilerplate_not_repeating_by_match: Counter = field(default_factory=Counter)
    #: Informational (not a violation): boilerplate records' similarity fields.
    boilerplate_similarity_wrong: int = 0
    reused_records: int = 0
    reused_entries: int = 0
    reused_failures: Counter = field(default_factory=Counter)
    reused_entries_failing: int = 0
    shingle_sample: int = 0
    shingle_mismatches: int = 0
    #: Things that are not violations of the checked contract but look wrong.
    oddities: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)
    max_examples: int = 3

    @property
    def violations(self) -> int:
        return (self.not_kept + self.not_repeating + self.similarity_wrong + self.boilerplate_not_repeating
                + self.reused_entries_failing + self.shingle_mismatches)

    @property
    def ok(self) -> bool:
        return self.violations == 0

    def _example(self, kind: str, rec: Rec, target: Optional[tuple[str, int]], target_rec: Optional[Rec],
                 detail: str) -> None:
        found = self.examples.setdefault(kind, [])
        if len(found) < self.max_examples:
            found.append(Example(kind, rec.doc_id, rec.index, rec.text, rec.label, rec.match, target,
                                 target_rec.text if target_rec is not None else None, detail))

    def _odd(self, what: str, rec: Rec, detail: str = "") -> None:
        self.oddities[what] += 1
        self._example("odd: " + what, rec, rec.target, None, detail or what)


class _Shingles:
    """Normalized text and shingle set of each record, computed once, on demand."""

    def __init__(self, recs: Sequence[Rec]):
        self.recs = recs
        self.normalized: dict[int, str] = {}
        self.sets: dict[int, frozenset] = {}

    def norm(self, position: int) -> str:
        value = self.normalized.get(position)
        if value is None:
            value = self.normalized[position] = tikrar.normalize(self.recs[position].text)
        return value

    def set(self, position: int) -> frozenset:
        value = self.sets.get(position)
        if value is None:
            value = self.sets[position] = shingle_set(self.norm(position))
        return value


def _pair_detail(p: frozenset, q: frozenset, p_norm: str, q_norm: str) -> str:
    return (f"jaccard {jaccard(p, q, p_norm, q_norm):.6f}, own share in target {contained_share(p, q):.6f}, "
            f"target share in own {contained_share(q, p):.6f}, normalized equal {p_norm == q_norm}, "
            f"shingles {len(p)}/{len(q)}")


def repeats(match: Optional[str], p: frozenset, q: frozenset, p_norm: str, q_norm: str,
            threshold: float, containment: Optional[float]) -> bool:
    """Whether paragraph P verifiably repeats Q as ``match`` claims.

    >>> a, b = shingle_set("a b c d e"), shingle_set("a b c d")
    >>> repeats("contained", b, a, "a b c d", "a b c d e", 0.5, 0.9), repeats("contained", a, b, "", "", 0.5, 0.9)
    (True, False)
    """
    if match == "exact":
        return p_norm == q_norm
    if match == "near":
        return jaccard(p, q, p_norm, q_norm) >= threshold - RATIO_EPS
    if match == "contained":
        return containment is not None and contained_share(p, q) >= containment - RATIO_EPS
    return False


def _valid_span(start: Any, end: Any, length: int) -> bool:
    return (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and not isinstance(end, bool) and 0 <= start < end <= length)


def check(records: Iterable[Any], threshold: float = 0.5, containment: Optional[float] = 0.9,
          max_examples: int = 3, shingle_sample: int = SHINGLE_SAMPLE) -> CheckResult:
    """Check every record against the keep-first, verified-repeat contract.

    ``records`` come in input order (as ``tikrar.dedup`` returns them), as
    Record objects or their ``to_dict()`` form. ``threshold`` and
    ``containment`` are those the run used (the library's defaults here).
    """
    recs = [read_record(r) for r in records]
    result = CheckResult(threshold=threshold, containment=containment, max_examples=max_examples)
    result.paragraphs = len(recs)
    result.labels = Counter(r.label for r in recs)

    # Where each paragraph is, and the order of articles (first appearance).
    position_of: dict[tuple[str, int], int] = {}
    article_of: dict[str, int] = {}
    previous_doc = None
    for position, rec in enumerate(recs):
        if rec.doc_id != previous_doc:
            if rec.doc_id in article_of:
                result._odd("article's records not contiguous", rec)
            else:
                article_of[rec.doc_id] = len(article_of)
            previous_doc = rec.doc_id
        if rec.key in position_of:
            result._odd("(doc_id, index) given twice", rec)
        else:
            position_of[rec.key] = position
        if not rec.has_reused_field:
            result.oddities["record without a reused field"] += 1
    result.articles = len(article_of)

    def order(position: int) -> tuple[int, int]:
        rec = recs[position]
        return (article_of[rec.doc_id], rec.index)

    shingles = _Shingles(recs)

    for position, rec in enumerate(recs):
        if rec.label == "duplicate":
            _check_duplicate(result, recs, shingles, position, position_of, order, threshold, containment)
        elif rec.label == "boilerplate" and rec.target is not None:
            _check_boilerplate(result, recs, shingles, position, position_of, threshold, containment)
        elif rec.label == "unique":
            if rec.target is not None or rec.match is not None or rec.similarity is not None:
                result._odd("unique record with duplicate_of/match/similarity", rec)
        elif rec.label not in ("boilerplate",):
            result._odd(f"unknown label {rec.label!r}", rec)
        if rec.reused:
            _check_reused(result, recs, shingles, position, position_of, order)

    _check_shingle_sample(result, recs, shingles, shingle_sample)
    return result


def _check_duplicate(result, recs, shingles, position, position_of, order, threshold, containment):
    rec = recs[position]
    result.duplicates += 1
    match = rec.match if rec.match in MATCH_KINDS else f"other ({rec.match!r})"
    result.duplicates_by_match[match] += 1
    target = rec.target
    target_position = position_of.get(target) if target is not None else None
    target_rec = recs[target_position] if target_position is not None else None
    failed = False

    # 1. Keep-first: the named paragraph is an earlier kept one.
    if target is None:
        reason = TARGET_NONE
    elif target_position is None:
        reason = TARGET_MISSING
    elif order(target_position) >= order(position):
        reason = TARGET_NOT_EARLIER
    elif target_rec.label == "duplicate":
        reason = TARGET_DUPLICATE
    elif target_rec.label == "boilerplate":
        reason = TARGET_BOILERPLATE
    elif target_rec.label != "unique":
        reason = f"named paragraph labelled {target_rec.label!r}"
    else:
        reason = None
    if reason is not None:
        failed = True
        result.not_kept += 1
        result.not_kept_by_match[match] += 1
        result.not_kept_by_reason[reason] += 1
        detail = reason
        if target_rec is not None and target_rec.label == "duplicate" and target_rec.target is not None:
            detail += f" (itself a duplicate of {target_rec.target[0]}#{target_rec.target[1]})"
        result._example(NOT_KEPT, rec, target, target_rec, detail)
    if target_rec is None:
        result.failing += 1
        return

    # 2. The pair verifiably repeats, as its match says.
    p, q = shingles.set(position), shingles.set(target_position)
    p_norm, q_norm = shingles.norm(position), shingles.norm(target_position)
    if not repeats(rec.match, p, q, p_norm, q_norm, threshold, containment):
        failed = True
        result.not_repeating += 1
        result.not_repeating_by_match[match] += 1
        if rec.match == "contained" and containment is not None and contained_share(q, p) >= containment - RATIO_EPS:
            result.contained_reversed += 1
        result._example(f"{NOT_REPEATING} ({match})", rec, target, target_rec,
                        _pair_detail(p, q, p_norm, q_norm))
    if failed:
        result.failing += 1

    # 3. The similarity field is the exact Jaccard.
    expected = jaccard(p, q, p_norm, q_norm)
    if not _similarity_ok(rec.similarity, expected):
        result.similarity_wrong += 1
        result.similarity_wrong_by_match[match] += 1
        result._example(SIMILARITY_WRONG, rec, target, target_rec,
                        f"similarity {rec.similarity!r}, exact Jaccard {expected:.6f}")

    if rec.scope != ("within" if target[0] == rec.doc_id else "across"):
        result._odd("scope does not match the named paragraph's article", rec, f"scope {rec.scope!r}")
    if not p_norm:
        result._odd("duplicate empty after normalization", rec)


def _similarity_ok(value: Any, expected: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return abs(value - expected) <= SIMILARITY_TOLERANCE + RATIO_EPS


def _check_boilerplate(result, recs, shingles, position, position_of, threshold, containment):
    rec = recs[position]
    result.boilerplate_with_target += 1
    match = rec.match if rec.match in MATCH_KINDS else f"other ({rec.match!r})"
    target_position = position_of.get(rec.target)
    if target_position is None:
        result.boilerplate_not_repeating += 1
        result.boilerplate_not_repeating_by_match[match] += 1
        result._example(BOILERPLATE_NOT_REPEATING, rec, rec.target, None, TARGET_MISSING)
        return
    target_rec = recs[target_position]
    p, q = shingles.set(position), shingles.set(target_position)
    p_norm, q_norm = shingles.norm(position), shingles.norm(target_position)
    if not repeats(rec.match, p, q, p_norm, q_norm, threshold, containment):
        result.boilerplate_not_repeating += 1
        result.boilerplate_not_repeating_by_match[match] += 1
        result._example(BOILERPLATE_NOT_REPEATING, rec, rec.target, target_rec, _pair_detail(p, q, p_norm, q_norm))
    if not _similarity_ok(rec.similarity, jaccard(p, q, p_norm, q_norm)):
        result.boilerplate_similarity_wrong += 1


def _check_reused(result, recs, shingles, position, position_of, order):
    rec = recs[position]
    result.reused_records += 1
    if rec.label != "unique":
        result._odd("reused passages on a record that is not unique", rec, f"label {rec.label!r}")
    for entry in rec.reused:
        result.reused_entries += 1
        failed = _reuse_failure(rec, entry, recs, shingles, position, position_of, order)
        if failed is not None:
            check_name, detail, source_rec = failed
            result.reused_failures[check_name] += 1
            result.reused_entries_failing += 1
            result._example("reused: " + check_name, rec, entry.source, source_rec,
                            f"passage {entry.start}:{entry.end} {rec.text[entry.start:entry.end][:80]!r}; " + detail
                            if isinstance(entry.start, int) and isinstance(entry.end, int) else detail)


def _reuse_failure(rec, entry, recs, shingles, position, position_of, order):
    """The first check a reused entry fails, with details, or None."""
    if not _valid_span(entry.start, entry.end, len(rec.text)):
        return REUSE_BAD_OFFSETS, f"start {entry.start!r}, end {entry.end!r}, paragraph length {len(rec.text)}", None
    source_position = position_of.get(entry.source)
    if source_position is None:
        return REUSE_SOURCE_MISSING, f"source {entry.source!r}", None
    source = recs[source_position]
    if order(source_position) >= order(position):
        return REUSE_SOURCE_NOT_EARLIER, "source is not earlier", source
    if source.label != "unique":
        return REUSE_SOURCE_NOT_KEPT, f"source labelled {source.label!r}", source
    if not _valid_span(entry.source_start, entry.source_end, len(source.text)):
        return (REUSE_BAD_SOURCE_OFFSETS, f"source_start {entry.source_start!r}, source_end {entry.source_end!r}, "
                f"source length {len(source.text)}", source)
    passage = shingle_list(tikrar.normalize(rec.text[entry.start : entry.end]))
    if not passage:
        return REUSE_EMPTY, "nothing left of the passage after normalization", source
    cover = sequence_share(passage, shingles.set(source_position))
    claimed = entry.similarity if isinstance(entry.similarity, (int, float)) and not isinstance(entry.similarity, bool) else None
    if (claimed is None or cover < REUSE_PASSAGE_SHARE - RATIO_EPS
            or cover < claimed - REUSE_SHARE_SLACK - RATIO_EPS):
        return REUSE_NOT_IN_SOURCE, f"share in source paragraph {cover:.6f}, entry similarity {entry.similarity!r}", source
    source_passage = shingle_set(tikrar.normalize(source.text[entry.source_start : entry.source_end]))
    forward = sequence_share(passage, source_passage)
    backward = contained_share(source_passage, frozenset(passage))
    if forward < REUSE_PASSAGE_SHARE - RATIO_EPS or backward < REUSE_SOURCE_PASSAGE_SHARE - RATIO_EPS:
        return (REUSE_PASSAGES_DIFFER, f"passage in source passage {forward:.3f}, source passage in passage "
                f"{backward:.3f}; source passage {source.text[entry.source_start:entry.source_end][:80]!r}", source)
    return None


def _check_shingle_sample(result, recs, shingles, sample):
    """The checker's shingles against ``tikrar.shingles``, on up to ``sample``
    paragraphs (those already normalized first, else evenly spaced)."""
    if not recs or sample <= 0:
        return
    positions = sorted(shingles.normalized)
    if len(positions) < sample:
        step = max(1, len(recs) // sample)
        positions = sorted(set(positions) | set(range(0, len(recs), step)))
    step = max(1, len(positions) // sample)
    for position in positions[::step][:sample]:
        normalized = shingles.norm(position)
        result.shingle_sample += 1
        if shingle_set(normalized) != frozenset(tikrar.shingles(normalized)):
            result.shingle_mismatches += 1
            result._example(SHINGLE_MISMATCH, recs[position], None, None, f"normalized {normalized[:80]!r}")


# --------------------------------------------------------------------------
# Report


def _by(counter: Counter, keys: Sequence[str] = MATCH_KINDS) -> str:
    parts = [f"{k} {counter.get(k, 0):,}" for k in keys]
    parts += [f"{k} {v:,}" for k, v in sorted(counter.items()) if k not in keys]
    return ", ".join(parts)


def format_result(result: CheckResult, examples: bool = True) -> str:
    """The result as the runner prints it."""
    r = result
    containment = "off" if r.containment is None else r.containment
    lines = [
        f"articles: {r.articles:,}",
        f"paragraphs: {r.paragraphs:,} ({_by(r.labels, ('unique', 'duplicate', 'boilerplate'))})",
        f"duplicates: {r.duplicates:,} ({_by(r.duplicates_by_match)})",
        f"checked at threshold {r.threshold}, containment {containment}",
        "",
        f"duplicates whose named paragraph is not kept: {r.not_kept:,} ({_by(r.not_kept_by_match)})",
    ]
    lines += [f"    {reason}: {n:,}" for reason, n in r.not_kept_by_reason.most_common()]
    lines += [
        f"duplicates that do not verifiably repeat it: {r.not_repeating:,} ({_by(r.not_repeating_by_match)})",
        f"    contained claims that hold only the other way round: {r.contained_reversed:,}",
        f"duplicates failing either: {r.failing:,} of {r.duplicates:,}",
        f"similarity field wrong: {r.similarity_wrong:,} ({_by(r.similarity_wrong_by_match)})",
        f"boilerplate with duplicate_of: {r.boilerplate_with_target:,}; not verifiably repeating: "
        f"{r.boilerplate_not_repeating:,} ({_by(r.boilerplate_not_repeating_by_match)}); "
        f"similarity field wrong (not counted): {r.boilerplate_similarity_wrong:,}",
        f"reused: {r.reused_entries:,} entries on {r.reused_records:,} records; entries failing: "
        f"{r.reused_entries_failing:,}",
    ]
    lines += [f"    {name}: {r.reused_failures.get(name, 0):,}" for name in REUSE_CHECKS]
    lines.append(f"shingle sample vs tikrar.shingles: {r.shingle_sample:,} paragraphs, {r.shingle_mismatches:,} differ")
    if r.oddities:
        lines.append("other oddities (not counted as violations):")
        lines += [f"    {what}: {n:,}" for what, n in r.oddities.most_common()]
    lines.append(f"violations: {r.violations:,}")
    if examples and r.examples:
        lines.append("")
        lines.append("examples:")
        for kind, found in r.examples.items():
            lines.append(f"  {kind}:")
            lines += ["    " + example.format() for example in found]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Runner


def load(days: Optional[int] = None, limit: Optional[int] = None) -> list[dict]:
    """SaudiNewsNet articles (of the first ``days`` days, at most ``limit``)
    as ``{"id", "text", "source"}`` dicts, in corpus order."""
    day_names = None
    if days is not None:
        day_names = [archive.stem for archive in sorted(saudinewsnet.SAUDINEWSNET.glob("*.zip"))][:days]
    return [{"id": a["id"], "text": a["text"], "source": a["source"]}
            for a in saudinewsnet.iter_articles(limit=limit, days=day_names)]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=None, help="only the first N days of SaudiNewsNet")
    parser.add_argument("--limit", type=int, default=None, help="at most N articles")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per kind of violation")
    parser.add_argument("--jsonl", type=Path, default=None,
                        help="check this output of `tikrar dedup` instead of running dedup")
    parser.add_argument("--threshold", type=float, default=0.5, help="threshold the records were made with")
    parser.add_argument("--containment", type=float, default=0.9, help="containment the records were made with")
    args = parser.parse_args(argv)

    if args.jsonl is not None:
        records = read_jsonl(args.jsonl)
        print(f"# check_labels: {args.jsonl} ({len(records):,} records)")
    else:
        if not saudinewsnet.available():
            print(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}", file=sys.stderr)
            return 2
        articles = load(args.days, args.limit)
        print(f"# check_labels: SaudiNewsNet, days {args.days or 'all'}, limit {args.limit or 'none'}; "
              f"tikrar.dedup at the defaults")
        started = time.perf_counter()
        report = tikrar.dedup(articles)
        print(f"dedup wall time: {time.perf_counter() - started:.2f} s")
        records = report.records
        del articles
    started = time.perf_counter()
    result = check(records, threshold=args.threshold, containment=args.containment, max_examples=args.examples)
    elapsed = time.perf_counter() - started
    print(f"check wall time: {elapsed:.2f} s")
    print(format_result(result, examples=args.examples > 0))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
