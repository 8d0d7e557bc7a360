"""tikrar (تكرار, "repetition"): repeated and boilerplate paragraphs in Arabic news.

>>> import tikrar
>>> tikrar.normalize("الْعَرَبِيَّةُ")
'العربيه'

tikrar logs to the ``logging`` logger ``"tikrar"`` (its modules to
children such as ``"tikrar.dedup"``) and never configures logging itself:
nothing is shown until the application adds a handler, for example
``logging.basicConfig(level=logging.DEBUG)``.
"""

import logging as _logging

from .boilerplate import Rule, default_rules, load_rules
from .config import LSHConfig, MinHashConfig, ShingleConfig
from .errors import ConfigError, InputError, MissingDependencyError, TikrarError
from .normalize import DEDUP, LIGHT, NormalizeConfig, RULES, normalize, normalize_batch, normalize_with_offsets
from .report import Cluster, Report
from .segment import segment
from .types import Article, Paragraph, ParagraphRef, Record, Reuse

# The names below are imported on first use (PEP 562), so ``import tikrar``
# does not load the compiled kernels (numba, about a second): they load when
# something needs them.
_LAZY = {
    "DedupConfig": "dedup",
    "Deduplicator": "dedup",
    "IndexFileError": "store",
    "IndexLockedError": "store",
    "IndexState": "state",
    "ParagraphProgress": "progress",
    "dedup": "dedup",
    "shingle_hash": "shingle",
    "shingle_sets": "shingle",
    "shingles": "shingle",
    "signatures": "minhash",
    "to_datasketch_minhash": "minhash",
    "to_lean_minhashes": "minhash",
}

__version__ = "0.1.0"

# A library leaves handlers to the application; the NullHandler keeps
# Python's last-resort handler from printing tikrar's records on stderr.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())



def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tikrar' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Article",
    "Cluster",
    "IndexFileError",
    "IndexLockedError",
    "IndexState",
    "ConfigError",
    "DEDUP",
    "DedupConfig",
    "Deduplicator",
    "InputError",
    "LIGHT",
    "LSHConfig",
    "MinHashConfig",
    "MissingDependencyError",
    "NormalizeConfig",
    "Paragraph",
    "ParagraphProgress",
    "ParagraphRef",
    "RULES",
    "Record",
    "Report",
    "Reuse",
    "Rule",
    "ShingleConfig",
    "TikrarError",
    "dedup",
    "default_rules",
    "load_rules",
    "normalize",
    "normalize_batch",
    "normalize_with_offsets",
    "segment",
    "shingle_hash",
    "shingle_sets",
    "shingles",
    "signatures",
    "to_datasketch_minhash",
    "to_lean_minhashes",
]
