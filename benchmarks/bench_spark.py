"""tikrar.spark against the local engine, on SaudiNewsNet, on this machine.

    flock /tmp/tikrar-heavy.lock python benchmarks/bench_spark.py --sizes 10000,30000 --repeat 3

For each size (the first N articles), in input order:

- the local engine: ``tikrar.dedup`` over the articles in memory, with
  numba on 1 thread and on 2 threads (``NUMBA_NUM_THREADS``);
- tikrar.spark on ``local[1]`` and ``local[2]``: ``tikrar.spark.dedup``
  over a DataFrame made from the same articles (an Arrow table), until the
  records are computed (``dedup`` returns them computed). The JVM start is
  not counted, nor making the DataFrame; the Python workers' first loading
  of the kernels is (in the first repeat).

Each contender runs in its own subprocess; times are medians over
``--repeat`` runs in that process. The Spark records are checked against
the local ones (every field of every record) after the timed runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import saudinewsnet  # noqa: E402


def run_local(size: int, repeat: int) -> dict:
    import tikrar

    articles = saudinewsnet.load_articles(size)
    tikrar.dedup(articles[:50])   # kernels loaded (compiled once, cached on disk)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        report = tikrar.dedup(articles)
        times.append(time.perf_counter() - started)
    return {"times": times, "paragraphs": len(report), "counts": report.counts}


def run_spark(size: int, repeat: int, master: str, partitions: int) -> dict:
    import logging

    import pyarrow as pa
    from pyspark.sql import SparkSession

    import tikrar
    import tikrar.spark as tikrar_spark

    logging.basicConfig(format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("tikrar").setLevel(logging.INFO)
    os.environ["PYSPARK_PYTHON"] = sys.executable
    started = time.perf_counter()
    spark = (SparkSession.builder.master(master).appName("tikrar-bench")
             .config("spark.pyspark.python", sys.executable)
             .config("spark.driver.memory", "6g")
             .config("spark.sql.shuffle.partitions", str(partitions))
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    jvm_start = time.perf_counter() - started
    articles = saudinewsnet.load_articles(size)
    table = pa.table({"id": [a["id"] for a in articles], "text": [a["text"] for a in articles],
                      "source": [a["source"] for a in articles], "order": list(range(len(articles)))})
    frame = spark.createDataFrame(table)
    times, records = [], None
    for _ in range(repeat):
        if records is not None:
            records.unpersist()
        started = time.perf_counter()
        records = tikrar_spark.dedup(frame)
        times.append(time.perf_counter() - started)
    mine = [row.asDict(recursive=True) for row in records.collect()]
    local = tikrar.dedup(articles).to_dicts()
    differing = sum(a != b for a, b in zip(mine, local)) + abs(len(mine) - len(local))
    spark.stop()
    return {"times": times, "jvm_start": jvm_start, "paragraphs": len(mine), "differing_records": differing}


def child(argv) -> None:
    kind, size, repeat = argv[0], int(argv[1]), int(argv[2])
    if kind == "local":
        result = run_local(size, repeat)
    else:
        result = run_spark(size, repeat, argv[3], int(argv[4]))
    print("RESULT " + json.dumps(result))


def measure(args: list, env: dict) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True,
                         env={**os.environ, **env})
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{args} failed:\n{out.stderr[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000", help="article counts, comma-separated")
    parser.add_argument("--masters", default="local[1],local[2]")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (the median is reported)")
    parser.add_argument("--partitions", type=int, default=4, help="spark.sql.shuffle.partitions")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    if not saudinewsnet.available():
        sys.exit(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")
    sizes = [int(s) for s in args.sizes.split(",")]
    masters = args.masters.split(",")
    rows = []
    for size in sizes:
        row = {"articles": size}
        for threads in (1, 2):
            result = measure(["local", size, args.repeat], {"NUMBA_NUM_THREADS": str(threads)})
            row[f"local {threads} thread{'s' if threads > 1 else ''}"] = statistics.median(result["times"])
            row["paragraphs"] = result["paragraphs"]
            print(f"{size} articles, local engine, {threads} thread(s): {result['times']}", flush=True)
        for master in masters:
            result = measure(["spark", size, args.repeat, master, args.partitions], {})
            row[master] = statistics.median(result["times"])
            row[f"{master} equal"] = result["differing_records"] == 0
            print(f"{size} articles, {master}: {result['times']} (JVM start {result['jvm_start']:.1f} s, "
                  f"{result['differing_records']} records differ from the local ones)", flush=True)
        rows.append(row)
    names = ["local 1 thread", "local 2 threads", *masters]
    print()
    print("| articles | paragraphs | " + " | ".join(names) + " | Spark records equal to local |")
    print("|---:|---:|" + "---:|" * len(names) + "---|")
    for row in rows:
        equal = "yes" if all(row[f"{m} equal"] for m in masters) else "NO"
        print(f"| {row['articles']:,} | {row['paragraphs']:,} | "
              + " | ".join(f"{row[name]:.1f} s" for name in names) + f" | {equal} |")


if __name__ == "__main__":
    main()
