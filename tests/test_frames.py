"""pandas, Arrow and Hugging Face datasets integrations (tikrar.frames)."""

from __future__ import annotations

import logging
import sys

import pytest

pd = pytest.importorskip("pandas", reason="the pandas tests need pip install 'tikrar[pandas]'")
try:
    import pyarrow as pa
except ImportError:
    pa = None
try:
    import datasets
except ImportError:
    datasets = None

from tikrar import Deduplicator, InputError, MissingDependencyError, dedup  # noqa: E402
from tikrar.errors import ConfigError  # noqa: E402
from tikrar.frames import (  # noqa: E402
    RECORD_COLUMNS,
    clean_frame,
    dedup_dataset,
    dedup_frame,
    frame_report,
    records_batch,
    records_frame,
    records_schema,
    records_table,
)
from tikrar.report import Report, SkippedArticle  # noqa: E402
from tikrar.types import ParagraphRef, Record, Reuse  # noqa: E402

# A paragraph, the same with two harakat (85 and 87 characters), and new text
# that makes a paragraph holding the first one plus 12 new words.
A = "أعلنت الوزارة اليوم عن خطة جديدة لتطوير الطرق السريعة بين المدن الكبرى خلال خمس سنوات"
A_MARKED = "أعلنت الوزارةُ اليومَ عن خطة جديدة لتطوير الطرق السريعة بين المدن الكبرى خلال خمس سنوات"
NEW = "وأضاف المتحدث أن المشروع سيوفر آلاف الوظائف للشباب في المنطقة خلال العام المقبل"
READ_ALSO = "اقرأ أيضاً:"
ARTICLE_A = A + "\n" + A + "\n" + READ_ALSO
ARTICLE_B = A_MARKED + "\n" + A + " " + NEW

EXPECTED_DTYPES = {
    "doc_id": "string", "index": "int64", "start": "int64", "end": "int64", "text": "string",
    "label": "category", "scope": "category", "duplicate_of_doc": "string", "duplicate_of_index": "Int64",
    "similarity": "Float64", "reason": "string", "match": "category", "source": "string", "reused": "object",
}
NA = None  # what rows_of gives for a missing value
needs_arrow = pytest.mark.skipif(pa is None, reason="the Arrow tests need pip install 'tikrar[arrow]'")
needs_datasets = pytest.mark.skipif(datasets is None,
                                    reason="the datasets tests need pip install 'tikrar[datasets]'")


def sample_report() -> Report:
    return dedup([("a", ARTICLE_A), ("b", ARTICLE_B, "sabq")])


def missing(value) -> bool:
    return value is pd.NA or value is None or (isinstance(value, float) and value != value)


def rows_of(frame, columns):
    """Rows as tuples, every missing value (pd.NA; NaN in a categorical) None."""
    return [tuple(None if missing(v) else v for v in row) for row in frame[columns].itertuples(index=False)]


# --------------------------------------------------------------------- records_frame


def test_records_frame_has_the_columns_and_dtypes_in_order():
    frame = records_frame(sample_report())
    assert tuple(frame.columns) == RECORD_COLUMNS
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == EXPECTED_DTYPES
    assert list(frame["label"].cat.categories) == ["unique", "duplicate", "boilerplate"]
    assert list(frame["scope"].cat.categories) == ["within", "across"]
    assert list(frame["match"].cat.categories) == ["exact", "near", "contained"]
    assert isinstance(frame.index, pd.RangeIndex) and len(frame) == 5


def test_records_frame_values_are_those_of_the_records():
    frame = records_frame(sample_report())
    assert rows_of(frame, ["doc_id", "index", "start", "end", "label", "scope", "duplicate_of_doc",
                           "duplicate_of_index", "similarity", "reason", "match", "source"]) == [
        ("a", 0, 0, 85, "unique", NA, NA, NA, NA, NA, NA, NA),
        ("a", 1, 86, 171, "duplicate", "within", "a", 0, 1.0, NA, "exact", NA),
        ("a", 2, 172, 183, "boilerplate", NA, NA, NA, NA, "read_also_heading", NA, NA),
        ("b", 0, 0, 87, "duplicate", "across", "a", 0, 1.0, NA, "exact", "sabq"),
        ("b", 1, 88, 253, "unique", NA, NA, NA, NA, NA, NA, "sabq"),
    ]
    assert frame["text"].tolist() == [A, A, READ_ALSO, A_MARKED, A + " " + NEW]
    assert frame["reused"].tolist() == [[], [], [], [], [
        {"start": 0, "end": 85, "doc_id": "a", "index": 0, "source_start": 0, "source_end": 85, "similarity": 1.0}]]


def test_reused_passages_unnest_with_explode():
    frame = records_frame(sample_report())
    passages = frame.explode("reused").dropna(subset=["reused"])
    assert passages[["doc_id", "index"]].values.tolist() == [["b", 1]]
    (passage,) = passages["reused"]
    assert ARTICLE_B.split("\n")[1][passage["start"]:passage["end"]] == A


def test_records_frame_of_nothing_keeps_the_dtypes():
    frame = records_frame(Report([]))
    assert len(frame) == 0
    assert {name: str(dtype) for name, dtype in frame.dtypes.items()} == EXPECTED_DTYPES


def test_to_pandas_is_records_frame():
    report = sample_report()
    pd.testing.assert_frame_equal(report.to_pandas(), records_frame(report))


def test_records_frame_takes_any_iterable_of_records():
    records = [Record("x", 0, 0, 2, "نص", "unique")]
    assert records_frame(iter(records))["doc_id"].tolist() == ["x"]


# --------------------------------------------------------------------- Arrow


@needs_arrow
def test_records_table_holds_exactly_the_jsonl_records():
    report = sample_report()
    table = records_table(report)
    assert table.schema == records_schema()
    assert table.to_pylist() == report.to_dicts()


@needs_arrow
def test_records_schema_types():
    schema = records_schema()
    assert schema.names == ["doc_id", "index", "start", "end", "text", "label", "scope", "duplicate_of",
                            "similarity", "reason", "match", "source", "reused"]
    assert [f.name for f in schema if not f.nullable] == ["doc_id", "index", "start", "end", "text", "label",
                                                          "reused"]
    assert schema.field("duplicate_of").type == pa.struct([("doc_id", pa.string()), ("index", pa.int64())])
    assert schema.field("reused").type == pa.list_(pa.struct([
        ("start", pa.int64()), ("end", pa.int64()), ("doc_id", pa.string()), ("index", pa.int64()),
        ("source_start", pa.int64()), ("source_end", pa.int64()), ("similarity", pa.float64())]))
    assert schema.field("similarity").type == pa.float64()


@needs_arrow
def test_to_arrow_is_records_table_and_empty_reports_work():
    report = sample_report()
    assert report.to_arrow().equals(records_table(report))
    empty = Report([]).to_arrow()
    assert empty.num_rows == 0 and empty.schema == records_schema()


@needs_arrow
def test_lone_surrogates_become_replacement_characters_in_arrow(caplog):
    records = [Record("d\ud800", 0, 0, 3, "a\udfffb", "unique", reason="r\ud800"),
               Record("e", 0, 0, 2, "نص", "duplicate", "across", ParagraphRef("d\ud800", 0), 1.0,
                      reused=(Reuse(0, 1, "d\ud800", 0, 0, 1, 1.0),))]
    with caplog.at_level(logging.WARNING, logger="tikrar.frames"):
        rows = records_batch(records).to_pylist()
    assert [row["doc_id"] for row in rows] == ["d\ufffd", "e"]
    assert rows[0]["text"] == "a\ufffdb" and rows[0]["reason"] == "r\ufffd"
    assert rows[1]["duplicate_of"] == {"doc_id": "d\ufffd", "index": 0}
    assert rows[1]["reused"][0]["doc_id"] == "d\ufffd"
    assert "1 value(s) of column 'text' hold lone surrogates" in caplog.text


# --------------------------------------------------------------------- DataFrames in


def sample_frame(**extra):
    return pd.DataFrame({"id": ["a", "b"], "text": [ARTICLE_A, ARTICLE_B], **extra})


def test_dedup_frame_gives_the_records_of_dedup():
    frame = sample_frame(outlet=[None, "sabq"])
    records = dedup_frame(frame, source="outlet")
    pd.testing.assert_frame_equal(records, records_frame(sample_report()))


def test_renamed_columns_and_integer_ids_follow_dedup():
    frame = pd.DataFrame({"key": [10, 20], "body": [A, A_MARKED]})
    assert frame["key"].dtype == "int64"
    records = dedup_frame(frame, id="key", text="body")
    assert rows_of(records, ["doc_id", "label", "duplicate_of_doc"]) == [("10", "unique", NA), ("20", "duplicate", "10")]
    nullable = pd.DataFrame({"key": pd.array([1, 2], dtype="Int64"), "body": [A, A]})
    assert dedup_frame(nullable, id="key", text="body")["doc_id"].tolist() == ["1", "2"]


def test_an_integer_id_and_its_decimal_string_are_the_same_doc_id():
    frame = pd.DataFrame({"id": pd.Series([1, "1"], dtype=object), "text": [A, NEW]})
    with pytest.raises(InputError) as caught:
        dedup_frame(frame)
    assert str(caught.value) == "row 1: doc_id '1' repeats an article already added (duplicate_ids='error')"


@pytest.mark.parametrize("bad, problem", [
    (None, "text must be a string, got NoneType"),
    (float("nan"), "text must be a string, got NoneType"),
    (7, "text must be a string, got int"),
])
def test_a_bad_text_names_the_row(bad, problem):
    frame = pd.DataFrame({"id": ["a", "b", "c"], "text": pd.Series([A, bad, NEW], dtype=object)})
    with pytest.raises(InputError) as caught:
        dedup_frame(frame)
    assert caught.value.location == "row 1" and caught.value.problem == problem


def test_bad_ids_name_the_row_and_the_index_label():
    frame = pd.DataFrame({"id": ["a", 2.5], "text": [A, NEW]}, index=["x", "y"])
    with pytest.raises(InputError) as caught:
        dedup_frame(frame)
    assert str(caught.value) == "row 1 (index 'y'): doc_id must be a string or an integer, got float"
    missing = pd.DataFrame({"id": ["a", None], "text": [A, NEW]})
    with pytest.raises(InputError, match=r"^row 1: doc_id must be a string or an integer, got NoneType$"):
        dedup_frame(missing)


def test_on_error_skip_leaves_bad_rows_out_and_lists_them(caplog):
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": [A, None, A_MARKED, 3]})
    with caplog.at_level(logging.WARNING, logger="tikrar.frames"):
        report = frame_report(frame, on_error="skip")
    assert [(r.doc_id, r.label) for r in report] == [("a", "unique"), ("c", "duplicate")]
    assert report.skipped == [SkippedArticle("row 1", "text must be a string, got NoneType"),
                              SkippedArticle("row 3", "text must be a string, got int")]
    assert report.articles == 2 and report.counts["skipped"] == 2
    assert "skipped 2 row(s); the first: row 1: text must be a string, got NoneType" in caplog.text
    cleaned = clean_frame(frame, on_error="skip")
    assert cleaned.index.tolist() == [0, 2] and cleaned["text"].tolist() == [A, ""]


def test_on_error_must_be_raise_or_skip():
    with pytest.raises(ConfigError, match="on_error must be 'raise' or 'skip', got 'ignore'"):
        dedup_frame(sample_frame(), on_error="ignore")


def test_a_missing_column_is_named():
    with pytest.raises(ConfigError, match=r"the DataFrame has no text column 'body' \(columns: \['id', 'text'\]\)"):
        dedup_frame(sample_frame(), text="body")


def test_date_orders_the_rows_so_the_earliest_copy_is_kept():
    frame = pd.DataFrame({
        "id": ["late", "early", "undated"],
        "text": [A_MARKED, A, A],
        "published": pd.to_datetime(["2015-07-03", "2015-07-01", None]),
    })
    records = dedup_frame(frame, date="published")
    assert rows_of(records, ["doc_id", "label", "duplicate_of_doc"]) == [
        ("early", "unique", NA), ("late", "duplicate", "early"), ("undated", "duplicate", "early")]
    assert list(records.columns) == list(RECORD_COLUMNS[:13]) + ["date", "reused"]
    assert records["date"].dtype == frame["published"].dtype
    assert records["date"].tolist()[:2] == [pd.Timestamp("2015-07-01"), pd.Timestamp("2015-07-03")]
    assert pd.isna(records["date"].iloc[2])
    # Without the date, input order decides.
    assert dedup_frame(frame)["label"].tolist() == ["unique", "duplicate", "duplicate"]


def test_clean_frame_keeps_columns_and_index_and_cleans_the_text():
    frame = pd.DataFrame({"id": [3, 4, 5], "title": ["t3", "t4", "t5"], "text": [ARTICLE_A, ARTICLE_B, ""]},
                         index=[30, 40, 50])
    cleaned = clean_frame(frame)
    assert list(cleaned.columns) == ["id", "title", "text"]
    assert cleaned.index.tolist() == [30, 40, 50]
    assert cleaned["id"].tolist() == [3, 4, 5] and cleaned["title"].tolist() == ["t3", "t4", "t5"]
    assert str(cleaned["text"].dtype) == "string"
    # The repeat and the heading go, the paragraph that adds new text stays
    # whole; an article without paragraphs is an empty text.
    assert cleaned["text"].tolist() == [A, A + " " + NEW, ""]
    assert clean_frame(frame, drop_reused=True)["text"].tolist() == [A, NEW, ""]
    # The input is left as it was.
    assert frame["text"].tolist() == [ARTICLE_A, ARTICLE_B, ""]


def test_duplicate_ids_policies_choose_the_row():
    frame = pd.DataFrame({"id": ["a", "a"], "text": [A, NEW]})
    replaced = frame_report(frame, duplicate_ids="replace")
    assert [(r.doc_id, r.text) for r in replaced] == [("a", NEW)]
    assert replaced.skipped == [SkippedArticle("row 0", "replaced by a later row with the same doc_id (row 1)")]
    assert clean_frame(frame, duplicate_ids="replace")["text"].to_dict() == {1: NEW}
    skipped = frame_report(frame, duplicate_ids="skip")
    assert [r.text for r in skipped] == [A]
    assert skipped.skipped == [
        SkippedArticle("row 1", "doc_id 'a' repeats an article already added (duplicate_ids='skip')")]
    assert clean_frame(frame, duplicate_ids="skip")["text"].to_dict() == {0: A}


def test_a_deduplicator_carries_over_between_frames():
    d = Deduplicator()
    first = dedup_frame(pd.DataFrame({"id": ["a"], "text": [A]}), deduplicator=d)
    second = dedup_frame(pd.DataFrame({"id": ["b", "a"], "text": [A_MARKED, NEW]}), deduplicator=d,
                         on_error="skip")
    assert first["label"].tolist() == ["unique"]
    assert rows_of(second, ["doc_id", "label", "scope", "duplicate_of_doc"]) == [("b", "duplicate", "across", "a")]
    with pytest.raises(ConfigError, match="not both"):
        dedup_frame(sample_frame(), deduplicator=d, threshold=0.7)


def test_options_reach_the_deduplicator():
    near = A.replace("الكبرى", "الصغرى")
    frame = pd.DataFrame({"id": ["a", "b"], "text": [A, near]})
    assert dedup_frame(frame)["label"].tolist() == ["unique", "duplicate"]
    assert dedup_frame(frame, threshold=0.95, containment=None)["label"].tolist() == ["unique", "unique"]


# --------------------------------------------------------------------- datasets

def sample_dataset():
    return datasets.Dataset.from_dict({
        "id": ["a", "b", "c"],
        "text": [ARTICLE_A, ARTICLE_B, A + "\n" + NEW],
        "outlet": [None, "sabq", "okaz"],
        "topic": [0, 1, 0],
    }, features=datasets.Features({
        "id": datasets.Value("string"), "text": datasets.Value("string"), "outlet": datasets.Value("string"),
        "topic": datasets.ClassLabel(names=["local", "economy"]),
    }))


@needs_datasets
def test_dedup_dataset_gives_the_records_of_dedup_for_every_batch_size():
    dataset = sample_dataset()
    expected = dedup([("a", ARTICLE_A), ("b", ARTICLE_B, "sabq"), ("c", A + "\n" + NEW, "okaz")]).to_dicts()
    for batch_rows in (1, 2, 100):
        result = dedup_dataset(dataset, source="outlet", batch_rows=batch_rows)
        assert result.records.to_list() == expected, batch_rows
        assert result.counts == {"articles": 3, "paragraphs": 7, "unique": 2, "duplicate": 4, "boilerplate": 1,
                                 "within": 1, "across": 3, "skipped": 0}
    assert result.records.column_names == records_schema().names


@needs_datasets
def test_the_cleaned_dataset_keeps_columns_and_features():
    dataset = sample_dataset()
    result = dedup_dataset(dataset, source="outlet", batch_rows=2)
    assert result.cleaned.column_names == ["id", "text", "outlet", "topic"]
    assert result.cleaned.features == dataset.features
    assert result.cleaned.to_list() == [
        {"id": "a", "text": A, "outlet": None, "topic": 0},
        {"id": "b", "text": A + " " + NEW, "outlet": "sabq", "topic": 1},
        {"id": "c", "text": "", "outlet": "okaz", "topic": 0},
    ]
    assert dedup_dataset(dataset, drop_reused=True).cleaned["text"][:2] == [A, NEW]


@needs_datasets
def test_dedup_dataset_names_bad_rows_and_can_skip_them():
    dataset = datasets.Dataset.from_dict({"id": [1, 2, 3], "text": [A, None, A_MARKED]})
    with pytest.raises(InputError) as caught:
        dedup_dataset(dataset, batch_rows=2)
    assert str(caught.value) == "row 1: text must be a string, got NoneType"
    result = dedup_dataset(dataset, batch_rows=2, on_error="skip")
    assert result.skipped == [SkippedArticle("row 1", "text must be a string, got NoneType")]
    assert [(r["doc_id"], r["label"]) for r in result.records] == [("1", "unique"), ("3", "duplicate")]
    assert result.cleaned["id"] == [1, 3] and result.counts["skipped"] == 1


@needs_datasets
def test_dedup_dataset_refuses_what_it_cannot_read():
    dataset = sample_dataset()
    with pytest.raises(ConfigError, match=r"the dataset has no text column 'body'"):
        dedup_dataset(dataset, text="body")
    with pytest.raises(ConfigError, match="batch_rows must be a whole number >= 1, got 0"):
        dedup_dataset(dataset, batch_rows=0)
    with pytest.raises(TypeError, match="needs a datasets.Dataset, got IterableDataset"):
        dedup_dataset(dataset.to_iterable_dataset())


@needs_datasets
def test_an_empty_dataset():
    empty = datasets.Dataset.from_dict({"id": [], "text": []}, features=datasets.Features(
        {"id": datasets.Value("string"), "text": datasets.Value("string")}))
    result = dedup_dataset(empty)
    assert result.records.num_rows == 0 and result.cleaned.num_rows == 0
    assert result.counts["articles"] == 0


# --------------------------------------------------------------------- missing extras


@pytest.mark.parametrize("module, extra, call", [
    ("pandas", "pandas", lambda: records_frame(Report([]))),
    ("pandas", "pandas", lambda: Report([]).to_pandas()),
    ("pandas", "pandas", lambda: dedup_frame(None)),
    ("pyarrow", "arrow", lambda: records_table(Report([]))),
    ("pyarrow", "arrow", lambda: Report([]).to_arrow()),
    ("pyarrow", "arrow", records_schema),
    ("datasets", "datasets", lambda: dedup_dataset(None)),
])
def test_a_missing_extra_says_what_to_install(monkeypatch, module, extra, call):
    for name in list(sys.modules):
        if name == module or name.startswith(module + "."):
            # None in sys.modules makes the import fail, as if not installed.
            monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(MissingDependencyError) as caught:
        call()
    assert f"pip install 'tikrar[{extra}]'" in str(caught.value)
    assert caught.value.package == module
    assert isinstance(caught.value, ImportError)


def test_importing_tikrar_frames_loads_no_optional_package():
    import subprocess

    code = ("import sys, tikrar.frames, tikrar.io, tikrar.report; "
            "print(sorted(m for m in ('pandas', 'pyarrow', 'datasets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_module_lists_its_public_names():
    import inspect

    import tikrar.frames as frames

    defined_here = sorted(name for name, value in vars(frames).items()
                          if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
                          and value.__module__ == frames.__name__)
    assert sorted(set(frames.__all__) - {"RECORD_COLUMNS"}) == defined_here
    assert all(hasattr(frames, name) for name in frames.__all__)
