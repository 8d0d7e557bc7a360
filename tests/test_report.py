import json

import pytest

from tikrar import ParagraphRef, dedup

TEXT = "خبر عن افتتاح المعرض الدولي للكتاب في المدينة اليوم بحضور الوزير"


def test_counts_clusters_and_jsonl(tmp_path):
    report = dedup([("a", TEXT + "\n" + TEXT), ("b", TEXT), ("c", "نص مختلف تماما عن غيره\nاقرأ أيضاً:")])
    assert report.counts == {"articles": 3, "paragraphs": 5, "unique": 2, "duplicate": 2, "boilerplate": 1,
                             "within": 1, "across": 1, "skipped": 0}
    (cluster,) = report.clusters
    assert cluster.canonical == ParagraphRef("a", 0)
    assert cluster.members == (ParagraphRef("a", 1), ParagraphRef("b", 0))
    assert cluster.size == 3
    path = tmp_path / "r.jsonl"
    assert report.to_jsonl(path) == 5
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert rows[2]["duplicate_of"] == {"doc_id": "a", "index": 0} and rows[2]["text"] == TEXT


def test_cleaned_drops_repeats_and_boilerplate_and_html_shows_labels():
    report = dedup([("a", TEXT + "\n" + TEXT + "\nاقرأ أيضاً:")])
    assert report.cleaned() == {"a": TEXT}
    html = report._repr_html_()
    assert "duplicate" in html and "read_also_heading" in html and 'dir="rtl"' in html


def test_to_pandas_has_one_row_per_paragraph():
    pd = pytest.importorskip("pandas")
    frame = dedup([("a", TEXT + "\n" + TEXT)]).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame["label"].tolist() == ["unique", "duplicate"]
    assert frame["duplicate_of_doc"].isna().tolist() == [True, False]
    assert frame.loc[1, "duplicate_of_doc"] == "a" and frame.loc[1, "duplicate_of_index"] == 0
