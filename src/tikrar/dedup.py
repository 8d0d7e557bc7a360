"""The orchestration: articles in, one labelled record per paragraph out.

Per batch: segment -> normalize -> boilerplate rules -> shingle -> MinHash
-> LSH and fingerprint candidates -> exact verification -> keep-first
labels. The stages are functions in :mod:`tikrar.stages`; the state that
makes a second batch compare against the first is one
:class:`~tikrar.state.IndexState`. :class:`Deduplicator` composes the two
(and persistence, :mod:`tikrar.store`); :func:`dedup` is one batch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
import threading
import time
import types
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

import numpy as np

from . import boilerplate as bp
from . import reuse, stages
from .config import LSHConfig, MinHashConfig, ShingleConfig
from .errors import ConfigError, InputError
from .index import choose_bands
from .match import MatchPolicy
from .normalize import DEDUP, PRESETS, NormalizeConfig
from .progress import ProgressOption, progress_for
from .report import Report, SkippedArticle
from .stages import _collector_paused
from .state import IndexState
from .types import Article, Record

ArticleLike = Union[Article, Mapping[str, Any], Sequence[Any]]

_log = logging.getLogger(__name__)


def _no_stage(name: str) -> None:
    pass


DUPLICATE_ID_POLICIES = ("error", "skip", "replace")


@dataclass(frozen=True)
class DedupConfig:
    """Every option of a deduplication run, validated on creation.

    ``threshold``: Jaccard similarity of shingle sets at or above which two
    paragraphs are repeats (``near``). ``containment``: share of the smaller
    paragraph's shingles found in the other at or above which they are
    repeats (``contained``: a lead-in, a dateline or a sentence added or
    removed); None turns it off. ``short_words``: paragraphs with fewer words
    (after normalization) are repeats only when their normalized texts are
    equal, so headlines sharing a stock phrase are not flagged. The defaults
    are measured in docs/quality.md.

    >>> DedupConfig(threshold=0.7).threshold
    0.7
    """

    threshold: float = 0.5
    containment: Optional[float] = 0.9
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
    # Reused passages (see tikrar.reuse): the shortest one reported, in
    # words (None: off), and the fingerprint index that finds them and
    # contained repeats: winnowing window (in shingles) and how many of the
    # most recent postings of a fingerprint a lookup visits.
    min_reuse_words: Optional[int] = reuse.MIN_REUSE_WORDS
    fingerprint_window: int = 4
    fingerprint_postings: int = 8
    # What add() does with a doc_id already added: "error", "skip", "replace".
    duplicate_ids: str = "error"

    def __post_init__(self) -> None:
        """Check every field's type and range; a wrong one is a
        :class:`ConfigError` naming the field and the value (bools are not
        counts, strings are not numbers). ``rules`` may be any iterable of
        :class:`~tikrar.Rule` and is kept as a tuple.

        >>> DedupConfig(boilerplate="no")
        Traceback (most recent call last):
        ...
        tikrar.errors.ConfigError: boilerplate must be True or False, got 'no'
        """
        from .config import MAX_COUNT, check_flag, is_integer, is_number, items_of

        for name in ("threshold", "containment", "min_source_share"):
            value = getattr(self, name)
            if value is None and name == "containment":
                continue
            if not is_number(value) or not 0 < value <= 1:
                raise ConfigError(f"{name} must be a number in (0, 1], got {value!r}")
        for name, kind in (("normalize", NormalizeConfig), ("shingle", ShingleConfig), ("minhash", MinHashConfig),
                           ("lsh", LSHConfig)):
            value = getattr(self, name)
            if not isinstance(value, kind):
                raise ConfigError(f"{name} must be a {kind.__name__}, got {value!r}")
        check_flag("boilerplate", self.boilerplate)
        check_flag("corpus_boilerplate", self.corpus_boilerplate)
        if self.rules is not None:
            object.__setattr__(self, "rules", items_of("rules", self.rules, bp.Rule, "a list of tikrar.Rule"))
        self.policy  # threshold and containment, checked above
        if self.min_reuse_words is not None and (
            not is_integer(self.min_reuse_words) or not self.shingle.size <= self.min_reuse_words <= MAX_COUNT
        ):
            raise ConfigError(
                f"min_reuse_words must be None or an integer >= the shingle size ({self.shingle.size}), "
                f"got {self.min_reuse_words!r}"
            )
        if not isinstance(self.duplicate_ids, str) or self.duplicate_ids not in DUPLICATE_ID_POLICIES:
            raise ConfigError(f"duplicate_ids must be one of {DUPLICATE_ID_POLICIES}, got {self.duplicate_ids!r}")
        for name in ("fingerprint_window", "fingerprint_postings"):
            value = getattr(self, name)
            if not is_integer(value) or not 1 <= value <= MAX_COUNT:
                raise ConfigError(f"{name} must be a positive integer (at most {MAX_COUNT}), got {value!r}")
        if not is_integer(self.short_words) or not 0 <= self.short_words <= MAX_COUNT:
            raise ConfigError(f"short_words must be a non-negative integer (at most {MAX_COUNT}), "
                              f"got {self.short_words!r}")
        if not is_integer(self.min_source_articles) or self.min_source_articles < 2:
            raise ConfigError(
                f"min_source_articles must be an integer >= 2 (articles of one source sharing a paragraph), "
                f"got {self.min_source_articles!r}"
            )
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
    def new_text_shingles(self) -> int:
        """Shingles of new text in a row (``2 * size + 2``: six new words in a
        row for word 3-grams, a short sentence) from which a paragraph
        holding an earlier kept one plus that text is not its duplicate but
        reuses it. Fewer (a few words changed close together, a short credit)
        keep it a repeat."""
        return 2 * self.shingle.size + 2

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
        (False turns rules off), ``corpus_boilerplate`` (False: no
        boilerplate learned from repeats), ``min_source_articles`` (default
        10) and ``min_source_share`` (default 0.5): a paragraph in that many
        articles of one source, holding that share of all its articles, is
        that source's boilerplate; ``source_separators`` (default ":/"):
        where a doc_id's source prefix ends, for articles without a source;
        or ``config`` (a whole DedupConfig).

        Every value is checked for its type: a wrong one is a
        :class:`ConfigError` naming the option and the value.

        >>> DedupConfig.from_options(num_perm=64, shingle="char", shingle_size=5).shingle.kind
        'char'
        >>> DedupConfig.from_options(disable_rules="wire_end")
        Traceback (most recent call last):
        ...
        tikrar.errors.ConfigError: disable_rules must be a list of rule names, got 'wire_end'
        """
        from .config import items_of, is_integer

        config = options.pop("config", None)
        if config is None:
            config = cls()
        elif not isinstance(config, DedupConfig):
            raise ConfigError(f"config must be a DedupConfig, got {config!r}")
        changes: dict[str, Any] = {}
        for name in ("threshold", "containment", "short_words", "boilerplate",
                     "corpus_boilerplate", "min_source_articles", "min_source_share", "source_separators",
                     "min_reuse_words", "fingerprint_window", "fingerprint_postings", "duplicate_ids"):
            if name in options:
                changes[name] = options.pop(name)
        if "normalize" in options:
            value = options.pop("normalize")
            if isinstance(value, str):
                if value not in PRESETS:
                    raise ConfigError(f"normalize preset must be one of {sorted(PRESETS)}, got {value!r}")
                value = PRESETS[value]
            elif not isinstance(value, NormalizeConfig):
                raise ConfigError(
                    f"normalize must be a preset name ({', '.join(sorted(PRESETS))}) or a NormalizeConfig, got {value!r}")
            changes["normalize"] = value
        if "shingle_size" in options and not is_integer(options["shingle_size"]):
            raise ConfigError(f"shingle_size must be an integer from 1 to 32, got {options['shingle_size']!r}")
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
        # None (or an empty list) of rules: the config's rules.
        rules_value = options.pop("rules", None)
        rules = list(items_of("rules", rules_value, bp.Rule, "a list of tikrar.Rule")) if rules_value is not None else []
        rules = rules or list(config.active_rules)
        extra = options.pop("extra_rules", None)
        if extra is not None:
            rules += items_of("extra_rules", extra, bp.Rule, "a list of tikrar.Rule")
        disabled_value = options.pop("disable_rules", None)
        disabled = set(items_of("disable_rules", disabled_value, str, "a list of rule names")
                       if disabled_value is not None else ())
        unknown_disabled = disabled - {r.name for r in rules}
        if unknown_disabled:
            raise ConfigError(f"disable_rules names no rule: {sorted(unknown_disabled)}")
        changes["rules"] = tuple(r for r in rules if r.name not in disabled)
        if options:
            raise ConfigError(f"unknown option(s): {sorted(options)}")
        return dataclasses.replace(config, **changes)


_new_object = object.__new__
_set_attribute = object.__setattr__


def coerce_article(item: ArticleLike, position: int) -> Article:
    """An :class:`Article` from a tuple ``(doc_id, text[, source])``, a dict
    with ``id``/``doc_id`` and ``text`` (and optional ``source``), or an
    Article. Raises :class:`InputError` naming the record otherwise.

    ``doc_id`` is a string, or an integer (not a bool) written in decimal:
    ``1`` and ``"1"`` are then the same doc_id, and a second article with
    it is handled by the ``duplicate_ids`` policy. Any other id (None, a
    float, bytes, a list ...) is an error naming ``article #position`` and
    the type. ``text`` must be a string; ``source`` None, a string or an
    integer. Locations and problems are ``repr``-escaped, so they print
    safely whatever the id holds (lone surrogates, control characters).

    >>> coerce_article({"id": 7, "text": "نص"}, 0)
    Article(doc_id='7', text='نص', source=None)
    >>> coerce_article((7.0, "نص"), 3)
    Traceback (most recent call last):
    ...
    tikrar.errors.InputError: article #3: doc_id must be a string or an integer, got float
    >>> coerce_article(("\\ud800", None), 4)
    Traceback (most recent call last):
    ...
    tikrar.errors.InputError: article '\\ud800': text must be a string, got NoneType
    """
    if isinstance(item, Article):
        doc_id, text, source = item.doc_id, item.text, item.source
        if type(doc_id) is str and type(text) is str and (source is None or type(source) is str):
            return item
    elif isinstance(item, Mapping):
        doc_id = item.get("id")
        if doc_id is None:
            doc_id = item.get("doc_id")
        text, source = item.get("text"), item.get("source")
        if doc_id is None and "id" not in item and "doc_id" not in item:
            raise InputError(f"article #{position}", "has no 'id' (or 'doc_id') field")
    elif isinstance(item, (tuple, list)) and len(item) in (2, 3):
        doc_id, text = item[0], item[1]
        source = item[2] if len(item) == 3 else None
    else:
        raise InputError(f"article #{position}", f"expected (doc_id, text), a dict or an Article, got {type(item).__name__}")
    if type(doc_id) is not str or type(text) is not str or not (source is None or type(source) is str):
        # The slow path: check each field, and make plain strings of the
        # accepted others (a str subclass is copied to a str; its own
        # __str__ is not called).
        if isinstance(doc_id, str):
            doc_id = str.__str__(doc_id)
        elif isinstance(doc_id, int) and not isinstance(doc_id, bool):
            try:
                doc_id = int.__repr__(doc_id)
            except ValueError:  # more digits than int -> str allows
                raise InputError(f"article #{position}",
                                 f"doc_id is an integer of {doc_id.bit_length()} bits, too long to write "
                                 f"in decimal") from None
        else:
            raise InputError(f"article #{position}",
                             f"doc_id must be a string or an integer, got {type(doc_id).__name__}")
        name = repr(doc_id) if len(doc_id) <= 200 else repr(doc_id[:200]) + "..."
        if isinstance(text, str):
            text = str.__str__(text)
        else:
            raise InputError(f"article {name}", f"text must be a string, got {type(text).__name__}")
        if source is None or type(source) is str:
            pass
        elif isinstance(source, str):
            source = str.__str__(source)
        elif isinstance(source, int) and not isinstance(source, bool):
            try:
                source = int.__repr__(source)
            except ValueError:
                raise InputError(f"article {name}",
                                 f"source is an integer of {source.bit_length()} bits, too long to write "
                                 f"in decimal") from None
        else:
            raise InputError(f"article {name}", f"source must be a string or None, got {type(source).__name__}")
    # Same object as Article(...), built without the frozen dataclass's
    # per-field __setattr__ calls (this runs once per input article).
    article = _new_object(Article)
    _set_attribute(article, "__dict__", {"doc_id": doc_id, "text": text, "source": source})
    return article


#: One batch at a time per process: numba's workqueue threading layer (the
#: one left when neither OpenMP nor TBB is installed) aborts the process
#: when two threads launch parallel kernels at once.
_run_lock = threading.RLock()


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
        self.state = IndexState(bands, rows, self.config.lsh)
        self._store = None

    # -- persistence ----------------------------------------------------------

    @classmethod
    def open(cls, path, *, readonly: bool = False, **options: Any) -> "Deduplicator":
        """A Deduplicator over the index directory ``path`` (created if
        missing, unless ``readonly``): everything saved there is remembered,
        and :meth:`save` writes what :meth:`add` and :meth:`remove` change.

        The index's settings are the defaults; an option that changes how
        paragraphs are sketched or indexed (normalizer, shingles, MinHash,
        bands, rules, ``short_words`` ...) is a :class:`ConfigError` naming
        it, the others (``threshold``, ``containment``, corpus boilerplate
        counts ...) may change. One process at a time may open an index for
        writing; ``readonly=True`` opens it without the lock (no save).
        See :mod:`tikrar.store` for the format and the crash safety.
        """
        from .store import Store

        store = Store(path, writable=not readonly)
        try:
            stored = store.stored_config()
            if stored is not None and options.get("config") is None:
                options["config"] = stored
            deduplicator = cls(**options)
            store.check_settings(deduplicator.config)
            store.load(deduplicator.state)
        except BaseException:
            store.close()
            raise
        deduplicator._store = store
        return deduplicator

    def save(self) -> dict:
        """Write what changed since the last save to the index directory
        (see :meth:`open`); atomic: after a crash the index is as of the last
        completed save. Returns what was written."""
        if self._store is None:
            raise ConfigError("this Deduplicator has no index directory: make it with Deduplicator.open(path)")
        with _run_lock:
            return self._store.save(self.state, self.config)

    def close(self) -> None:
        """Release the index directory (unsaved changes are not written)."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> "Deduplicator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def paragraph_count(self) -> int:
        """Paragraphs added so far."""
        return self.state.count

    def add(self, articles: Iterable[ArticleLike], on_error: str = "raise", *,
            progress: ProgressOption = None) -> Report:
        """Label the paragraphs of new articles; returns their :class:`Report`.

        ``on_error="skip"`` keeps going past an unreadable record and lists
        it in ``report.skipped`` with the reason; the default raises
        :class:`InputError` naming it, before anything is added. A doc_id
        already added (in this call or an earlier one) is handled by the
        ``duplicate_ids`` option: ``"error"`` (an unreadable record),
        ``"skip"`` (the later article is listed in ``report.skipped``) or
        ``"replace"`` (the earlier article is removed, as by :meth:`remove`,
        and the later one added).

        ``add`` is all or nothing: if it raises (or is interrupted by
        Ctrl-C), the Deduplicator is exactly as before the call.

        ``progress``: a bar of the paragraphs labelled on stderr or in the
        notebook; ``None`` (default) shows one only when stderr is a terminal
        or in a Jupyter kernel, and only for a run longer than half a second;
        ``True``/``False`` force it; a :class:`tikrar.progress.ParagraphProgress`
        or a tqdm bar goes on counting across calls (see
        :mod:`tikrar.progress`). It advances by the batch's paragraphs once
        they are labelled.

        >>> d = Deduplicator(duplicate_ids="skip")
        >>> report = d.add([("a", "نص اول"), ("a", "نص ثان")])
        >>> len(report), report.skipped[0].problem
        (1, "doc_id 'a' repeats an article already added (duplicate_ids='skip')")
        """
        if on_error not in ("raise", "skip"):
            raise ConfigError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        started = time.perf_counter()
        call_progress = progress_for(progress)
        batch_articles: list[Article] = []
        skipped: list[SkippedArticle] = []
        policy = self.config.duplicate_ids
        in_batch: dict[str, int] = {}
        replaced: list[int] = []
        state = self.state
        for position, item in enumerate(articles):
            try:
                article = coerce_article(item, position)
                doc_id = article.doc_id
                if doc_id in in_batch or state.ordinal_of(doc_id) is not None:
                    if policy == "replace":
                        if doc_id in in_batch:
                            earlier = in_batch[doc_id]
                            skipped.append(SkippedArticle(
                                f"article {doc_id!r}", f"replaced by a later article with the same doc_id "
                                f"(input #{position})"))
                            batch_articles[earlier] = None
                        else:
                            replaced.append(state.ordinal_of(doc_id))
                    else:
                        problem = f"doc_id {doc_id!r} repeats an article already added (duplicate_ids={policy!r})"
                        raise InputError(f"article #{position}", problem)
                in_batch[doc_id] = len(batch_articles)
                batch_articles.append(article)
            except InputError as err:
                if on_error == "raise" and not (policy == "skip" and "duplicate_ids" in err.problem):
                    raise
                skipped.append(SkippedArticle(err.location, err.problem))
        batch_articles = [a for a in batch_articles if a is not None]
        with _run_lock, call_progress as bar:
            mark = state.mark()
            try:
                if replaced:
                    state.remove_articles(replaced)
                # A batch makes millions of small acyclic objects; the cyclic
                # collector would scan the growing heap again and again meanwhile.
                with _collector_paused():
                    records = []
                    bar.stage("prepare")
                    # A large input is labelled slice by slice, the next one
                    # prepared meanwhile (see stages.prepare_ahead).
                    with contextlib.closing(self._prepared(batch_articles)) as batches:
                        for batch in batches:
                            bar.batch(len(batch), len(batch.articles))
                            labelled = self._label(batch, bar.stage)
                            bar.stage("corpus boilerplate")
                            records.extend(self._apply_corpus_boilerplate(batch, labelled))
                            # Inside the try: a tqdm-like object that raises undoes the call.
                            bar.stage(None)
                            bar.update(len(labelled))
            except BaseException:
                state.rollback(mark)
                raise
            state.release(mark)
        _log.debug("added %d articles (%d paragraphs, %d records skipped) in %.3f s",
                   len(batch_articles), len(records), len(skipped), time.perf_counter() - started)
        return Report(records, articles=len(batch_articles), skipped=skipped, config=self.config)

    def remove(self, doc_ids: Iterable[str]) -> list[str]:
        """Remove articles: their paragraphs no longer match anything added
        later. Returns the doc_ids of the live articles with a duplicate of a
        removed paragraph: their records named it. Add them again with
        ``duplicate_ids="replace"`` to relabel them against what is left
        (the first of their copies is then kept). Unknown ids are ignored.

        >>> d = Deduplicator()
        >>> _ = d.add([("a", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة"),
        ...            ("b", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")])
        >>> d.remove(["a"])
        ['b']
        >>> d.add([("c", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")])[0].label
        'unique'
        """
        state = self.state
        # Ids as add() takes them: an int is its decimal string.
        wanted = (str(d) if type(d) is int else d for d in doc_ids)
        ordinals = [o for o in (state.ordinal_of(d) for d in wanted if isinstance(d, str)) if o is not None]
        with _run_lock:
            gids = state.remove_articles(ordinals)
        if len(gids) == 0:
            return []
        gone = np.zeros(state.count, dtype=bool)
        gone[gids] = True
        canonical = state.canonical.values
        pointing = np.flatnonzero(gone[canonical] & ~gone)
        ordinals = np.unique(state.article_of.values[pointing]).tolist()
        return [state.doc_ids[o] for o in ordinals if o not in state.removed]

    # -- stages -------------------------------------------------------------

    def _prepare(self, articles: list[Article]) -> stages.Batch:
        return stages.prepare(articles, self.config, self._rules)

    def _prepared(self, articles: list[Article]) -> Iterator[stages.Batch]:
        return stages.prepare_ahead(articles, self.config, self._rules, prepare_slice=self._prepare)

    def _label(self, batch: stages.Batch, stage: Callable[[str], None] = _no_stage) -> list[Record]:
        """Keep-first labels for a batch; its kept paragraphs join the state.
        ``stage`` is told the name of each stage as it starts."""
        config, state = self.config, self.state
        stage("sketch")
        sketch = stages.sketch_batch(batch, config)
        stage("label")
        verdicts = stages.label(batch, sketch, state, config)
        stage("commit")
        stages.commit(batch, sketch, verdicts, state, config)
        del sketch
        stage("reused passages")
        reused = stages.reused_passages(batch, verdicts, state, config)
        stage("records")
        return stages.make_records(batch, verdicts, reused, state)

    def _apply_corpus_boilerplate(self, batch: stages.Batch, records: list[Record]) -> list[Record]:
        return stages.corpus_boilerplate(batch, records, self.state, self.config)


def dedup(articles: Iterable[ArticleLike], *, progress: ProgressOption = None, **options: Any) -> Report:
    """Label every paragraph of ``articles`` as unique, duplicate or boilerplate.

    ``articles``: ``(doc_id, text)`` pairs, dicts with ``id`` and ``text``,
    or :class:`Article` objects. Options are those of
    :meth:`DedupConfig.from_options`, plus ``on_error`` and ``progress``
    (see :meth:`Deduplicator.add`).

    >>> report = dedup([("a", "خبر عاجل عن المحادثات"), ("b", "خبرٌ عاجلٌ عن المحادثات")])
    >>> [(r.doc_id, r.label, r.scope) for r in report]
    [('a', 'unique', None), ('b', 'duplicate', 'across')]
    """
    on_error = options.pop("on_error", "raise")
    return Deduplicator(**options).add(articles, on_error=on_error, progress=progress)


__all__ = ["DedupConfig", "Deduplicator", "dedup", "coerce_article"]


class _CallableModule(types.ModuleType):
    """``tikrar.dedup`` names both this module and its :func:`dedup`: the
    package imports its names on first use, and importing this submodule
    makes the package attribute the module, so the module forwards calls."""

    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return dedup(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
