"""Frozen, validated configuration of the shingling, MinHash and LSH stages."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from .errors import ConfigError

SHINGLE_KINDS = ("word", "char")


@dataclass(frozen=True)
class ShingleConfig:
    """How a normalized paragraph becomes a set of shingles.

    ``kind="word"`` uses runs of ``size`` words, ``kind="char"`` runs of
    ``size`` characters (spaces included). A paragraph shorter than one
    shingle yields one shingle: the whole normalized text.

    >>> ShingleConfig(kind="word", size=3).size
    3
    """

    kind: str = "word"
    size: int = 3

    def __post_init__(self) -> None:
        if self.kind not in SHINGLE_KINDS:
            raise ConfigError(f"shingle kind must be one of {SHINGLE_KINDS}, got {self.kind!r}")
        if not isinstance(self.size, int) or not 1 <= self.size <= 32:
            raise ConfigError(f"shingle size must be an integer from 1 to 32, got {self.size!r}")


@dataclass(frozen=True)
class MinHashConfig:
    """Number of permutations and seed; the scheme is datasketch's ``affine32``.

    >>> MinHashConfig(num_perm=64).num_perm
    64
    """

    num_perm: int = 128
    seed: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.num_perm, int) or not 2 <= self.num_perm <= 1024:
            raise ConfigError(f"num_perm must be an integer from 2 to 1024, got {self.num_perm!r}")
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**32:
            raise ConfigError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")


@dataclass(frozen=True)
class LSHConfig:
    """Banding of the signatures: ``bands`` x ``rows`` <= num_perm.

    Leave both as None to have them chosen from the threshold and num_perm
    (see :func:`tikrar.index.choose_bands`). ``max_bucket_pairs`` bounds the
    work on one band bucket: each member is paired with at most that many
    earlier members of its bucket.
    """

    bands: Optional[int] = None
    rows: Optional[int] = None
    max_bucket_pairs: int = 256

    def __post_init__(self) -> None:
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("give both LSH bands and rows, or neither (they are then chosen from the threshold)")
        for name in ("bands", "rows"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ConfigError(f"LSH {name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_bucket_pairs, int) or self.max_bucket_pairs < 1:
            raise ConfigError(f"max_bucket_pairs must be a positive integer, got {self.max_bucket_pairs!r}")


def replace(config, **changes):
    """A copy of a frozen config with some fields changed (validated again)."""
    return dataclasses.replace(config, **changes)
