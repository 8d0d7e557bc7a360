"""Normalized text -> shingle strings -> 32-bit shingle hashes.

A shingle's hash is the CRC-32 of its UTF-8 bytes (:func:`shingle_hash`): a
standard, documented function, so a datasketch user can reproduce tikrar's
signatures with ``MinHash(hashfunc=tikrar.shingle_hash)`` fed the strings of
:func:`shingles`.
"""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np

from .config import ShingleConfig

DEFAULT_SHINGLES = ShingleConfig()


def shingles(normalized: str, config: ShingleConfig = DEFAULT_SHINGLES) -> list[str]:
    """The shingle strings of one normalized paragraph (with repeats, in order).

    >>> shingles("a b c d", ShingleConfig("word", 3))
    ['a b c', 'b c d']
    >>> shingles("ab", ShingleConfig("char", 3))
    ['ab']
    >>> shingles("")
    []
    """
    if not normalized:
        return []
    n = config.size
    if config.kind == "word":
        words = normalized.split(" ")
        if len(words) <= n:
            return [normalized]
        return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    if len(normalized) <= n:
        return [normalized]
    return [normalized[i : i + n] for i in range(len(normalized) - n + 1)]


def shingle_hash(shingle: str | bytes) -> int:
    """The 32-bit hash tikrar gives a shingle: CRC-32 of its UTF-8 bytes.

    >>> shingle_hash("abc")
    891568578
    """
    data = shingle.encode("utf-8") if isinstance(shingle, str) else shingle
    return zlib.crc32(data)


def shingle_set(normalized: str, config: ShingleConfig = DEFAULT_SHINGLES) -> np.ndarray:
    """Sorted, distinct shingle hashes of one paragraph as ``uint32``.

    >>> shingle_set("a b c d").tolist() == sorted({shingle_hash("a b c"), shingle_hash("b c d")})
    True
    """
    return np.unique(np.fromiter((shingle_hash(s) for s in shingles(normalized, config)), dtype=np.uint32))


def shingle_sets(normalized: Sequence[str], config: ShingleConfig = DEFAULT_SHINGLES) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of many paragraphs in CSR form ``(hashes, offsets)``.

    Paragraph ``k`` owns ``hashes[offsets[k]:offsets[k + 1]]``, sorted and
    distinct.

    >>> hashes, offsets = shingle_sets(["a b c", "", "a b c d"])
    >>> offsets.tolist()
    [0, 1, 1, 3]
    """
    sets = [shingle_set(text, config) for text in normalized]
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    hashes = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint32)
    return hashes.astype(np.uint32, copy=False), offsets
