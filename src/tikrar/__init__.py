"""tikrar (تكرار, "repetition"): repeated and boilerplate paragraphs in Arabic news.

>>> import tikrar
>>> tikrar.normalize("الْعَرَبِيَّةُ")
'العربيه'
"""

from .boilerplate import Rule, default_rules, load_rules
from .config import LSHConfig, MinHashConfig, ShingleConfig
from .dedup import DedupConfig, Deduplicator, dedup
from .errors import ConfigError, InputError, MissingDependencyError, TikrarError
from .minhash import signatures, to_datasketch_minhash, to_lean_minhashes
from .normalize import DEDUP, LIGHT, RULES, NormalizeConfig, normalize, normalize_batch, normalize_with_offsets
from .report import Cluster, Report
from .segment import segment
from .shingle import shingle_hash, shingle_sets, shingles
from .types import Article, Paragraph, ParagraphRef, Record, Reuse

__version__ = "0.1.0"

__all__ = [
    "Article",
    "Cluster",
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
