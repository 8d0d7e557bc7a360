"""Safe writers: atomic output, SIGTERM cleanup, JSONL with lone surrogates,
collision-free file names for cleaned articles, lazy batches."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import unicodedata
from pathlib import Path

import pytest

import tikrar.io as tio
from tikrar import dedup
from tikrar.io import (
    JsonlWriter,
    atomic_output,
    clean_file_name,
    install_termination_cleanup,
    iter_batches,
    write_clean,
    write_records,
)
from tikrar.report import Report
from tikrar.types import Article, ParagraphRef, Record, Reuse

OLD = "النص القديم\nسطر ثان\n".encode("utf-8")
NEW = "النص الجديد"
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and permission bits")


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name)


def make_old(tmp_path: Path) -> Path:
    target = tmp_path / "out.jsonl"
    target.write_bytes(OLD)
    return target


# --------------------------------------------------------------------- atomic_output


def test_atomic_output_replaces_the_file_on_success(tmp_path):
    target = make_old(tmp_path)
    with atomic_output(target) as out:
        out.write(NEW)
        # Until the block ends, the old file is what readers see.
        assert target.read_bytes() == OLD
        assert len(temp_files(tmp_path)) == 1
        assert re.fullmatch(r"\.out\.jsonl\.tmp-[0-9a-f]{16}", temp_files(tmp_path)[0])
    assert target.read_text(encoding="utf-8") == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_atomic_output_creates_a_new_file(tmp_path):
    target = tmp_path / "new.txt"
    with atomic_output(target) as out:
        out.write(NEW)
    assert target.read_text(encoding="utf-8") == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.txt"]


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(143)])
def test_an_exception_inside_leaves_the_old_file_and_no_temporary_file(tmp_path, error):
    target = make_old(tmp_path)
    with pytest.raises(type(error)):
        with atomic_output(target) as out:
            out.write(NEW * 1000)
            out.flush()
            assert temp_files(tmp_path)  # the partial data is on disk, in the temporary file
            raise error
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_an_exception_without_a_previous_file_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_output(tmp_path / "x.txt") as out:
            out.write(NEW)
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_binary_mode_and_a_block_that_closes_the_file_itself(tmp_path):
    target = make_old(tmp_path)
    with atomic_output(target, "wb") as out:
        out.write(b"\x00\xff")
    assert target.read_bytes() == b"\x00\xff"
    with atomic_output(target) as out:
        out.write("closed early")
        out.close()
    assert target.read_text(encoding="utf-8") == "closed early"
    assert temp_files(tmp_path) == []


@pytest.mark.parametrize("mode", ["a", "r", "w+", "x"])
def test_only_write_modes_are_accepted(tmp_path, mode):
    target = make_old(tmp_path)
    with pytest.raises(ValueError, match="mode"):
        with atomic_output(target, mode):
            pass
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []


def test_a_failed_rename_cleans_up(tmp_path):
    target = tmp_path / "a_directory"
    target.mkdir()
    (target / "inside").write_text("x")
    with pytest.raises(OSError):
        with atomic_output(target) as out:
            out.write(NEW)
    assert (target / "inside").read_text() == "x"
    assert temp_files(tmp_path) == []


@posix_only
def test_permission_bits_are_kept_or_follow_the_umask(tmp_path):
    target = make_old(tmp_path)
    os.chmod(target, 0o640)
    with atomic_output(target) as out:
        out.write(NEW)
    assert os.stat(target).st_mode & 0o777 == 0o640
    umask = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "fresh.txt") as out:
            out.write(NEW)
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "fresh.txt").st_mode & 0o777 == 0o644  # as open() would give, not 0o600


# --------------------------------------------------------------------- SIGTERM

WRITER = textwrap.dedent(
    """
    import sys, time
    from tikrar.io import atomic_output, install_termination_cleanup

    def run():
        with atomic_output(sys.argv[1]) as out:
            out.write("partial line\\n" * 100)
            out.flush()
            print("ready", flush=True)
            for _ in range(600):
                out.write("more\\n")
                out.flush()
                time.sleep(0.05)

    if sys.argv[2] == "cleanup":
        with install_termination_cleanup() as installed:
            assert installed
            run()
    else:
        run()
    """
)


def run_writer_and_terminate(tmp_path: Path, mode: str) -> int:
    target = make_old(tmp_path)
    script = tmp_path.parent / f"{tmp_path.name}_writer.py"
    script.write_text(WRITER, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(target), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        assert len(temp_files(tmp_path)) == 1  # the write is under way
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    return proc.returncode


@posix_only
def test_sigterm_during_the_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    assert run_writer_and_terminate(tmp_path, "cleanup") == 143
    assert (tmp_path / "out.jsonl").read_bytes() == OLD
    assert temp_files(tmp_path) == []


@posix_only
def test_without_the_cleanup_sigterm_leaves_the_temporary_file(tmp_path):
    # What install_termination_cleanup is for: the default action of SIGTERM
    # ends the process before any cleanup (the old file survives either way).
    assert run_writer_and_terminate(tmp_path, "plain") == -signal.SIGTERM
    assert (tmp_path / "out.jsonl").read_bytes() == OLD
    assert len(temp_files(tmp_path)) == 1


@posix_only
def test_the_handler_is_installed_for_the_block_and_restored_after():
    runner_handler = signal.signal(signal.SIGTERM, signal.SIG_DFL)  # whatever the test runner set
    try:
        with install_termination_cleanup() as installed:
            assert installed is True
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
            with pytest.raises(SystemExit) as exc:
                signal.raise_signal(signal.SIGTERM)
            assert exc.value.code == 143
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, runner_handler)


@posix_only
def test_ignored_signals_and_other_threads_are_left_alone():
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with install_termination_cleanup() as installed:
            assert installed is False
            assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)
    seen = []

    def in_thread():
        with install_termination_cleanup() as installed:
            seen.append((installed, signal.getsignal(signal.SIGTERM)))

    runner_handler = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        thread = threading.Thread(target=in_thread)
        thread.start()
        thread.join()
    finally:
        signal.signal(signal.SIGTERM, runner_handler)
    assert seen == [(False, signal.SIG_DFL)]


# --------------------------------------------------------------------- JSONL

SURROGATE_RECORDS = [
    Record("a1", 0, 0, 13, "أعلنت الوزارة", "unique", source="sabq"),
    Record("a1", 1, 14, 20, "نص\ud800خبر", "unique", source="sabq"),
    Record("doc\udfff", 0, 0, 4, "عادي", "boilerplate", reason="rule \udc80", source="sabq"),
    Record("a2", 0, 0, 4, "سطر", "duplicate", "across", ParagraphRef("a\ud800", 0), 1.0, None, "exact", "s\udbff"),
    Record("a3", 0, 0, 30, "قبل \ud800 بعد", "unique", reused=(Reuse(0, 3, "a1\ud800", 0, 0, 3, 1.0),)),
    Record("a4", 0, 0, 4, "🙂 عربي", "unique"),
]


def test_records_with_lone_surrogates_are_all_written_in_batches(tmp_path):
    target = tmp_path / "out.jsonl"
    with atomic_output(target) as out:
        writer = JsonlWriter(out)
        assert writer.write_all(SURROGATE_RECORDS[:2]) == 2
        assert writer.write_all(iter(SURROGATE_RECORDS[2:5])) == 3
        writer.write(SURROGATE_RECORDS[5])
        assert writer.count == 6
    raw = target.read_bytes()
    lines = raw.decode("utf-8").split("\n")  # strict: the file is valid UTF-8
    assert lines[-1] == ""
    lines = lines[:-1]
    assert len(lines) == len(SURROGATE_RECORDS)
    assert [json.loads(line) for line in lines] == [r.to_dict() for r in SURROGATE_RECORDS]
    # Clean lines keep their Arabic as is; only the lines that need it are escaped.
    assert "أعلنت الوزارة" in lines[0] and "🙂 عربي" in lines[5]
    assert "\\ud800" in lines[1] and "\\u0646" in lines[1]
    assert "\\udfff" in lines[2] and "\\udbff" in lines[3] and "\\ud800" in lines[4]


def test_a_dedup_report_with_surrogates_is_written_whole(tmp_path):
    report = dedup([("a\ud800", "أعلنت الوزارة\ud800 اليوم عن خطة جديدة\nسطر آخر\nسطر آخر"),
                    ("b", "خبر عادي تماما")])
    target = tmp_path / "out.jsonl"
    with atomic_output(target) as out:
        assert write_records(report, out) == len(report) == 4
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert rows == report.to_dicts()
    assert [r["label"] for r in rows] == ["unique", "unique", "duplicate", "unique"]


def test_clean_records_are_byte_identical_to_report_to_jsonl(tmp_path):
    records = [SURROGATE_RECORDS[0], SURROGATE_RECORDS[5]]
    Report(records).to_jsonl(tmp_path / "report.jsonl")
    with atomic_output(tmp_path / "writer.jsonl") as out:
        write_records(records, out)
    assert (tmp_path / "writer.jsonl").read_bytes() == (tmp_path / "report.jsonl").read_bytes()


def test_the_count_includes_lines_written_before_the_records_failed(tmp_path):
    def records():
        yield SURROGATE_RECORDS[0]
        yield SURROGATE_RECORDS[1]
        raise RuntimeError("reader failed")

    target = make_old(tmp_path)
    with pytest.raises(RuntimeError):
        with atomic_output(target) as out:
            writer = JsonlWriter(out)
            try:
                writer.write_all(records())
            finally:
                assert writer.count == 2
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []


# --------------------------------------------------------------------- write_clean

AWKWARD_IDS = ["a/b", "a_b", "a\\b", "", ".", "..", "x" * 300, "a\x00b", "A", "a",
               "خبر-١٢", "الرياض_2020", "سبق/خبر", "مقال.٣", "con", "CON.x", "nul.txt", "a~b",
               "a_b~c14cddc033f64b9d", "é", "e\u0301", "É", "-rf", "\ud800", " ", "a b", "a:b", "ß", "ss",
               "x" * 100, "y" * 101, "ع" * 50, "ع" * 51]


def test_write_clean_gives_every_id_its_own_file_and_an_index(tmp_path):
    cleaned = {doc_id: f"نص المقال رقم {n}\nسطر {n}" for n, doc_id in enumerate(AWKWARD_IDS)}
    cleaned["x" * 300] = ""  # an article left empty
    out = tmp_path / "clean"
    assert write_clean(cleaned, out) == len(AWKWARD_IDS)

    names = {doc_id: clean_file_name(doc_id) for doc_id in AWKWARD_IDS}
    assert len(set(names.values())) == len(AWKWARD_IDS)
    # Distinct also where the file system ignores case or normalization.
    folded = {unicodedata.normalize("NFD", n).casefold() for n in names.values()}
    assert len(folded) == len(AWKWARD_IDS)

    files = sorted(p.name for p in out.iterdir())
    assert files == sorted(list(names.values()) + ["index.jsonl"])
    for doc_id, text in cleaned.items():
        assert (out / names[doc_id]).read_text(encoding="utf-8") == (text + "\n" if text else "")

    index = [json.loads(line) for line in (out / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(index) == len(AWKWARD_IDS)
    assert [row["doc_id"] for row in index] == list(cleaned)
    assert {row["file"]: row["doc_id"] for row in index} == {n: d for d, n in names.items()}
    assert temp_files(out) == []


def test_readable_ids_keep_their_names():
    assert clean_file_name("a_b") == "a_b.txt"
    assert clean_file_name("a") == "a.txt"
    assert clean_file_name("n1") == "n1.txt"
    assert clean_file_name("خبر-١٢") == "خبر-١٢.txt"
    assert clean_file_name("الرياض_2020") == "الرياض_2020.txt"
    assert clean_file_name("مقال.٣") == "مقال.٣.txt"
    assert clean_file_name("الْعَرَبِيَّة") == "الْعَرَبِيَّة.txt"  # harakat are marks, kept
    assert clean_file_name("x" * 100) == "x" * 100 + ".txt"
    assert clean_file_name("ع" * 50) == "ع" * 50 + ".txt"  # 100 UTF-8 bytes
    assert clean_file_name("é") == "é.txt"


HASHED = re.compile(r"(?P<prefix>[^~/\\\x00]+)~(?P<hash>[0-9a-f]{16})\.txt")


@pytest.mark.parametrize("doc_id, prefix", [
    ("a/b", "a_b"), ("a\\b", "a_b"), ("a\x00b", "a_b"), ("", "_"), (".", "_."), ("..", "_.."),
    ("A", "A"), ("É", "É"), ("e\u0301", "e\u0301"), ("con", "_con"), ("CON.x", "_CON.x"),
    ("nul.txt", "_nul.txt"), ("a~b", "a_b"), ("a_b~c14cddc033f64b9d", "a_b_c14cddc033f64b9d"),
    ("-rf", "_-rf"), ("\ud800", "_"), (" ", "_"), ("a:b", "a_b"), ("ß", "ß"), ("سبق/خبر", "سبق_خبر"),
    ("x" * 300, "x" * 100), ("y" * 101, "y" * 100), ("ع" * 51, "ع" * 50),
])
def test_unsafe_ids_get_a_readable_prefix_and_the_hash_of_the_full_id(doc_id, prefix):
    import hashlib

    name = clean_file_name(doc_id)
    match = HASHED.fullmatch(name)
    assert match, name
    assert match["prefix"] == prefix
    assert match["hash"] == hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    assert len(name.encode("utf-8")) <= 121
    assert not name.startswith((".", "-"))


def test_the_plain_and_the_hashed_forms_never_meet():
    # "a/b" gets "a_b~<hash>.txt"; the id spelled like that name is not plain either.
    spelled = clean_file_name("a/b")[: -len(".txt")]
    assert clean_file_name(spelled) != clean_file_name("a/b")
    assert "~" in clean_file_name(spelled)


def test_write_clean_replaces_files_and_the_index_on_a_second_run(tmp_path):
    assert write_clean({"a": "أول", "b": "ثان"}, tmp_path) == 2
    assert write_clean({"a": "جديد"}, tmp_path, durable=False) == 1
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "جديد\n"
    assert (tmp_path / "b.txt").read_text(encoding="utf-8") == "ثان\n"  # not ours to delete
    assert (tmp_path / "index.jsonl").read_text(encoding="utf-8") == '{"file": "a.txt", "doc_id": "a"}\n'


def test_write_clean_writes_lone_surrogates_as_replacement_characters(tmp_path):
    write_clean({"a\ud800": "نص\ud800خبر"}, tmp_path)
    name = clean_file_name("a\ud800")
    assert (tmp_path / name).read_bytes() == "نص\ufffdخبر\n".encode("utf-8")
    index = (tmp_path / "index.jsonl").read_bytes().decode("utf-8")
    assert json.loads(index) == {"file": name, "doc_id": "a\ud800"}


def test_a_name_collision_stops_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(tio, "clean_file_name", lambda doc_id: "same.txt")
    with pytest.raises(ValueError, match="same file name"):
        write_clean({"a": "1", "b": "2"}, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_failure_half_way_leaves_no_partial_file(tmp_path, monkeypatch):
    write_clean({"a": "قديم"}, tmp_path)

    class Boom(str):
        def __add__(self, other):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_clean({"a": Boom("جديد")}, tmp_path)
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "قديم\n"
    assert (tmp_path / "index.jsonl").read_text(encoding="utf-8") == '{"file": "a.txt", "doc_id": "a"}\n'
    assert temp_files(tmp_path) == []


def test_a_non_string_id_is_refused():
    with pytest.raises(TypeError):
        clean_file_name(12)


# --------------------------------------------------------------------- iter_batches


def test_iter_batches_groups_lazily():
    taken = []

    def articles():
        for i in range(7):
            taken.append(i)
            yield Article(f"a{i}", "نص")

    batches = iter_batches(articles(), 3)
    assert taken == []
    first = next(batches)
    assert [a.doc_id for a in first] == ["a0", "a1", "a2"]
    assert taken == [0, 1, 2]
    assert [[a.doc_id for a in b] for b in batches] == [["a3", "a4", "a5"], ["a6"]]
    assert list(iter_batches([], 3)) == []
    assert [len(b) for b in iter_batches([Article("x", "y")] * 4, 1)] == [1, 1, 1, 1]


@pytest.mark.parametrize("size", [0, -1, 1.5, True, "2"])
def test_iter_batches_refuses_a_bad_size_at_the_call(size):
    with pytest.raises(ValueError):
        iter_batches([Article("a", "b")], size)
