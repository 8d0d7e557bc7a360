"""Deduplicate the example articles shipped in examples/articles.

Run from the repository root:  python examples/run_example.py
Prints every paragraph that is not unique, the counts, and writes
examples_out.jsonl (one record per paragraph) and examples_clean/ (the
articles without their repeated and boilerplate paragraphs).
"""

from __future__ import annotations

from pathlib import Path

import tikrar
from tikrar.io import read_paths, write_clean

HERE = Path(__file__).resolve().parent


def main() -> None:
    articles = list(read_paths([HERE / "articles"]))
    report = tikrar.dedup(articles)
    for record in report:
        if record.label == "unique":
            continue
        if record.label == "duplicate":
            first = record.duplicate_of
            why = f"{record.scope} {record.match} of {first.doc_id}:{first.index} (similarity {record.similarity:.2f})"
        else:
            why = record.reason
        print(f"{record.doc_id}:{record.index:<3} {record.label:<11} {why}")
        print(f"      {record.text[:90]}")
    print(report.counts)
    report.to_jsonl("examples_out.jsonl")
    write_clean(report.cleaned(), "examples_clean")
    print("wrote examples_out.jsonl and examples_clean/")


if __name__ == "__main__":
    main()
