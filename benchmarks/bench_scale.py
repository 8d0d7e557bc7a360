"""How time and memory grow with the corpus: 100k to 5M paragraphs, one process.

    python benchmarks/bench_scale.py --sizes 100000,500000,1000000
    flock /tmp/tikrar-heavy.lock python benchmarks/bench_scale.py --sizes 5000000

The corpus is generated reproducibly (``--seed``) from SaudiNewsNet
paragraphs: synthetic articles of 2-9 paragraphs, each paragraph drawn from
the real ones and then, at random, kept verbatim (an exact repeat, 8%),
lightly edited (one to three words changed, inserted or dropped: a near
repeat, 12%) or heavily rewritten (a third of its words replaced by words of
other paragraphs: new text, 80%). Articles are fed to one
``Deduplicator`` in batches (``--batch`` paragraphs), as a stream would be;
records are counted and dropped. Each size runs in a fresh subprocess, so its
peak RSS (``ru_maxrss``) is its own; the time is that of the ``add`` calls
only (generating the text is not counted).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import saudinewsnet  # noqa: E402

EXACT, LIGHT = 0.08, 0.12


def base_paragraphs():
    paragraphs, sources = [], []
    for article in saudinewsnet.iter_articles():
        for line in article["text"].splitlines():
            line = line.strip()
            if line:
                paragraphs.append(line)
                sources.append(article["source"])
    return paragraphs, sources


def generate(total: int, seed: int, batch: int):
    """Batches of ``(doc_id, text, source)`` articles holding ``total`` paragraphs."""
    paragraphs, sources = base_paragraphs()
    vocabulary = sorted({w for p in paragraphs[:5000] for w in p.split()})
    rng = np.random.default_rng(seed)
    made = 0
    article_no = 0
    while made < total:
        articles = []
        in_batch = 0
        while in_batch < batch and made < total:
            size = int(min(rng.integers(2, 10), total - made))
            picks = rng.integers(0, len(paragraphs), size)
            kinds = rng.random(size)
            lines = []
            for pick, kind in zip(picks.tolist(), kinds.tolist()):
                if kind < EXACT:
                    lines.append(paragraphs[pick])
                    continue
                tokens = paragraphs[pick].split()
                if kind < EXACT + LIGHT:
                    for _ in range(int(rng.integers(1, 4))):
                        at = int(rng.integers(0, len(tokens)))
                        roll = rng.random()
                        if roll < 0.4:
                            tokens[at] = vocabulary[int(rng.integers(0, len(vocabulary)))]
                        elif roll < 0.7 and len(tokens) > 1:
                            del tokens[at]
                        else:
                            tokens.insert(at, vocabulary[int(rng.integers(0, len(vocabulary)))])
                else:
                    replace = rng.random(len(tokens)) < 0.34
                    fresh = rng.integers(0, len(vocabulary), int(replace.sum())).tolist()
                    it = iter(fresh)
                    tokens = [vocabulary[next(it)] if r else t for t, r in zip(tokens, replace.tolist())]
                lines.append(" ".join(tokens))
            articles.append((f"s{article_no}", "\n".join(lines), sources[int(picks[0])]))
            article_no += 1
            made += size
            in_batch += size
        yield articles


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(total: int, seed: int, batch: int) -> dict:
    from tikrar import Deduplicator

    Deduplicator().add([("warm", "كلمة اولى ثانية ثالثة رابعة خامسة سادسة سابعة ثامنة")])
    dedup = Deduplicator()
    counts: Counter = Counter()
    seconds = 0.0
    paragraphs = 0
    generated_rss = 0.0
    for articles in generate(total, seed, batch):
        generated_rss = max(generated_rss, peak_rss_mb())
        start = time.perf_counter()
        report = dedup.add(articles)
        seconds += time.perf_counter() - start
        counts.update(r.label for r in report)
        paragraphs += len(report)
        del report, articles
    state_mb = dedup.state.nbytes / 2**20
    return {"paragraphs": paragraphs, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
            "state_mb": state_mb, "counts": dict(counts)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,500000,1000000",
                        help="comma-separated paragraph counts (5000000 for the full table)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--batch", type=int, default=100_000, help="paragraphs per Deduplicator.add call")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.batch)))
        return
    if not saudinewsnet.available():
        raise SystemExit(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")
    print(f"seed {args.seed}, {args.batch:,} paragraphs per add(); exact {EXACT:.0%}, near {LIGHT:.0%}, "
          f"rewritten {1 - EXACT - LIGHT:.0%}")
    print(f"{'paragraphs':>11}{'seconds':>9}{'par/s':>9}{'peak RSS MB':>13}{'state MB':>10}"
          f"{'unique':>10}{'duplicate':>11}{'boilerplate':>12}")
    for size in [int(s) for s in args.sizes.split(",")]:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--seed", str(args.seed),
                              "--batch", str(args.batch)], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        c = r["counts"]
        print(f"{r['paragraphs']:>11,}{r['seconds']:>9.1f}{r['paragraphs'] / r['seconds']:>9,.0f}"
              f"{r['peak_rss_mb']:>13,.0f}{r['state_mb']:>10,.0f}{c.get('unique', 0):>10,}"
              f"{c.get('duplicate', 0):>11,}{c.get('boilerplate', 0):>12,}", flush=True)


if __name__ == "__main__":
    main()
