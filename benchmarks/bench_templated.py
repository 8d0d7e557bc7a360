"""Bounded cost on templated news: time and peak memory of ``tikrar.dedup``
when most paragraphs are near-duplicates of each other.

    flock /tmp/tikrar-heavy.lock .venv/bin/python benchmarks/bench_templated.py
    flock /tmp/tikrar-heavy.lock .venv/bin/python benchmarks/bench_templated.py --sizes 15000,30000 --repeats 1

Templated news is what a wire or a ministry pushes out all day: one sentence
with a number and a word changed ("قال المتحدث رقم 17 ..."). Here paragraph
``i`` is one Arabic template sentence of 36 words (written for this
benchmark) carrying the number ``i``, with one word, at a position drawn from
a seeded RNG, replaced by a word of a small vocabulary. Any two paragraphs
share most of their word 3-grams (Jaccard about 0.6-0.8), so they all fall
into one huge near-duplicate group: the worst case for candidate pairs and
verification. Articles hold ``--per-article`` paragraphs (5), doc ids
``t0``, ``t1``, ...

The baseline is the unavoidable part: the same number of paragraphs, of the
same shape (36 words with the number at the same place) but made of random
pseudo-words, so no two paragraphs are alike and there is nothing to cluster.
Its cost is segmenting, normalizing, shingling, MinHash, LSH and writing the
records, which any input pays.

Each (kind, size) runs in a fresh subprocess, so peak memory is its own. In
it: build the articles, one warm-up ``dedup`` on tiny input (numba kernels are
compiled or loaded from the disk cache there), then ``--repeats`` timed calls
of ``tikrar.dedup(articles)``. Before each call the process' peak-RSS mark is
reset (``/proc/self/clear_refs``), freed heap is handed back to the system
(``malloc_trim``) and RSS is read; after it, the peak (``VmHWM``). "peak MB"
is the largest (peak - RSS before the call) over the repeats: memory the call
itself needed, input text excluded, its output (the report) included. Where
the peak mark cannot be reset, only the first call's figure counts
(``ru_maxrss``). Time is the median over the repeats (``--repeats-largest``
applies at the largest size, which is slow on the current engine).

The table gives per size and kind: median seconds, paragraphs/s, peak MB, kB
per paragraph, labels, then templated/baseline ratios and the growth ratio
between successive sizes, scaled to a doubling (``(t_b/t_a) ** (log 2 /
log(b/a))``, ~2 when time is linear). Last lines: is the templated peak at
the largest size under ``--target-mb`` (1.5 GB), and is time linear (every
doubling ratio of the templated run within 1.6-2.6)?
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

# One sentence, 36 words, written for this benchmark; {n} is the paragraph number.
TEMPLATE = (
    "قال المتحدث رقم {n} باسم وزارة الزراعة في مؤتمر صحفي عقده صباح اليوم "
    "إن الحكومة قررت زيادة الدعم المقدم لصغار المزارعين في المحافظات الجنوبية "
    "خلال الموسم المقبل بهدف تحسين الإنتاج وخفض أسعار الخضروات في الأسواق المحلية"
)
NUMBER_SLOT = 3  # word index of {n}

# Words substituted into the template, one per paragraph.
VOCABULARY = [
    "الصناعة", "التجارة", "الصحة", "التعليم", "النقل", "المياه",
    "الطاقة", "السياحة", "الإسكان", "البيئة", "الثقافة", "الشباب",
    "الشمالية", "الشرقية", "الساحلية", "الريفية", "القمح", "الفاكهة",
]

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"

WARMUP = [("warm", "كلمة اولى ثانية ثالثة رابعة خامسة سادسة سابعة ثامنة\nكلمة اولى ثانية ثالثة رابعة خامسة سادسة سابعة تاسعة")]


# ---------------------------------------------------------------- input


def templated_paragraphs(n: int, seed: int) -> list[str]:
    import numpy as np

    rng = np.random.default_rng(seed)
    words = TEMPLATE.split(" ")
    slots = [k for k in range(len(words)) if k != NUMBER_SLOT]
    positions = rng.choice(slots, size=n).tolist()
    picks = rng.integers(0, len(VOCABULARY), n).tolist()
    out = []
    for i, (pos, pick) in enumerate(zip(positions, picks)):
        w = list(words)
        w[NUMBER_SLOT] = str(i)
        w[pos] = VOCABULARY[pick]
        out.append(" ".join(w))
    return out


def baseline_paragraphs(n: int, seed: int) -> list[str]:
    """Same shape as the templated ones, made of random pseudo-words: nothing repeats."""
    import numpy as np

    rng = np.random.default_rng(seed + 1000)
    size = 30_000
    lengths = rng.integers(3, 9, size)
    letters = rng.integers(0, len(ARABIC_LETTERS), int(lengths.sum())).tolist()
    lexicon, at = [], 0
    for length in lengths.tolist():
        word = "".join(ARABIC_LETTERS[c] for c in letters[at : at + length])
        at += length
        lexicon.append(("ال" + word) if rng.random() < 0.4 else word)
    n_words = len(TEMPLATE.split(" "))
    draws = rng.integers(0, size, (n, n_words)).tolist()
    out = []
    for i, row in enumerate(draws):
        w = [lexicon[k] for k in row]
        w[NUMBER_SLOT] = str(i)
        out.append(" ".join(w))
    return out


def articles_of(paragraphs: list[str], per_article: int) -> list[tuple[str, str]]:
    return [(f"t{a}", "\n".join(paragraphs[s : s + per_article]))
            for a, s in enumerate(range(0, len(paragraphs), per_article))]


def jaccard_sample(paragraphs: list[str], pairs: int, seed: int) -> tuple[float, float, float]:
    """Share of random pairs with word 3-gram Jaccard >= 0.5, min and median (as tikrar shingles them)."""
    import numpy as np
    import tikrar

    rng = np.random.default_rng(seed + 7)
    idx = rng.integers(0, len(paragraphs), (pairs, 2)).tolist()
    js = []
    for a, b in idx:
        if a == b:
            continue
        sa = set(tikrar.shingles(tikrar.normalize(paragraphs[a])))
        sb = set(tikrar.shingles(tikrar.normalize(paragraphs[b])))
        js.append(len(sa & sb) / len(sa | sb))
    return sum(j >= 0.5 for j in js) / len(js), min(js), statistics.median(js)


# ---------------------------------------------------------------- memory


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


LIBC = _libc()


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_mb(resettable: bool) -> float:
    if resettable:
        m = re.search(r"^VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
        if m:
            return int(m.group(1)) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settle() -> None:
    gc.collect()
    if LIBC is not None:
        LIBC.malloc_trim(0)


# ---------------------------------------------------------------- one run


def run_one(kind: str, n: int, repeats: int, seed: int, per_article: int) -> dict:
    import tikrar

    start_build = time.perf_counter()
    paragraphs = (templated_paragraphs if kind == "templated" else baseline_paragraphs)(n, seed)
    jac = jaccard_sample(paragraphs, 2000, seed)
    articles = articles_of(paragraphs, per_article)
    build_s = time.perf_counter() - start_build

    start = time.perf_counter()
    tikrar.dedup(WARMUP)  # compiles (or loads from the disk cache) the numba kernels
    warm = templated_paragraphs(50, seed + 99) + baseline_paragraphs(50, seed + 99)
    tikrar.dedup(articles_of(warm, per_article))  # every path the timed calls take
    del warm
    warm_s = time.perf_counter() - start

    seconds, peaks, befores, absolute = [], [], [], []
    counts = None
    resettable = True
    for r in range(repeats):
        settle()
        resettable = reset_peak()  # if not, ru_maxrss only grows: only the first call counts
        before = rss_mb()
        t0 = time.perf_counter()
        report = tikrar.dedup(articles)
        dt = time.perf_counter() - t0
        peak = peak_mb(resettable)
        seconds.append(dt)
        if resettable or r == 0:
            peaks.append(peak - before)
            befores.append(before)
            absolute.append(peak)
        c = report.counts
        counts = {k: c.get(k, 0) for k in ("paragraphs", "unique", "duplicate", "boilerplate", "within", "across")}
        del report
        settle()
        print(f"  {kind} n={n} repeat {r + 1}/{repeats}: {dt:.2f}s peak+{peaks[-1]:.0f} MB", file=sys.stderr, flush=True)
    return {"kind": kind, "n": n, "seconds": seconds, "median_s": statistics.median(seconds),
            "peak_mb": max(peaks), "rss_before_mb": befores[peaks.index(max(peaks))],
            "peak_abs_mb": max(absolute), "peak_resettable": resettable, "counts": counts,
            "warmup_s": warm_s, "build_s": build_s,
            "jaccard_ge_half": jac[0], "jaccard_min": jac[1], "jaccard_median": jac[2]}


# ---------------------------------------------------------------- driver


def growth(a: dict, b: dict, key: str) -> float:
    """Ratio b/a of ``key`` scaled to a doubling of the size."""
    if a[key] <= 0 or b[key] <= 0:
        return float("nan")
    return (b[key] / a[key]) ** (math.log(2) / math.log(b["n"] / a["n"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="15000,30000,60000", help="comma-separated paragraph counts")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per size (median reported)")
    parser.add_argument("--repeats-largest", type=int, default=None,
                        help="timed calls at the largest size of the templated run (default: --repeats)")
    parser.add_argument("--per-article", type=int, default=5, help="paragraphs per article")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--target-mb", type=float, default=1536.0, help="peak target at the largest size")
    parser.add_argument("--no-baseline", action="store_true", help="templated run only")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--one", nargs=2, metavar=("KIND", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        kind, n = args.one[0], int(args.one[1])
        print(json.dumps(run_one(kind, n, args.repeats, args.seed, args.per_article)))
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    kinds = ["templated"] if args.no_baseline else ["templated", "baseline"]
    largest_repeats = args.repeats_largest if args.repeats_largest is not None else args.repeats
    print(f"tikrar.dedup on templated news: sizes {sizes}, {args.per_article} paragraphs per article, "
          f"repeats {args.repeats} (largest size: {largest_repeats}), seed {args.seed}, "
          f"{os.cpu_count()} CPUs", flush=True)
    import tikrar

    here = str(Path(tikrar.__file__).parent)
    try:
        rev = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip() or "not a git checkout"
        if subprocess.run(["git", "-C", here, "status", "--porcelain", "--", "."],
                          capture_output=True, text=True).stdout.strip():
            rev += ", with uncommitted changes"
    except OSError:
        rev = "unknown"
    print(f"tikrar {tikrar.__version__} from {Path(tikrar.__file__).parent} (git {rev})", flush=True)
    results: dict[tuple[str, int], dict] = {}
    failed: list[tuple[str, int, str]] = []
    for n in sizes:
        for kind in kinds:
            repeats = largest_repeats if n == sizes[-1] else args.repeats
            cmd = [sys.executable, __file__, "--one", kind, str(n), "--repeats", str(repeats),
                   "--seed", str(args.seed), "--per-article", str(args.per_article)]
            start = time.perf_counter()
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            sys.stderr.write(out.stderr)
            if out.returncode != 0:
                last = (out.stderr.strip().splitlines() or ["no message"])[-1]
                print(f"{kind:>9} {n:>7,}: FAILED (exit {out.returncode}): {last}", flush=True)
                failed.append((kind, n, last))
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            r["wall_process_s"] = time.perf_counter() - start
            results[(kind, n)] = r
            c = r["counts"]
            print(f"{kind:>9} {n:>7,}: median {r['median_s']:7.2f}s of {[round(s, 2) for s in r['seconds']]}, "
                  f"peak +{r['peak_mb']:,.0f} MB (abs {r['peak_abs_mb']:,.0f}), "
                  f"labels u/d/b {c['unique']:,}/{c['duplicate']:,}/{c['boilerplate']:,}, "
                  f"pairs J>=0.5 {r['jaccard_ge_half']:.0%} (median J {r['jaccard_median']:.2f}), "
                  f"process {r['wall_process_s']:.0f}s", flush=True)

    if failed:
        print()
        for kind, n, last in failed:
            print(f"FAILED: {kind} at {n:,} paragraphs: {last}")
    sizes = [n for n in sizes if all((kind, n) in results for kind in kinds)]
    if not sizes:
        raise SystemExit("no size ran for every kind: nothing to tabulate")

    print()
    head = (f"{'kind':>9}{'paragraphs':>11}{'median s':>10}{'par/s':>9}{'peak MB':>9}{'kB/par':>8}"
            f"{'unique':>8}{'duplicate':>10}{'boilerpl.':>10}{'t x2':>7}{'mem x2':>7}")
    print(head)
    print("-" * len(head))
    for kind in kinds:
        prev = None
        for n in sizes:
            r = results[(kind, n)]
            c = r["counts"]
            tg = f"{growth(prev, r, 'median_s'):7.2f}" if prev else f"{'':>7}"
            mg = f"{growth(prev, r, 'peak_mb'):7.2f}" if prev else f"{'':>7}"
            print(f"{kind:>9}{n:>11,}{r['median_s']:>10.2f}{n / r['median_s']:>9,.0f}{r['peak_mb']:>9,.0f}"
                  f"{r['peak_mb'] * 1024 / n:>8.1f}{c['unique']:>8,}{c['duplicate']:>10,}{c['boilerplate']:>10,}"
                  f"{tg}{mg}")
            prev = r
    print("(peak MB: peak RSS during the call minus RSS before it; t x2 / mem x2: growth from the previous "
          "size, scaled to a doubling; ~2 = linear)")

    if "baseline" in kinds:
        print()
        print(f"{'paragraphs':>11}{'time templ/base':>17}{'peak templ/base':>17}")
        for n in sizes:
            t, b = results[("templated", n)], results[("baseline", n)]
            print(f"{n:>11,}{t['median_s'] / b['median_s']:>17.1f}{t['peak_mb'] / max(b['peak_mb'], 1e-9):>17.1f}")

    print()
    top = results[("templated", sizes[-1])]
    under = top["peak_mb"] < args.target_mb
    print(f"peak at {sizes[-1]:,} templated paragraphs: {top['peak_mb']:,.0f} MB "
          f"({'UNDER' if under else 'OVER'} the {args.target_mb:,.0f} MB target)")
    ratios = [growth(results[("templated", a)], results[("templated", b)], "median_s")
              for a, b in zip(sizes, sizes[1:])]
    if ratios:
        linear = all(1.6 <= x <= 2.6 for x in ratios)
        print(f"time on templated news {'IS' if linear else 'is NOT'} linear: doubling ratios "
              f"{', '.join(f'{x:.2f}' for x in ratios)} (linear: all within 1.6-2.6)")
    if args.json:
        Path(args.json).write_text(json.dumps([results[k] for k in sorted(results)], indent=1))


if __name__ == "__main__":
    main()
