"""Speed of the normalizer on real SaudiNewsNet paragraphs, against baselines
measured in the same run.

Run (the lock keeps heavy jobs on a shared machine from overlapping):

    flock /tmp/tikrar-heavy.lock python benchmarks/bench_normalize.py

Rows, all on the same paragraphs, one core, median of ``--repeats`` runs:

- ``tikrar normalize_batch (dedup)``: the compiled batch path;
- ``tikrar normalize per paragraph (dedup)``: ``str.translate`` with NFC and
  space collapsing, one call per paragraph;
- ``str.translate baseline``: the bare translation table of the dedup preset
  applied with ``str.translate``, nothing else (no NFC, no space collapsing);
- ``normalize_batch`` with the rules and light presets;
- ``pyarabic chain``: ``normalize_ligature``, ``strip_tashkeel``,
  ``strip_tatweel``, ``normalize_hamza(method="tasheel")``, ``normalize_teh``,
  alef maksura -> yeh and white-space collapsing: the closest pyarabic gets to
  the same folding (it still leaves invisible controls, Persian letters,
  digits and punctuation alone);
- offsets: ``normalize_with_offsets`` per paragraph, compiled and plain-Python
  reference, on the first ``--offset-paragraphs`` paragraphs.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import saudinewsnet  # noqa: E402


def pyarabic_chain() -> Callable[[str], str]:
    from pyarabic import araby

    def fold(text: str) -> str:
        text = araby.normalize_ligature(text)
        text = araby.strip_tashkeel(text)
        text = araby.strip_tatweel(text)
        text = araby.normalize_hamza(text, method="tasheel")
        text = araby.normalize_teh(text)
        text = text.replace(araby.ALEF_MAKSURA, araby.YEH)
        return " ".join(text.split())

    return fold


def timed(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start_seconds() -> tuple[float, float]:
    """Import plus first normalize_batch call, and translation_table, in a fresh process."""
    code = (
        "import time; t = time.perf_counter(); import tikrar; from tikrar.normalize import normalize_batch, translation_table;"
        "normalize_batch(['\u0623\u062d\u0645\u062f']); a = time.perf_counter() - t;"
        "t = time.perf_counter(); translation_table(); b = time.perf_counter() - t; print(a, b)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=100_000, help="SaudiNewsNet paragraphs to normalize (default 100,000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats per row; the median is reported (default 5)")
    parser.add_argument("--offset-paragraphs", type=int, default=20_000, help="paragraphs for the offsets rows (default 20,000)")
    args = parser.parse_args(argv)
    if not saudinewsnet.available():
        print(f"SaudiNewsNet not found at {saudinewsnet.SAUDINEWSNET} (set TIKRAR_SHARED)", file=sys.stderr)
        return 2

    from tikrar.normalize import DEDUP, LIGHT, RULES, _offsets_reference, normalize, normalize_batch, normalize_with_offsets, translation_table

    paragraphs = list(itertools.islice(saudinewsnet.iter_paragraphs(), args.paragraphs))
    n = len(paragraphs)
    chars = sum(map(len, paragraphs))
    print(f"{n:,} SaudiNewsNet paragraphs, {chars / n:.0f} characters on average; median of {args.repeats} runs, one core")

    cold_batch, cold_table = cold_start_seconds()
    table = translation_table(DEDUP)
    chain = pyarabic_chain()
    # Warm-up: compiled kernel loaded, every code point of the data classified.
    for config in (DEDUP, RULES, LIGHT):
        batch_out = normalize_batch(paragraphs, config)
        assert batch_out == [normalize(p, config) for p in paragraphs], "normalize_batch and normalize disagree"

    rows = [
        ("tikrar normalize_batch (dedup)", lambda: normalize_batch(paragraphs), n),
        ("tikrar normalize per paragraph (dedup)", lambda: [normalize(p) for p in paragraphs], n),
        ("str.translate baseline (dedup table only)", lambda: [p.translate(table) for p in paragraphs], n),
        ("pyarabic chain", lambda: [chain(p) for p in paragraphs], n),
        ("tikrar normalize_batch (rules)", lambda: normalize_batch(paragraphs, RULES), n),
        ("tikrar normalize_batch (light)", lambda: normalize_batch(paragraphs, LIGHT), n),
    ]
    offset_paragraphs = paragraphs[: args.offset_paragraphs]
    m = len(offset_paragraphs)
    rows += [
        ("tikrar normalize_with_offsets (compiled)", lambda: [normalize_with_offsets(p) for p in offset_paragraphs], m),
        ("normalize_with_offsets, plain-Python reference", lambda: [_offsets_reference(p, DEDUP) for p in offset_paragraphs], m),
    ]
    results = []
    for name, run, count in rows:
        seconds = timed(run, args.repeats)
        results.append((name, count / seconds))
        print(f"  measured {name}: {count / seconds:,.0f} paragraphs/s", flush=True)

    fastest = results[0][1]
    print()
    print("| way | paragraphs/s | normalize_batch is x times faster |")
    print("|---|---:|---:|")
    for name, rate in results:
        print(f"| {name} | {rate:,.0f} | {fastest / rate:.1f} |")
    print()
    print(f"cold start, fresh process: import + first normalize_batch call {cold_batch:.2f} s; "
          f"translation_table(DEDUP) {cold_table * 1000:.0f} ms")
    target = 150_000
    print(f"target >= {target:,} paragraphs/s for normalize_batch: {'met' if fastest >= target else 'NOT met'} ({fastest:,.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
