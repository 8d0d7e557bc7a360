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

from . import _kernels
from .config import ShingleConfig

__all__ = [
    "shingles", "shingle_hash", "shingle_set", "shingle_sets", "shingle_sets_reference", "encode_batch",
    "shingle_sets_of_bytes", "DEFAULT_SHINGLES",
]

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
    # surrogatepass: a stray surrogate in scraped text is hashed, not fatal,
    # exactly as the batch path encodes it.
    data = shingle.encode("utf-8", "surrogatepass") if isinstance(shingle, str) else shingle
    return zlib.crc32(data)


def shingle_set(normalized: str, config: ShingleConfig = DEFAULT_SHINGLES) -> np.ndarray:
    """Sorted, distinct shingle hashes of one paragraph as ``uint32``.

    >>> shingle_set("a b c d").tolist() == sorted({shingle_hash("a b c"), shingle_hash("b c d")})
    True
    """
    return np.unique(np.fromiter((shingle_hash(s) for s in shingles(normalized, config)), dtype=np.uint32))


def encode_batch(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes of many strings joined, and where each one starts.

    Returns ``(data, offsets)``: string ``k`` is ``data[offsets[k]:offsets[k + 1]]``.

    >>> data, offsets = encode_batch(["ab", "", "دم"])
    >>> offsets.tolist(), bytes(data[offsets[2]:offsets[3]]).decode()
    ([0, 2, 2, 6], 'دم')
    """
    data = np.frombuffer("".join(texts).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return data, _kernels.byte_offsets(data, lengths)


def shingle_sets_of_bytes(
    data: np.ndarray, offsets: np.ndarray, config: ShingleConfig = DEFAULT_SHINGLES
) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets in CSR form from the output of :func:`encode_batch`.

    >>> hashes, offsets = shingle_sets_of_bytes(*encode_batch(["a b c d"]))
    >>> sorted(hashes.tolist()) == sorted({shingle_hash("a b c"), shingle_hash("b c d")})
    True
    """
    return _kernels.shingle_hash_sets(
        data, offsets[:-1], offsets[1:], config.kind == "word", config.size, _kernels.CRC_TABLE
    )


def shingle_sets(normalized: Sequence[str], config: ShingleConfig = DEFAULT_SHINGLES) -> tuple[np.ndarray, np.ndarray]:
    """Shingle sets of many paragraphs in CSR form ``(hashes, offsets)``.

    Paragraph ``k`` owns ``hashes[offsets[k]:offsets[k + 1]]``, sorted and
    distinct: the :func:`shingle_set` of each paragraph, computed for the
    whole batch at once by a compiled kernel over the UTF-8 bytes.

    >>> hashes, offsets = shingle_sets(["a b c", "", "a b c d"])
    >>> offsets.tolist()
    [0, 1, 1, 3]
    """
    return shingle_sets_of_bytes(*encode_batch(normalized), config)


def shingle_sets_reference(
    normalized: Sequence[str], config: ShingleConfig = DEFAULT_SHINGLES
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_sets` the simple way: one :func:`shingle_set` per paragraph.

    >>> hashes, offsets = shingle_sets_reference(["a b c", "", "a b c d"])
    >>> offsets.tolist()
    [0, 1, 1, 3]
    """
    sets = [shingle_set(text, config) for text in normalized]
    offsets = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in sets], out=offsets[1:])
    hashes = np.concatenate(sets) if sets else np.zeros(0, dtype=np.uint32)
    return hashes.astype(np.uint32, copy=False), offsets
