"""A pipeline over Parquet: articles in, paragraph records and cleaned articles out.

Run from the repository root (needs ``pip install 'tikrar[arrow]'``):

    python examples/pipeline_parquet.py [OUT_DIR]

It writes OUT_DIR/articles.parquet (default OUT_DIR: pipeline_out) from the
example articles in examples/articles, with row groups of two rows as a large
scrape would have many; then reads it back two rows at a time, labels two
articles per batch against everything before them (as ``tikrar dedup
--batch-size 2`` does, with the same records as one batch), and writes
OUT_DIR/records.parquet (one row per paragraph) and OUT_DIR/cleaned.parquet
(id, text, source: each article without its repeated and boilerplate
paragraphs). The same run from the shell:

    tikrar dedup OUT_DIR/articles.parquet -o records.parquet --clean-output cleaned.parquet
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import tikrar
from tikrar.io import cleaned_output, cleaned_rows, iter_batches, read_parquet, read_paths, record_output

HERE = Path(__file__).resolve().parent
ROWS_PER_GROUP = 2
ARTICLES_PER_BATCH = 2


def write_articles(path: Path) -> int:
    """The example articles as a Parquet file of ``id`` and ``text`` columns."""
    articles = list(read_paths([HERE / "articles"]))
    table = pa.table({"id": [a.doc_id for a in articles], "text": [a.text for a in articles]})
    pq.write_table(table, path, row_group_size=ROWS_PER_GROUP)
    return len(articles)


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path("pipeline_out")
    out.mkdir(parents=True, exist_ok=True)
    articles_path = out / "articles.parquet"
    count = write_articles(articles_path)
    print(f"{articles_path}: {count} articles in {pq.ParquetFile(articles_path).num_row_groups} row groups")

    deduplicator = tikrar.Deduplicator()
    # Both files appear whole at the end, or not at all if anything fails.
    with record_output(out / "records.parquet") as records, cleaned_output(out / "cleaned.parquet") as cleaned:
        articles = read_parquet(articles_path, batch_rows=ROWS_PER_GROUP)
        for batch in iter_batches(articles, ARTICLES_PER_BATCH):
            report = deduplicator.add(batch)
            records.write_all(report)
            cleaned.write_all(cleaned_rows(report))

    labels = pq.read_table(out / "records.parquet", columns=["label"]).column("label").to_pylist()
    summary = ", ".join(f"{label}: {labels.count(label)}" for label in ("unique", "duplicate", "boilerplate"))
    print(f"{out / 'records.parquet'}: {len(labels)} paragraphs ({summary})")
    print(f"{out / 'cleaned.parquet'}: {pq.ParquetFile(out / 'cleaned.parquet').metadata.num_rows} cleaned articles")


if __name__ == "__main__":
    main(sys.argv[1:])
