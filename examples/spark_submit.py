"""Deduplicate articles on a Spark cluster with tikrar.spark.

    spark-submit --master local[2] examples/spark_submit.py examples/articles out/
    spark-submit --master yarn --num-executors 20 --executor-cores 4 \\
        examples/spark_submit.py hdfs:///news/2015/*.jsonl hdfs:///news/2015-dedup/ --partitions 400

INPUT is JSONL (one article per line: ``id`` and ``text``, optionally
``source`` and ``order``; any file Spark's JSON reader takes, compressed or
not) or a directory of ``.txt`` files (one article each, its id the file
name without ``.txt``, in name order, as ``tikrar dedup DIR`` reads it).
Without an ``order`` field the articles are labelled in the order of the
input files and their lines.

Writes OUTPUT/records (JSON lines, one record per paragraph in input
order: the keys of ``tikrar dedup -o``) and, with ``--clean``,
OUTPUT/clean (``id`` and ``text`` of each article without its duplicate
and boilerplate paragraphs). Every worker needs tikrar installed
(``pip install 'tikrar[spark]'``, or ship a wheel with ``--py-files``) and
the same Python as the driver (``PYSPARK_PYTHON``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


def read_articles(spark, path: str):
    """The articles at ``path`` as a DataFrame of id, text (source, order)."""
    from pyspark.sql import functions as F

    if os.path.isdir(path) and not any(name.endswith((".json", ".jsonl", ".gz")) for name in os.listdir(path)):
        files = spark.read.text(os.path.join(path, "*.txt"), wholetext=True).select(
            F.regexp_extract(F.input_file_name(), r"([^/]+)\.txt$", 1).alias("id"), F.col("value").alias("text"))
        return files.withColumn("order", F.col("id"))   # name order
    articles = spark.read.json(path)
    if "order" not in articles.columns:
        # The order of the files and of their lines.
        articles = articles.withColumn("order", F.monotonically_increasing_id())
    return articles


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="JSONL file(s) or a directory of .txt files")
    parser.add_argument("output", help="directory for records/ (and clean/)")
    parser.add_argument("--clean", action="store_true", help="also write the cleaned articles to OUTPUT/clean")
    parser.add_argument("--threshold", type=float, default=0.5, help="Jaccard similarity of a near repeat")
    parser.add_argument("--partitions", type=int, default=None,
                        help="partitions for segmenting and sketching (default: spark.sql.shuffle.partitions)")
    args = parser.parse_args(argv)

    from pyspark.sql import SparkSession

    import tikrar.spark as tikrar_spark

    logging.basicConfig(format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("tikrar").setLevel(logging.INFO)   # rounds and timings
    spark = SparkSession.builder.appName("tikrar dedup").getOrCreate()
    articles = read_articles(spark, args.input)
    records = tikrar_spark.dedup(articles, threshold=args.threshold, partitions=args.partitions)
    # Null fields written as null, as `tikrar dedup -o` writes them.
    records.write.mode("overwrite").option("ignoreNullFields", "false").json(os.path.join(args.output, "records"))
    counts = {row["label"]: row["count"] for row in records.groupBy("label").count().collect()}
    print(f"records written to {os.path.join(args.output, 'records')}: {counts}")
    if args.clean:
        tikrar_spark.cleaned(records).write.mode("overwrite").json(os.path.join(args.output, "clean"))
        print(f"cleaned articles written to {os.path.join(args.output, 'clean')}")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
