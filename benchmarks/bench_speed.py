"""Speed and memory of tikrar against datasketch and rensa, on SaudiNewsNet.

    flock /tmp/tikrar-heavy.lock python benchmarks/bench_speed.py

Every contender runs in its own subprocess (so its peak RSS is its own) on the
same paragraphs: the distinct non-empty paragraphs of all SaudiNewsNet
articles, found and normalized as tikrar does (DEDUP preset), with the same shingles (word
3-grams, as ``tikrar.shingles`` gives them), 128 permutations and a 0.5
threshold. The stage compared is "signatures + candidate pairs": from the
normalized paragraphs to the set of candidate pairs, shingling included.

Contenders:
- tikrar: compiled shingle hashing + MinHash + band keys, sorted LSH bands;
- datasketch, straightforward: ``MinHash.update`` per shingle, ``MinHashLSH``
  insert then query per paragraph (run on a subsample, extrapolated);
- datasketch bulk: ``MinHash.bulk`` + ``MinHashLSH`` insertion session + query;
- rensa: ``RMinHash.update`` + ``RMinHashLSH`` insert/query per paragraph, and
  rensa's own bulk API (``from_token_sets``, ``insert_many``, ``query_all``).

Also: tikrar end to end (articles in memory -> labelled records), the command
line on a JSONL file of all articles (reading and writing included), and the
one-time JIT compilation cost. Times are medians over ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import saudinewsnet  # noqa: E402

NUM_PERM = 128
THRESHOLD = 0.5


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_paragraphs(limit_articles=None):
    """Articles, and the normalized text of every paragraph tikrar finds."""
    from tikrar.stages import _PARAGRAPH
    from tikrar.normalize import normalize_batch

    articles = saudinewsnet.load_articles(limit_articles)
    texts = [m.group() for a in articles for m in _PARAGRAPH.finditer(a["text"])]
    # Distinct texts: every pipeline drops exact repeats before MinHash (tikrar
    # does it by a hash of the normalized text), and identical paragraphs
    # would only measure how each LSH copes with huge buckets.
    normalized = list(dict.fromkeys(t for t in normalize_batch(texts) if t))
    return articles, normalized


def timed(function, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def pair_count(neighbours) -> int:
    pairs = set()
    for i, found in enumerate(neighbours):
        for j in found:
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return len(pairs)


# ---------------------------------------------------------------------------
# Workers: each runs in its own process and prints one JSON line.


def work_tikrar_stage(normalized, repeat):
    import numpy as np

    from tikrar import _kernels
    from tikrar.index import _MULTIPLIERS, LSHIndex, choose_bands
    from tikrar.minhash import permutations
    from tikrar.shingle import encode_batch

    bands, rows = choose_bands(THRESHOLD, NUM_PERM)
    a, b = permutations(NUM_PERM, 1)

    def run():
        data, offsets = encode_batch(normalized)
        hashes, set_offsets = _kernels.shingle_hash_sets(data, offsets[:-1], offsets[1:], True, 3, _kernels.CRC_TABLE)
        keys = _kernels.band_keys_of_sets(hashes, set_offsets, np.arange(len(normalized)), a, b, bands, rows, _MULTIPLIERS)
        return LSHIndex(bands, rows).add_keys(keys, np.arange(len(normalized)))

    run()  # loads the cached kernels
    seconds, times, pairs = timed(run, repeat)
    return {"seconds": seconds, "times": times, "paragraphs": len(normalized), "pairs": len(pairs)}


def work_datasketch_update(normalized, repeat, sample):
    from datasketch import MinHash, MinHashLSH

    from tikrar import shingles
    from tikrar.index import choose_bands

    part = normalized[:sample]

    def run():
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, params=choose_bands(THRESHOLD, NUM_PERM))
        sketches = []
        for i, text in enumerate(part):
            m = MinHash(num_perm=NUM_PERM)
            for shingle in shingles(text):
                m.update(shingle.encode("utf-8"))
            lsh.insert(i, m)
            sketches.append(m)
        return pair_count(lsh.query(m) for m in sketches)

    seconds, times, pairs = timed(run, repeat)
    return {"seconds": seconds, "times": times, "paragraphs": len(part), "pairs": pairs}


def work_datasketch_bulk(normalized, repeat):
    from datasketch import MinHash, MinHashLSH

    from tikrar import shingles
    from tikrar.index import choose_bands

    def run():
        sets = [[s.encode("utf-8") for s in shingles(text)] for text in normalized]
        sketches = MinHash.bulk(sets, num_perm=NUM_PERM)
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, params=choose_bands(THRESHOLD, NUM_PERM))
        with lsh.insertion_session() as session:
            for i, m in enumerate(sketches):
                session.insert(i, m, check_duplication=False)
        return pair_count(lsh.query(m) for m in sketches)

    seconds, times, pairs = timed(run, repeat)
    return {"seconds": seconds, "times": times, "paragraphs": len(normalized), "pairs": pairs}


RENSA_BANDS = 32  # rensa needs bands dividing num_perm: 32 x 4 (tikrar uses 42 x 3)


def work_rensa(normalized, repeat):
    from rensa import RMinHash, RMinHashLSH

    from tikrar import shingles

    def run():
        lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
        sketches = []
        for i, text in enumerate(normalized):
            m = RMinHash(num_perm=NUM_PERM, seed=1)
            m.update(shingles(text))
            lsh.insert(i, m)
            sketches.append(m)
        return pair_count(lsh.query(m) for m in sketches)

    seconds, times, pairs = timed(run, repeat)
    return {"seconds": seconds, "times": times, "paragraphs": len(normalized), "pairs": pairs}


def work_rensa_bulk(normalized, repeat):
    from rensa import RMinHash, RMinHashLSH

    from tikrar import shingles

    def run():
        sketches = RMinHash.from_token_sets([shingles(text) for text in normalized], num_perm=NUM_PERM, seed=1)
        lsh = RMinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM, num_bands=RENSA_BANDS)
        lsh.insert_many(sketches, 0)
        return pair_count(lsh.query_all(sketches))

    seconds, times, pairs = timed(run, repeat)
    return {"seconds": seconds, "times": times, "paragraphs": len(normalized), "pairs": pairs}


def work_tikrar_end_to_end(articles, repeat):
    from tikrar import Deduplicator

    Deduplicator().add(articles[:50])  # loads the cached kernels
    first_start = time.perf_counter()
    report = Deduplicator().add(articles)
    first = time.perf_counter() - first_start
    # The peak of one run; later runs drop the previous report first.
    one_run_peak = peak_rss_mb()
    paragraphs, counts = len(report), report.counts
    times = []
    for _ in range(repeat):
        report = None
        start = time.perf_counter()
        report = Deduplicator().add(articles)
        times.append(time.perf_counter() - start)
    report = None
    stages = stage_times(articles)
    return {"seconds": statistics.median(times), "times": [first] + times, "paragraphs": paragraphs,
            "counts": counts, "stages": stages, "one_run_peak_mb": one_run_peak}


def stage_times(articles):
    """Where the end-to-end time goes (one run, stage by stage)."""
    from tikrar.dedup import Deduplicator, coerce_article

    d = Deduplicator()
    clock = {}
    start = time.perf_counter()
    coerced = [coerce_article(a, i) for i, a in enumerate(articles)]
    clock["coerce input"] = time.perf_counter() - start
    start = time.perf_counter()
    batch = d._prepare(coerced)
    clock["segment + normalize + phrase rules"] = time.perf_counter() - start
    start = time.perf_counter()
    records = d._label(batch)
    clock["exact + shingles + MinHash + LSH + verify + records"] = time.perf_counter() - start
    start = time.perf_counter()
    d._apply_corpus_boilerplate(batch, records)
    clock["corpus boilerplate"] = time.perf_counter() - start
    d2 = Deduplicator(boilerplate=False)
    start = time.perf_counter()
    d2._prepare(coerced)
    clock["(segment + normalize, no rules)"] = time.perf_counter() - start
    return clock


def work_compile(cache_dir):
    """First call of every kernel in a process whose cache dir is ``cache_dir``."""
    start = time.perf_counter()
    from tikrar import Deduplicator

    Deduplicator().add([("a", "كلمة اولى ثانية ثالثة رابعة خامسة سادسة سابعة ثامنة\nسطر")])
    return {"seconds": time.perf_counter() - start}


def worker(name, args):
    if name == "compile":
        result = work_compile(os.environ.get("NUMBA_CACHE_DIR"))
    else:
        limit = args.articles or None
        if name == "tikrar_end_to_end":
            articles = saudinewsnet.load_articles(limit)
            loaded = peak_rss_mb()
            result = work_tikrar_end_to_end(articles, args.repeat)
        else:
            articles, normalized = load_paragraphs(limit)
            loaded = peak_rss_mb()
            del articles
            if name == "tikrar":
                result = work_tikrar_stage(normalized, args.repeat)
            elif name == "datasketch_update":
                result = work_datasketch_update(normalized, 1, args.sample)
            elif name == "datasketch_bulk":
                result = work_datasketch_bulk(normalized, 1)
            elif name == "rensa":
                result = work_rensa(normalized, args.repeat)
            elif name == "rensa_bulk":
                result = work_rensa_bulk(normalized, args.repeat)
            else:
                raise SystemExit(f"unknown worker {name}")
        result["rss_after_loading_mb"] = loaded
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


def spawn(name, args, env=None):
    command = [sys.executable, __file__, "--worker", name, "--repeat", str(args.repeat), "--sample", str(args.sample)]
    if args.articles:
        command += ["--articles", str(args.articles)]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli_run(args):
    """Wall time of ``tikrar dedup all.jsonl -o out.jsonl`` and its peak RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "saudinewsnet.jsonl"
        with source.open("w", encoding="utf-8") as f:
            for article in saudinewsnet.iter_articles(args.articles or None):
                f.write(json.dumps({"id": article["id"], "text": article["text"], "source": article["source"]},
                                   ensure_ascii=False) + "\n")
        size_mb = source.stat().st_size / 2**20
        walls, peaks = [], []
        for _ in range(args.repeat):
            probe = (
                "import resource, runpy, sys, time; start = time.perf_counter(); sys.argv = ['tikrar'] + sys.argv[1:];"
                "code = 0\ntry:\n    runpy.run_module('tikrar', run_name='__main__')\nexcept SystemExit as e:\n    code = e.code or 0\n"
                "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, file=sys.stderr); sys.exit(code)"
            )
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", probe, "dedup", str(source), "-o", str(Path(tmp) / "out.jsonl"), "-q"],
                                  capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"CLI failed: {done.stderr[-2000:]}")
            peaks.append(float(done.stderr.strip().splitlines()[-1].split()[1]))
        lines = sum(1 for _ in (Path(tmp) / "out.jsonl").open(encoding="utf-8"))
    return {"seconds": statistics.median(walls), "times": walls, "peak_rss_mb": max(peaks), "input_mb": size_mb,
            "records": lines}


def compile_cost():
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        cold = spawn("compile", argparse.Namespace(repeat=1, sample=0, articles=0), env)
        warm = spawn("compile", argparse.Namespace(repeat=1, sample=0, articles=0), env)
    return cold["seconds"], warm["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=int, default=10_000,
                        help="paragraphs for the straightforward datasketch pipeline (extrapolated)")
    parser.add_argument("--articles", type=int, default=0, help="use only the first N articles (0: all)")
    parser.add_argument("--skip", action="append", default=[], help="contender to leave out (repeatable)")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args)
        return
    if not saudinewsnet.available():
        raise SystemExit(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")

    import numba

    print(f"python {sys.version.split()[0]}, numba {numba.__version__}, cores {os.cpu_count()}, "
          f"repeat {args.repeat} (median)")
    cold, warm = compile_cost()
    print(f"JIT: first import + first batch with an empty cache {cold:.1f} s; with the cache filled {warm:.1f} s\n")

    names = ["tikrar", "datasketch_update", "datasketch_bulk", "rensa", "rensa_bulk"]
    results = {}
    for name in names:
        if name in args.skip:
            continue
        results[name] = spawn(name, args)
    base = results["tikrar"]
    print("Signatures + candidate pairs, from normalized paragraphs (word 3-grams, 128 perm, threshold 0.5)")
    print(f"{'contender':<34}{'paragraphs':>11}{'seconds':>10}{'par/s':>11}{'pairs':>10}{'peak MB':>9}"
          f"{'+MB':>7}{'tikrar x':>10}")
    rate_tikrar = base["paragraphs"] / base["seconds"]
    for name, r in results.items():
        rate = r["paragraphs"] / r["seconds"]
        label = {"tikrar": "tikrar (compiled batch)",
                 "datasketch_update": "datasketch update+LSH (subsample)",
                 "datasketch_bulk": "datasketch bulk+LSH",
                 "rensa": "rensa RMinHash+RMinHashLSH",
                 "rensa_bulk": "rensa bulk (from_token_sets)"}[name]
        print(f"{label:<34}{r['paragraphs']:>11,}{r['seconds']:>10.2f}{rate:>11,.0f}{r['pairs']:>10,}"
              f"{r['peak_rss_mb']:>9.0f}{r['peak_rss_mb'] - r['rss_after_loading_mb']:>7.0f}"
              f"{rate_tikrar / rate:>10.1f}")
    if "datasketch_update" in results:
        r = results["datasketch_update"]
        print(f"  (datasketch update ran on the first {r['paragraphs']:,} paragraphs; at its rate all "
              f"{base['paragraphs']:,} would take ~{base['paragraphs'] / (r['paragraphs'] / r['seconds']):.0f} s, "
              f"extrapolated linearly)")
    print(f"  (+MB: peak RSS above the RSS after loading the articles and paragraphs; rensa bands {RENSA_BANDS}x"
          f"{NUM_PERM // RENSA_BANDS}, others {results and 'as tikrar chooses'})\n")

    e2e = spawn("tikrar_end_to_end", args)
    print("tikrar end to end: articles in memory -> labelled records (Deduplicator().add)")
    print(f"  {e2e['paragraphs']:,} paragraphs in {e2e['seconds']:.2f} s = {e2e['paragraphs'] / e2e['seconds']:,.0f} "
          f"paragraphs/s (runs: {', '.join(f'{t:.2f}' for t in e2e['times'])} s; first run in the process first)")
    print(f"  peak RSS of one run {e2e['one_run_peak_mb']:.0f} MB, of which {e2e['rss_after_loading_mb']:.0f} MB "
          f"is the loaded articles (process peak over all runs {e2e['peak_rss_mb']:.0f} MB)")
    print(f"  counts {e2e['counts']}")
    for stage, seconds in e2e["stages"].items():
        print(f"    {stage:<55}{seconds:>7.2f} s")
    print()
    cli = cli_run(args)
    print(f"CLI: tikrar dedup all.jsonl ({cli['input_mb']:.0f} MB) -o out.jsonl: {cli['seconds']:.2f} s wall "
          f"(runs: {', '.join(f'{t:.2f}' for t in cli['times'])}), peak RSS {cli['peak_rss_mb']:.0f} MB, "
          f"{cli['records']:,} records")


if __name__ == "__main__":
    main()
