"""The reference cases the project was specified from (../shared/seeds)."""

from __future__ import annotations

import json
import random
import re

import pytest

import tikrar
from tikrar.cli import main
from tikrar.io import read_paths

SEED_IDS = {"000": "000_89b4ce20244c64ab", "001": "001_d33471f1b932ef5b", "002": "002_c0b0a03ad929c146",
            "003": "003_218f8f28c7c5060c", "004": "004_20a342e4fb12e91c"}


def expected_seed_labels() -> dict[tuple[str, int], set[str]]:
    """Allowed labels per (seed, paragraph) from the specification; paragraphs
    not listed may take any label."""
    allowed: dict[tuple[str, int], set[str]] = {}

    def put(seed, indices, labels):
        for i in indices:
            allowed[(seed, i)] = set(labels)

    put("000", range(0, 5), {"unique"})
    put("000", range(5, 9), {"duplicate"})
    put("001", range(1, 14), {"unique"})
    put("001", [2], {"duplicate"})
    put("001", [14], {"boilerplate"})
    put("002", range(0, 21), {"unique"})
    put("003", [0, 1, *range(4, 12)], {"unique"})
    put("003", [12, 14], {"boilerplate"})
    put("004", range(0, 11), {"unique"})
    # 14 and 15, the same headline twice under "إقرأ أيضاً:", are both
    # furniture: 14 is boilerplate, so it is kept nowhere and 15 cannot be
    # its duplicate (a duplicate names a kept paragraph).
    put("004", [11, 12, 13, 14, 15, *range(16, 26)], {"boilerplate"})
    put("004", [26], {"boilerplate"})
    return allowed


@pytest.fixture(scope="module")
def seed_records(seeds_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("seeds") / "out.jsonl"
    assert main(["dedup", str(seeds_dir), "-o", str(out), "-q"]) == 0
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_cli_labels_seeds_as_specified(seed_records):
    by_key = {(r["doc_id"][:3], r["index"]): r for r in seed_records}
    assert len(seed_records) == 9 + 15 + 21 + 15 + 27
    wrong = {
        key: (by_key[key]["label"], sorted(labels))
        for key, labels in expected_seed_labels().items()
        if by_key[key]["label"] not in labels
    }
    assert wrong == {}


def test_seed_duplicates_point_at_their_first_occurrence(seed_records):
    by_key = {(r["doc_id"][:3], r["index"]): r for r in seed_records}
    for later, first in [(5, 1), (6, 2), (7, 3), (8, 4)]:
        record = by_key[("000", later)]
        assert record["scope"] == "within"
        assert record["duplicate_of"] == {"doc_id": SEED_IDS["000"], "index": first}
        assert record["similarity"] == 1.0
    assert by_key[("001", 2)]["duplicate_of"] == {"doc_id": SEED_IDS["001"], "index": 1}
    assert [(by_key[("004", i)]["label"], by_key[("004", i)]["reason"]) for i in (14, 15)] == [
        ("boilerplate", "after:read_also_heading")] * 2
    assert all(r["duplicate_of"] is None for r in seed_records if r["doc_id"].startswith("004"))


def test_seed_spans_index_the_raw_text(seed_records, seeds_dir):
    texts = {a.doc_id: a.text for a in read_paths([seeds_dir])}
    for r in seed_records:
        assert texts[r["doc_id"]][r["start"] : r["end"]] == r["text"]


HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b\u064c\u064d"
ALEF_VARIANTS = {"أ": "ا", "إ": "ا", "آ": "ا", "ا": "أ"}


def retype(text: str, rng: random.Random) -> str:
    """Re-type Arabic text as another site might: random diacritics and
    tatweel, other alef/hamza forms, Arabic-Indic digits."""
    out = []
    for i, ch in enumerate(text):
        if ch in ALEF_VARIANTS and rng.random() < 0.5:
            ch = ALEF_VARIANTS[ch] if ch != "ا" or rng.random() < 0.3 else ch
        if ch.isdigit() and ch.isascii():
            ch = chr(0x0660 + int(ch))
        out.append(ch)
        if "\u0621" <= ch <= "\u064a":
            if rng.random() < 0.4:
                out.append(rng.choice(HARAKAT))
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if ch not in "اأإآدذرزوؤة" and "\u0621" <= nxt <= "\u064a" and rng.random() < 0.1:
                out.append("\u0640" * rng.randint(1, 3))
    return "".join(out)


def test_retyped_copy_of_seed_000_is_an_across_duplicate_with_similarity_1(seeds_dir):
    articles = list(read_paths([seeds_dir]))
    original = next(a for a in articles if a.doc_id == SEED_IDS["000"])
    copy = retype(original.text, random.Random(2024))
    assert copy != original.text
    assert re.search("[\u064b-\u0652]", copy) and "\u0640" in copy and "\u0661" in copy
    report = tikrar.dedup([*articles, ("000-retyped", copy)])
    records = report.by_article("000-retyped")
    assert len(records) == 9
    for record in records:
        assert (record.label, record.scope, record.similarity) == ("duplicate", "across", 1.0)
        assert record.duplicate_of.doc_id == SEED_IDS["000"]
    assert [r.duplicate_of.index for r in records] == [0, 1, 2, 3, 4, 1, 2, 3, 4]
