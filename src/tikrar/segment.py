"""Split an article into paragraphs, keeping exact character spans.

News text uses both single and blank-line breaks, so every non-empty line is
a paragraph. A line holding only white space or invisible format characters
(zero-width and bidi controls) is not a paragraph. The span of a paragraph
excludes the white space and invisible characters around it, so that
``text[start:end]`` is the paragraph exactly.
"""

from __future__ import annotations

import regex

from .types import Paragraph

__all__ = [
    "segment", "paragraph_spans",
]

# Line breaks: LF, CR (alone or before LF), NEL, LINE and PARAGRAPH SEPARATOR.
_LINE = regex.compile(r"[^\n\r\u0085\u2028\u2029]+")
# White space and invisible characters that never start or end a paragraph.
_EDGE = "".join(
    [
        " \t\x0b\x0c\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000",
        "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff\u00ad\u034f\u180e",
    ]
)
_CONTENT = regex.compile(rf"[^{_EDGE}](?:.*[^{_EDGE}])?", regex.DOTALL)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of the paragraphs of ``text``, in order.

    >>> paragraph_spans("سطر أول\\n\\n  سطر ثان \\n")
    [(0, 7), (11, 18)]
    """
    spans = []
    for line in _LINE.finditer(text):
        inner = _CONTENT.search(line.group())
        if inner is not None:
            base = line.start()
            spans.append((base + inner.start(), base + inner.end()))
    return spans


def segment(doc_id: str, text: str) -> list[Paragraph]:
    """The paragraphs of one article, with their spans in ``text``.

    >>> [p.text for p in segment("d1", "عنوان\\nالفقرة الأولى")]
    ['عنوان', 'الفقرة الأولى']
    """
    return [
        Paragraph(doc_id, index, start, end, text[start:end])
        for index, (start, end) in enumerate(paragraph_spans(text))
    ]
