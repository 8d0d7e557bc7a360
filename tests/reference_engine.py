"""The reference engine: the fast path's stages one paragraph at a time,
with dicts, lists and plain numpy. It is the oracle the compiled path is
checked against (tests/test_fastpath.py), never used by the library.
"""

from __future__ import annotations

import hashlib
from typing import Any, Optional

import numpy as np

from tikrar import _label, reuse
from tikrar import boilerplate as bp
from tikrar.dedup import DedupConfig, Deduplicator
from tikrar.stages import REASON_EMPTY
from tikrar.stages import Batch as _Batch
from tikrar.stages import furniture_reason as _furniture_reason
from tikrar.index import band_keys
from tikrar.match import MATCH_NAMES
from tikrar.minhash import signatures_reference
from tikrar.normalize import RULES, normalize
from tikrar.segment import segment
from tikrar.shingle import shingle_hash, shingle_sets_reference, shingles
from tikrar.types import (
    LABEL_BOILERPLATE,
    LABEL_DUPLICATE,
    LABEL_UNIQUE,
    MATCH_EXACT,
    SCOPE_ACROSS,
    SCOPE_WITHIN,
    Article,
    Paragraph,
    ParagraphRef,
    Record,
)


def _text_key(normalized: str) -> bytes:
    return hashlib.blake2b(normalized.encode("utf-8", "surrogatepass"), digest_size=8).digest()


class ReferenceDeduplicator(Deduplicator):
    """A :class:`Deduplicator` whose stages are the plain reference ones."""

    def __init__(self, config: Optional[DedupConfig] = None, **options: Any):
        super().__init__(config, **options)
        bands, rows = self.config.bands_rows
        # Kept paragraphs: by text, by band bucket, by fingerprint; their
        # shingle sets and raw texts.
        self._r_count = 0
        self._r_articles = 0
        self._r_bands, self._r_rows = bands, rows
        self._r_refs: list[ParagraphRef] = []
        self._r_article_of: list[int] = []
        self._r_kept_text: dict[bytes, int] = {}
        self._r_buckets: list[dict[int, list[int]]] = [{} for _ in range(bands)]
        self._r_postings: dict[int, list[int]] = {}
        self._r_sets: dict[int, np.ndarray] = {}
        self._r_texts: dict[int, str] = {}
        # Corpus-learned boilerplate: the source of every article added so far,
        # and for each repeated paragraph (keyed by its first occurrence) how
        # many articles of each source it was found in.
        self._r_source_of_doc: dict[str, Optional[str]] = {}
        self._r_cluster_sources: dict[tuple[str, int], dict[Optional[str], int]] = {}

    @property
    def paragraph_count(self) -> int:
        return self._r_count

    def _prepare(self, articles: list[Article]) -> _Batch:
        config = self.config
        doc_of: list[int] = []
        index: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        texts: list[str] = []
        normalized: list[str] = []
        words: list[int] = []
        hits: list[Optional[bp.BoilerplateHit]] = []
        for position, article in enumerate(articles):
            paragraphs = segment(article.doc_id, article.text)
            furniture: list[Optional[str]] = [None] * len(paragraphs)
            if self._rules:
                # Furniture glued to the front of a line becomes a paragraph of its own.
                pieces: list[Paragraph] = []
                furniture = []
                for p in paragraphs:
                    for start, end, rule in bp.split_furniture(p.text, self._rules):
                        pieces.append(Paragraph(article.doc_id, len(pieces), p.start + start, p.start + end,
                                                p.text[start:end]))
                        furniture.append(rule)
                paragraphs = pieces
            article_normalized = [normalize(p.text, config.normalize) for p in paragraphs]
            article_words = [len(t.split(" ")) if t else 0 for t in article_normalized]
            if self._rules:
                rule_texts = [normalize(p.text, RULES) for p in paragraphs]
                hits.extend(bp.find_boilerplate(rule_texts, article_words, self._rules, furniture))
            else:
                hits.extend([None] * len(paragraphs))
            for p in paragraphs:
                doc_of.append(position)
                index.append(p.index)
                starts.append(p.start)
                ends.append(p.end)
                texts.append(p.text)
            normalized.extend(article_normalized)
            words.extend(article_words)
        as_array = lambda values: np.asarray(values, dtype=np.int64)  # noqa: E731
        return _Batch(articles, as_array(doc_of), as_array(index), as_array(starts), as_array(ends),
                      texts, normalized, as_array(words), hits)

    def _sketch_reference(self, normalized: str) -> tuple[np.ndarray, np.ndarray, list[int], list[int]]:
        """Shingle set, band bucket keys (high 32 bits), sorted distinct
        fingerprints and shingle hashes in text order of one paragraph,
        computed plainly."""
        config = self.config
        hashes, offsets = shingle_sets_reference([normalized], config.shingle)
        sigs = signatures_reference(hashes, offsets, config.minhash)
        buckets = (band_keys(sigs, self._r_bands, self._r_rows)[0] >> np.uint64(32)).tolist()
        ordered = [shingle_hash(g) for g in shingles(normalized, config.shingle)]
        window = config.fingerprint_window
        if len(ordered) <= window:
            picked = {min(ordered)}
        else:
            picked = set()
            for start in range(len(ordered) - window + 1):
                part = ordered[start : start + window]
                low = min(part)
                picked.add(low)
        return hashes, np.asarray(buckets, dtype=np.uint64), sorted(picked), ordered

    def _label(self, batch: _Batch, stage=None) -> list[Record]:
        """Keep-first labels one paragraph at a time with dicts and lists:
        the oracle the compiled kernel is checked against."""
        config = self.config
        policy = config.policy
        first_id = self._r_count
        article_base = self._r_articles
        self._r_articles += len(batch.articles)
        window, postings_window = config.lsh.max_bucket_pairs, config.fingerprint_postings
        containment = policy.containment or 0.0
        verdicts: list[tuple] = []
        reuse_pairs: list[tuple[int, int]] = []
        sketches: dict[int, tuple] = {}
        for k, text in enumerate(batch.normalized):
            gid = first_id + k
            self._r_article_of.append(article_base + int(batch.doc_of[k]))
            hit = batch.hits[k]
            if hit is not None and hit.direct:
                verdicts.append((_label.BOILERPLATE, None, None, None))
                continue
            if not text:
                verdicts.append((_label.EMPTY, None, None, None))
                continue
            key = _text_key(text)
            if key in self._r_kept_text:
                verdicts.append((_label.DUPLICATE, self._r_kept_text[key], 1.0, MATCH_EXACT))
                continue
            best = (None, -1.0, None)
            if batch.words[k] >= config.short_words:
                hashes, buckets, prints, ordered = sketches[k] = self._sketch_reference(text)
                from_lsh: set[int] = set()
                for band, bucket in enumerate(buckets.tolist()):
                    from_lsh.update(self._r_buckets[band].get(bucket, [])[-window:])
                hits: dict[int, int] = {}
                for fp in prints:
                    for q in self._r_postings.get(fp, [])[-postings_window:]:
                        hits[q] = hits.get(q, 0) + 1
                need = max(1, (len(prints) + 1) // 2)
                reuse_pairs.extend((k, q) for q, count in hits.items() if count >= reuse.MIN_SHARED_FINGERPRINTS)
                for q in sorted(from_lsh | set(hits)):
                    if q not in from_lsh and hits[q] < need:
                        continue
                    other_set = self._r_sets[q]
                    inter = len(np.intersect1d(hashes, other_set, assume_unique=True))
                    jac = inter / (len(hashes) + len(other_set) - inter)
                    own, other = inter / len(hashes), inter / len(other_set)
                    if other >= policy.reverse_containment and len(hashes) - inter >= config.new_text_shingles:
                        held, run, longest = set(other_set.tolist()), 0, 0
                        for h in ordered:
                            run = 0 if h in held else run + 1
                            longest = max(longest, run)
                        if longest >= config.new_text_shingles:
                            continue
                    if jac >= policy.threshold:
                        kind = MATCH_NAMES[1]
                    elif containment > 0 and own >= containment:
                        kind = MATCH_NAMES[2]
                    else:
                        continue
                    if jac > best[1]:
                        best = (q, jac, kind)
            if best[0] is not None:
                verdicts.append((_label.DUPLICATE, best[0], best[1], best[2]))
            elif hit is not None:
                verdicts.append((_label.BOILERPLATE, None, None, None))
            else:
                verdicts.append((_label.KEPT, None, None, None))
                self._r_kept_text[key] = gid
                if k in sketches:
                    hashes, buckets, prints, _ = sketches[k]
                    self._r_sets[gid] = hashes
                    self._r_texts[gid] = batch.texts[k]
                    for band, bucket in enumerate(buckets.tolist()):
                        self._r_buckets[band].setdefault(bucket, []).append(gid)
                    for fp in prints:
                        self._r_postings.setdefault(fp, []).append(gid)

        for k, paragraph in enumerate(batch.paragraphs):
            self._r_refs.append(ParagraphRef(paragraph.doc_id, paragraph.index))
        passages: dict[int, list] = {}
        if config.min_reuse_words is not None and config.shingle.kind == "word":
            min_shingles = reuse.min_pair_shingles(config.min_reuse_words, config.short_words, config.shingle)
            for k, q in sorted(reuse_pairs):
                if verdicts[k][0] != _label.KEPT:
                    continue
                if len(np.intersect1d(self._r_sets[first_id + k], self._r_sets[q])) < min_shingles:
                    continue
                ordered = reuse.ordered_shingles(batch.normalized[k], config.shingle)
                source_text = self._r_texts[q]
                source_ordered = reuse.ordered_shingles(normalize(source_text, config.normalize), config.shingle)
                segments = reuse.shared_segments_plain(ordered, source_ordered, config.shingle.size,
                                                       config.min_reuse_words, config.short_words)
                if not segments:
                    continue
                spans = reuse._word_spans_plain(batch.texts[k], config.normalize)
                source_spans = reuse._word_spans_plain(source_text, config.normalize)
                ref = self._r_refs[q]
                passages.setdefault(k, []).extend(
                    reuse.passage(spans, source_spans, segment, ref.doc_id, ref.index) for segment in segments)

        records: list[Record] = []
        for k, paragraph in enumerate(batch.paragraphs):
            gid = first_id + k
            code, target, similarity, match = verdicts[k]
            hit = batch.hits[k]
            label, reason, scope = LABEL_UNIQUE, None, None
            if code == _label.BOILERPLATE:
                label, reason = LABEL_BOILERPLATE, hit.reason
            elif code == _label.EMPTY:
                reason = REASON_EMPTY
            elif code == _label.DUPLICATE:
                label = LABEL_DUPLICATE
                scope = SCOPE_WITHIN if self._r_article_of[target] == self._r_article_of[gid] else SCOPE_ACROSS
            records.append(
                Record(
                    doc_id=paragraph.doc_id,
                    index=paragraph.index,
                    start=paragraph.start,
                    end=paragraph.end,
                    text=paragraph.text,
                    label=label,
                    scope=scope,
                    duplicate_of=self._r_refs[target] if target is not None else None,
                    similarity=None if similarity is None else round(float(similarity), 6),
                    reason=reason,
                    match=match,
                    source=batch.articles[batch.doc_of[k]].source,
                    reused=reuse.choose(passages.get(k, ())),
                )
            )
        self._r_count += len(records)
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
        # Boilerplate paragraphs of this batch can still be the first
        # occurrence of a later repeat (a line under a heading): where they are.
        boilerplate_at: dict[tuple[str, int], int] = {}
        article_of: list[int] = []
        sources: list[Optional[str]] = []
        article, previous = -1, None
        for position, record in enumerate(records):
            if previous is None or record.doc_id != previous.doc_id or record.index <= previous.index:
                article += 1
                source = bp.source_key(record.source, record.doc_id, separators)
                self._r_source_of_doc[record.doc_id] = source
            previous = record
            article_of.append(article)
            sources.append(source)
            if record.label == LABEL_DUPLICATE and record.duplicate_of is not None:
                key = (record.duplicate_of.doc_id, record.duplicate_of.index)
                has_repeat.add(key)
            elif record.label == LABEL_UNIQUE and record.reason is None:
                key = (record.doc_id, record.index)
            else:
                if record.label == LABEL_BOILERPLATE:
                    boilerplate_at[(record.doc_id, record.index)] = position
                continue  # already boilerplate, or nothing left to compare
            members.setdefault(key, []).append(position)

        relabelled: dict[int, str] = {}
        for key in has_repeat:
            positions = members[key]
            counts = self._r_cluster_sources.get(key)
            counted: set[int] = set()
            if counts is None:
                counts = self._r_cluster_sources[key] = {}
                if records[positions[0]].label != LABEL_UNIQUE:
                    # The first occurrence is not a member: already boilerplate
                    # in this batch, or added by an earlier batch.
                    first = boilerplate_at.get(key)
                    if first is not None:
                        counted.add(article_of[first])
                        counts[sources[first]] = 1
                    else:
                        counts[self._r_source_of_doc.get(key[0])] = 1
            for position in positions:
                if article_of[position] not in counted:
                    counted.add(article_of[position])
                    counts[sources[position]] = counts.get(sources[position], 0) + 1
                reason = _furniture_reason(counts, config)
                if reason is not None:
                    relabelled[position] = reason

        if not relabelled:
            return records
        records = list(records)
        for position, reason in relabelled.items():
            records[position] = records[position]._replace(label=LABEL_BOILERPLATE, reason=reason)
        return records
