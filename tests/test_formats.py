"""Parquet and gzip JSONL in and out: the readers, the writers, the command
line, the example pipeline and the snippets of docs/pipelines.md."""

from __future__ import annotations

import gc
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow", reason="the Parquet tests need pip install 'tikrar[arrow]'")
pq = pytest.importorskip("pyarrow.parquet", reason="the Parquet tests need pip install 'tikrar[arrow]'")

from tikrar import InputError, MissingDependencyError, dedup  # noqa: E402
from tikrar.cli import main  # noqa: E402
from tikrar.io import (  # noqa: E402
    cleaned_output,
    cleaned_rows,
    output_format,
    read_jsonl,
    read_parquet,
    read_paths,
    record_output,
)
from tikrar.types import Record  # noqa: E402

from conftest import requires_saudinewsnet  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "articles"
A = "أعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق السريعة بين المدن الكبرى خلال خمس سنوات"
NEW = "وأضاف المتحدث أن المشروع سيوفر آلاف الوظائف للشباب في المنطقة خلال العام المقبل"
OLD = b"previous output\n"
# (id, text, source) rows: a repeat within, one across, a heading, a reuse.
ROWS = [
    ("n1", A + "\n" + A + "\nاقرأ أيضاً:", "sabq"),
    ("n2", "وزير النقل يعلن خطة الطرق\n" + A, "okaz"),
    ("n3", A + " " + NEW, None),
    ("n4", "خبر آخر عن افتتاح معرض الكتاب في المدينة بحضور عدد من الأدباء", "sabq"),
    ("n5", NEW, "okaz"),
]


def write_jsonl(path: Path, rows, compress: bool = False) -> Path:
    data = "".join(json.dumps({"id": i, "text": t, "source": s}, ensure_ascii=False) + "\n" for i, t, s in rows)
    path.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0) if compress else data.encode("utf-8"))
    return path


def write_parquet(path: Path, columns: dict, row_group_size: int = 2, schema=None) -> Path:
    pq.write_table(pa.table(columns, schema=schema), path, row_group_size=row_group_size)
    return path


def rows_parquet(path: Path, rows=ROWS, row_group_size: int = 2) -> Path:
    return write_parquet(path, {"id": [r[0] for r in rows], "text": [r[1] for r in rows],
                                "source": [r[2] for r in rows]}, row_group_size)


def jsonl_values(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name)


def articles(items) -> list[tuple]:
    return [(a.doc_id, a.text, a.source) for a in items]


# --------------------------------------------------------------------- output_format


@pytest.mark.parametrize("name, kind", [
    ("out.parquet", "parquet"), ("OUT.PARQUET", "parquet"), ("dir/out.jsonl.gz", "jsonl.gz"),
    ("out.json.gz", "jsonl.gz"), ("out.jsonl", "jsonl"), ("out", "jsonl"), ("out.parquet.txt", "jsonl"),
])
def test_output_format_follows_the_suffix(name, kind):
    assert output_format(name) == kind


# --------------------------------------------------------------------- readers


def test_parquet_jsonl_and_gzip_inputs_give_the_same_articles(tmp_path):
    expected = [(i, t, s) for i, t, s in ROWS]
    assert articles(read_parquet(rows_parquet(tmp_path / "in.parquet"))) == expected
    assert articles(read_jsonl(write_jsonl(tmp_path / "in.jsonl", ROWS))) == expected
    assert articles(read_jsonl(write_jsonl(tmp_path / "in.jsonl.gz", ROWS, compress=True))) == expected
    paths = [tmp_path / "in.parquet", tmp_path / "in.jsonl.gz", tmp_path / "in.jsonl"]
    assert articles(read_paths(paths)) == expected * 3


def test_parquet_ids_follow_the_jsonl_conventions(tmp_path):
    path = write_parquet(tmp_path / "day.parquet", {"id": [7, None, 9], "text": ["أ", "ب", "ج"]})
    assert [a.doc_id for a in read_parquet(path)] == ["7", "day:1", "9"]
    no_ids = write_parquet(tmp_path / "noid.parquet", {"text": ["أ", "ب"], "title": ["x", "y"]})
    assert [(a.doc_id, a.source) for a in read_parquet(no_ids)] == [("noid:0", None), ("noid:1", None)]
    renamed = write_parquet(tmp_path / "r.parquet", {"key": ["k1"], "body": ["نص"], "source": [3]})
    assert articles(read_paths([renamed], id_field="key", text_field="body")) == [("k1", "نص", "3")]


def test_gzip_default_ids_drop_both_extensions(tmp_path):
    path = tmp_path / "day1.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"text": "a"}\n\n{"text": "b"}\n'))
    assert [a.doc_id for a in read_jsonl(path)] == ["day1:1", "day1:3"]


def test_parquet_is_read_row_group_by_row_group_and_only_the_needed_columns(tmp_path, monkeypatch):
    path = write_parquet(tmp_path / "big.parquet", {
        "id": [f"d{i}" for i in range(10)], "text": [f"نص {i}" for i in range(10)],
        "title": ["unused"] * 10, "source": ["s"] * 10}, row_group_size=3)
    assert pq.ParquetFile(path).num_row_groups == 4
    groups, columns = [], []
    original = pq.ParquetFile.read_row_group

    def spy(self, group, *args, **kwargs):
        groups.append(group)
        columns.append(kwargs.get("columns"))
        return original(self, group, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_group", spy)
    reader = read_parquet(path, batch_rows=2)
    assert next(reader).doc_id == "d0"
    assert groups == [0]  # one row group read, not the file
    assert [a.doc_id for a in reader] == [f"d{i}" for i in range(1, 10)]
    assert groups == [0, 1, 2, 3]
    assert columns == [["id", "text", "source"]] * 4


@pytest.mark.parametrize("batch_rows", [1, 3, 1000])
def test_every_parquet_batch_size_reads_the_same_articles(tmp_path, batch_rows):
    path = rows_parquet(tmp_path / "in.parquet", row_group_size=2)
    assert articles(read_parquet(path, batch_rows=batch_rows)) == list(ROWS)


def test_a_null_text_in_parquet_names_the_file_and_row(tmp_path):
    path = write_parquet(tmp_path / "bad.parquet", {"id": ["a", "b", "c", "d"], "text": ["أ", "ب", None, "د"]})
    reader = read_parquet(path, batch_rows=2)
    with pytest.raises(InputError) as caught:
        list(reader)
    assert caught.value.location == f"{path}:row 2"
    assert caught.value.problem == "has no 'text' value"
    skipped = []
    assert [a.doc_id for a in read_parquet(path, errors="skip", on_skip=skipped.append)] == ["a", "b", "d"]
    assert [str(err) for err in skipped] == [f"{path}:row 2: has no 'text' value"]


@pytest.mark.parametrize("make, problem", [
    (lambda p: p.write_bytes(b"not parquet at all"), "not a readable Parquet file (Parquet magic bytes not found"),
    (lambda p: write_parquet(p, {"id": ["a"], "body": ["نص"]}), "has no 'text' column (columns: id, body)"),
    (lambda p: write_parquet(p, {"id": ["a"], "text": [5]}), "column 'text' holds int64, not strings"),
])
def test_an_unreadable_parquet_file_is_one_error_naming_it(tmp_path, make, problem):
    path = tmp_path / "x.parquet"
    make(path)
    with pytest.raises(InputError) as caught:
        list(read_parquet(path))
    assert caught.value.location == str(path) and caught.value.problem.startswith(problem)
    skipped = []
    assert list(read_paths([path, rows_parquet(tmp_path / "ok.parquet")], errors="skip",
                           on_skip=skipped.append))[0].doc_id == "n1"
    assert len(skipped) == 1


def test_a_missing_parquet_file(tmp_path):
    with pytest.raises(InputError, match=r"x\.parquet: no such file"):
        list(read_parquet(tmp_path / "x.parquet"))


def test_invalid_utf8_in_a_parquet_string_names_the_row(tmp_path):
    path = write_parquet(tmp_path / "u.parquet", {"id": ["a", "b"], "text": [b"ok", b"\xff\xfe"]},
                         schema=pa.schema([("id", pa.string()), ("text", pa.binary())]))
    # Written as binary, then read as strings: what a foreign writer may leave.
    table = pq.read_table(path).cast(pa.schema([("id", pa.string()), ("text", pa.string())]), safe=False)
    pq.write_table(table, path)
    skipped = []
    assert [a.doc_id for a in read_parquet(path, errors="skip", on_skip=skipped.append)] == ["a"]
    assert [str(err) for err in skipped] == [f"{path}:row 1: 'text' is not valid UTF-8"]


def test_a_corrupt_gzip_file_names_the_line_where_it_stops(tmp_path):
    whole = gzip.compress(b"".join(b'{"id": "%d", "text": "line %d"}\n' % (i, i) for i in range(2000)))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    skipped = []
    read = list(read_jsonl(cut, errors="skip", on_skip=skipped.append))
    assert 0 < len(read) < 2000 and [a.doc_id for a in read] == [str(i) for i in range(len(read))]
    (error,) = skipped
    assert error.location == f"{cut}:{len(read) + 1}" and "not a readable gzip file (EOFError" in error.problem
    plain = tmp_path / "plain.jsonl.gz"
    plain.write_bytes(b'{"id": "a", "text": "x"}\n')
    with pytest.raises(InputError) as caught:
        list(read_jsonl(plain))
    assert caught.value.location == f"{plain}:1" and "BadGzipFile" in caught.value.problem


# --------------------------------------------------------------------- writers


def sample_records() -> list[Record]:
    return list(dedup([(i, t, s) for i, t, s in ROWS]))


def test_record_output_in_every_format_holds_the_same_records(tmp_path):
    records = sample_records()
    for name in ("r.jsonl", "r.jsonl.gz", "r.parquet"):
        with record_output(tmp_path / name) as writer:
            assert writer.write_all(records[:3]) == 3
            assert writer.write_all(records[3:]) == len(records) - 3
            assert writer.count == len(records)
    expected = [r.to_dict() for r in records]
    plain = (tmp_path / "r.jsonl").read_bytes()
    assert jsonl_values(tmp_path / "r.jsonl") == expected
    assert gzip.decompress((tmp_path / "r.jsonl.gz").read_bytes()) == plain
    assert pq.read_table(tmp_path / "r.parquet").to_pylist() == expected
    # Two writes: two row groups.
    assert pq.ParquetFile(tmp_path / "r.parquet").num_row_groups == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.jsonl", "r.jsonl.gz", "r.parquet"]


def test_outputs_are_byte_identical_run_after_run(tmp_path):
    records = sample_records()
    for name in ("a.jsonl.gz", "b.jsonl.gz", "a.parquet", "b.parquet"):
        with record_output(tmp_path / name) as writer:
            writer.write_all(records)
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    # The gzip header holds no file name (flags 0, so not the temporary
    # name) and no time stamp: the bytes depend on the records alone.
    header = (tmp_path / "a.jsonl.gz").read_bytes()[:10]
    assert header[3] == 0 and header[4:8] == b"\0\0\0\0"
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_error_half_way_leaves_the_previous_output(tmp_path, name, error, monkeypatch):
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    target = tmp_path / name
    target.write_bytes(OLD)
    raised = False
    # try/except, not pytest.raises: its traceback would keep the writer
    # alive past gc.collect().
    try:
        with record_output(target) as writer:
            writer.write_all(sample_records() * 50)
            del writer
            raise error
    except type(error):
        raised = True
    gc.collect()
    assert raised
    assert target.read_bytes() == OLD
    assert temp_files(tmp_path) == []
    # No writer left to finish its file from a destructor.
    assert unraisable == []


def test_cleaned_output_rows_in_every_format(tmp_path):
    report = dedup([(i, t, s) for i, t, s in ROWS])
    rows = cleaned_rows(report)
    assert rows == [
        {"id": "n1", "text": A, "source": "sabq"},
        {"id": "n2", "text": "وزير النقل يعلن خطة الطرق", "source": "okaz"},
        {"id": "n3", "text": A + " " + NEW, "source": None},
        {"id": "n4", "text": ROWS[3][1], "source": "sabq"},
        # n5 is contained in n3's kept paragraph: nothing of it is kept.
        {"id": "n5", "text": "", "source": "okaz"},
    ]
    assert [row["text"] for row in cleaned_rows(report, drop_reused=True)][2] == NEW
    for name in ("c.jsonl", "c.jsonl.gz", "c.parquet"):
        with cleaned_output(tmp_path / name) as writer:
            assert writer.write_all(rows) == 5
    assert jsonl_values(tmp_path / "c.jsonl") == rows
    assert gzip.decompress((tmp_path / "c.jsonl.gz").read_bytes()) == (tmp_path / "c.jsonl").read_bytes()
    assert pq.read_table(tmp_path / "c.parquet").to_pylist() == rows
    # Cleaned output reads back as input.
    for name in ("c.jsonl", "c.jsonl.gz", "c.parquet"):
        assert articles(read_paths([tmp_path / name])) == [(r["id"], r["text"], r["source"]) for r in rows]


def test_lone_surrogates_are_escaped_in_jsonl_and_replaced_in_parquet(tmp_path):
    records = [Record("a", 0, 0, 3, "x\ud800y", "unique")]
    with record_output(tmp_path / "s.jsonl.gz") as writer:
        writer.write_all(records)
    with record_output(tmp_path / "s.parquet") as writer:
        writer.write_all(records)
    assert b'"x\\ud800y"' in gzip.decompress((tmp_path / "s.jsonl.gz").read_bytes())
    assert pq.read_table(tmp_path / "s.parquet").column("text").to_pylist() == ["x\ufffdy"]


# --------------------------------------------------------------------- command line


def run_cli(*args) -> int:
    return main(["dedup", *map(str, args), "-q"])


def test_cli_outputs_in_every_format_hold_the_same_records(tmp_path):
    for name in ("o.jsonl", "o.jsonl.gz", "o.parquet"):
        assert run_cli(EXAMPLES, "-o", tmp_path / name) == 0
    plain = (tmp_path / "o.jsonl").read_bytes()
    values = jsonl_values(tmp_path / "o.jsonl")
    assert len(values) == 34
    assert [v["label"] for v in values].count("duplicate") == 5
    assert gzip.decompress((tmp_path / "o.jsonl.gz").read_bytes()) == plain
    assert pq.read_table(tmp_path / "o.parquet").to_pylist() == values


def test_cli_inputs_in_every_format_give_the_same_records(tmp_path):
    inputs = [write_jsonl(tmp_path / "in.jsonl", ROWS), write_jsonl(tmp_path / "in.jsonl.gz", ROWS, compress=True),
              rows_parquet(tmp_path / "in.parquet")]
    outputs = []
    for number, path in enumerate(inputs):
        out = tmp_path / f"out{number}.jsonl"
        assert run_cli(path, "-o", out) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert jsonl_values(tmp_path / "out0.jsonl") == dedup([(i, t, s) for i, t, s in ROWS]).to_dicts()


def test_cli_streams_parquet_in_small_batches_with_the_records_of_one_batch(tmp_path):
    source = rows_parquet(tmp_path / "in.parquet", row_group_size=2)
    assert pq.ParquetFile(source).num_row_groups == 3
    assert run_cli(source, "-o", tmp_path / "one.parquet", "--batch-size", "1000") == 0
    assert run_cli(source, "-o", tmp_path / "many.parquet", "--batch-size", "1") == 0
    one, many = pq.ParquetFile(tmp_path / "one.parquet"), pq.ParquetFile(tmp_path / "many.parquet")
    assert one.read().to_pylist() == many.read().to_pylist()
    assert (one.num_row_groups, many.num_row_groups) == (1, 5)  # a row group per batch


def test_cli_clean_output_file(tmp_path):
    source = rows_parquet(tmp_path / "in.parquet")
    assert run_cli(source, "-o", tmp_path / "o.parquet", "--clean-output", tmp_path / "c.jsonl.gz",
                   "--clean", tmp_path / "clean", "--batch-size", "2") == 0
    rows = [json.loads(line) for line in gzip.decompress((tmp_path / "c.jsonl.gz").read_bytes()).splitlines()]
    assert rows == cleaned_rows(dedup([(i, t, s) for i, t, s in ROWS]))
    assert (tmp_path / "clean" / "n2.txt").read_text(encoding="utf-8") == rows[1]["text"] + "\n"
    assert run_cli(source, "-o", tmp_path / "o.parquet", "--clean-output", tmp_path / "c.parquet",
                   "--clean-reused") == 0
    assert pq.read_table(tmp_path / "c.parquet").column("text").to_pylist()[2] == NEW


def test_cli_refuses_the_same_file_for_records_and_cleaned_articles(tmp_path, capsys):
    out = tmp_path / "o.jsonl"
    assert run_cli(EXAMPLES, "-o", out, "--clean-output", out) == 2
    assert "--clean-output and -o name the same file" in capsys.readouterr().err
    assert not out.exists()


def test_cli_bad_parquet_row_stops_with_file_and_row_and_keeps_the_previous_outputs(tmp_path, capsys):
    rows = [(f"d{i}", f"{A} رقم {i}", None) for i in range(6)]
    source = write_parquet(tmp_path / "in.parquet", {"id": [r[0] for r in rows],
                                                      "text": [r[1] if i != 4 else None for i, r in enumerate(rows)]})
    out, clean = tmp_path / "o.parquet", tmp_path / "c.parquet"
    out.write_bytes(OLD)
    clean.write_bytes(OLD)
    # Batches of one: three batches are labelled and written before row 4.
    assert run_cli(source, "-o", out, "--clean-output", clean, "--batch-size", "1") == 2
    assert f"tikrar: error: {source}:row 4: has no 'text' value" in capsys.readouterr().err
    assert out.read_bytes() == OLD and clean.read_bytes() == OLD
    assert temp_files(tmp_path) == []
    assert run_cli(source, "-o", out, "--skip-bad", "--batch-size", "1") == 0
    assert f"tikrar: skipped {source}:row 4: has no 'text' value" in capsys.readouterr().err
    assert pq.read_table(out).column("doc_id").to_pylist() == ["d0", "d1", "d2", "d3", "d5"]


def test_cli_bad_gzip_line_keeps_the_previous_gzip_output(tmp_path, capsys):
    source = tmp_path / "in.jsonl.gz"
    source.write_bytes(gzip.compress('{"id": "a", "text": "نص"}\n{"id": "b"}\n'.encode("utf-8")))
    out = tmp_path / "o.jsonl.gz"
    out.write_bytes(OLD)
    assert run_cli(source, "-o", out) == 2
    assert f"{source}:2: has no 'text' field" in capsys.readouterr().err
    assert out.read_bytes() == OLD and temp_files(tmp_path) == []


def hide_pyarrow(monkeypatch):
    for name in list(sys.modules):
        if name == "pyarrow" or name.startswith("pyarrow."):
            # None in sys.modules makes the import fail, as if not installed.
            monkeypatch.setitem(sys.modules, name, None)


def test_without_pyarrow_parquet_output_says_what_to_install(tmp_path, monkeypatch, capsys):
    hide_pyarrow(monkeypatch)
    out = tmp_path / "o.parquet"
    assert run_cli(EXAMPLES, "-o", out) == 2
    err = capsys.readouterr().err
    assert "needs the optional package 'pyarrow'; install it with: pip install 'tikrar[arrow]'" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    # JSONL and gzip need nothing extra.
    assert run_cli(EXAMPLES, "-o", tmp_path / "o.jsonl.gz") == 0


def test_without_pyarrow_parquet_input_says_what_to_install(tmp_path, monkeypatch, capsys):
    source = rows_parquet(tmp_path / "in.parquet")
    hide_pyarrow(monkeypatch)
    assert run_cli(source, "-o", tmp_path / "o.jsonl") == 2
    assert f"reading {source} needs the optional package 'pyarrow'; install it with: pip install 'tikrar[arrow]'" \
        in capsys.readouterr().err
    with pytest.raises(MissingDependencyError, match=re.escape("pip install 'tikrar[arrow]'")):
        list(read_parquet(source))
    with pytest.raises(MissingDependencyError, match=re.escape("pip install 'tikrar[arrow]'")):
        with cleaned_output(tmp_path / "c.parquet"):
            pass
    assert not (tmp_path / "o.jsonl").exists()


def test_the_help_names_the_formats(capsys):
    with pytest.raises(SystemExit):
        main(["dedup", "--help"])
    help_text = capsys.readouterr().out
    for phrase in (".jsonl.gz", ".parquet", "--clean-output FILE", "pip install 'tikrar[arrow]'"):
        assert phrase in help_text


# --------------------------------------------------------------------- example and docs


def test_the_parquet_pipeline_example_runs(tmp_path):
    out = tmp_path / "pipeline"
    result = subprocess.run([sys.executable, str(REPO / "examples" / "pipeline_parquet.py"), str(out)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"{out / 'records.parquet'}: 34 paragraphs (unique: 21, duplicate: 5, boilerplate: 8)" in result.stdout
    assert pq.ParquetFile(out / "articles.parquet").num_row_groups == 3
    # The same records as the command line over the text folder.
    assert main(["dedup", str(EXAMPLES), "-o", str(tmp_path / "cli.jsonl"), "-q"]) == 0
    assert pq.read_table(out / "records.parquet").to_pylist() == jsonl_values(tmp_path / "cli.jsonl")
    expected = dedup(list(read_paths([EXAMPLES]))).cleaned()
    assert {row["id"]: row["text"] for row in pq.read_table(out / "cleaned.parquet").to_pylist()} == expected


def test_the_python_snippets_of_docs_pipelines_run(tmp_path):
    pytest.importorskip("pandas", reason="the snippets need pip install 'tikrar[pandas]'")
    pytest.importorskip("datasets", reason="the snippets need pip install 'tikrar[datasets]'")
    text = (REPO / "docs" / "pipelines.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(snippets) == 5
    (tmp_path / "examples").symlink_to(REPO / "examples")
    for number, code in enumerate(snippets):
        result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, f"snippet {number}:\n{code}\n{result.stderr}"


# --------------------------------------------------------------------- SaudiNewsNet


@requires_saudinewsnet
def test_saudinewsnet_parquet_in_small_row_groups_gives_the_jsonl_records(tmp_path, snn_articles):
    rows = [(a["id"], a["text"], a["source"]) for a in snn_articles]
    write_jsonl(tmp_path / "snn.jsonl", rows)
    rows_parquet(tmp_path / "snn.parquet", rows, row_group_size=256)
    assert run_cli(tmp_path / "snn.jsonl", "-o", tmp_path / "a.jsonl", "--batch-size", "3000") == 0
    assert run_cli(tmp_path / "snn.parquet", "-o", tmp_path / "b.parquet", "--batch-size", "700") == 0
    expected = jsonl_values(tmp_path / "a.jsonl")
    assert len(expected) > 10_000
    assert pq.read_table(tmp_path / "b.parquet").to_pylist() == expected
    assert pq.ParquetFile(tmp_path / "b.parquet").num_row_groups == 5  # 3000 articles, 700 a batch
