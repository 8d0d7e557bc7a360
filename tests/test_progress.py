"""Progress bars: off unless someone watches, exact counts, stderr only."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import tikrar
from tikrar import ConfigError, Deduplicator, InputError
from tikrar.cli import main
from tikrar.io import read_paths
from tikrar.progress import AUTO_DELAY, ParagraphProgress, auto_enabled, in_jupyter_kernel, progress_for

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"
ARTICLES = list(read_paths([EXAMPLES]))
# Paragraphs per example article, in name order (34 in all; see test_cli).
PARAGRAPHS = [7, 5, 12, 6, 4]
SUMMARY = ("tikrar: 5 articles, 34 paragraphs: 21 unique, 5 duplicate (2 within, 3 across), 8 boilerplate; "
           "0 records skipped -> {}\n")


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class Recorder:
    """A tqdm-like object: records what it is told."""

    def __init__(self):
        self.updates: list[int] = []
        self.closed = False

    def update(self, n):
        self.updates.append(n)

    def close(self):
        self.closed = True


def final_bar(text: str) -> str:
    """The last state a text bar drew: tqdm redraws after a carriage return,
    padding with spaces over a longer line drawn before."""
    return re.sub(r" +\n$", "\n", text.split("\r")[-1])


def test_the_examples_hold_the_paragraphs_these_tests_count():
    assert [len(tikrar.segment(a.doc_id, a.text)) for a in ARTICLES] == PARAGRAPHS


# -- when a bar is shown -------------------------------------------------------


def test_auto_is_off_when_stderr_is_not_a_terminal(capsys):
    assert not auto_enabled()  # pytest's captured stderr is no terminal
    assert not ParagraphProgress().enabled
    report = tikrar.dedup(ARTICLES)
    assert len(report) == 34
    assert capsys.readouterr() == ("", "")


def test_auto_is_on_for_a_terminal_after_the_delay(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert auto_enabled()
    # A run shorter than the delay leaves no trace ...
    with ParagraphProgress() as quick:
        assert quick.enabled
        quick.batch(paragraphs=34, articles=5)
        quick.update(34)
    assert terminal.getvalue() == ""
    assert AUTO_DELAY > 0.1
    # ... a bar past its delay is drawn (delay=0 stands for a long run).
    with ParagraphProgress(delay=0) as bar:
        bar.batch(paragraphs=34, articles=5)
        bar.update(34)
    assert re.fullmatch(r"tikrar: 34par \[[0-9:]+, +[0-9.]+par/s, articles=5\]\n", final_bar(terminal.getvalue()))


def test_a_jupyter_kernel_counts_as_watched(monkeypatch):
    class Shell:
        def __init__(self, kernel):
            self.kernel = kernel

    fake = types.ModuleType("IPython")
    monkeypatch.setitem(sys.modules, "IPython", fake)
    fake.get_ipython = lambda: Shell(kernel=object())
    assert in_jupyter_kernel()
    assert auto_enabled(io.StringIO())
    fake.get_ipython = lambda: Shell(kernel=None)  # a terminal IPython: no kernel
    assert not in_jupyter_kernel()
    fake.get_ipython = lambda: None  # IPython imported, not running
    assert not in_jupyter_kernel()
    monkeypatch.delitem(sys.modules, "IPython")
    assert not in_jupyter_kernel()


def test_false_is_off_even_on_a_terminal(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    tikrar.dedup(ARTICLES, progress=False)
    assert terminal.getvalue() == ""


def test_forced_on_writes_a_bar_with_paragraphs_per_second_to_stderr(capsys):
    report = tikrar.dedup(ARTICLES, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "par/s" in err
    # The call's own bar: its total is the call's paragraphs, it ends full.
    assert re.fullmatch(r"tikrar: 100%\|[^|]*\| 34/34 \[[0-9:]+<[0-9:]+, +[0-9.]+par/s, articles=5\]\n",
                        final_bar(err))
    assert len(report) == 34


def test_stage_names_show_while_a_batch_runs():
    out = io.StringIO()
    with ParagraphProgress(True, file=out) as progress:
        Deduplicator().add(ARTICLES, progress=progress)
    stages = re.findall(r"stage=([a-z ]+)\]", out.getvalue())
    assert list(dict.fromkeys(stages)) == [
        "prepare", "sketch", "label", "commit", "reused passages", "records", "corpus boilerplate"]


# -- counts --------------------------------------------------------------------


def test_counts_are_exact_across_calls_sharing_one_progress():
    d = Deduplicator()
    with ParagraphProgress(False) as progress:
        first = d.add(ARTICLES[:2], progress=progress)
        assert (progress.paragraphs, progress.articles) == (12, 2)
        second = d.add(ARTICLES[2:] + [("bad", None)], on_error="skip", progress=progress)
    assert len(first) + len(second) == 34
    # Articles read are the readable ones; an unreadable record is not one.
    assert (progress.paragraphs, progress.articles, progress.total) == (34, 5, None)


def test_a_shared_forced_bar_counts_per_batch_and_stays_open_until_closed():
    out = io.StringIO()
    progress = ParagraphProgress(True, file=out)
    d = Deduplicator()
    for article in ARTICLES:
        d.add([article], progress=progress)
    assert progress.bar is not None and progress.bar.n == 34  # left open by add
    progress.close()
    assert progress.bar is None
    counts = re.findall(r"tikrar: (\d+)par \[", out.getvalue())
    assert [int(n) for n in dict.fromkeys(counts)] == [0, 7, 12, 24, 30, 34]
    assert re.fullmatch(r"tikrar: 34par \[[0-9:]+, +[0-9.]+par/s, articles=5\]\n", final_bar(out.getvalue()))


def test_a_tqdm_like_object_is_advanced_per_batch_and_never_closed():
    recorder = Recorder()
    d = Deduplicator()
    d.add(ARTICLES[:1], progress=recorder)
    d.add(ARTICLES[1:], progress=recorder)
    assert recorder.updates == [7, 27]
    assert not recorder.closed
    assert [len(tikrar.dedup(ARTICLES, progress=recorder))] == [34]
    assert recorder.updates == [7, 27, 34]


def test_a_real_tqdm_bar_can_be_passed_in():
    from tqdm import tqdm

    out = io.StringIO()
    with tqdm(total=34, file=out, unit="par") as bar:
        tikrar.dedup(ARTICLES, progress=bar)
        assert bar.n == 34


def test_a_failed_add_counts_nothing_and_leaves_no_bar_behind(capsys):
    recorder = Recorder()
    d = Deduplicator()
    with pytest.raises(InputError):
        d.add(ARTICLES + [("bad", None)], progress=recorder)
    assert recorder.updates == []
    with pytest.raises(InputError):
        tikrar.dedup([("a", None)], progress=True)
    assert capsys.readouterr() == ("", "")


def test_a_failure_inside_the_stages_closes_the_calls_bar(capsys, monkeypatch):
    d = Deduplicator()

    def broken(batch, stage):
        stage("sketch")
        raise RuntimeError("stage failed")

    monkeypatch.setattr(d, "_label", broken)
    with pytest.raises(RuntimeError, match="stage failed"):
        d.add(ARTICLES, progress=True)
    err = capsys.readouterr().err
    # Closed where it stopped, its line ended: later messages start afresh.
    assert re.fullmatch(r"tikrar:   0%\| *\| 0/34 \[[^\]]*, articles=5, stage=sketch\]\n", final_bar(err))
    assert d.paragraph_count == 0


class Broken(io.StringIO):
    """A stream whose reader went away."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_stream_that_cannot_be_written_turns_the_bar_off_not_the_run(monkeypatch):
    progress = ParagraphProgress(True, file=Broken())
    assert not progress.enabled
    d = Deduplicator()
    assert len(d.add(ARTICLES[:2], progress=progress)) == 12
    assert progress.paragraphs == 12
    monkeypatch.setattr(sys, "stderr", Broken())
    assert len(d.add(ARTICLES[2:], progress=True)) == 22
    assert d.paragraph_count == 34


def test_a_tqdm_like_object_that_raises_undoes_the_call():
    class Failing(Recorder):
        def update(self, n):
            raise RuntimeError("display gone")

    d = Deduplicator()
    with pytest.raises(RuntimeError, match="display gone"):
        d.add(ARTICLES, progress=Failing())
    assert d.paragraph_count == 0  # all or nothing, as for any failure inside add


def test_a_wrong_option_is_refused_before_any_work():
    d = Deduplicator()
    for wrong in ("yes", 1, 0.5, object()):
        with pytest.raises(ConfigError, match="progress must be None"):
            d.add(ARTICLES, progress=wrong)
    assert d.paragraph_count == 0
    with pytest.raises(ConfigError, match="progress must be None"):
        tikrar.dedup(ARTICLES, progress="auto")


def test_progress_for_uses_a_progress_passed_in_and_leaves_it_open():
    mine = ParagraphProgress(False)
    with progress_for(mine) as got:
        assert got is mine
        got.batch(paragraphs=3, articles=1)
    # Not the call's own: its total stays open.
    assert (mine.total, mine.articles) == (None, 1)


def test_write_puts_a_line_on_stderr_without_a_bar(capsys):
    ParagraphProgress(False).write("tikrar: skipped x:1: line is not valid JSON")
    assert capsys.readouterr() == ("", "tikrar: skipped x:1: line is not valid JSON\n")


def test_a_bar_off_imports_no_tqdm():
    code = ("import sys, tikrar; tikrar.dedup([('a', 'نص قصير')], progress=False); tikrar.dedup([('a', 'نص')]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'tqdm'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (result.stdout, result.stderr) == ("[]\n", "")


# -- the command line -----------------------------------------------------------


def run_cli(tmp_path, name, *options):
    out, clean = tmp_path / f"{name}.jsonl", tmp_path / f"{name}-clean"
    status = main(["dedup", str(EXAMPLES), "-o", str(out), "--clean", str(clean), "--batch-size", "2", *options])
    assert status == 0
    return out, clean


def test_cli_progress_writes_to_stderr_only_and_leaves_the_output_unchanged(tmp_path, capsys):
    plain_out, plain_clean = run_cli(tmp_path, "plain")
    plain = capsys.readouterr()
    bar_out, bar_clean = run_cli(tmp_path, "bar", "--progress")
    bar = capsys.readouterr()
    off_out, _ = run_cli(tmp_path, "off", "--no-progress")
    off = capsys.readouterr()

    assert plain_out.read_bytes() == bar_out.read_bytes() == off_out.read_bytes()
    assert len(plain_out.read_bytes().splitlines()) == 34
    assert sorted(p.name for p in plain_clean.iterdir()) == sorted(p.name for p in bar_clean.iterdir())
    for p in plain_clean.iterdir():
        assert (bar_clean / p.name).read_bytes() == p.read_bytes()

    assert plain.out == bar.out == off.out == ""
    assert plain.err == SUMMARY.format(plain_out)  # auto: stderr is no terminal
    assert off.err == SUMMARY.format(off_out)
    bars, summary = bar.err[: -len(SUMMARY.format(bar_out))], bar.err[-len(SUMMARY.format(bar_out)):]
    assert summary == SUMMARY.format(bar_out)
    # One bar for the run, advanced per batch of 2 articles, articles read after it.
    counts = [int(n) for n in dict.fromkeys(re.findall(r"tikrar: (\d+)par \[", bars))]
    assert counts == [0, 12, 30, 34]
    assert [int(n) for n in dict.fromkeys(re.findall(r"articles=(\d+)", bars))] == [2, 4, 5]
    assert re.fullmatch(r"tikrar: 34par \[[0-9:]+, +[0-9.]+par/s, articles=5\]\n", final_bar(bars))


def test_cli_skipped_records_are_reported_on_their_own_line_under_a_bar(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "نص اول"}, ensure_ascii=False) + "\nnot json\n"
                      + json.dumps({"id": "b", "text": "نص ثان"}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["dedup", str(source), "-o", str(out), "--skip-bad", "--progress", "-q"]) == 0
    err = capsys.readouterr().err
    assert re.search(rf"\rtikrar: skipped {re.escape(str(source))}:2: line is not valid JSON[^\n\r]*\n", err)
    assert re.fullmatch(r"tikrar: 2par \[[0-9:]+, +[0-9.]+par/s, articles=2\]\n", final_bar(err))


def test_cli_default_shows_no_bar_when_stderr_is_a_pipe(tmp_path):
    out = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, "-m", "tikrar", "dedup", str(EXAMPLES), "-o", str(out)],
                            capture_output=True, text=True, check=True)
    assert (result.stdout, result.stderr) == ("", SUMMARY.format(out))


def test_cli_help_describes_the_option(capsys):
    with pytest.raises(SystemExit):
        main(["dedup", "--help"])
    assert "--progress, --no-progress" in capsys.readouterr().out
