"""What the shortest reported passage (``min_reuse_words``) changes, on real news.

For each length, one run of :func:`tikrar.dedup` over the first days of
SaudiNewsNet prints how many reused passages are reported, how many of them
are stock phrases rather than reused text (the same normalized passage
reported for five or more different paragraphs: royal titles, standard
openings of official statements), and the share of passages of 20 words or
more. ``benchmarks/eval_reuse.py --option min_reuse_words=N`` gives the recall
side (embedded paragraphs of 12 words and more)::

    flock /tmp/tikrar-heavy.lock .venv/bin/python -m benchmarks.reuse_length
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import tikrar  # noqa: E402
from benchmarks import saudinewsnet  # noqa: E402

DAYS = ("2015-07-21", "2015-07-22", "2015-07-23", "2015-07-24")
#: A passage reported for this many different paragraphs is a stock phrase.
STOCK = 5


def measure(articles: list[dict], min_words: int) -> dict:
    start = time.perf_counter()
    report = tikrar.dedup(articles, min_reuse_words=min_words)
    seconds = time.perf_counter() - start
    passages = [(r, p) for r in report for p in r.reused]
    texts = collections.Counter(tikrar.normalize(r.text[p.start:p.end]) for r, p in passages)
    stock = sum(count for text, count in texts.items() if count >= STOCK)
    long = sum(len(tikrar.normalize(r.text[p.start:p.end]).split(" ")) >= 20 for r, p in passages)
    return {"min_words": min_words, "passages": len(passages), "records": sum(1 for r in report if r.reused),
            "stock": stock, "long": long, "seconds": seconds,
            "stock_examples": [t for t, c in texts.most_common(3) if c >= STOCK]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default="8,10,12,16,20")
    args = parser.parse_args(argv)
    if not saudinewsnet.available():
        raise SystemExit(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")
    articles = list(saudinewsnet.iter_articles(days=DAYS))
    tikrar.dedup(articles[:50])
    print(f"# {len(articles):,} articles of {', '.join(DAYS)}")
    print("| min_reuse_words | passages | paragraphs with reuse | stock phrases (same passage in >= 5 paragraphs) | 20+ words | dedup s |")
    print("|---:|---:|---:|---:|---:|---:|")
    rows = [measure(articles, int(n)) for n in args.lengths.split(",")]
    for row in rows:
        share = row["stock"] / row["passages"] if row["passages"] else 0.0
        print(f"| {row['min_words']} | {row['passages']:,} | {row['records']:,} | {row['stock']:,} ({share:.1%}) "
              f"| {row['long']:,} | {row['seconds']:.1f} |")
    for row in rows:
        for text in row["stock_examples"]:
            print(f"  stock at {row['min_words']}: {text[:90]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
