"""The command line, run in-process and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tikrar.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"
KEYS = ["doc_id", "index", "start", "end", "text", "label", "scope", "duplicate_of", "similarity", "reason", "match", "source", "reused"]
PARA = "أعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق السريعة بين المدن الكبرى خلال خمس سنوات"


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_dedup_directory_writes_one_record_per_paragraph_in_input_order(tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main(["dedup", str(EXAMPLES), "-o", str(out)]) == 0
    rows = read_jsonl(out)
    assert len(rows) == 34
    assert list(rows[0]) == KEYS
    assert [r["doc_id"] for r in rows[:2]] == ["01_metro_opening", "01_metro_opening"]
    assert [(r["doc_id"], r["index"]) for r in rows] == sorted((r["doc_id"], r["index"]) for r in rows)
    assert rows[4]["duplicate_of"] == {"doc_id": "01_metro_opening", "index": 2}
    assert "34 paragraphs: 21 unique, 5 duplicate (2 within, 3 across), 8 boilerplate" in capsys.readouterr().err


def test_jsonl_input_with_renamed_fields_and_clean_output(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        json.dumps({"key": "n1", "body": PARA + "\n" + PARA}, ensure_ascii=False) + "\n\n"
        + json.dumps({"key": "n2", "body": "خبر آخر مختلف تماما\nالمصدر: وكالة"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    out, clean = tmp_path / "out.jsonl", tmp_path / "clean"
    assert main(["dedup", str(src), "-o", str(out), "--id-field", "key", "--text-field", "body", "--clean", str(clean), "-q"]) == 0
    assert [(r["doc_id"], r["label"]) for r in read_jsonl(out)] == [
        ("n1", "unique"), ("n1", "duplicate"), ("n2", "unique"), ("n2", "boilerplate")]
    assert (clean / "n1.txt").read_text(encoding="utf-8") == PARA + "\n"
    assert (clean / "n2.txt").read_text(encoding="utf-8") == "خبر آخر مختلف تماما\n"


def test_threshold_option_changes_what_counts_as_near(tmp_path):
    src = tmp_path / "in.jsonl"
    changed = PARA.replace("الكبرى", "الصغرى")
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in [(1, PARA), (2, changed)]),
                   encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "-q"]) == 0
    assert read_jsonl(out)[1]["label"] == "duplicate"
    assert main(["dedup", str(src), "-o", str(out), "-q", "--threshold", "0.95"]) == 0
    assert read_jsonl(out)[1]["label"] == "unique"


@pytest.mark.parametrize(
    "content, message",
    [
        (b'{"id": 1, "text": "ok"}\nnot json\n', "in.jsonl:2: line is not valid JSON"),
        (b'{"id": 1, "text": "ok"}\n{"id": 2}\n', "in.jsonl:2: has no 'text' field"),
        (b'{"id": 1, "text": 5}\n', "in.jsonl:1: has a non-string 'text' field"),
        (b'{"id": 1, "text": "ok"}\n\xff\n', "in.jsonl:2: line is not valid UTF-8"),
    ],
)
def test_bad_jsonl_gives_one_line_error_with_file_and_line(tmp_path, capsys, content, message):
    src = tmp_path / "in.jsonl"
    src.write_bytes(content)
    assert main(["dedup", str(src), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "o.jsonl").exists()


def test_non_utf8_text_file_and_missing_path(tmp_path, capsys):
    bad = tmp_path / "bad.txt"
    bad.write_bytes("سطر\n".encode() + b"\xff\xfe")
    assert main(["dedup", str(bad), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "bad.txt:2: not valid UTF-8" in capsys.readouterr().err
    assert main(["dedup", str(tmp_path / "nope"), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "nope: no such file or directory" in capsys.readouterr().err


def test_skip_bad_keeps_the_rest(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "نص اول"}\n{broken\n{"id": 3, "text": "نص اول"}\n', encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "--skip-bad"]) == 0
    assert [(r["doc_id"], r["label"]) for r in read_jsonl(out)] == [("1", "unique"), ("3", "duplicate")]
    assert "skipped" in capsys.readouterr().err


def test_rules_file_adds_rules_and_disable_rule_removes_them(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"name": "sponsored", "pattern": "^محتوي ممول$"}]}, ensure_ascii=False),
                     encoding="utf-8")
    src = tmp_path / "a.txt"
    src.write_text(PARA + "\nمحتوى ممول\nالمصدر: وكالة", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "-q", "--rules", str(rules), "--disable-rule", "source_line"]) == 0
    assert [(r["label"], r["reason"]) for r in read_jsonl(out)] == [
        ("unique", None), ("boilerplate", "sponsored"), ("unique", None)]
    broken = tmp_path / "broken.json"
    broken.write_text('{"rules": [{"name": "x", "pattern": "("}]}', encoding="utf-8")
    assert main(["dedup", str(src), "-o", str(out), "--rules", str(broken)]) == 2


def test_help_and_subprocess_entry_point(tmp_path):
    for args in (["--help"], ["dedup", "--help"], ["normalize", "--help"], ["rules", "--help"]):
        done = subprocess.run([sys.executable, "-m", "tikrar", *args], capture_output=True, text=True)
        assert done.returncode == 0 and "usage:" in done.stdout
    assert "--clean DIR" in subprocess.run([sys.executable, "-m", "tikrar", "dedup", "--help"],
                                            capture_output=True, text=True).stdout
    done = subprocess.run([sys.executable, "-m", "tikrar", "normalize", "أَهْلاً", "بِكُمْ"], capture_output=True, text=True)
    assert done.stdout == "اهلا بكم\n"
    done = subprocess.run([sys.executable, "-m", "tikrar", "rules"], capture_output=True, text=True)
    assert any(json.loads(line)["name"] == "read_also" for line in done.stdout.splitlines())


def test_containment_option_turns_contained_matches_on_and_off(tmp_path):
    lead_in = "وفي تصريحات للصحفيين على هامش الاجتماع الوزاري الذي عقد مساء أمس في العاصمة قال المسؤول " 
    long_version = lead_in + PARA + " وأضاف أن التمويل سيأتي من الميزانية العامة ومن شراكات مع القطاع الخاص"
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in [(1, long_version), (2, PARA)]),
                   encoding="utf-8")
    out = tmp_path / "o.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "-q", "--containment", "0.9"]) == 0
    second = read_jsonl(out)[1]
    assert (second["label"], second["match"]) == ("duplicate", "contained")
    assert main(["dedup", str(src), "-o", str(out), "-q", "--containment", "off"]) == 0
    assert read_jsonl(out)[1]["label"] == "unique"
    with pytest.raises(SystemExit) as stopped:
        main(["dedup", str(src), "-o", str(out), "--containment", "x"])
    assert stopped.value.code == 2


def test_clean_keeps_a_paragraph_with_a_reused_passage_whole_unless_asked(tmp_path):
    kept = "أعلنت الهيئة العامة للأرصاد صباح اليوم أن موجة حارة ستضرب المناطق الوسطى والشرقية خلال الأيام المقبلة"
    added = "وفي شأن متصل افتتح محافظ المدينة معرضا للكتاب يضم أكثر من مئتي دار نشر عربية وأجنبية"
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": kept}, ensure_ascii=False) + "\n"
                   + json.dumps({"id": "b", "text": kept + " " + added}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["dedup", str(src), "-o", str(out), "--clean", str(tmp_path / "whole"), "-q"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["label"] for r in rows] == ["unique", "unique"]
    assert rows[1]["reused"] == [{"start": 0, "end": len(kept), "doc_id": "a", "index": 0,
                                  "source_start": 0, "source_end": len(kept), "similarity": 1.0}]
    assert (tmp_path / "whole" / "b.txt").read_text(encoding="utf-8") == kept + " " + added + "\n"
    assert main(["dedup", str(src), "-o", str(out), "--clean", str(tmp_path / "cut"), "--clean-reused", "-q"]) == 0
    assert (tmp_path / "cut" / "b.txt").read_text(encoding="utf-8") == added + "\n"
    assert main(["dedup", str(src), "-o", str(out), "--min-reuse-words", "off", "-q"]) == 0
    assert [json.loads(line)["reused"] for line in out.read_text(encoding="utf-8").splitlines()] == [[], []]
