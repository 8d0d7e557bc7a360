"""Frozen, validated configuration of the shingling, MinHash and LSH stages."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from .errors import ConfigError

__all__ = [
    "ShingleConfig", "MinHashConfig", "LSHConfig", "replace", "is_integer", "is_number", "check_flag",
    "items_of", "SHINGLE_KINDS", "MAX_COUNT",
]

SHINGLE_KINDS = ("word", "char")

#: The largest count an integer option may hold: the compiled kernels take
#: them as 64-bit integers, and no sensible setting comes near.
MAX_COUNT = 2**31 - 1


def is_integer(value) -> bool:
    """Whether ``value`` is an ``int`` and not a ``bool`` (``True`` is an
    ``int`` to Python, but never a sensible count).

    >>> is_integer(3), is_integer(True), is_integer(3.0)
    (True, False, False)
    """
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    """Whether ``value`` is an ``int`` or a ``float`` (not a ``bool``, not a
    string holding a number).

    >>> is_number(1), is_number(0.5), is_number(True), is_number("0.5")
    (True, True, False, False)
    """
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_flag(name: str, value) -> None:
    """Raise :class:`ConfigError` naming the option unless ``value`` is a bool.

    >>> check_flag("boilerplate", "no")
    Traceback (most recent call last):
    ...
    tikrar.errors.ConfigError: boilerplate must be True or False, got 'no'
    """
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be True or False, got {value!r}")


def items_of(name: str, value, kind: type, what: str) -> tuple:
    """The items of the iterable option ``name`` as a tuple, each an
    instance of ``kind``; otherwise a :class:`ConfigError` naming the option
    and the value. A bare string (or bytes) is refused, not read as a list of
    its characters.

    >>> items_of("disable_rules", ["a", "b"], str, "a list of rule names")
    ('a', 'b')
    >>> items_of("disable_rules", "name", str, "a list of rule names")
    Traceback (most recent call last):
    ...
    tikrar.errors.ConfigError: disable_rules must be a list of rule names, got 'name'
    """
    if isinstance(value, (str, bytes, bytearray)):
        raise ConfigError(f"{name} must be {what}, got {value!r}")
    try:
        items = tuple(value)
    except TypeError:
        raise ConfigError(f"{name} must be {what}, got {value!r}") from None
    for number, item in enumerate(items):
        if not isinstance(item, kind):
            raise ConfigError(f"{name} must be {what}, got {value!r} (item {number} is {item!r})")
    return items


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
        if not isinstance(self.kind, str) or self.kind not in SHINGLE_KINDS:
            raise ConfigError(f"shingle kind must be one of {SHINGLE_KINDS}, got {self.kind!r}")
        if not is_integer(self.size) or not 1 <= self.size <= 32:
            raise ConfigError(f"shingle size must be an integer from 1 to 32, got {self.size!r}")


@dataclass(frozen=True)
class MinHashConfig:
    """Number of permutations and seed; the scheme is datasketch's ``affine32``.

    >>> MinHashConfig(num_perm=64).num_perm
    64
    >>> MinHashConfig(seed=True)
    Traceback (most recent call last):
    ...
    tikrar.errors.ConfigError: seed must be an integer in [0, 2**32), got True
    """

    num_perm: int = 128
    seed: int = 1

    def __post_init__(self) -> None:
        if not is_integer(self.num_perm) or not 2 <= self.num_perm <= 1024:
            raise ConfigError(f"num_perm must be an integer from 2 to 1024, got {self.num_perm!r}")
        if not is_integer(self.seed) or not 0 <= self.seed < 2**32:
            raise ConfigError(f"seed must be an integer in [0, 2**32), got {self.seed!r}")


@dataclass(frozen=True)
class LSHConfig:
    """Banding of the signatures: ``bands`` x ``rows`` <= num_perm.

    Leave both as None to have them chosen from the threshold and num_perm
    (see :func:`tikrar.index.choose_bands`). ``max_bucket_pairs`` bounds the
    work on one band bucket: each member is paired with at most that many
    earlier members of its bucket.

    >>> LSHConfig(bands=16, rows=8).bands
    16
    >>> LSHConfig(bands=True, rows=8)
    Traceback (most recent call last):
    ...
    tikrar.errors.ConfigError: LSH bands must be a positive integer, got True
    """

    bands: Optional[int] = None
    rows: Optional[int] = None
    max_bucket_pairs: int = 256

    def __post_init__(self) -> None:
        # Types first, so that a lone wrong value (bands=True) is named.
        for name in ("bands", "rows"):
            value = getattr(self, name)
            if value is not None and (not is_integer(value) or not 1 <= value <= MAX_COUNT):
                raise ConfigError(f"LSH {name} must be a positive integer, got {value!r}")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("give both LSH bands and rows, or neither (they are then chosen from the threshold)")
        if not is_integer(self.max_bucket_pairs) or not 1 <= self.max_bucket_pairs <= MAX_COUNT:
            raise ConfigError(
                f"max_bucket_pairs must be a positive integer (at most {MAX_COUNT}), got {self.max_bucket_pairs!r}")


def replace(config, **changes):
    """A copy of a frozen config with some fields changed (validated again).

    >>> replace(ShingleConfig(), size=5)
    ShingleConfig(kind='word', size=5)
    >>> replace(ShingleConfig(), size=0)
    Traceback (most recent call last):
    ...
    tikrar.errors.ConfigError: shingle size must be an integer from 1 to 32, got 0
    """
    return dataclasses.replace(config, **changes)
