"""The persistent index (``--index DIR``, ``Deduplicator.open``): a streamed
CLI run, and the cost of save and open as the index grows.

    python benchmarks/bench_index.py --stream 2000 --save-open 20000,50000
    flock /tmp/tikrar-heavy.lock python benchmarks/bench_index.py --stream 1000000
    flock /tmp/tikrar-heavy.lock python benchmarks/bench_index.py --save-open 100000,1000000,5000000

The corpus is the one of ``bench_scale.py`` (synthetic articles of 2-9
paragraphs made reproducibly, ``--seed``, from SaudiNewsNet paragraphs: 8%
exact repeats, 12% near repeats, the rest rewritten).

``--stream N`` writes N such articles to ``WORK/corpus.jsonl`` (reused when
``WORK/corpus.json`` says it holds the same N and seed), then times, as a
child process, ``python -m tikrar dedup WORK/corpus.jsonl --index WORK/index
-o WORK/out.jsonl -q`` from a fresh index: wall time (interpreter start,
reading, labelling, writing the output and saving the index) and the child's
own peak RSS (``ru_maxrss`` from ``os.wait4``). The labels are counted back
from the output. A tiny untimed run first fills numba's on-disk cache, so
compilation is not in the figure.

``--save-open SIZES`` builds, for each paragraph count, a fresh index in a
child process: ``Deduplicator.open(dir)``, ``add`` in batches of ``--batch``
paragraphs with no save in between, then (a) the first save of everything,
(b) one more batch of 10,000 paragraphs and a second save (a delta: one new
segment), then ``close()``. Fresh child processes then time (c)
``Deduplicator.open(dir)``, with that child's peak RSS, and (d)
``Deduplicator.open(dir, readonly=True)``, each ``--repeat`` times; the
medians are shown. The index files were just written, so opens read them
from the page cache: the figures are of decoding and rebuilding the state,
not of the disk.

Both parts print plain-text tables, headed by the command that produced them.
Large sizes take minutes and gigabytes; run them under
``flock /tmp/tikrar-heavy.lock`` so that they do not overlap another heavy
benchmark.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import bench_scale, saudinewsnet  # noqa: E402

DEFAULT_WORK = Path("/tmp/tikrar-bench-index")
DELTA_PARAGRAPHS = 10_000
#: The JSONL field ``tikrar dedup`` reads the outlet from (``read_jsonl``'s
#: default ``source_field``).
SOURCE_FIELD = "source"
#: Paragraphs per batch asked of bench_scale.generate while writing the
#: corpus; only its memory depends on it, not the articles it makes.
GENERATE_BATCH = 10_000


def mb(nbytes: float) -> float:
    return nbytes / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def disk_bytes(path: Path) -> int:
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def this_command() -> str:
    return "$ " + shlex.join(["python", "benchmarks/bench_index.py", *sys.argv[1:]])


def run_child(arguments: list[str]):
    """What a child running this script with ``arguments`` printed last, as JSON."""
    command = [sys.executable, __file__, *arguments]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"failed with exit status {done.returncode}: {shlex.join(command)}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- corpus --------------------------------------------------------------------

def generate_articles(count: int, seed: int):
    """Exactly ``count`` articles of bench_scale's corpus, as ``(doc_id, text, source)``.

    bench_scale.generate stops at a number of paragraphs and cuts the last
    article short to hit it; asking for an unreachable total means it never
    cuts, so these are its articles as they are, and the first ``count`` are
    the same whatever ``count`` is."""
    batches = bench_scale.generate(2**62, seed, GENERATE_BATCH)
    return itertools.islice(itertools.chain.from_iterable(batches), count)


def write_atomically(path: Path, write) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        write(out)
    os.replace(temporary, path)


def ensure_corpus(corpus: Path, count: int, seed: int) -> tuple[dict, str]:
    """The corpus file's description, written first unless the sidecar shows
    the file already holds these articles."""
    sidecar = corpus.with_suffix(".json")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if (meta.get("articles"), meta.get("seed")) == (count, seed) and corpus.stat().st_size == meta.get("bytes"):
            return meta, "reused"
    except (FileNotFoundError, json.JSONDecodeError):
        pass
    sidecar.unlink(missing_ok=True)
    paragraphs = 0

    def write(out):
        nonlocal paragraphs
        for doc_id, text, source in generate_articles(count, seed):
            paragraphs += text.count("\n") + 1
            # ensure_ascii=False: Arabic as UTF-8 is a third of its \\u escapes.
            out.write(json.dumps({"id": doc_id, "text": text, SOURCE_FIELD: source}, ensure_ascii=False) + "\n")

    start = time.perf_counter()
    write_atomically(corpus, write)
    seconds = time.perf_counter() - start
    meta = {"articles": count, "seed": seed, "paragraphs": paragraphs, "bytes": corpus.stat().st_size}
    write_atomically(sidecar, lambda out: json.dump(meta, out))
    return meta, f"written in {seconds:.0f} s"


# -- part 1: a streamed CLI run ---------------------------------------------------

def run_measured(command: list[str], stderr_path: Path) -> tuple[float, float]:
    """Wall seconds and the child's own peak RSS in MB; exits on failure."""
    with open(stderr_path, "wb") as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=REPO)
        # wait4, not wait: its rusage is this child's alone, whatever else
        # this process has run before.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.stderr.write(stderr_path.read_text(encoding="utf-8", errors="replace"))
        raise SystemExit(f"failed with exit status {child.returncode}: {shlex.join(command)}")
    return seconds, usage.ru_maxrss / 1024


def dedup_command(corpus: Path, index: Path, output: Path, batch_size) -> list[str]:
    command = [sys.executable, "-m", "tikrar", "dedup", str(corpus), "--index", str(index), "-o", str(output), "-q"]
    if batch_size is not None:
        command += ["--batch-size", str(batch_size)]
    return command


def count_labels(output: Path) -> Counter:
    counts: Counter = Counter()
    with open(output, encoding="utf-8") as records:
        for line in records:
            counts[json.loads(line)["label"]] += 1
    return counts


def fill_compile_cache(work: Path) -> None:
    warm = work / "warm"
    shutil.rmtree(warm, ignore_errors=True)
    warm.mkdir()
    text = "وقال المتحدث إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة"
    (warm / "warm.jsonl").write_text(
        "".join(json.dumps({"id": f"w{i}", "text": text, SOURCE_FIELD: "warm"}, ensure_ascii=False) + "\n"
                for i in range(2)), encoding="utf-8")
    run_measured(dedup_command(warm / "warm.jsonl", warm / "index", warm / "out.jsonl", None), warm / "stderr")
    shutil.rmtree(warm)


def run_stream(args) -> None:
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    corpus, index, output = work / "corpus.jsonl", work / "index", work / "out.jsonl"
    # Written by a child: a child's ru_maxrss starts at its parent's peak
    # (Linux keeps it across fork and exec), and generating holds all of
    # SaudiNewsNet in memory, which would then show in the figure below.
    meta, how = run_child(["--write-corpus", str(args.stream), "--seed", str(args.seed), "--work", str(work)])
    shutil.rmtree(index, ignore_errors=True)
    output.unlink(missing_ok=True)
    fill_compile_cache(work)
    command = dedup_command(corpus, index, output, args.batch_size)
    seconds, rss_mb = run_measured(command, work / "dedup.stderr")
    labels = count_labels(output)
    records = sum(labels.values())
    print(this_command())
    print(f"corpus: {meta['articles']:,} articles, {meta['paragraphs']:,} paragraphs (lines) "
          f"({meta['paragraphs'] / meta['articles']:.2f} per article), seed {meta['seed']}, "
          f"{mb(meta['bytes']):,.0f} MB of JSONL ({how})")
    print("timed:  " + shlex.join(["python", *command[1:]]).replace(str(work), "WORK"))
    print(f"{'articles':>10}{'paragraphs':>12}{'seconds':>9}{'par/s':>9}{'peak RSS MB':>13}{'index MB':>10}"
          f"{'unique':>10}{'duplicate':>11}{'boilerplate':>12}")
    print(f"{meta['articles']:>10,}{records:>12,}{seconds:>9.1f}{records / seconds:>9,.0f}{rss_mb:>13,.0f}"
          f"{mb(disk_bytes(index)):>10,.0f}{labels['unique']:>10,}{labels['duplicate']:>11,}"
          f"{labels['boilerplate']:>12,}", flush=True)
    unknown = set(labels) - {"unique", "duplicate", "boilerplate"}
    if unknown:
        print(f"other labels: {dict((k, labels[k]) for k in sorted(unknown))}")
    if records != meta["paragraphs"]:
        # boilerplate.split_furniture gives furniture at the start of a line
        # (a credit, a dateline) a record of its own.
        print(f"(paragraphs = output records: {records - meta['paragraphs']:+,} against the corpus's lines, "
              "where furniture at the start of a line became a record of its own)")


# -- part 2: save and open ----------------------------------------------------------

def build_index(directory: Path, size: int, seed: int, batch: int) -> dict:
    """In its own process: add ``size`` paragraphs unsaved, then a full save,
    a delta batch and a delta save."""
    from tikrar import Deduplicator

    shutil.rmtree(directory, ignore_errors=True)
    # Compile (or load from numba's cache) outside the index being measured.
    Deduplicator().add([("warm", "كلمة اولى ثانية ثالثة رابعة خامسة سادسة سابعة ثامنة")])
    dedup = Deduplicator.open(directory)
    added = 0
    for articles in bench_scale.generate(size, seed, batch):
        added += len(dedup.add(articles))
    start = time.perf_counter()
    full = dedup.save()
    full_seconds = time.perf_counter() - start
    # Another seed gives other articles drawn from the same paragraphs, as a
    # later day would; their doc_ids are renamed not to collide with the first.
    delta = [(f"delta-{doc_id}", text, source)
             for articles in bench_scale.generate(DELTA_PARAGRAPHS, seed + 1, DELTA_PARAGRAPHS)
             for doc_id, text, source in articles]
    delta_added = len(dedup.add(delta))
    start = time.perf_counter()
    delta_saved = dedup.save()
    delta_seconds = time.perf_counter() - start
    total = dedup.paragraph_count
    dedup.close()
    return {"paragraphs": added, "delta_paragraphs": delta_added, "total": total,
            "full_seconds": full_seconds, "full_bytes": full["bytes"],
            "delta_seconds": delta_seconds, "delta_bytes": delta_saved["bytes"],
            "segments": delta_saved["segments"], "disk_bytes": disk_bytes(directory)}


def open_index(directory: Path, readonly: bool) -> dict:
    """In its own process, so that its peak RSS is that of one open."""
    from tikrar import Deduplicator

    before = peak_rss_mb()
    start = time.perf_counter()
    dedup = Deduplicator.open(directory, readonly=readonly)
    seconds = time.perf_counter() - start
    paragraphs = dedup.paragraph_count
    dedup.close()
    return {"seconds": seconds, "paragraphs": paragraphs, "rss_before_mb": before, "peak_rss_mb": peak_rss_mb()}


def run_save_open(args) -> None:
    sizes = [int(s) for s in args.save_open.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    print(this_command())
    print(f"seed {args.seed}; {args.batch:,} paragraphs per add(), no save until the size is reached; "
          f"delta = {DELTA_PARAGRAPHS:,} more paragraphs; open figures: median of {args.repeat} fresh processes")
    print(f"{'paragraphs':>11}{'save s':>8}{'save MB':>9}{'delta s':>9}{'delta MB':>10}{'open s':>8}"
          f"{'open RSS MB':>13}{'ro open s':>11}{'disk MB':>9}", flush=True)
    baseline = []
    for size in sizes:
        directory = args.work / f"save-open-{size}"
        built = run_child(["--build", str(size), "--index-dir", str(directory), "--seed", str(args.seed),
                           "--batch", str(args.batch)])
        opens = [run_child(["--open", str(directory)]) for _ in range(args.repeat)]
        readonly = [run_child(["--open", str(directory), "--readonly"]) for _ in range(args.repeat)]
        for opened in opens + readonly:
            if opened["paragraphs"] != built["total"]:
                raise SystemExit(f"{directory}: opened with {opened['paragraphs']:,} paragraphs, "
                                 f"{built['total']:,} were saved")
        baseline += [o["rss_before_mb"] for o in opens]
        print(f"{built['paragraphs']:>11,}{built['full_seconds']:>8.2f}{mb(built['full_bytes']):>9,.0f}"
              f"{built['delta_seconds']:>9.2f}{mb(built['delta_bytes']):>10,.1f}"
              f"{statistics.median(o['seconds'] for o in opens):>8.2f}"
              f"{statistics.median(o['peak_rss_mb'] for o in opens):>13,.0f}"
              f"{statistics.median(o['seconds'] for o in readonly):>11.2f}"
              f"{mb(built['disk_bytes']):>9,.0f}", flush=True)
        if not args.keep:
            shutil.rmtree(directory)
    print(f"(open RSS includes {statistics.median(baseline):,.0f} MB of interpreter and imports before the open; "
          f"disk MB is after the delta save)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stream", type=int, metavar="N_ARTICLES",
                        help="time `tikrar dedup --index` over a JSONL corpus of this many articles")
    parser.add_argument("--save-open", metavar="SIZES",
                        help="comma-separated paragraph counts: time save, delta save and open at each")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help=f"where the corpus, output and indexes go (default {DEFAULT_WORK})")
    parser.add_argument("--seed", type=int, default=6, help="corpus seed (default 6)")
    parser.add_argument("--batch-size", type=int,
                        help="--stream: passed to `tikrar dedup --batch-size` (articles; default the CLI's)")
    parser.add_argument("--batch", type=int, default=100_000,
                        help="--save-open: paragraphs per Deduplicator.add call (default 100000)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="--save-open: fresh processes per open measurement (default 3)")
    parser.add_argument("--keep", action="store_true",
                        help="--save-open: keep the index directories (removed after measuring by default)")
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write-corpus", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--open", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--readonly", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        print(json.dumps(build_index(args.index_dir, args.build, args.seed, args.batch)))
        return
    if args.write_corpus:
        print(json.dumps(ensure_corpus(args.work / "corpus.jsonl", args.write_corpus, args.seed)))
        return
    if args.open:
        print(json.dumps(open_index(args.open, args.readonly)))
        return
    if args.stream is None and args.save_open is None:
        parser.error("give --stream N_ARTICLES and/or --save-open SIZES")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not saudinewsnet.available():
        raise SystemExit(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET}")
    if args.stream is not None:
        run_stream(args)
    if args.stream is not None and args.save_open is not None:
        print()
    if args.save_open is not None:
        run_save_open(args)


if __name__ == "__main__":
    main()
