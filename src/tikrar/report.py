"""The result of a deduplication run: one record per paragraph, plus views."""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from .errors import MissingDependencyError
from .types import LABEL_BOILERPLATE, LABEL_DUPLICATE, LABELS, ParagraphRef, Record


@dataclass(frozen=True)
class Cluster:
    """A kept paragraph and every later paragraph that verifiably repeats it
    (each member's own record names it): a star, never a chain, so every
    member-canonical pair can be checked from the two texts alone.
    ``matches[i]`` is ``(match, similarity)`` of ``members[i]`` with the
    canonical paragraph."""

    canonical: ParagraphRef
    members: tuple[ParagraphRef, ...]
    matches: tuple[tuple[str, float], ...] = ()

    @property
    def size(self) -> int:
        """Occurrences, the first one included."""
        return 1 + len(self.members)


@dataclass(frozen=True)
class SkippedArticle:
    """An input record that could not be processed, and why."""

    location: str
    problem: str


@dataclass
class Report:
    """Paragraph records in input order.

    Iterating gives :class:`~tikrar.types.Record` objects; ``counts`` sums
    them up; ``to_jsonl`` writes the format of the command line.

    >>> from tikrar import dedup
    >>> report = dedup([("a", "سطر واحد مكرر\\nسطر واحد مكرر")])
    >>> [r.label for r in report], report.counts["duplicate"]
    (['unique', 'duplicate'], 1)
    """

    records: list[Record]
    articles: int = 0
    skipped: list[SkippedArticle] = field(default_factory=list)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, item):
        return self.records[item]

    @property
    def counts(self) -> dict[str, int]:
        """Paragraphs per label and per scope, with articles and paragraphs.

        >>> from tikrar import dedup
        >>> dedup([("a", "x y")]).counts["unique"]
        1
        """
        labels = Counter(r.label for r in self.records)
        scopes = Counter(r.scope for r in self.records if r.label == LABEL_DUPLICATE)
        counts = {"articles": self.articles, "paragraphs": len(self.records)}
        counts.update({label: labels.get(label, 0) for label in LABELS})
        counts["within"] = scopes.get("within", 0)
        counts["across"] = scopes.get("across", 0)
        counts["skipped"] = len(self.skipped)
        return counts

    def by_article(self, doc_id: str) -> list[Record]:
        """The records of one article, in paragraph order."""
        return [r for r in self.records if r.doc_id == doc_id]

    @property
    def clusters(self) -> list[Cluster]:
        """Repeated paragraphs of this report, each under the kept paragraph
        its duplicates name (see :class:`Cluster`).

        A kept paragraph added in an earlier call of
        :meth:`tikrar.Deduplicator.add` is named but not part of this report.

        >>> from tikrar import dedup
        >>> [(c.canonical.index, [m.index for m in c.members], c.matches) for c in dedup([("a", "س\\nس")]).clusters]
        [(0, [1], (('exact', 1.0),))]
        """
        groups: dict[ParagraphRef, list] = {}
        for r in self.records:
            if r.label == LABEL_DUPLICATE and r.duplicate_of is not None:
                groups.setdefault(r.duplicate_of, []).append((ParagraphRef(r.doc_id, r.index), (r.match, r.similarity)))
        return [Cluster(canonical, tuple(m for m, _ in members), tuple(link for _, link in members))
                for canonical, members in groups.items()]

    def to_dicts(self) -> list[dict]:
        """Every record as a plain dict (the JSONL keys)."""
        return [r.to_dict() for r in self.records]

    def to_jsonl(self, path: str | Path) -> int:
        """Write one JSON object per paragraph; returns the number written."""
        with open(path, "w", encoding="utf-8") as out:
            for r in self.records:
                out.write(json.dumps(r.to_dict(), ensure_ascii=False))
                out.write("\n")
        return len(self.records)

    def to_pandas(self):
        """The records as a pandas DataFrame (needs the ``pandas`` extra)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise MissingDependencyError("pandas", "pandas", "Report.to_pandas") from err
        rows = self.to_dicts()
        for row in rows:
            ref = row.pop("duplicate_of")
            row["duplicate_of_doc"] = ref["doc_id"] if ref else None
            row["duplicate_of_index"] = ref["index"] if ref else None
            # A list of dicts per row: what the passages need to be unnested
            # with DataFrame.explode.
        return pd.DataFrame(rows)

    def cleaned(self, texts: Optional[dict[str, str]] = None, drop_reused: bool = False) -> dict[str, str]:
        """Each article with its duplicate and boilerplate paragraphs removed,
        the kept paragraphs joined by newlines. Every removed duplicate's text
        survives in the kept paragraph it names. ``drop_reused=True`` also
        cuts the reused passages out of the kept paragraphs (for corpora that
        want no repeated text at all; what is left of a paragraph is joined
        by single spaces, and a paragraph left empty is dropped).

        >>> from tikrar import dedup
        >>> dedup([("a", "فقرة\\nفقرة")]).cleaned()
        {'a': 'فقرة'}
        """
        kept: dict[str, list[str]] = {}
        for r in self.records:
            kept.setdefault(r.doc_id, [])
            if r.label in (LABEL_DUPLICATE, LABEL_BOILERPLATE):
                continue
            text = r.text
            if drop_reused and r.reused:
                pieces, at = [], 0
                for passage in sorted(r.reused, key=lambda p: p.start):
                    pieces.append(text[at : passage.start])
                    at = max(at, passage.end)
                pieces.append(text[at:])
                text = " ".join(piece.strip() for piece in pieces if piece.strip())
                if not text:
                    continue
            kept[r.doc_id].append(text)
        return {doc_id: "\n".join(parts) for doc_id, parts in kept.items()}

    def _repr_html_(self) -> str:
        colors = {"unique": "#ffffff", "duplicate": "#fde2e1", "boilerplate": "#e8e8e8"}
        rows = []
        for r in self.records[:500]:
            target = f"{r.duplicate_of.doc_id}:{r.duplicate_of.index}" if r.duplicate_of else ""
            note = r.reason or (f"{r.scope} {r.match} {r.similarity:.2f}" if r.similarity is not None else "")
            rows.append(
                f'<tr style="background:{colors.get(r.label, "#fff")}"><td>{html.escape(r.doc_id)}</td>'
                f"<td>{r.index}</td><td>{r.label}</td><td>{html.escape(target)}</td>"
                f'<td>{html.escape(note)}</td><td dir="rtl">{html.escape(r.text[:200])}</td></tr>'
            )
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts.items())
        more = f"<p>… {len(self.records) - 500} more records</p>" if len(self.records) > 500 else ""
        return (
            f"<p>{counts}</p><table><tr><th>doc</th><th>#</th><th>label</th><th>first occurrence</th>"
            f"<th>why</th><th>text</th></tr>{''.join(rows)}</table>{more}"
        )
