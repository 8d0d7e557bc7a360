"""Recall of the LSH banding stage, measured against exact all-pairs Jaccard.

    flock /tmp/tikrar-heavy.lock python benchmarks/bench_recall.py

Takes the first 20,000 distinct normalized SaudiNewsNet paragraphs with at
least ``short_words`` words (the paragraphs that reach LSH in a real run:
exact repeats and short lines are settled before it), computes the exact
Jaccard similarity of every pair of their shingle sets, and reports which
share of the pairs at or above the threshold tikrar's LSH index proposes as
candidates. "All pairs" is exact: pair similarities are accumulated through
an inverted index of shingles, so every pair that shares a shingle is
counted and every other pair has similarity 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from numba import njit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import saudinewsnet  # noqa: E402


@njit(cache=True)
def _all_pairs(hashes, offsets, postings, posting_offsets, hash_rank, threshold):
    """Pairs (i, j), i < j, whose exact Jaccard is >= threshold, and their similarity."""
    n = offsets.shape[0] - 1
    shared = np.zeros(n, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    out_i, out_j, out_s = [], [], []
    for i in range(n):
        count = 0
        for p in range(offsets[i], offsets[i + 1]):
            r = hash_rank[p]
            for q in range(posting_offsets[r], posting_offsets[r + 1]):
                j = postings[q]
                if j > i:
                    if shared[j] == 0:
                        touched[count] = j
                        count += 1
                    shared[j] += 1
        size_i = offsets[i + 1] - offsets[i]
        for t in range(count):
            j = touched[t]
            inter = shared[j]
            jac = inter / (size_i + (offsets[j + 1] - offsets[j]) - inter)
            if jac >= threshold:
                out_i.append(i)
                out_j.append(j)
                out_s.append(jac)
            shared[j] = 0
    return np.array(out_i, dtype=np.int64), np.array(out_j, dtype=np.int64), np.array(out_s, dtype=np.float64)


def exact_pairs(hashes, offsets, threshold):
    sizes = np.diff(offsets)
    owner = np.repeat(np.arange(len(sizes)), sizes)
    distinct, rank = np.unique(hashes, return_inverse=True)
    order = np.argsort(rank, kind="stable")
    postings = owner[order]
    posting_offsets = np.zeros(len(distinct) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rank, minlength=len(distinct)), out=posting_offsets[1:])
    return _all_pairs(hashes, offsets, postings, posting_offsets, rank.astype(np.int64), threshold)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=20_000)
    parser.add_argument("--threshold", type=float, default=None, help="default: DedupConfig's")
    args = parser.parse_args()
    if not saudinewsnet.available():
        raise SystemExit(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")

    from tikrar import DedupConfig
    from tikrar.stages import _PARAGRAPH
    from tikrar.index import LSHIndex, candidate_probability
    from tikrar.minhash import signatures
    from tikrar.normalize import normalize_batch
    from tikrar.shingle import shingle_sets

    config = DedupConfig() if args.threshold is None else DedupConfig(threshold=args.threshold)
    threshold = config.threshold
    bands, rows = config.bands_rows
    texts, seen = [], set()
    for article in saudinewsnet.iter_articles():
        paragraphs = [m.group() for m in _PARAGRAPH.finditer(article["text"])]
        for text in normalize_batch(paragraphs, config.normalize):
            if text and len(text.split(" ")) >= config.short_words and text not in seen:
                seen.add(text)
                texts.append(text)
        if len(texts) >= args.paragraphs:
            break
    texts = texts[: args.paragraphs]
    hashes, offsets = shingle_sets(texts, config.shingle)
    start = time.perf_counter()
    pi, pj, sim = exact_pairs(hashes, offsets, threshold)
    exact_seconds = time.perf_counter() - start

    sigs = signatures(hashes, offsets, config.minhash)
    candidates = LSHIndex(bands, rows, config.lsh).add(sigs, np.arange(len(texts)))
    candidate_codes = set((candidates[:, 0] << 32 | candidates[:, 1]).tolist())
    found = np.array([(i << 32 | j) in candidate_codes for i, j in zip(pi.tolist(), pj.tolist())], dtype=bool)

    print(f"{len(texts):,} distinct paragraphs with >= {config.short_words} words, {config.shingle.kind} "
          f"{config.shingle.size}-grams, num_perm {config.minhash.num_perm}, threshold {threshold}, "
          f"bands x rows = {bands} x {rows}, max_bucket_pairs {config.lsh.max_bucket_pairs}")
    print(f"exact all-pairs Jaccard: {len(texts) * (len(texts) - 1) // 2:,} pairs in {exact_seconds:.1f} s; "
          f"{len(pi):,} pairs at or above {threshold}")
    print(f"LSH candidates: {len(candidates):,} pairs")
    recall = found.mean() if len(found) else float("nan")
    print(f"banding recall: {found.sum():,} / {len(found):,} = {recall:.2%} of the pairs at or above the threshold")
    edges = [threshold, threshold + 0.1, threshold + 0.2, threshold + 0.3, threshold + 0.4, 1.0000001]
    print(f"{'similarity':<14}{'pairs':>8}{'found':>8}{'recall':>9}{'expected':>10}")
    for lo, hi in zip(edges, edges[1:]):
        inside = (sim >= lo) & (sim < hi)
        if inside.any():
            expected = np.mean([candidate_probability(s, bands, rows) for s in sim[inside]])
            print(f"[{lo:.2f}, {min(hi, 1.0):.2f}{')' if hi <= 1 else ']'}  {inside.sum():>8,}{found[inside].sum():>8,}"
                  f"{found[inside].mean():>9.2%}{expected:>10.2%}")
    if len(found):
        print(f"target >= 99%: {'met' if recall >= 0.99 else 'NOT met'}")


if __name__ == "__main__":
    main()
