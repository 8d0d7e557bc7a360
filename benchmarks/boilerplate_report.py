"""Boilerplate on SaudiNewsNet: how much known furniture is caught, and what
long paragraphs were called boilerplate (so a reader can judge false alarms).

Runs one :class:`tikrar.Deduplicator` over every article of
../shared/data/saudinewsnet (source = the article's ``source`` field) and
prints:

1. for each known piece of furniture (wire markers, contact lines, navigation,
   credits): its occurrences (paragraphs containing it) and the share
   labelled ``boilerplate`` (the target is >= 98% each), with the
   occurrences that were not, so the misses can be read. Two rows per
   target: every paragraph containing the phrase, and only the paragraphs
   that are furniture alone (short enough to hold nothing else). The
   difference is content paragraphs with a credit glued to their front
   ("عين اليوم – متابعات أعلن نادي ..."): labelling those boilerplate would
   throw the news away, so they are counted as misses and left as content;
2. boilerplate by kind of evidence (phrase rule, list under a heading,
   repeated within one source);
3. how many paragraphs of >= 25 words were labelled boilerplate, and a
   seeded random sample of them (text truncated), each with its reason.

Usage (heavy: wrap it in the shared lock)::

    flock /tmp/tikrar-heavy.lock python benchmarks/boilerplate_report.py
    python benchmarks/boilerplate_report.py --limit 3000 --sample 10

Options of the Deduplicator (``--min-source-articles``,
``--min-source-share``, ``--no-corpus-boilerplate``) are passed through, so
the effect of a threshold can be measured.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import saudinewsnet  # noqa: E402
from tikrar import Deduplicator  # noqa: E402
from tikrar.boilerplate import find_boilerplate, find_boilerplate_batch  # noqa: E402
from tikrar.normalize import DEDUP, RULES, normalize  # noqa: E402

#: Known furniture, as patterns over the ``rules`` view of a paragraph, and
#: the most words a paragraph holding only that furniture has. A paragraph
#: containing the pattern is one occurrence.
TARGETS = {
    "// انتهى //": (r"/ ?/ ?انتهي ?/ ?/", 12),
    "// يتبع //": (r"/ ?/ ?يتبع ?/ ?/", 12),
    "للتواصل مع الكاتب": (r"للتواصل مع الكاتب", 45),
    "Next Previous": (r"^next previous\b", 12),
    "عين اليوم – متابعات": (r"عين اليوم ?- ?متابعات", 12),
}
TARGET_SHARE = 0.98
LONG_WORDS = 25


def evidence(reason: str | None) -> str:
    """The kind of evidence behind a boilerplate reason."""
    if reason is None:
        return "none"
    if reason.startswith("repeated in "):
        return "repeated within one source"
    if reason.startswith("after:"):
        return "list under a heading"
    return "phrase rule"


def rule_stage_seconds(report, config, repeats: int = 3) -> tuple[float, float]:
    """Time of the phrase-rule stage alone over the same paragraphs: article
    by article (``find_boilerplate``) and over the batch at once
    (``find_boilerplate_batch``, what the pipeline runs); the two must agree."""
    articles: list[tuple[list[str], list[int]]] = []
    previous = None
    for record in report:
        if previous is None or record.doc_id != previous.doc_id or record.index <= previous.index:
            articles.append(([], []))
        articles[-1][0].append(normalize(record.text, RULES))
        articles[-1][1].append(len(normalize(record.text, DEDUP).split()))
        previous = record
    rules = config.active_rules
    times, batch_times = [], []
    all_texts = [text for texts, _ in articles for text in texts]
    all_words = [count for _, words in articles for count in words]
    sizes = [len(texts) for texts, _ in articles]
    for _ in range(repeats):
        started = time.perf_counter()
        one_by_one = []
        for texts, words in articles:
            one_by_one.extend(find_boilerplate(texts, words, rules))
        times.append(time.perf_counter() - started)
        started = time.perf_counter()
        batch = find_boilerplate_batch(all_texts, all_words, sizes, rules)
        batch_times.append(time.perf_counter() - started)
        if batch != one_by_one:
            raise SystemExit("find_boilerplate_batch disagrees with find_boilerplate")
    return statistics.median(times), statistics.median(batch_times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="read only the first N articles")
    parser.add_argument("--sample", type=int, default=30, help="long boilerplate paragraphs to show (default 30)")
    parser.add_argument("--seed", type=int, default=4, help="seed of the random sample (default 4)")
    parser.add_argument("--width", type=int, default=150, help="characters of text shown per paragraph")
    parser.add_argument("--min-source-articles", type=int, default=None)
    parser.add_argument("--min-source-share", type=float, default=None)
    parser.add_argument("--no-corpus-boilerplate", action="store_true")
    args = parser.parse_args(argv)
    if not saudinewsnet.available():
        print(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}", file=sys.stderr)
        return 2

    options = {}
    if args.min_source_articles is not None:
        options["min_source_articles"] = args.min_source_articles
    if args.min_source_share is not None:
        options["min_source_share"] = args.min_source_share
    if args.no_corpus_boilerplate:
        options["corpus_boilerplate"] = False

    articles = saudinewsnet.load_articles(args.limit)
    started = time.perf_counter()
    deduplicator = Deduplicator(**options)
    report = deduplicator.add(articles)
    seconds = time.perf_counter() - started
    config = deduplicator.config
    counts = report.counts
    print(f"SaudiNewsNet: {counts['articles']:,} articles, {counts['paragraphs']:,} paragraphs, labelled in {seconds:.1f} s")
    print(
        f"options: min_source_articles={config.min_source_articles}, min_source_share={config.min_source_share}, "
        f"corpus_boilerplate={config.corpus_boilerplate}, rules={len(config.active_rules)}"
    )
    print(f"labels: {counts['unique']:,} unique, {counts['duplicate']:,} duplicate, {counts['boilerplate']:,} boilerplate")
    one_by_one, batch = rule_stage_seconds(report, config)
    print(f"phrase-rule stage alone, median of 3: article by article (find_boilerplate) {one_by_one:.2f} s, "
          f"whole batch (find_boilerplate_batch) {batch:.2f} s, same hits")

    print(f"\n1. Known furniture labelled boilerplate (target >= {TARGET_SHARE:.0%} each)")
    compiled = {name: regex.compile(pattern) for name, (pattern, _) in TARGETS.items()}
    found = {name: [] for name in TARGETS}
    alone = {name: [] for name in TARGETS}
    for record in report:
        view = normalize(record.text, RULES)
        for name, pattern in compiled.items():
            if pattern.search(view):
                found[name].append(record)
                if len(normalize(record.text, DEDUP).split()) <= TARGETS[name][1]:
                    alone[name].append(record)
    print(f"   {'furniture':<22} {'paragraphs':<10} {'occurrences':>11} {'boilerplate':>11} {'share':>7}  met")
    met_all = met_alone = True
    for name in TARGETS:
        for kind, records in (("all", found[name]), ("alone", alone[name])):
            hits = sum(r.label == "boilerplate" for r in records)
            share = hits / len(records) if records else float("nan")
            met = bool(records) and share >= TARGET_SHARE
            if kind == "all":
                met_all &= met
            else:
                met_alone &= met
            print(f"   {name:<22} {kind:<10} {len(records):>11,} {hits:>11,} {share:>7.1%}  {'yes' if met else 'NO'}")
    for name, records in found.items():
        misses = [r for r in records if r.label != "boilerplate"]
        for r in misses[:5]:
            words = len(normalize(r.text, DEDUP).split())
            print(f"   miss [{name}] {r.doc_id}:{r.index} {r.label} ({words} words): {' '.join(r.text.split())[: args.width]}")
        if len(misses) > 5:
            print(f"   miss [{name}] ... {len(misses) - 5} more")

    print("\n2. Boilerplate by evidence")
    kinds = Counter(evidence(r.reason) for r in report if r.label == "boilerplate")
    for kind, n in kinds.most_common():
        print(f"   {kind:<28} {n:>8,}")
    reasons = Counter(r.reason for r in report if r.label == "boilerplate" and evidence(r.reason) == "phrase rule")
    print("   phrase rules: " + ", ".join(f"{name} {n:,}" for name, n in reasons.most_common()))
    by_source = Counter(
        r.reason.split(" of source ", 1)[-1] for r in report if r.label == "boilerplate" and evidence(r.reason) == "repeated within one source"
    )
    if by_source:
        print("   repeated within one source, per source: " + ", ".join(f"{s} {n:,}" for s, n in by_source.most_common()))

    long_records = [
        r for r in report if r.label == "boilerplate" and len(normalize(r.text, DEDUP).split()) >= LONG_WORDS
    ]
    print(f"\n3. Paragraphs of >= {LONG_WORDS} words labelled boilerplate: {len(long_records):,}")
    long_kinds = Counter(evidence(r.reason) for r in long_records)
    print("   by evidence: " + ", ".join(f"{k} {n:,}" for k, n in long_kinds.most_common()))
    long_reasons = Counter(r.reason for r in long_records)
    print("   by reason: " + ", ".join(f"{k} {n:,}" for k, n in long_reasons.most_common()))
    sample = random.Random(args.seed).sample(long_records, min(args.sample, len(long_records)))
    print(f"   random sample of {len(sample)} (seed {args.seed}):")
    for k, r in enumerate(sample, 1):
        words = len(normalize(r.text, DEDUP).split())
        text = r.text if len(r.text) <= args.width else r.text[: args.width] + "…"
        print(f"   {k:>2}. [{r.source}] {r.doc_id}:{r.index} ({words} words) reason: {r.reason}\n       {text}")
    print(f"\nfurniture targets met on every paragraph containing it: {'yes' if met_all else 'no'}; "
          f"on paragraphs that are furniture alone: {'yes' if met_alone else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
