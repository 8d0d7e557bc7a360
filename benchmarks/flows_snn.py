"""Who repeats whom in SaudiNewsNet: ``Report.flows()`` and ``Report.plot()``
over the whole corpus, for docs/flows.md and docs/flows.png.

Runs :func:`tikrar.dedup` with the default settings over every article of
../shared/data/saudinewsnet (source = the article's ``source`` field, date =
the day of the archive it comes in, the corpus's extraction date), then
prints, as Markdown:

1. the totals and the run time;
2. the duplicate rate of each source (``Report.source_summary()``);
3. the largest flows between two different sources, with the articles
   holding them, the paragraphs reusing a passage and the median delay;
4. the flows of each source into itself;
5. which sources the repeats of the Saudi Press Agency's (``was``) first
   occurrences are in.

and draws ``Report.plot()`` to ``--png`` (docs/flows.png by default). Only
aggregate figures are printed, never an article.

Usage (heavy: wrap it in the shared lock)::

    flock /tmp/tikrar-heavy.lock python benchmarks/flows_snn.py
    python benchmarks/flows_snn.py --limit 3000 --png /tmp/flows.png
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import tikrar  # noqa: E402
from benchmarks import saudinewsnet  # noqa: E402

logger = logging.getLogger("flows_snn")


def markdown(frame, floats: str = "{:.2f}") -> str:
    """A DataFrame as a Markdown table (pandas' to_markdown needs tabulate)."""
    from pandas.api.types import is_numeric_dtype

    header = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if is_numeric_dtype(frame[c]) else "---" for c in frame.columns) + "|"
    lines = [header, rule]
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append("" if value != value else floats.format(value))
            elif isinstance(value, int):
                cells.append(f"{value:,}")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--png", default=str(REPO / "docs" / "flows.png"), help="where to draw the figure")
    parser.add_argument("--top", type=int, default=15, help="largest flows between sources to list")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not saudinewsnet.available():
        logger.error("SaudiNewsNet not found at %s (set TIKRAR_SHARED)", saudinewsnet.SAUDINEWSNET)
        return 2

    articles = list(saudinewsnet.iter_articles(args.limit))
    started = time.perf_counter()
    report = tikrar.dedup(articles)
    dedup_seconds = time.perf_counter() - started
    report.dates = {a["id"]: a["date"] for a in articles}

    started = time.perf_counter()
    flows = report.flows()
    per_source = report.source_summary()
    flows_seconds = time.perf_counter() - started
    started = time.perf_counter()
    figure = report.plot()
    figure.savefig(args.png, dpi=100)
    plot_seconds = time.perf_counter() - started

    c = report.counts
    between = flows[flows.source_from != flows.source_to]
    print(f"## SaudiNewsNet: {c['articles']:,} articles, {c['paragraphs']:,} paragraphs\n")
    print(f"{c['unique']:,} unique, {c['duplicate']:,} duplicate ({c['within']:,} within an article, "
          f"{c['across']:,} across), {c['boilerplate']:,} boilerplate; "
          f"{sum(1 for r in report if r.reused):,} kept paragraphs reuse a passage.\n")
    print(f"dedup {dedup_seconds:.1f} s; flows and source summary {flows_seconds:.2f} s; plot {plot_seconds:.1f} s; "
          f"{len(flows)} flows, {len(between)} of them between two sources, "
          f"{int(between.paragraphs.sum()):,} duplicate paragraphs in those.\n")

    print("### Duplicate rate per source\n")
    print(markdown(per_source.sort_values(["duplicate_rate", "source"], ascending=[False, True]), "{:.3f}"))
    print(f"\n### The {args.top} largest flows between two sources\n")
    print(markdown(between.head(args.top)))
    # Within one day the corpus lists articles by source name, so which copy
    # of a same-day story comes first (is kept) follows the names. A repeat
    # in a later day's archive than its first occurrence says who was first.
    later = tikrar.Report(
        [r for r in report
         if not (r.label == "duplicate" and r.duplicate_of is not None
                 and report.dates.get(r.duplicate_of.doc_id) == report.dates[r.doc_id])],
        articles=report.articles, dates=report.dates)
    later_flows = later.flows()
    later_between = later_flows[(later_flows.source_from != later_flows.source_to) & (later_flows.paragraphs > 0)]
    print(f"\n### The {args.top} largest flows between two sources, repeats on a later day only\n")
    print(f"{int(later_between.paragraphs.sum()):,} of the {int(between.paragraphs.sum()):,} duplicates between two "
          "sources are in a later day's archive than their first occurrence.\n")
    print(markdown(later_between.drop(columns=["reused"]).head(args.top)))
    print("\n### Each source into itself\n")
    print(markdown(flows[flows.source_from == flows.source_to].reset_index(drop=True)))
    wire = flows[flows.source_from == "was"]
    if len(wire):
        print("\n### Where first occurrences in `was` (Saudi Press Agency) are repeated\n")
        print(markdown(wire.reset_index(drop=True)))
    print(f"\nfigure: {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
