"""The batch path of the normalizer: one compiled pass over a whole batch.

A batch is joined and encoded once: UTF-16 when every character is in the
Basic Multilingual Plane, UTF-32 otherwise, so that one array element is
one index of a Python string. It is mapped through a per-code-point array
derived from the same definition as :func:`tikrar.normalize.normalize`
(``_map_char``): single-character outputs are looked up directly; deletions
and the few multi-character outputs (ligatures, "..." for "…") go through a
small pool. Runs of spaces are collapsed in the same pass, a separator is
written after each text, and the output is decoded once and split.

A text is handed back to :func:`tikrar.normalize.normalize` (the reference)
when the table alone cannot be trusted to give its answer: when it holds a
character for which NFC before or after the table could matter (a combining
hamza, Latin combining accents, Hangul jamo), or a code point beyond the
arrays. Code points are classified the first time they are seen; a batch
that meets new ones classifies them and maps the texts holding them again.
"""

from __future__ import annotations

import codecs
import importlib
import itertools
import threading
from typing import Iterable, Optional

import numpy as np
from numba import njit

# The package exports the function ``normalize`` under the module's name.
_n = importlib.import_module(__package__ + ".normalize")

#: The arrays cover code points below this; texts with higher ones take the
#: reference path (rare in news: a few emoji).
DOMAIN = _n.TABLE_LIMIT
UNKNOWN = np.int32(-(2**31))
PENDING = np.int32(-(2**31) + 1)
REFERENCE_MARK = np.int32(-(2**31) + 2)
#: Written after each text's output so that one ``str.split`` cuts the
#: batch; texts holding it take the reference path.
SEPARATOR = 0
_SEPARATOR_CHAR = chr(SEPARATOR)
DELETE = np.int32(-1)
#: Texts per compiled call: bounds the memory of one pass.
CHUNK_TEXTS = 50_000
#: Distinct new code points one pass records before classification.
MAX_NEW_CODE_POINTS = 4096

OK, REFERENCE, UNSEEN = 0, 1, 2

# Classified up front: what Arabic news text is made of.
_WARM_RANGES = ((0x0000, 0x024F), (0x0600, 0x08FF), (0x2000, 0x206F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))


class _Arrays:
    """The per-code-point arrays of one configuration, filled as code points appear."""

    def __init__(self, config: _n.NormalizeConfig):
        self.config = config
        self.table = _n._lazy_table(config)
        self.mapping = np.full(DOMAIN, UNKNOWN, dtype=np.int32)
        self.pool_chars: list[int] = []
        self.pool_bounds: list[int] = [0]
        self.pool = np.zeros(1, dtype=np.uint32)
        self.pool_bounds_array = np.zeros(1, dtype=np.int64)
        self.expansions: dict[str, int] = {}
        self.lock = threading.Lock()
        self.classify([cp for lo, hi in _WARM_RANGES for cp in range(lo, hi + 1)])

    def classify(self, code_points: Iterable[int]) -> None:
        with self.lock:
            grew = False
            for cp in code_points:
                cp = int(cp)
                if self.mapping[cp] not in (UNKNOWN, PENDING):
                    continue
                ch = chr(cp)
                mapped = self.table[cp]
                if (
                    cp == SEPARATOR
                    or 0xD800 <= cp <= 0xDFFF  # a lone surrogate, or half of a pair in UTF-16
                    or (self.config.nfc and not _n._nfc_blind_to(ch, mapped))
                    or (cp <= 0xFFFF and any(ord(c) > 0xFFFF for c in mapped))
                ):
                    self.mapping[cp] = REFERENCE_MARK
                elif len(mapped) == 1:
                    self.mapping[cp] = ord(mapped)
                elif not mapped:
                    self.mapping[cp] = DELETE
                else:
                    index = self.expansions.get(mapped)
                    if index is None:
                        index = len(self.pool_bounds) - 1
                        self.expansions[mapped] = index
                        self.pool_chars.extend(ord(c) for c in mapped)
                        self.pool_bounds.append(len(self.pool_chars))
                        grew = True
                    self.mapping[cp] = -2 - index
            if grew:
                self.pool = np.asarray(self.pool_chars, dtype=np.uint32)
                self.pool_bounds_array = np.asarray(self.pool_bounds, dtype=np.int64)

    def release(self, new_cps: np.ndarray) -> None:
        """Put code points marked PENDING back to UNKNOWN (after a failure)."""
        for cp in new_cps:
            if self.mapping[cp] == PENDING:
                self.mapping[cp] = UNKNOWN

    def learn(self, new_cps: np.ndarray, n_new: int) -> None:
        """Classify the ``n_new`` code points a compiled pass met for the
        first time (marked PENDING), or put them back if that fails."""
        if n_new:
            try:
                self.classify(new_cps[:n_new])
            except BaseException:
                self.release(new_cps[:n_new])
                raise

    def run(self, cps: np.ndarray, bounds: np.ndarray, want_sources: bool):
        """:func:`_map_spans` of the consecutive texts ``cps[bounds[t]:bounds[t + 1]]``,
        classifying the new code points it met: ``(out, sources, status)``."""
        new_cps = np.empty(MAX_NEW_CODE_POINTS, dtype=np.int64)
        out, sources, status, n_new = _map_spans(cps, bounds[:-1], bounds[1:], self.mapping, self.pool,
                                                 self.pool_bounds_array, self.config.collapse_spaces,
                                                 want_sources, new_cps)
        self.learn(new_cps, n_new)
        return out, sources, status


_ARRAYS: dict[_n.NormalizeConfig, _Arrays] = {}
_ARRAYS_LOCK = threading.Lock()


def _arrays(config: _n.NormalizeConfig) -> _Arrays:
    arrays = _ARRAYS.get(config)
    if arrays is None:
        with _ARRAYS_LOCK:
            arrays = _ARRAYS.get(config)
            if arrays is None:
                arrays = _ARRAYS[config] = _Arrays(config)
    return arrays


def _encode(texts: list[str], first_index: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Code units of the joined texts and where each text starts.

    UTF-16 when no text has a character beyond the BMP (then one code unit is
    one string index, and encoding is cheaper), UTF-32 otherwise.
    """
    try:
        joined = "".join(texts)
    except TypeError:
        for k, t in enumerate(texts):
            _n._check_str(t, f"texts[{first_index + k}]")
        raise
    data = joined.encode("utf-16-le", "surrogatepass")
    if len(data) == 2 * len(joined):
        units = np.frombuffer(data, dtype=np.uint16)
    else:
        units = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bounds = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)), out=bounds[1:])
    return units, bounds


def _decode(out: np.ndarray) -> str:
    if out.dtype == np.uint16:
        return codecs.utf_16_le_decode(out, "surrogatepass", True)[0]
    return codecs.utf_32_le_decode(out, "surrogatepass", True)[0]


def _normalize_chunk(texts: list[str], config: _n.NormalizeConfig, arrays: _Arrays, first_index: int,
                     rounds: int = 2) -> list[str]:
    units, bounds = _encode(texts, first_index)
    out, _, status = arrays.run(units, bounds, False)
    results = _decode(out).split(_SEPARATOR_CHAR)
    results.pop()  # after the last separator
    if status.any():
        for code in (UNSEEN, REFERENCE):
            todo = np.flatnonzero(status == code).tolist()
            if not todo:
                continue
            if code == UNSEEN and rounds > 0:
                again = _normalize_chunk([texts[k] for k in todo], config, arrays, first_index, rounds - 1)
            else:
                again = [_n.normalize(texts[k], config) for k in todo]
            for k, value in zip(todo, again):
                results[k] = value
    return results


def normalize_batch(texts: Iterable[str], config: _n.NormalizeConfig) -> list[str]:
    """See :func:`tikrar.normalize.normalize_batch`."""
    arrays = _arrays(config)
    if isinstance(texts, (list, tuple)):
        chunks: Iterable[list[str]] = (list(texts[k : k + CHUNK_TEXTS]) for k in range(0, len(texts), CHUNK_TEXTS))
    else:
        iterator = iter(texts)
        chunks = iter(lambda: list(itertools.islice(iterator, CHUNK_TEXTS)), [])
    results: list[str] = []
    for chunk in chunks:
        results.extend(_normalize_chunk(chunk, config, arrays, len(results)))
    return results


def normalize_with_offsets(text: str, config: _n.NormalizeConfig) -> Optional[tuple[str, np.ndarray]]:
    """The compiled pass for one text, or None when the reference must answer."""
    arrays = _arrays(config)
    units, bounds = _encode([text])
    for _ in range(2):
        out, sources, status = arrays.run(units, bounds, True)
        if status[0] == OK:
            # One text: its output ends with the separator.
            return _decode(out[:-1]), sources[:-1].copy()
        if status[0] == REFERENCE:
            return None
    return None


# ---------------------------------------------------------------------------
# Spans of a shared buffer: several views of the same paragraphs without
# slicing them out of their articles first.


@njit(cache=True, nogil=True)
def _map_spans(units, starts, ends, mapping, pool, pool_bounds, collapse, want_sources, new_cps):
    """Map the texts ``units[starts[t]:ends[t]]`` of one buffer (any order,
    overlaps allowed) through the per-code-point arrays; see the module
    docstring. Each output is followed by SEPARATOR.

    ``mapping[c]`` is the code point ``c`` becomes (>= 0), DELETE, ``-2 - k``
    for the k-th expansion in ``pool``, or a sentinel: UNKNOWN, PENDING (met
    in this batch, being classified) or REFERENCE (the text goes to the
    reference path). Returns ``(out, sources, status, n_new)``: the mapped
    code units, the index in its text of the code unit each output came from
    (when ``want_sources``), a status per text (OK, REFERENCE or UNSEEN) and
    how many new code points were written into ``new_cps`` (and marked
    PENDING). A text whose status is not OK leaves an empty output (its
    separator is still written). An expansion index beyond ``pool_bounds``
    (the pool grew on another thread after this call read it) counts as
    UNSEEN, so the text is mapped again later.
    """
    n_texts = starts.shape[0]
    remaining = 0
    for t in range(n_texts):
        remaining += ends[t] - starts[t]
    capacity = remaining + n_texts + 64
    out = np.empty(capacity, dtype=units.dtype)
    sources = np.empty(capacity if want_sources else 1, dtype=np.int64)
    status = np.zeros(n_texts, dtype=np.uint8)
    n_new = 0
    max_new = new_cps.shape[0]
    domain = mapping.shape[0]
    n_expansions = pool_bounds.shape[0] - 1
    pos = 0
    # Invariant: capacity - pos >= code units left to read plus separators
    # left to write, so a code point mapped to at most one output needs no
    # check.
    for t in range(n_texts):
        text_start = pos
        start = starts[t]
        end = ends[t]
        remaining -= end - start
        after_space = True  # drops leading spaces
        flag = 0
        for i in range(start, end):
            c = units[i]
            if c >= domain:
                flag = 1
                break
            m = mapping[c]
            if m >= 0:
                if m == 32:
                    if after_space and collapse:
                        continue
                    after_space = True
                else:
                    after_space = False
                out[pos] = m
                if want_sources:
                    sources[pos] = i - start
                pos += 1
            elif m == -1:
                continue
            elif m <= -2147483646:
                if m == -2147483646:  # REFERENCE
                    if flag == 0:
                        flag = 1
                        break
                    continue
                flag = 2
                if m == -2147483648 and n_new < max_new:
                    mapping[c] = -2147483647
                    new_cps[n_new] = c
                    n_new += 1
            else:
                index = -m - 2
                if index >= n_expansions or pool_bounds[index + 1] > pool.shape[0]:
                    flag = 2
                    continue
                first = pool_bounds[index]
                last = pool_bounds[index + 1]
                needed = pos + (last - first) + (end - i) + remaining + (n_texts - t)
                if needed > capacity:
                    capacity = max(2 * capacity, needed)
                    grown = np.empty(capacity, dtype=units.dtype)
                    grown[:pos] = out[:pos]
                    out = grown
                    if want_sources:
                        grown_sources = np.empty(capacity, dtype=np.int64)
                        grown_sources[:pos] = sources[:pos]
                        sources = grown_sources
                for k in range(first, last):
                    o = pool[k]
                    if o == 32:
                        if after_space and collapse:
                            continue
                        after_space = True
                    else:
                        after_space = False
                    out[pos] = o
                    if want_sources:
                        sources[pos] = i - start
                    pos += 1
        if flag != 0:
            pos = text_start
            status[t] = flag
        elif collapse and pos > text_start and out[pos - 1] == 32:
            pos -= 1
        out[pos] = 0
        if want_sources:
            sources[pos] = -1
        pos += 1
    return out[:pos], sources[: pos if want_sources else 0], status, n_new


@njit(cache=True, nogil=True)
def _map_spans_utf8(units, starts, ends, mapping, pool, pool_bounds, collapse, out, pos, new_cps):
    """Like :func:`_map_spans`, but each output is written as UTF-8 into
    ``out`` from ``pos`` on, with no separator.

    Returns ``(out, pos, byte_starts, byte_ends, status, n_new)``: ``out``
    is a larger copy when it had to grow; text ``t`` is
    ``out[byte_starts[t]:byte_ends[t]]`` (empty when its status is not OK).
    """
    n_texts = starts.shape[0]
    # A code unit becomes at most one code point (expansions aside): three
    # bytes when units are UTF-16 (the table never maps a BMP character to
    # an astral one), four when they are UTF-32.
    width = 4 if units.itemsize == 4 else 3
    remaining = 0
    for t in range(n_texts):
        remaining += ends[t] - starts[t]
    capacity = out.shape[0]
    if pos + width * remaining > capacity:
        capacity = max(2 * capacity, pos + width * remaining + 64)
        grown = np.empty(capacity, dtype=np.uint8)
        grown[:pos] = out[:pos]
        out = grown
    byte_starts = np.empty(n_texts, dtype=np.int64)
    byte_ends = np.empty(n_texts, dtype=np.int64)
    status = np.zeros(n_texts, dtype=np.uint8)
    n_new = 0
    max_new = new_cps.shape[0]
    domain = mapping.shape[0]
    n_expansions = pool_bounds.shape[0] - 1
    # Invariant: capacity - pos >= width * code units left to read.
    for t in range(n_texts):
        text_start = pos
        start = starts[t]
        end = ends[t]
        remaining -= end - start
        after_space = True
        flag = 0
        for i in range(start, end):
            c = units[i]
            if c >= domain:
                flag = 1
                break
            m = mapping[c]
            if m >= 0:
                # UTF-8 written here rather than by a helper (a call per
                # character costs reference counting of ``out``), the space
                # test folded into the one-byte case.
                if m < 0x80:
                    if m == 32:
                        if after_space and collapse:
                            continue
                        after_space = True
                    else:
                        after_space = False
                    out[pos] = m
                    pos += 1
                elif m < 0x800:
                    after_space = False
                    out[pos] = 0xC0 | (m >> 6)
                    out[pos + 1] = 0x80 | (m & 0x3F)
                    pos += 2
                elif m < 0x10000:
                    after_space = False
                    out[pos] = 0xE0 | (m >> 12)
                    out[pos + 1] = 0x80 | ((m >> 6) & 0x3F)
                    out[pos + 2] = 0x80 | (m & 0x3F)
                    pos += 3
                else:
                    after_space = False
                    out[pos] = 0xF0 | (m >> 18)
                    out[pos + 1] = 0x80 | ((m >> 12) & 0x3F)
                    out[pos + 2] = 0x80 | ((m >> 6) & 0x3F)
                    out[pos + 3] = 0x80 | (m & 0x3F)
                    pos += 4
            elif m == -1:
                continue
            elif m <= -2147483646:
                if m == -2147483646:  # REFERENCE
                    if flag == 0:
                        flag = 1
                        break
                    continue
                flag = 2
                if m == -2147483648 and n_new < max_new:
                    mapping[c] = -2147483647
                    new_cps[n_new] = c
                    n_new += 1
            else:
                index = -m - 2
                if index >= n_expansions or pool_bounds[index + 1] > pool.shape[0]:
                    flag = 2
                    continue
                first = pool_bounds[index]
                last = pool_bounds[index + 1]
                needed = pos + 4 * (last - first) + width * ((end - i - 1) + remaining)
                if needed > capacity:
                    capacity = max(2 * capacity, needed)
                    grown = np.empty(capacity, dtype=np.uint8)
                    grown[:pos] = out[:pos]
                    out = grown
                for k in range(first, last):
                    o = pool[k]
                    if o == 32:
                        if after_space and collapse:
                            continue
                        after_space = True
                    else:
                        after_space = False
                    if o < 0x80:
                        out[pos] = o
                        pos += 1
                    elif o < 0x800:
                        out[pos] = 0xC0 | (o >> 6)
                        out[pos + 1] = 0x80 | (o & 0x3F)
                        pos += 2
                    elif o < 0x10000:
                        out[pos] = 0xE0 | (o >> 12)
                        out[pos + 1] = 0x80 | ((o >> 6) & 0x3F)
                        out[pos + 2] = 0x80 | (o & 0x3F)
                        pos += 3
                    else:
                        out[pos] = 0xF0 | (o >> 18)
                        out[pos + 1] = 0x80 | ((o >> 12) & 0x3F)
                        out[pos + 2] = 0x80 | ((o >> 6) & 0x3F)
                        out[pos + 3] = 0x80 | (o & 0x3F)
                        pos += 4
        if flag != 0:
            pos = text_start
            status[t] = flag
        elif collapse and pos > text_start and out[pos - 1] == 32:
            pos -= 1
        byte_starts[t] = text_start
        byte_ends[t] = pos
    return out, pos, byte_starts, byte_ends, status, n_new
