"""Read SaudiNewsNet in place from ../shared/data/saudinewsnet (never copied).

Set TIKRAR_SHARED to point elsewhere. Articles come back as dicts with
``id`` (``<date>:<position>``), ``text`` (the ``content`` field) and
``source``, in file-name then file order, so runs are reproducible.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Iterable, Iterator, Optional

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TIKRAR_SHARED", REPO.parent / "shared"))
SAUDINEWSNET = SHARED / "data" / "saudinewsnet"
SEEDS = SHARED / "seeds"


def available() -> bool:
    """Whether the corpus is there to read."""
    return SAUDINEWSNET.is_dir() and any(SAUDINEWSNET.glob("*.zip"))


def iter_articles(limit: Optional[int] = None, days: Optional[Iterable[str]] = None) -> Iterator[dict]:
    """Articles as ``{"id", "text", "source", "title", "date"}`` dicts, of
    every day or only of ``days`` (``YYYY-MM-DD`` names of the zips)."""
    wanted = None if days is None else set(days)
    count = 0
    for archive in sorted(SAUDINEWSNET.glob("*.zip")):
        if wanted is not None and archive.stem not in wanted:
            continue
        with zipfile.ZipFile(archive) as z:
            for name in sorted(z.namelist()):
                if not name.endswith(".json"):
                    continue
                for position, item in enumerate(json.loads(z.read(name))):
                    yield {
                        "id": f"{archive.stem}:{position}",
                        "text": item.get("content") or "",
                        "source": item.get("source") or None,
                        "title": item.get("title") or "",
                        "date": archive.stem,
                    }
                    count += 1
                    if limit is not None and count >= limit:
                        return


def load_articles(limit: Optional[int] = None) -> list[dict]:
    """All (or the first ``limit``) articles, in a list."""
    return list(iter_articles(limit))


def iter_paragraphs(limit_articles: Optional[int] = None) -> Iterator[str]:
    """Every non-empty stripped line of every article."""
    for article in iter_articles(limit_articles):
        for line in article["text"].splitlines():
            line = line.strip()
            if line:
                yield line
