"""The orchestration: articles in, one labelled record per paragraph out.

Pipeline per batch: segment -> normalize -> boilerplate rules -> shingle ->
MinHash -> LSH candidates -> exact verification -> first-occurrence labels.
Every stage is a pure function; :class:`Deduplicator` holds the state that
makes a second batch compare against the first (the LSH index, the shingle
sets and the first occurrence of every normalized text).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import re
import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import repeat
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numba
import numpy as np

from . import _kernels, _label, reuse
from . import boilerplate as bp
from .config import LSHConfig, MinHashConfig, ShingleConfig
from .errors import ConfigError, InputError
from .index import _MULTIPLIERS as _BAND_MULTIPLIERS
from .index import choose_bands
from .match import MATCH_NAMES, MatchPolicy
from .minhash import permutations
from .normalize import DEDUP, PRESETS, RULES, NormalizeConfig, normalize
from .report import Report, SkippedArticle
from .segment import _EDGE as _SEGMENT_EDGE
from ._views import paragraph_views
from .state import IndexState
from .types import (
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

ArticleLike = Union[Article, Mapping[str, Any], Sequence[Any]]

REASON_EMPTY = "empty after normalization"

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


def _text_key(normalized: str) -> bytes:
    return hashlib.blake2b(normalized.encode("utf-8", "surrogatepass"), digest_size=8).digest()


# One match per paragraph of ``segment.paragraph_spans`` (a line with its
# white space and invisible edges trimmed), found in one pass over an article.
_BREAKS = "\n\r\u0085\u2028\u2029"
_PARAGRAPH = re.compile(f"[^{_BREAKS}{_SEGMENT_EDGE}](?:[^{_BREAKS}]*[^{_BREAKS}{_SEGMENT_EDGE}])?")


def _appended(data: np.ndarray, more: np.ndarray) -> np.ndarray:
    """``data`` followed by ``more``: written into the room left after
    ``data`` in the buffer it views, when there is room (no copy of the
    batch's bytes, and nothing a reader of ``data`` sees changes), else a
    new array."""
    base = data.base
    if (
        isinstance(base, np.ndarray) and base.dtype == np.uint8 and base.ndim == 1 and base.flags.writeable
        and data.ndim == 1 and data.strides == (1,) and data.ctypes.data == base.ctypes.data
        and len(base) - len(data) >= len(more)
    ):
        base[len(data) : len(data) + len(more)] = more
        return base[: len(data) + len(more)]
    return np.concatenate([data, more])


def _split_paragraphs(splits, doc_of, span_starts, span_ends, texts, rule_texts, data, byte_starts, byte_ends,
                      words, normalize_config):
    """The batch's columns with paragraph ``k`` replaced by the pieces
    ``splits[k]`` (from :func:`boilerplate.split_furniture`), for every
    paragraph the prefix rule that cut it off (None for the others), the old
    positions of the cut paragraphs, the new position of each old paragraph
    (of its first piece) and the new positions of all pieces. The normalized
    bytes of the pieces follow the batch's in the returned ``data``."""
    repeats = np.ones(len(texts), dtype=np.int64)
    order = sorted(splits)
    for k in order:
        repeats[k] = len(splits[k])
    doc_of = np.repeat(doc_of, repeats)
    new_starts = np.repeat(span_starts, repeats)
    new_ends = np.repeat(span_ends, repeats)
    byte_starts = np.repeat(byte_starts, repeats)
    byte_ends = np.repeat(byte_ends, repeats)
    words = np.repeat(words, repeats)
    first = np.cumsum(repeats) - repeats
    pieces_at: list[int] = []
    new_texts: list[str] = []
    new_rules: list[str] = []
    furniture: list[Optional[str]] = [None] * int(repeats.sum())
    extra: list[bytes] = []
    extra_size = len(data)
    previous = 0
    for k in order:
        new_texts.extend(texts[previous:k])
        new_rules.extend(rule_texts[previous:k])
        previous = k + 1
        base = int(span_starts[k])
        for offset, (start, end, rule) in enumerate(splits[k]):
            at = int(first[k]) + offset
            piece = texts[k][start:end]
            new_starts[at], new_ends[at] = base + start, base + end
            new_texts.append(piece)
            new_rules.append(normalize(piece, RULES))
            furniture[at] = rule
            normalized = normalize(piece, normalize_config)
            encoded = normalized.encode("utf-8", "surrogatepass")
            words[at] = normalized.count(" ") + 1 if normalized else 0
            pieces_at.append(at)
            byte_starts[at], byte_ends[at] = extra_size, extra_size + len(encoded)
            extra_size += len(encoded)
            extra.append(encoded)
    new_texts.extend(texts[previous:])
    new_rules.extend(rule_texts[previous:])
    data = _appended(data, np.frombuffer(b"".join(extra), dtype=np.uint8))
    return (doc_of, new_starts, new_ends, new_texts, new_rules, data, byte_starts, byte_ends, words, furniture,
            np.asarray(order, dtype=np.int64), first, np.asarray(pieces_at, dtype=np.int64))


@dataclass
class _Batch:
    """Per-paragraph columns of one batch, before labelling.

    ``doc_of[k]`` is the position in ``articles`` of paragraph ``k``'s
    article, ``index[k]`` its 0-based index there and ``starts``/``ends`` its
    span in the article text.
    """

    articles: list[Article]
    doc_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    starts: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ends: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    texts: list[str] = field(default_factory=list)
    normalized: list[str] = field(default_factory=list)
    words: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    hits: list[Optional[bp.BoilerplateHit]] = field(default_factory=list)
    # UTF-8 bytes of the normalized texts and each one's span in them (fast path).
    data: Optional[np.ndarray] = None
    byte_starts: Optional[np.ndarray] = None
    byte_ends: Optional[np.ndarray] = None
    # Computed while the phrase rules run (see Deduplicator._sketch).
    sketch: Optional["_Sketch"] = None
    # Set by the fast labelling stage for the corpus-learned boilerplate:
    # each paragraph's verdict code (see _CODE_*) and canonical global id.
    codes: Optional[np.ndarray] = None
    canonical: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def paragraphs(self) -> list[Paragraph]:
        """The batch's paragraphs as :class:`Paragraph` objects (built on demand)."""
        return [
            Paragraph(self.articles[a].doc_id, i, s, e, t)
            for a, i, s, e, t in zip(self.doc_of.tolist(), self.index.tolist(), self.starts.tolist(),
                                     self.ends.tolist(), self.texts)
        ]

    @property
    def direct(self) -> np.ndarray:
        """Whether a phrase rule fired on each paragraph itself."""
        out = np.zeros(len(self.texts), dtype=bool)
        flagged = [k for k, hit in enumerate(self.hits) if hit is not None and hit.direct]
        out[flagged] = True
        return out


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a batch builds its many small,
    acyclic objects (strings, spans, records): otherwise it runs a full
    generation scan over the growing heap again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _furniture_reason(counts: dict, config: "DedupConfig") -> Optional[str]:
    """The reason a repeated paragraph held by ``counts[source]`` articles of
    each source is that source's furniture, or None: one source holds at
    least ``min_source_articles`` of them and ``min_source_share`` of all
    (the first source in ``counts`` wins a tie)."""
    total = sum(counts.values())
    source, held = max(counts.items(), key=lambda item: item[1])
    if held >= config.min_source_articles and held >= config.min_source_share * total:
        where = f"source {source}" if source is not None else "the corpus"
        return f"repeated in {held} articles of {where}"
    return None


# Verdict codes of the fast labelling stage, for the corpus step.
_CODE_UNIQUE, _CODE_DUPLICATE = _label.KEPT, _label.DUPLICATE


# Builds a Record from a tuple of its fields in C (no Python call per record).
_tuple_new = tuple.__new__


@dataclass
class _Sketch:
    """Text keys of every paragraph, and shingle sets and band keys of the
    ``rows`` that may go to LSH (non-empty, at least ``short_words`` words):
    row ``rows[i]``'s set and band keys are number ``columns[i]`` (``i``
    when ``columns`` is None) of the CSR sets and of ``band_keys``."""

    text_keys: np.ndarray
    rows: np.ndarray
    hashes: np.ndarray
    set_offsets: np.ndarray
    band_keys: np.ndarray
    # Winnowed fingerprints of the same sets, and their shingles in text
    # order (CSR, same columns).
    fp_hashes: np.ndarray
    fp_offsets: np.ndarray
    ordered: np.ndarray
    ordered_offsets: np.ndarray
    columns: Optional[np.ndarray] = None
    # Band keys of columns from band_keys.shape[1] on (pieces sketched late).
    extra_band_keys: Optional[np.ndarray] = None

    def band_keys_of(self, columns: np.ndarray) -> np.ndarray:
        """The band keys of ``columns``, shape ``(bands, len(columns))``."""
        if self.extra_band_keys is None:
            return np.ascontiguousarray(self.band_keys[:, columns])
        held = self.band_keys.shape[1]
        keys = np.empty((self.band_keys.shape[0], len(columns)), dtype=self.band_keys.dtype)
        old = columns < held
        keys[:, old] = self.band_keys[:, columns[old]]
        keys[:, ~old] = self.extra_band_keys[:, columns[~old] - held]
        return keys


#: One batch at a time per process: numba's workqueue threading layer (the
#: one left when neither OpenMP nor TBB is installed) aborts the process
#: when two threads launch parallel kernels at once.
_run_lock = threading.RLock()

#: From this many paragraphs on, a batch's kernels run on a second thread
#: while the phrase rules (Python) run on the first.
OVERLAP_MIN_PARAGRAPHS = 20_000


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

    def add(self, articles: Iterable[ArticleLike], on_error: str = "raise") -> Report:
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

        >>> d = Deduplicator(duplicate_ids="skip")
        >>> report = d.add([("a", "نص اول"), ("a", "نص ثان")])
        >>> len(report), report.skipped[0].problem
        (1, "doc_id 'a' repeats an article already added (duplicate_ids='skip')")
        """
        if on_error not in ("raise", "skip"):
            raise ConfigError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
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
        with _run_lock:
            mark = state.mark()
            try:
                if replaced:
                    state.remove_articles(replaced)
                # A batch makes millions of small acyclic objects; the cyclic
                # collector would scan the growing heap again and again meanwhile.
                with _collector_paused():
                    batch = self._prepare(batch_articles)
                    records = self._label(batch)
                    records = self._apply_corpus_boilerplate(batch, records)
            except BaseException:
                state.rollback(mark)
                raise
            state.release(mark)
        return Report(records, articles=len(batch_articles), skipped=skipped)

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

    def _prepare(self, articles: list[Article]) -> _Batch:
        """Segment, normalize and apply phrase rules to a whole batch.

        The fast path finds every paragraph and both normalized views of it
        (UTF-8 bytes for deduplication, strings for the rules) in compiled
        passes over the article texts (:func:`_views.paragraph_views`), cuts
        furniture prefixes off the few lines a prefix rule matches, counts
        words with a compiled kernel over the UTF-8 bytes and runs the phrase
        rules over the batch at once (:func:`boilerplate.find_boilerplate_batch`).
        """
        config = self.config
        article_texts = [a.text for a in articles]
        views = paragraph_views(article_texts, config.normalize, RULES if self._rules else None)
        span_starts, span_ends, counts = views.span_starts, views.span_ends, views.counts
        data, byte_starts, byte_ends, rule_texts = views.data, views.byte_starts, views.byte_ends, views.rule_texts
        del views
        doc_of = np.repeat(np.arange(len(articles), dtype=np.int64), counts)
        words = _kernels.word_counts(data, byte_starts, byte_ends)
        # The rules hold the GIL; the kernels release it. The kernels the
        # labelling stage needs run on a second thread meanwhile, over the
        # paragraphs before furniture prefixes are cut (the few pieces are
        # sketched afterwards), and are waited for before any other kernel
        # starts, so no two threads ever launch parallel kernels at once.
        pool = future = sketch = None
        if rule_texts is not None and len(doc_of) >= OVERLAP_MIN_PARAGRAPHS:
            pool = ThreadPoolExecutor(1)
            future = pool.submit(self._sketch, data, byte_starts, byte_ends, words, 1)
        try:
            with _collector_paused():
                texts = [article_texts[a][s:e]
                         for a, s, e in zip(doc_of.tolist(), span_starts.tolist(), span_ends.tolist())]
            furniture = pieces_at = None
            hits: list[Optional[bp.BoilerplateHit]] = [None] * len(texts)
            if rule_texts is not None:
                maybe = bp.may_match(rule_texts, words, self._rules)
                splits = {}
                for k in bp.furniture_candidates(rule_texts, self._rules, among=maybe):
                    pieces = bp.split_furniture(texts[k], self._rules)
                    if len(pieces) > 1:
                        splits[k] = pieces
                if splits:
                    (doc_of, span_starts, span_ends, texts, rule_texts, data, byte_starts, byte_ends, words,
                     furniture, cut, first, pieces_at) = _split_paragraphs(
                        splits, doc_of, span_starts, span_ends, texts, rule_texts, data, byte_starts, byte_ends,
                        words, config.normalize)
                    counts = np.bincount(doc_of, minlength=len(articles)).astype(np.int64)
                    # Uncut paragraphs keep their answer; the pieces are looked at.
                    maybe = np.repeat(maybe, np.diff(np.append(first, len(texts))))
                    maybe[pieces_at] = True
                if len(texts):
                    hits = bp.find_boilerplate_batch(rule_texts, words, counts, self._rules, furniture, maybe)
        finally:
            if pool is not None:
                sketch = future.result()
                pool.shutdown()
        if sketch is not None and pieces_at is not None:
            sketch = self._splice_sketch(sketch, cut, first, pieces_at, data, byte_starts, byte_ends, words)
        total = len(texts)
        first_of_article = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(articles) else counts
        index = np.arange(total, dtype=np.int64) - first_of_article[doc_of]
        # The fast path needs no normalized strings (only their bytes).
        return _Batch(articles, doc_of, index, span_starts, span_ends, texts, [], words, hits,
                      data, byte_starts, byte_ends, sketch)

    def _sketch(self, data, byte_starts, byte_ends, words, threads: Optional[int] = None) -> _Sketch:
        """Everything the labelling stage computes from the bytes alone: text
        keys of all paragraphs, and shingle sets and band keys of those that
        may go to LSH. ``threads`` caps numba's threads for this call."""
        config = self.config
        previous = numba.get_num_threads()
        if threads is not None:
            numba.set_num_threads(min(threads, previous))
        try:
            keys = _kernels.text_keys(data, byte_starts, byte_ends)
            rows = np.flatnonzero((words >= config.short_words) & (words > 0))
            hashes, set_offsets, fp_hashes, fp_offsets, ordered, ordered_offsets = _kernels.shingle_sketches(
                data, byte_starts[rows], byte_ends[rows], config.shingle.kind == "word", config.shingle.size,
                _kernels.CRC_TABLE, config.fingerprint_window,
            )
            a, b = permutations(config.minhash.num_perm, config.minhash.seed)
            band_keys = _kernels.band_keys_of_sets(
                hashes, set_offsets, np.arange(len(rows), dtype=np.int64), a, b,
                self.state.lsh.bands, self.state.lsh.rows, _BAND_MULTIPLIERS,
            )
        finally:
            numba.set_num_threads(previous)
        return _Sketch(keys, rows, hashes, set_offsets, band_keys, fp_hashes, fp_offsets, ordered, ordered_offsets)

    def _splice_sketch(self, sketch: _Sketch, cut: np.ndarray, first: np.ndarray, pieces_at: np.ndarray, data,
                       byte_starts, byte_ends, words) -> _Sketch:
        """The sketch of a batch whose paragraphs ``cut`` (old positions) were
        cut into pieces after it was made: an uncut paragraph's rows move to
        its new position ``first[old]``, the pieces (new positions
        ``pieces_at``) are sketched now and slotted in."""
        total = len(words)
        is_cut = np.zeros(len(first), dtype=bool)
        is_cut[cut] = True
        uncut = np.flatnonzero(~is_cut)
        piece_sketch = self._sketch(data, byte_starts[pieces_at], byte_ends[pieces_at], words[pieces_at])
        text_keys = np.empty(total, dtype=np.uint64)
        text_keys[first[uncut]] = sketch.text_keys[uncut]
        text_keys[pieces_at] = piece_sketch.text_keys
        kept = np.flatnonzero(~is_cut[sketch.rows])
        rows = np.concatenate([first[sketch.rows[kept]], pieces_at[piece_sketch.rows]])
        hashes = np.concatenate([sketch.hashes, piece_sketch.hashes])
        offsets = np.concatenate([sketch.set_offsets, sketch.set_offsets[-1] + piece_sketch.set_offsets[1:]])
        fp_hashes = np.concatenate([sketch.fp_hashes, piece_sketch.fp_hashes])
        fp_offsets = np.concatenate([sketch.fp_offsets, sketch.fp_offsets[-1] + piece_sketch.fp_offsets[1:]])
        ordered = np.concatenate([sketch.ordered, piece_sketch.ordered])
        ordered_offsets = np.concatenate([sketch.ordered_offsets,
                                          sketch.ordered_offsets[-1] + piece_sketch.ordered_offsets[1:]])
        members = np.concatenate([kept, len(sketch.rows) + np.arange(len(piece_sketch.rows), dtype=np.int64)])
        order = np.argsort(rows, kind="stable")
        return _Sketch(text_keys, rows[order], hashes, offsets, sketch.band_keys, fp_hashes, fp_offsets,
                       ordered, ordered_offsets, members[order], piece_sketch.band_keys)

    def _label(self, batch: _Batch) -> list[Record]:
        """Keep-first labels for a batch (see :mod:`tikrar._label`), then the
        batch's kept paragraphs join the indexes."""
        config = self.config
        n = len(batch)
        first_id = self.state.count
        gids = np.arange(first_id, first_id + n, dtype=np.int64)
        article_base = self.state.articles
        separators = config.source_separators
        self.state.add_articles([a.doc_id for a in batch.articles],
                                [bp.source_key(a.source, a.doc_id, separators) for a in batch.articles])
        hits = batch.hits
        direct = batch.direct
        empty = (batch.words == 0) & ~direct
        kind = np.full(n, _label.ORDINARY, dtype=np.int8)
        kind[empty] = _label.BLANK
        kind[direct] = _label.DIRECT
        heading = np.zeros(n, dtype=np.bool_)
        heading[[k for k, hit in enumerate(hits) if hit is not None and not hit.direct]] = True

        # Distinct normalized texts of the batch, and the kept paragraph of
        # each from earlier batches.
        ordinary = np.flatnonzero(kind == _label.ORDINARY)
        sketch = batch.sketch
        if sketch is not None:
            keys = sketch.text_keys[ordinary]
        else:
            keys = _kernels.text_keys(batch.data, batch.byte_starts[ordinary], batch.byte_ends[ordinary])
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        run_start = np.ones(len(ordinary), dtype=bool)
        run_start[1:] = sorted_keys[1:] != sorted_keys[:-1]
        group = np.zeros(n, dtype=np.int64)
        group[ordinary[order]] = np.cumsum(run_start) - 1
        group_keys = sorted_keys[run_start]
        found, earlier = self.state.first_by_text.lookup(group_keys)
        group_kept = np.where(found, earlier, -1).astype(np.int64)

        # What goes to the indexes: ordinary paragraphs of short_words or more.
        e_rows = ordinary[batch.words[ordinary] >= config.short_words]
        if sketch is not None and len(e_rows):
            at = np.searchsorted(sketch.rows, e_rows)
            if sketch.columns is not None:
                at = sketch.columns[at]
            hashes, set_offsets = _kernels.gather_sets(sketch.hashes, sketch.set_offsets, at)
            fp_hashes, fp_offsets = _kernels.gather_sets(sketch.fp_hashes, sketch.fp_offsets, at)
            ordered, ordered_offsets = _kernels.gather_sets(sketch.ordered, sketch.ordered_offsets, at)
            band_keys = sketch.band_keys_of(at)
        else:
            hashes, set_offsets, band_keys, fp_hashes, fp_offsets, ordered, ordered_offsets = self._sketch_rows(
                batch, e_rows)
        batch.sketch = None
        sizes = np.zeros(n, dtype=np.int64)
        sizes[e_rows] = np.diff(set_offsets)
        old_hashes, old_sets = self.state.hashes.size, self.state.set_offsets.size
        self.state.hashes.extend(hashes)
        self.state.set_offsets.extend(self.state.set_offsets.values[-1] + np.cumsum(sizes))
        m = len(e_rows)
        positions = np.arange(m, dtype=np.uint32)
        band_sorted = np.empty((self.state.lsh.bands, m), dtype=np.uint64)
        for band in range(self.state.lsh.bands):
            band_sorted[band] = _kernels.pack_band(band_keys[band], positions)
        fp_sorted = _kernels.pack_band(fp_hashes.astype(np.uint64) << np.uint64(32),
                                       np.arange(len(fp_hashes), dtype=np.uint32))
        policy = config.policy
        codes, target, jaccard, match, reuse_rows, reuse_ids, _ = _label.keep_first(
            first_id, kind, heading, group, group_kept, e_rows, fp_offsets, ordered, ordered_offsets,
            band_sorted, self.state.lsh.members, len(self.state.lsh), fp_sorted, self.state.fingerprints.held,
            len(self.state.fingerprints), self.state.hashes.values, self.state.set_offsets.values,
            policy.threshold, policy.containment or 0.0, policy.reverse_containment, config.new_text_shingles,
            config.lsh.max_bucket_pairs, config.fingerprint_postings, reuse.MIN_SHARED_FINGERPRINTS, first_id + n,
        )

        # The kept paragraphs join the state; the sets of the others go.
        kept = codes == _label.KEPT
        kept_e = kept[e_rows]
        new_groups = np.flatnonzero(group_kept >= first_id)
        self.state.first_by_text.insert(group_keys[new_groups], group_kept[new_groups])
        kept_gids = e_rows[kept_e] + first_id
        gid_of_e = e_rows + first_id
        if len(kept_gids):
            self.state.lsh.insert_members(
                np.stack([_label.relabel_kept(band_sorted[band], kept_e, gid_of_e) for band in range(len(band_sorted))]),
                int(kept_gids[-1]))
        kept_at = np.flatnonzero(kept_e)
        e_of_entry = np.repeat(np.arange(len(e_rows)), np.diff(fp_offsets))
        self.state.fingerprints.insert_postings(_label.relabel_kept(fp_sorted, kept_e[e_of_entry], gid_of_e[e_of_entry]))
        del band_sorted, fp_sorted, e_of_entry
        del band_keys, fp_hashes
        # Raw texts and text-order shingles of the kept paragraphs, for the
        # reused passages of later paragraphs.
        kept_texts: list = [None] * n
        sizes[:] = 0
        if config.min_reuse_words is not None:
            kept_ordered, kept_ordered_offsets = _kernels.gather_sets(ordered, ordered_offsets, kept_at)
            sizes[e_rows[kept_e]] = np.diff(kept_ordered_offsets)
            for k in e_rows[kept_e].tolist():
                kept_texts[k] = batch.texts[k]
        else:
            kept_ordered = np.zeros(0, dtype=np.uint32)
        self.state.add_kept(kept_texts, kept_ordered, sizes)
        del ordered, kept_ordered, kept_texts
        reused = self._reused_passages(batch, first_id, codes, reuse_rows, reuse_ids)
        kept_hashes, kept_offsets = _kernels.gather_sets(hashes, set_offsets, kept_at)
        sizes[:] = 0
        sizes[e_rows[kept_e]] = np.diff(kept_offsets)
        self.state.hashes.truncate(old_hashes)
        self.state.set_offsets.truncate(old_sets)
        self.state.hashes.extend(kept_hashes)
        self.state.set_offsets.extend(self.state.set_offsets.values[-1] + np.cumsum(sizes))

        duplicate = codes == _label.DUPLICATE
        canonical = np.where(duplicate, target, gids)
        article_of = article_base + batch.doc_of
        self.state.article_of.extend(article_of)
        self.state.paragraph_index.extend(batch.index)
        self.state.canonical.extend(canonical)
        all_article_of = self.state.article_of.values
        all_index = self.state.paragraph_index.values
        dup_rows = np.flatnonzero(duplicate)
        refs: dict[int, ParagraphRef] = {}
        for gid in np.unique(target[dup_rows]).tolist():
            refs[gid] = ParagraphRef(self.state.doc_ids[all_article_of[gid]], int(all_index[gid]))
        within = all_article_of[target[dup_rows]] == article_of[dup_rows]

        labels: list = [LABEL_UNIQUE] * n
        scopes: list = [None] * n
        targets: list = [None] * n
        similarities: list = [None] * n
        reasons: list = [None] * n
        matches: list = [None] * n
        passages: list = [()] * n
        for k in np.flatnonzero(codes == _label.BOILERPLATE).tolist():
            labels[k], reasons[k] = LABEL_BOILERPLATE, hits[k].reason
        for k in np.flatnonzero(codes == _label.EMPTY).tolist():
            reasons[k] = REASON_EMPTY
        match_names = {_label.NEAR: MATCH_NAMES[1], _label.CONTAINED: MATCH_NAMES[2], _label.EXACT: MATCH_EXACT}
        for k, gid, within_k, sim, kind_k in zip(dup_rows.tolist(), target[dup_rows].tolist(), within.tolist(),
                                                 jaccard[dup_rows].tolist(), match[dup_rows].tolist()):
            labels[k], scopes[k], targets[k] = LABEL_DUPLICATE, SCOPE_WITHIN if within_k else SCOPE_ACROSS, refs[gid]
            similarities[k], matches[k] = round(sim, 6), match_names[kind_k]
        for k, found_passages in reused.items():
            passages[k] = found_passages
        batch.codes, batch.canonical = codes, canonical
        doc_of = batch.doc_of.tolist()
        doc_ids = list(map([a.doc_id for a in batch.articles].__getitem__, doc_of))
        sources = list(map([a.source for a in batch.articles].__getitem__, doc_of))
        with _collector_paused():
            return list(map(_tuple_new, repeat(Record, n), zip(
                doc_ids, batch.index.tolist(), batch.starts.tolist(), batch.ends.tolist(), batch.texts, labels,
                scopes, targets, similarities, reasons, matches, sources, passages,
            )))

    def _sketch_rows(self, batch: _Batch, rows: np.ndarray):
        """Shingle sets, band keys and fingerprints of some rows of a batch
        that was not sketched ahead."""
        config = self.config
        by_words = config.shingle.kind == "word"
        hashes, set_offsets, fp_hashes, fp_offsets, ordered, ordered_offsets = _kernels.shingle_sketches(
            batch.data, batch.byte_starts[rows], batch.byte_ends[rows], by_words, config.shingle.size,
            _kernels.CRC_TABLE, config.fingerprint_window,
        )
        a, b = permutations(config.minhash.num_perm, config.minhash.seed)
        band_keys = _kernels.band_keys_of_sets(
            hashes, set_offsets, np.arange(len(rows), dtype=np.int64), a, b,
            self.state.lsh.bands, self.state.lsh.rows, _BAND_MULTIPLIERS,
        )
        return hashes, set_offsets, band_keys, fp_hashes, fp_offsets, ordered, ordered_offsets

    def _reused_passages(self, batch: _Batch, first_id: int, codes: np.ndarray, rows: np.ndarray,
                         ids: np.ndarray) -> dict[int, tuple]:
        """Reused passages of the batch's kept paragraphs, from the candidate
        pairs that share fingerprints (see :mod:`tikrar.reuse`)."""
        config = self.config
        if config.min_reuse_words is None or config.shingle.kind != "word" or len(rows) == 0:
            return {}
        keep = codes[rows] == _label.KEPT
        pairs = np.stack([rows[keep] + first_id, ids[keep]], axis=1)
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        inter = _label.intersections(pairs, self.state.hashes.values, self.state.set_offsets.values)
        pairs = pairs[inter >= reuse.min_pair_shingles(config.min_reuse_words, config.short_words, config.shingle)]
        if len(pairs) == 0:
            return {}
        ordered, ordered_offsets = self.state.ordered_of(pairs.reshape(-1))
        segments, shares = _label.shared_segments(
            pairs, ordered, ordered_offsets, self.state.hashes.values,
            self.state.set_offsets.values, config.shingle.size, config.min_reuse_words, config.short_words,
            reuse.MIN_SIMILARITY)
        if len(segments) == 0:
            return {}
        involved = np.unique(pairs[segments[:, 0]])
        earlier = involved[involved < first_id]
        texts = dict(zip(earlier.tolist(), self.state.kept_texts(earlier)))
        texts.update((gid, batch.texts[gid - first_id]) for gid in involved[involved >= first_id].tolist())
        spans = dict(zip(involved.tolist(), reuse.word_spans([texts[g] for g in involved.tolist()],
                                                             config.normalize)))
        all_article_of = self.state.article_of.values
        found: dict[int, list] = {}
        for (pair, *words), share in zip(segments.tolist(), shares.tolist()):
            p, q = pairs[pair].tolist()
            if q >= first_id:
                doc_id, index = batch.articles[batch.doc_of[q - first_id]].doc_id, int(batch.index[q - first_id])
            else:
                doc_id, index = self.state.doc_ids[all_article_of[q]], int(self.state.paragraph_index.values[q])
            if words[1] >= len(spans[p][0]) or words[3] >= len(spans[q][0]):
                continue  # the normalizer's words and the shingled ones disagree: report nothing
            found.setdefault(p - first_id, []).append(reuse.passage(spans[p], spans[q], (*words, share), doc_id, index))
        return {k: reuse.choose(passages) for k, passages in found.items()}

    def _apply_corpus_boilerplate(self, batch: _Batch, records: list[Record]) -> list[Record]:
        """Boilerplate learned from the corpus itself.

        A repeated paragraph is a cluster: its first occurrence and every
        duplicate pointing at it (``duplicate_of``). For each cluster the
        Deduplicator keeps, across calls to :meth:`add`, how many distinct
        articles of each source it was found in. When one source S holds at
        least ``min_source_articles`` of them, and at least
        ``min_source_share`` of all the articles holding the cluster, the
        cluster is S's page furniture. Members are looked at in input order,
        each against the articles up to its own: from the copy that makes
        the cluster furniture on, copies are ``boilerplate`` with the reason
        "repeated in N articles of source S" (the kept paragraph, the first
        copy, never is). So the labels do not depend on how the input is
        split into batches or runs. A paragraph shared by a few articles of
        different sources stays ``duplicate``.

        The source is ``Article.source``, else the doc_id prefix, else the
        whole corpus (see :func:`tikrar.boilerplate.source_key`). Records
        returned by an earlier :meth:`add` are never changed; relabelled
        records keep their ``duplicate_of``, ``similarity`` and ``match``.
        """
        config = self.config
        if not (config.boilerplate and config.corpus_boilerplate) or not records:
            return records
        return self._apply_corpus_boilerplate_fast(batch, records)

    def _apply_corpus_boilerplate_fast(self, batch: _Batch, records: list[Record]) -> list[Record]:
        """:meth:`_apply_corpus_boilerplate` over the batch's arrays: the
        same verdicts, with Python looping over repeated clusters only."""
        config = self.config
        n = len(batch)
        first_id = self.state.count - n
        # Article ids as the labelling stage gave them (every batch takes
        # ids, one without paragraphs too).
        article_base = self.state.articles - len(batch.articles)
        codes, canonical = batch.codes, batch.canonical
        duplicate = codes == _CODE_DUPLICATE
        if not duplicate.any():
            return records
        gids = np.arange(first_id, first_id + n, dtype=np.int64)
        member = duplicate | (codes == _CODE_UNIQUE)
        key = np.where(duplicate, canonical, gids)
        repeated = np.unique(canonical[duplicate])
        rows = np.flatnonzero(member & np.isin(key, repeated))
        article = article_base + batch.doc_of
        # One entry per (cluster, article), in order of first position; a new
        # cluster whose first occurrence is not a member here (added by an
        # earlier batch, or boilerplate in this one) counts that occurrence's
        # article first.
        entry_key, entry_article, entry_order = [key[rows]], [article[rows]], [rows]
        new_keys = np.array([k for k in repeated.tolist() if k not in self.state.cluster_sources], dtype=np.int64)
        if len(new_keys):
            inside = new_keys >= first_id
            outside_member = np.zeros(len(new_keys), dtype=bool)
            outside_member[inside] = codes[new_keys[inside] - first_id] != _CODE_UNIQUE
            outside_member[~inside] = True
            firsts = new_keys[outside_member]
            entry_key.append(firsts)
            entry_article.append(self.state.article_of.values[firsts])
            entry_order.append(np.full(len(firsts), -1, dtype=np.int64))
        entry_key = np.concatenate(entry_key)
        entry_article = np.concatenate(entry_article)
        entry_order = np.concatenate(entry_order)
        order = np.lexsort((entry_order, entry_key))
        # In input order within each cluster: a row's verdict depends only on
        # the articles before it and its own, so any split into batches (or
        # runs over a saved index) gives the same labels.
        sources = self.state.article_sources
        reasons: dict[int, str] = {}
        current = owner_before = -1
        counts: dict = {}
        for cluster, owner, position in zip(entry_key[order].tolist(), entry_article[order].tolist(),
                                            entry_order[order].tolist()):
            if cluster != current:
                current, owner_before = cluster, -1
                counts = self.state.cluster_counts(cluster)
            if owner != owner_before:
                owner_before = owner
                source = sources[owner]
                counts[source] = counts.get(source, 0) + 1
            if position >= 0:
                reason = _furniture_reason(counts, config)
                if reason is not None:
                    reasons[position] = reason
        if not reasons:
            return records
        records = list(records)
        for position, reason in reasons.items():
            records[position] = records[position]._replace(label=LABEL_BOILERPLATE, reason=reason)
        return records


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


class _CallableModule(types.ModuleType):
    """``tikrar.dedup`` names both this module and its :func:`dedup`: the
    package imports its names on first use, and importing this submodule
    makes the package attribute the module, so the module forwards calls."""

    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return dedup(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
