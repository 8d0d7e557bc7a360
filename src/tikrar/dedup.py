"""The orchestration: articles in, one labelled record per paragraph out.

Pipeline per batch: segment -> normalize -> boilerplate rules -> shingle ->
MinHash -> LSH candidates -> exact verification -> first-occurrence labels.
Every stage is a pure function; :class:`Deduplicator` holds the state that
makes a second batch compare against the first (the LSH index, the shingle
sets and the first occurrence of every normalized text).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from . import boilerplate as bp
from .config import LSHConfig, MinHashConfig, ShingleConfig
from .errors import ConfigError, InputError
from .index import LSHIndex, choose_bands, verify_pairs
from .match import MATCH_NAMES, NO_MATCH, MatchPolicy, classify_pairs
from .minhash import signatures
from .normalize import DEDUP, PRESETS, RULES, NormalizeConfig, normalize
from .report import Report, SkippedArticle
from .segment import segment
from .shingle import shingle_sets
from .types import (
    LABEL_BOILERPLATE,
    LABEL_DUPLICATE,
    LABEL_UNIQUE,
    MATCH_EXACT,
    SCOPE_ACROSS,
    SCOPE_WITHIN,
    Article,
    ParagraphRef,
    Record,
)

ArticleLike = Union[Article, Mapping[str, Any], Sequence[Any]]

REASON_EMPTY = "empty after normalization"


@dataclass(frozen=True)
class DedupConfig:
    """Every option of a deduplication run, validated on creation.

    ``threshold``: Jaccard similarity of shingle sets at or above which two
    paragraphs are repeats. ``short_words``: paragraphs with fewer words
    (after normalization) are repeats only when their normalized texts are
    equal, so headlines sharing a stock phrase are not flagged.

    >>> DedupConfig(threshold=0.7).threshold
    0.7
    """

    threshold: float = 0.5
    containment: Optional[float] = None
    short_words: int = 8
    normalize: NormalizeConfig = DEDUP
    shingle: ShingleConfig = ShingleConfig()
    minhash: MinHashConfig = MinHashConfig()
    lsh: LSHConfig = LSHConfig()
    rules: Optional[tuple[bp.Rule, ...]] = None
    boilerplate: bool = True
    # Corpus-learned boilerplate (see Deduplicator._apply_corpus_boilerplate).
    corpus_boilerplate: bool = True
    min_source_articles: int = 10
    min_source_share: float = 0.5
    source_separators: str = bp.SOURCE_SEPARATORS

    def __post_init__(self) -> None:
        self.policy  # validates threshold and containment
        if not isinstance(self.short_words, int) or self.short_words < 0:
            raise ConfigError(f"short_words must be a non-negative integer, got {self.short_words!r}")
        if not isinstance(self.min_source_articles, int) or isinstance(self.min_source_articles, bool) or self.min_source_articles < 2:
            raise ConfigError(
                f"min_source_articles must be an integer >= 2 (articles of one source sharing a paragraph), "
                f"got {self.min_source_articles!r}"
            )
        if isinstance(self.min_source_share, bool) or not isinstance(self.min_source_share, (int, float)) or not 0 < self.min_source_share <= 1:
            raise ConfigError(f"min_source_share must be a number in (0, 1], got {self.min_source_share!r}")
        if not isinstance(self.source_separators, str):
            raise ConfigError(f"source_separators must be a string of characters, got {self.source_separators!r}")
        if self.lsh.bands is not None and self.lsh.bands * self.lsh.rows > self.minhash.num_perm:
            raise ConfigError(
                f"LSH bands x rows = {self.lsh.bands * self.lsh.rows} exceeds num_perm = {self.minhash.num_perm}; "
                "lower bands or rows, or raise num_perm"
            )

    @property
    def policy(self) -> MatchPolicy:
        return MatchPolicy(self.threshold, self.containment)

    @property
    def active_rules(self) -> tuple[bp.Rule, ...]:
        if not self.boilerplate:
            return ()
        return self.rules if self.rules is not None else tuple(bp.default_rules())

    @property
    def bands_rows(self) -> tuple[int, int]:
        if self.lsh.bands is not None:
            return self.lsh.bands, self.lsh.rows
        return choose_bands(self.threshold, self.minhash.num_perm)

    @classmethod
    def from_options(cls, **options: Any) -> "DedupConfig":
        """Build a config from flat keyword options, as ``dedup()`` takes them.

        Options: ``threshold``, ``short_words``, ``normalize`` (a preset name
        or a NormalizeConfig), ``shingle`` ("word" or "char"),
        ``shingle_size``, ``num_perm``, ``seed``, ``bands``, ``rows``,
        ``rules`` (a list of Rule, replacing the defaults), ``extra_rules``
        (added to them), ``disable_rules`` (names to drop), ``boilerplate``
        (False turns rules off), or ``config`` (a whole DedupConfig).

        >>> DedupConfig.from_options(num_perm=64, shingle="char", shingle_size=5).shingle.kind
        'char'
        """
        config = options.pop("config", None) or cls()
        changes: dict[str, Any] = {}
        for name in ("threshold", "containment", "short_words", "boilerplate",
                     "corpus_boilerplate", "min_source_articles", "min_source_share", "source_separators"):
            if name in options:
                changes[name] = options.pop(name)
        if "normalize" in options:
            value = options.pop("normalize")
            if isinstance(value, str):
                if value not in PRESETS:
                    raise ConfigError(f"normalize preset must be one of {sorted(PRESETS)}, got {value!r}")
                value = PRESETS[value]
            changes["normalize"] = value
        if "shingle" in options or "shingle_size" in options:
            changes["shingle"] = ShingleConfig(
                options.pop("shingle", config.shingle.kind), options.pop("shingle_size", config.shingle.size)
            )
        if "num_perm" in options or "seed" in options:
            changes["minhash"] = MinHashConfig(
                options.pop("num_perm", config.minhash.num_perm), options.pop("seed", config.minhash.seed)
            )
        if "bands" in options or "rows" in options:
            changes["lsh"] = dataclasses.replace(config.lsh, bands=options.pop("bands", None), rows=options.pop("rows", None))
        rules = list(options.pop("rules", None) or config.active_rules)
        rules += list(options.pop("extra_rules", None) or [])
        disabled = set(options.pop("disable_rules", None) or [])
        unknown_disabled = disabled - {r.name for r in rules}
        if unknown_disabled:
            raise ConfigError(f"disable_rules names no rule: {sorted(unknown_disabled)}")
        changes["rules"] = tuple(r for r in rules if r.name not in disabled)
        if options:
            raise ConfigError(f"unknown option(s): {sorted(options)}")
        return dataclasses.replace(config, **changes)


def coerce_article(item: ArticleLike, position: int) -> Article:
    """An :class:`Article` from a tuple ``(doc_id, text[, source])``, a dict
    with ``id``/``doc_id`` and ``text`` (and optional ``source``), or an
    Article. Raises :class:`InputError` naming the record otherwise.

    >>> coerce_article({"id": 7, "text": "نص"}, 0)
    Article(doc_id='7', text='نص', source=None)
    """
    if isinstance(item, Article):
        doc_id, text, source = item.doc_id, item.text, item.source
    elif isinstance(item, Mapping):
        doc_id = item.get("id", item.get("doc_id"))
        text, source = item.get("text"), item.get("source")
        if doc_id is None:
            raise InputError(f"article #{position}", "has no 'id' (or 'doc_id') field")
    elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
        doc_id, text = item[0], item[1]
        source = item[2] if len(item) == 3 else None
    else:
        raise InputError(f"article #{position}", f"expected (doc_id, text), a dict or an Article, got {type(item).__name__}")
    if not isinstance(text, str):
        raise InputError(f"article {doc_id!r}", f"text must be a string, got {type(text).__name__}")
    return Article(str(doc_id), text, None if source is None else str(source))


def _text_key(normalized: str) -> bytes:
    return hashlib.blake2b(normalized.encode("utf-8"), digest_size=8).digest()


@dataclass
class _Batch:
    """Per-paragraph columns of one batch, before labelling."""

    articles: list[Article]
    doc_of: list[int] = field(default_factory=list)  # article position in batch
    paragraphs: list = field(default_factory=list)
    normalized: list[str] = field(default_factory=list)
    words: list[int] = field(default_factory=list)
    hits: list[Optional[bp.BoilerplateHit]] = field(default_factory=list)


class Deduplicator:
    """Flags repeated and boilerplate paragraphs, across calls to :meth:`add`.

    Each :meth:`add` labels the new articles against themselves and against
    everything added before; the first occurrence of a paragraph is canonical.

    >>> d = Deduplicator()
    >>> first = d.add([("a", "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة")])
    >>> second = d.add([("b", "وقال المتحدث إن المحادثات ستُستأنف غداً في العاصمة القطرية الدوحة")])
    >>> second[0].label, second[0].duplicate_of.doc_id, second[0].similarity
    ('duplicate', 'a', 1.0)
    """

    def __init__(self, config: Optional[DedupConfig] = None, **options: Any):
        self.config = DedupConfig.from_options(config=config, **options)
        bands, rows = self.config.bands_rows
        self._rules = self.config.active_rules
        self._index = LSHIndex(bands, rows, self.config.lsh)
        self._refs: list[ParagraphRef] = []
        self._article_of: list[int] = []
        self._canonical: list[int] = []
        self._first_by_text: dict[bytes, int] = {}
        self._hashes = np.zeros(0, dtype=np.uint32)
        self._offsets = np.zeros(1, dtype=np.int64)
        self._articles_seen = 0
        # Corpus-learned boilerplate: the source of every article added so far,
        # and for each repeated paragraph (keyed by its first occurrence) how
        # many articles of each source it was found in.
        self._source_of_doc: dict[str, Optional[str]] = {}
        self._cluster_sources: dict[tuple[str, int], dict[Optional[str], int]] = {}

    @property
    def paragraph_count(self) -> int:
        """Paragraphs added so far."""
        return len(self._refs)

    def add(self, articles: Iterable[ArticleLike], on_error: str = "raise") -> Report:
        """Label the paragraphs of new articles; returns their :class:`Report`.

        ``on_error="skip"`` keeps going past an unreadable record and lists
        it in ``report.skipped``; the default raises :class:`InputError`
        naming it, before anything is added.
        """
        if on_error not in ("raise", "skip"):
            raise ConfigError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        batch_articles: list[Article] = []
        skipped: list[SkippedArticle] = []
        for position, item in enumerate(articles):
            try:
                batch_articles.append(coerce_article(item, position))
            except InputError as err:
                if on_error == "raise":
                    raise
                skipped.append(SkippedArticle(err.location, err.problem))
        batch = self._prepare(batch_articles)
        records = self._label(batch)
        records = self._apply_corpus_boilerplate(batch, records)
        return Report(records, articles=len(batch_articles), skipped=skipped)

    # -- stages -------------------------------------------------------------

    def _prepare(self, articles: list[Article]) -> _Batch:
        batch = _Batch(articles)
        config = self.config
        for position, article in enumerate(articles):
            paragraphs = segment(article.doc_id, article.text)
            normalized = [normalize(p.text, config.normalize) for p in paragraphs]
            words = [len(n.split(" ")) if n else 0 for n in normalized]
            if self._rules:
                rule_texts = [normalize(p.text, RULES) for p in paragraphs]
                hits = bp.find_boilerplate(rule_texts, words, self._rules)
            else:
                hits = [None] * len(paragraphs)
            batch.doc_of.extend([position] * len(paragraphs))
            batch.paragraphs.extend(paragraphs)
            batch.normalized.extend(normalized)
            batch.words.extend(words)
            batch.hits.extend(hits)
        return batch

    def _near_matches(self, batch: _Batch, first_id: int, exact_first: list[int]) -> dict[int, tuple[int, float, str]]:
        """For each new paragraph, its best verified earlier match:
        ``{j: (i, jaccard, match kind)}``."""
        config = self.config
        hashes, offsets = shingle_sets(batch.normalized, config.shingle)
        self._offsets = np.concatenate([self._offsets, offsets[1:] + self._offsets[-1]])
        self._hashes = np.concatenate([self._hashes, hashes])
        eligible = [
            k
            for k in range(len(batch.normalized))
            if batch.words[k] >= config.short_words
            and batch.words[k] > 0
            and exact_first[k] == first_id + k
            and not (batch.hits[k] is not None and batch.hits[k].direct)
        ]
        if not eligible:
            return {}
        eligible_arr = np.asarray(eligible, dtype=np.int64)
        sub_offsets = np.concatenate([[0], np.cumsum(offsets[eligible_arr + 1] - offsets[eligible_arr])])
        sub_hashes = np.concatenate([hashes[offsets[k] : offsets[k + 1]] for k in eligible])
        sigs = signatures(sub_hashes, sub_offsets, config.minhash)
        pairs = self._index.add(sigs, eligible_arr + first_id)
        if len(pairs) == 0:
            return {}
        jaccard, containment = verify_pairs(pairs, self._hashes, self._offsets)
        codes = classify_pairs(jaccard, containment, config.policy)
        best: dict[int, tuple[int, float, str]] = {}
        for (i, j), jac, code in zip(pairs.tolist(), jaccard.tolist(), codes.tolist()):
            if code == NO_MATCH:
                continue
            current = best.get(j)
            if current is None or jac > current[1] or (jac == current[1] and i < current[0]):
                best[j] = (i, jac, MATCH_NAMES[code])
        return best

    def _label(self, batch: _Batch) -> list[Record]:
        first_id = len(self._refs)
        article_base = self._articles_seen
        self._articles_seen += len(batch.articles)
        # First occurrence of each normalized text, this batch included.
        # A paragraph that a phrase rule marks as boilerplate never becomes the
        # first occurrence of anything: a headline repeated in a related-links
        # list elsewhere must not turn the article's own headline into a repeat.
        exact_first: list[int] = []
        for k, text in enumerate(batch.normalized):
            hit = batch.hits[k]
            if hit is not None and hit.direct:
                exact_first.append(first_id + k)
                continue
            key = _text_key(text)
            exact_first.append(self._first_by_text.setdefault(key, first_id + k))
        near = self._near_matches(batch, first_id, exact_first)

        records: list[Record] = []
        for k, paragraph in enumerate(batch.paragraphs):
            gid = first_id + k
            article = batch.articles[batch.doc_of[k]]
            self._refs.append(ParagraphRef(paragraph.doc_id, paragraph.index))
            self._article_of.append(article_base + batch.doc_of[k])
            hit = batch.hits[k]
            label, target, similarity, match, reason = LABEL_UNIQUE, None, None, None, None
            if hit is not None and hit.direct:
                label, reason = LABEL_BOILERPLATE, hit.reason
            elif not batch.normalized[k]:
                reason = REASON_EMPTY
            elif exact_first[k] != gid:
                label, target, similarity, match = LABEL_DUPLICATE, self._canonical[exact_first[k]], 1.0, MATCH_EXACT
            elif gid in near:
                earlier = near[gid][0]
                target = self._canonical[earlier]
                similarity = near[gid][1] if target == earlier else self._similarity(target, gid)
                label, match = LABEL_DUPLICATE, near[gid][2]
            elif hit is not None:
                label, reason = LABEL_BOILERPLATE, hit.reason
            self._canonical.append(target if target is not None else gid)
            scope = None
            if target is not None:
                scope = SCOPE_WITHIN if self._article_of[target] == self._article_of[gid] else SCOPE_ACROSS
            records.append(
                Record(
                    doc_id=paragraph.doc_id,
                    index=paragraph.index,
                    start=paragraph.start,
                    end=paragraph.end,
                    text=paragraph.text,
                    label=label,
                    scope=scope,
                    duplicate_of=self._refs[target] if target is not None else None,
                    similarity=None if similarity is None else round(float(similarity), 6),
                    reason=reason,
                    match=match,
                    source=article.source,
                )
            )
        return records

    def _apply_corpus_boilerplate(self, batch: _Batch, records: list[Record]) -> list[Record]:
        """Boilerplate learned from the corpus itself.

        A repeated paragraph is a cluster: its first occurrence and every
        duplicate pointing at it (``duplicate_of``). For each cluster the
        Deduplicator keeps, across calls to :meth:`add`, how many distinct
        articles of each source it was found in. When one source S holds at
        least ``min_source_articles`` of them, and at least
        ``min_source_share`` of all the articles holding the cluster, the
        cluster is S's page furniture: every member in this batch, the first
        occurrence included, becomes ``boilerplate`` with the reason
        "repeated in N articles of source S". A paragraph shared by a few
        articles of different sources stays ``duplicate``.

        The source is ``Article.source``, else the doc_id prefix, else the
        whole corpus (see :func:`tikrar.boilerplate.source_key`). Records
        returned by an earlier :meth:`add` are never changed; relabelled
        records keep their ``duplicate_of``, ``similarity`` and ``match``.
        """
        config = self.config
        if not (config.boilerplate and config.corpus_boilerplate) or not records:
            return records
        separators = config.source_separators
        # Per record: cluster key, source and article ordinal within the batch.
        # Records come in input order, one article after another, so an
        # article starts where the doc_id changes or the index does not grow.
        members: dict[tuple[str, int], list[int]] = {}
        has_repeat: set[tuple[str, int]] = set()
        article_of: list[int] = []
        sources: list[Optional[str]] = []
        article, previous = -1, None
        for position, record in enumerate(records):
            if previous is None or record.doc_id != previous.doc_id or record.index <= previous.index:
                article += 1
                source = bp.source_key(record.source, record.doc_id, separators)
                self._source_of_doc[record.doc_id] = source
            previous = record
            article_of.append(article)
            sources.append(source)
            if record.label == LABEL_DUPLICATE and record.duplicate_of is not None:
                key = (record.duplicate_of.doc_id, record.duplicate_of.index)
                has_repeat.add(key)
            elif record.label == LABEL_UNIQUE and record.reason is None:
                key = (record.doc_id, record.index)
            else:
                continue  # already boilerplate, or nothing left to compare
            members.setdefault(key, []).append(position)

        qualified: dict[tuple[str, int], str] = {}
        for key in has_repeat:
            positions = members[key]
            counts = self._cluster_sources.get(key)
            if counts is None:
                counts = self._cluster_sources[key] = {}
                first_in_batch = records[positions[0]].label == LABEL_UNIQUE
                if not first_in_batch:
                    # The first occurrence came in an earlier batch.
                    first_source = self._source_of_doc.get(key[0])
                    counts[first_source] = 1
            counted: set[int] = set()
            for position in positions:
                if article_of[position] not in counted:
                    counted.add(article_of[position])
                    counts[sources[position]] = counts.get(sources[position], 0) + 1
            total = sum(counts.values())
            source, articles = max(counts.items(), key=lambda item: item[1])
            if articles >= config.min_source_articles and articles >= config.min_source_share * total:
                where = f"source {source}" if source is not None else "the corpus"
                qualified[key] = f"repeated in {articles} articles of {where}"

        if not qualified:
            return records
        records = list(records)
        for key, reason in qualified.items():
            for position in members[key]:
                records[position] = dataclasses.replace(records[position], label=LABEL_BOILERPLATE, reason=reason)
        return records

    def _similarity(self, i: int, j: int) -> float:
        jaccard, _ = verify_pairs(np.array([[i, j]]), self._hashes, self._offsets)
        return float(jaccard[0])


def dedup(articles: Iterable[ArticleLike], **options: Any) -> Report:
    """Label every paragraph of ``articles`` as unique, duplicate or boilerplate.

    ``articles``: ``(doc_id, text)`` pairs, dicts with ``id`` and ``text``,
    or :class:`Article` objects. Options are those of
    :meth:`DedupConfig.from_options`, plus ``on_error``.

    >>> report = dedup([("a", "خبر عاجل عن المحادثات"), ("b", "خبرٌ عاجلٌ عن المحادثات")])
    >>> [(r.doc_id, r.label, r.scope) for r in report]
    [('a', 'unique', None), ('b', 'duplicate', 'across')]
    """
    on_error = options.pop("on_error", "raise")
    return Deduplicator(**options).add(articles, on_error=on_error)


__all__ = ["DedupConfig", "Deduplicator", "dedup", "coerce_article"]
