"""The ``tikrar`` command line: a thin layer over :func:`tikrar.dedup`."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections import Counter
from typing import Optional, Sequence

from . import __version__
from .boilerplate import default_rules, load_rules
from .dedup import Deduplicator
from .errors import TikrarError
from .io import CleanWriter, install_termination_cleanup, iter_batches, read_paths
from .io import cleaned_output, cleaned_rows, record_output
from .normalize import PRESETS, normalize
from .report import Report
from . import view as _view
from .progress import ParagraphProgress

__all__ = [
    "main", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "DEFAULT_BATCH_ARTICLES",
]

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
DEFAULT_BATCH_ARTICLES = 10_000

DEDUP_EPILOG = """\
input:
  PATH may be a .txt file (one article; its doc_id is the file name without
  extension), a directory of .txt files (read in name order), a .jsonl or
  .jsonl.gz file (one JSON object per line with an id and a text field; a
  "source" field, if present, names the outlet), or a .parquet file (one
  article per row, the same columns; read row group by row group, needs
  pip install 'tikrar[arrow]'). A missing id is <file stem>:<line> (JSONL)
  or <file stem>:<row> (Parquet, rows counted from 0).

boilerplate:
  Phrase rules (list them with `tikrar rules`; add your own with --rules FILE,
  turn one off with --disable-rule NAME) and boilerplate learned from the
  input: a paragraph repeated in --min-source-articles articles of one source
  is that source's furniture. Without a "source" field, the doc_id part before
  the first ':' or '/' is the source, or else all input is one source.

output (-o: one record per paragraph, in input order; OUT.jsonl is JSON
lines, OUT.jsonl.gz the same compressed, OUT.parquet Parquet with the same
fields, duplicate_of a struct and reused a list of structs, one row group
per batch):
  doc_id, index (0-based in the article), start, end (character offsets:
  text[start:end] is the paragraph), text, label (unique | duplicate |
  boilerplate), scope (within | across | null), duplicate_of ({doc_id, index}
  of the kept paragraph it repeats, or null), similarity (Jaccard of shingle sets, or
  null), reason (boilerplate rule, "repeated in N articles of source S", or
  why a paragraph was not compared),
  match (exact | near | contained | null), source, reused (passages this
  kept paragraph shares with earlier kept ones: [{start, end, doc_id, index,
  source_start, source_end, similarity}], offsets into each paragraph's text).

labels (keep-first): a paragraph is a duplicate only of an earlier paragraph
  that is kept (unique) and that it verifiably repeats: equal after
  normalization (exact), Jaccard >= --threshold (near), or at least
  --containment of its own shingles inside the kept one (contained). One that
  holds a kept paragraph plus new text stays unique and lists the passage in
  "reused"; --clean keeps it whole (--clean-reused cuts the passages out).

cleaned articles: --clean DIR writes one .txt file per article;
  --clean-output FILE writes them all to one .jsonl, .jsonl.gz or .parquet
  file of {id, text, source} rows, which tikrar reads back as input.

index (--index DIR): the input is flagged against every article the index
  directory holds, then saved into it, so day-by-day runs give the records of
  one run over all days. `tikrar remove --index DIR ID...` takes articles out.
  Output is written to a temporary file and renamed into place at the end:
  after an error or Ctrl-C the previous output is intact.

exit status: 0 on success; 2 on bad input or options, with a one-line message
naming the file and line; 130 when interrupted.

example:
  tikrar dedup examples/articles -o out.jsonl --clean cleaned/
"""


def _containment(value: str):
    if value.lower() == "off":
        return "off"
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1] or 'off', got {value!r}") from None


def _reuse_words(value: str):
    if value.lower() == "off":
        return "off"
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of words or 'off', got {value!r}") from None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tikrar",
        description="Find repeated and boilerplate paragraphs in Arabic news articles.",
    )
    parser.add_argument("--version", action="version", version=f"tikrar {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "dedup",
        help="label every paragraph as unique, duplicate or boilerplate",
        description="Label every paragraph of the input articles as unique, duplicate (within the "
        "same article or across articles) or boilerplate, and write one JSON line per paragraph.",
        epilog=DEDUP_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("paths", nargs="+", metavar="PATH",
                     help=".txt file, directory of .txt files, .jsonl or .jsonl.gz file, or .parquet file")
    run.add_argument("-o", "--output", required=True, metavar="OUT",
                     help="where to write the paragraph records: .jsonl, .jsonl.gz or .parquet")
    run.add_argument("--threshold", type=float, default=None, metavar="T",
                     help="Jaccard similarity at or above which paragraphs are repeats (default 0.5)")
    run.add_argument("--containment", type=_containment, default=None, metavar="C",
                     help="share of the smaller paragraph found in the larger at or above which it is a "
                          "'contained' repeat (default 0.9; 'off' turns it off)")
    run.add_argument("--short-words", type=int, default=None, metavar="N",
                     help="paragraphs of fewer words are repeats only when equal after normalization (default 8)")
    run.add_argument("--shingle", choices=["word", "char"], default=None, help="shingle kind (default word)")
    run.add_argument("--shingle-size", type=int, default=None, metavar="N", help="words or characters per shingle (default 3)")
    run.add_argument("--num-perm", type=int, default=None, metavar="N", help="MinHash permutations (default 128)")
    run.add_argument("--id-field", default="id", help="JSONL field holding the article id (default id)")
    run.add_argument("--text-field", default="text", help="JSONL field holding the article text (default text)")
    run.add_argument("--rules", metavar="RULES.json", action="append", default=[],
                     help="add the phrase rules of a JSON rules file (repeatable)")
    run.add_argument("--only-rules", action="store_true", help="use only the --rules files, not the built-in rules")
    run.add_argument("--disable-rule", metavar="NAME", action="append", default=[], help="turn off a rule by name (repeatable)")
    run.add_argument("--no-boilerplate", action="store_true", help="do not look for boilerplate at all")
    run.add_argument("--min-source-articles", type=int, default=None, metavar="N",
                     help="a paragraph repeated in at least N articles of one source is that source's "
                          "boilerplate (default 10)")
    run.add_argument("--min-source-share", type=float, default=None, metavar="F",
                     help="... provided that source holds at least this share of the articles the paragraph "
                          "is in (default 0.5)")
    run.add_argument("--no-corpus-boilerplate", action="store_true",
                     help="use phrase rules only, do not learn boilerplate from repeats within a source")
    run.add_argument("--min-reuse-words", type=_reuse_words, default=None, metavar="N",
                     help="shortest passage a kept paragraph reports as reused from an earlier one, in words "
                          "(default 12; 'off' reports none)")
    run.add_argument("--clean", metavar="DIR", help="also write each article without its duplicate and boilerplate paragraphs")
    run.add_argument("--clean-output", metavar="FILE",
                     help="also write the cleaned articles to one .jsonl, .jsonl.gz or .parquet file "
                          "(id, text, source per article)")
    run.add_argument("--clean-reused", action="store_true",
                     help="with --clean or --clean-output, also cut the reused passages out of the paragraphs "
                          "that are kept")
    run.add_argument("--index", metavar="DIR",
                     help="an index directory: flag the input against every article it holds, then save the "
                          "input into it (created if missing; its settings are the defaults)")
    run.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_ARTICLES, metavar="N",
                     help=f"articles read and labelled at a time (default {DEFAULT_BATCH_ARTICLES}); "
                          "memory follows the batch and the index, not the input")
    run.add_argument("--duplicate-ids", choices=["error", "skip", "replace"], default=None,
                     help="an article whose doc_id was already added: stop (error, the default), skip it, or "
                          "replace the earlier one")
    run.add_argument("--skip-bad", action="store_true",
                     help="report unreadable records on stderr and go on, instead of stopping with exit status 2")
    run.add_argument("-q", "--quiet", action="store_true", help="print no summary")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="show a progress bar on stderr (paragraphs labelled, paragraphs/s, articles read), "
                          "advancing per batch (default: only when stderr is a terminal)")

    remove = commands.add_parser(
        "remove",
        help="remove articles from an index directory",
        description="Remove articles from an index so that nothing later matches them. Prints the doc_ids of "
        "the articles that held a duplicate of a removed paragraph (their records named it): run them "
        "through `tikrar dedup --index DIR --duplicate-ids replace` to relabel them.",
    )
    remove.add_argument("ids", nargs="*", metavar="DOC_ID", help="doc_ids to remove")
    remove.add_argument("--index", required=True, metavar="DIR", help="the index directory")
    remove.add_argument("--ids-from", metavar="FILE", help="also remove the doc_ids listed in FILE, one per line")

    norm = commands.add_parser(
        "normalize",
        help="print text as the deduplicator compares it",
        description="Normalize text from the arguments, or from standard input line by line.",
    )
    norm.add_argument("text", nargs="*", help="text to normalize (default: read standard input)")
    norm.add_argument("--preset", choices=sorted(PRESETS), default="dedup", help="normalization preset (default dedup)")

    rules = commands.add_parser("rules", help="list the built-in boilerplate rules",
                                description="Print the built-in boilerplate rules as JSON lines.")
    rules.add_argument("--file", metavar="RULES.json", help="list the rules of this file instead")

    view = commands.add_parser(
        "report",
        help="summarize a run's records, or write them as an HTML page",
        description="Read the records `tikrar dedup -o` wrote and print their summary (counts per label, scope "
        "and source), or write the view of them as one self-contained HTML page: right to left, duplicates "
        "linked to the paragraph they repeat, reused passages underlined and linked, boilerplate dimmed with "
        "its rule. The page loads nothing from the network.",
    )
    view.add_argument("records", metavar="OUT.jsonl", help="records written by `tikrar dedup -o`")
    view.add_argument("--html", metavar="PAGE.html", help="write the HTML view to this file")
    view.add_argument("--summary", action="store_true", help="print the summary (the default without --html)")
    view.add_argument("--max-articles", type=int, default=_view.DEFAULT_MAX_ARTICLES, metavar="N",
                      help=f"articles the page shows, in input order (default {_view.DEFAULT_MAX_ARTICLES}; "
                           "0 shows them all); the summary always counts every one")
    return parser


def _dedup_options(args: argparse.Namespace) -> dict:
    options: dict = {}
    for name in ("threshold", "short_words", "shingle", "shingle_size", "num_perm"):
        value = getattr(args, name)
        if value is not None:
            options[name] = value
    if args.containment is not None:
        options["containment"] = None if args.containment == "off" else args.containment
    extra = [rule for path in args.rules for rule in load_rules(path)]
    if args.only_rules:
        options["rules"] = extra
    elif extra:
        options["extra_rules"] = extra
    if args.disable_rule:
        options["disable_rules"] = args.disable_rule
    if args.no_boilerplate:
        options["boilerplate"] = False
    for name in ("min_source_articles", "min_source_share"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    if args.no_corpus_boilerplate:
        options["corpus_boilerplate"] = False
    if args.min_reuse_words is not None:
        options["min_reuse_words"] = None if args.min_reuse_words == "off" else args.min_reuse_words
    return options


def _cleaned_output_or_none(path: Optional[str]):
    """The writer of --clean-output, or a stand-in ``None`` without it."""
    return cleaned_output(path) if path else contextlib.nullcontext()


def _run_dedup(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise TikrarError(f"--batch-size must be a positive number of articles, got {args.batch_size}")
    if args.clean_output and os.path.abspath(args.clean_output) == os.path.abspath(args.output):
        raise TikrarError(f"--clean-output and -o name the same file: {args.output}")
    options = _dedup_options(args)
    if args.duplicate_ids is not None:
        options["duplicate_ids"] = args.duplicate_ids
    deduplicator = Deduplicator.open(args.index, **options) if args.index else Deduplicator(**options)
    skipped = []
    # One bar for the whole run, advanced by each batch; on stderr only.
    progress = ParagraphProgress(args.progress)

    def note(err):
        skipped.append(err)
        progress.write(f"tikrar: skipped {err}")

    on_error = "skip" if args.skip_bad else "raise"
    articles = read_paths(
        args.paths,
        id_field=args.id_field,
        text_field=args.text_field,
        errors=on_error,
        on_skip=note,
    )
    totals: Counter = Counter()
    try:
        # The output appears whole or not at all; the index is saved after it,
        # so a run killed in between is simply run again.
        with install_termination_cleanup(), record_output(args.output) as writer, \
                _cleaned_output_or_none(args.clean_output) as clean_file:
            clean = CleanWriter(args.clean) if args.clean else None
            for batch in iter_batches(articles, args.batch_size):
                report = deduplicator.add(batch, on_error=on_error, progress=progress)
                for item in report.skipped:
                    note(f"{item.location}: {item.problem}")
                writer.write_all(report)
                totals.update(report.counts)
                if clean is not None:
                    clean.write(report.cleaned(drop_reused=args.clean_reused))
                if clean_file is not None:
                    clean_file.write_all(cleaned_rows(report, drop_reused=args.clean_reused))
            if clean is not None:
                clean.close()
        if args.index:
            deduplicator.save()
    finally:
        progress.close()
        deduplicator.close()
    if not args.quiet:
        c = totals
        print(
            f"tikrar: {c['articles']} articles, {c['paragraphs']} paragraphs: {c['unique']} unique, "
            f"{c['duplicate']} duplicate ({c['within']} within, {c['across']} across), "
            f"{c['boilerplate']} boilerplate; {len(skipped)} records skipped -> {args.output}",
            file=sys.stderr,
        )
    return 0


def _run_remove(args: argparse.Namespace) -> int:
    ids = list(args.ids)
    if args.ids_from:
        with open(args.ids_from, encoding="utf-8") as stream:
            ids.extend(line.rstrip("\n") for line in stream if line.strip())
    with Deduplicator.open(args.index) as deduplicator:
        known = [doc_id for doc_id in ids if deduplicator.state.ordinal_of(doc_id) is not None]
        dependents = deduplicator.remove(ids)
        deduplicator.save()
    for doc_id in dependents:
        print(doc_id)
    print(f"tikrar: removed {len(known)} of {len(ids)} articles from {args.index}; "
          f"{len(dependents)} articles held a duplicate of a removed paragraph (listed on stdout)", file=sys.stderr)
    return 0


def _run_normalize(args: argparse.Namespace) -> int:
    config = PRESETS[args.preset]
    lines = [" ".join(args.text)] if args.text else (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        print(normalize(line, config))
    return 0


def _run_rules(args: argparse.Namespace) -> int:
    import json

    for rule in load_rules(args.file) if args.file else default_rules():
        print(json.dumps(rule.to_dict(), ensure_ascii=False))
    return 0


def _run_report(args: argparse.Namespace) -> int:
    if args.max_articles < 0:
        raise TikrarError(f"--max-articles must be 0 (all) or a positive number, got {args.max_articles}")
    report = Report.from_jsonl(args.records)
    if args.html:
        report.to_html(args.html, max_articles=args.max_articles or None)
        shown = len({r.doc_id for r in report.records})
        if args.max_articles:
            shown = min(shown, args.max_articles)
        print(f"tikrar: wrote {args.html} ({shown} of {report.articles} articles shown)", file=sys.stderr)
    if args.summary or not args.html:
        print(_view.summary_text(report))
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``tikrar`` command; returns the exit status.

    ``argv`` are the arguments after the program name (default: the
    process's own).

    >>> main(["normalize", "الْعَرَبِيَّةُ"])
    العربيه
    0
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    handlers = {"dedup": _run_dedup, "remove": _run_remove, "normalize": _run_normalize, "rules": _run_rules,
                "report": _run_report}
    try:
        return handlers[args.command](args)
    except TikrarError as err:
        print(f"tikrar: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:
        print(f"tikrar: error: {err.filename or ''}: {err.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("tikrar: interrupted; the output and the index are as they were before this run", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    raise SystemExit(main())
