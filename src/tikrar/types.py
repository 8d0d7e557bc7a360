"""Plain data types passed between the stages.

All of them are immutable (frozen dataclasses, and :class:`Record`, a named
tuple): stages never mutate what they receive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional

__all__ = [
    "Article", "Paragraph", "ParagraphRef", "Record", "Reuse", "LABEL_UNIQUE", "LABEL_DUPLICATE",
    "LABEL_BOILERPLATE", "LABELS", "SCOPE_WITHIN", "SCOPE_ACROSS", "MATCH_EXACT", "MATCH_NEAR",
    "MATCH_CONTAINED",
]

LABEL_UNIQUE = "unique"
LABEL_DUPLICATE = "duplicate"
LABEL_BOILERPLATE = "boilerplate"
LABELS = (LABEL_UNIQUE, LABEL_DUPLICATE, LABEL_BOILERPLATE)

SCOPE_WITHIN = "within"
SCOPE_ACROSS = "across"

MATCH_EXACT = "exact"
MATCH_NEAR = "near"
MATCH_CONTAINED = "contained"


@dataclass(frozen=True)
class Article:
    """One article as it was scraped; ``text`` is never modified.

    >>> Article("a1", "نص الخبر", source="sabq").source
    'sabq'
    """

    doc_id: str
    text: str
    source: Optional[str] = None


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of an article: ``article.text[start:end] == text``.

    >>> from tikrar import segment
    >>> segment("a", "سطر اول\\n\\n  سطر ثان")[1]
    Paragraph(doc_id='a', index=1, start=11, end=18, text='سطر ثان')
    """

    doc_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ParagraphRef:
    """Where a paragraph lives: its article and its 0-based index there.

    >>> ParagraphRef("a", 2).to_dict()
    {'doc_id': 'a', 'index': 2}
    """

    doc_id: str
    index: int

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "index": self.index}


class Reuse(NamedTuple):
    """A passage of a kept paragraph that repeats a passage of an earlier kept one.

    ``start``/``end`` index this paragraph's raw text (``record.text[start:end]``
    is the passage); ``doc_id``/``index`` name the source paragraph and
    ``source_start``/``source_end`` index *its* raw text. ``similarity`` is
    the share of the passage's shingles found in the source passage (1.0
    for a verbatim copy, lower when a word inside it was changed).

    >>> Reuse(0, 12, "a", 3, 40, 52, 1.0).to_dict()["source_start"]
    40
    """

    start: int
    end: int
    doc_id: str
    index: int
    source_start: int
    source_end: int
    similarity: float

    def to_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "doc_id": self.doc_id,
            "index": self.index,
            "source_start": self.source_start,
            "source_end": self.source_end,
            "similarity": self.similarity,
        }


class Record(NamedTuple):
    """The verdict on one paragraph, as the report and the CLI give it.

    ``label`` is one of ``unique``, ``duplicate``, ``boilerplate``.
    Labels are keep-first and verified: a duplicate's ``duplicate_of`` names
    an earlier paragraph labelled unique (kept) that this one verifiably
    repeats, ``match`` says how (``exact``: equal after normalization;
    ``near``: Jaccard similarity of shingle sets at or above the threshold;
    ``contained``: at least ``containment`` of this paragraph's own shingles
    inside the kept one) and ``similarity`` is the exact Jaccard similarity
    of that very pair (1.0 when the normalized texts are equal). ``scope``
    says whether the kept paragraph is in the same article (``within``) or
    another one (``across``). ``reason`` names the boilerplate rule or
    evidence, or says why a paragraph could not be compared (for example
    when nothing is left of it after normalization). ``reused`` lists the
    passages a kept paragraph shares with earlier kept ones it does not
    duplicate (:class:`Reuse`).

    A named tuple: immutable, light (a report of millions of paragraphs holds
    millions of records) and built fast; ``record._replace(label=...)``
    gives a changed copy.

    >>> r = Record("a", 0, 0, 4, "نص", "unique")
    >>> r.label, r.scope, r._replace(label="boilerplate").label
    ('unique', None, 'boilerplate')
    """

    doc_id: str
    index: int
    start: int
    end: int
    text: str
    label: str
    scope: Optional[str] = None
    duplicate_of: Optional[ParagraphRef] = None
    similarity: Optional[float] = None
    reason: Optional[str] = None
    match: Optional[str] = None
    source: Optional[str] = None
    reused: tuple = ()

    def to_dict(self) -> dict:
        """The record as plain JSON-ready data, with the keys the CLI writes."""
        return {
            "doc_id": self.doc_id,
            "index": self.index,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "label": self.label,
            "scope": self.scope,
            "duplicate_of": self.duplicate_of.to_dict() if self.duplicate_of else None,
            "similarity": self.similarity,
            "reason": self.reason,
            "match": self.match,
            "source": self.source,
            "reused": [passage.to_dict() for passage in self.reused],
        }
