"""tikrar.spark gives the local engine's records, record for record.

The Spark tests run on ``local[2]``. Without pyspark or Java they skip,
saying why; with ``TIKRAR_REQUIRE_SPARK=1`` (as CI sets it) they fail
instead.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tikrar
from tikrar import DedupConfig, LSHConfig
from tikrar.errors import ConfigError, InputError, MissingDependencyError

from conftest import requires_saudinewsnet
from benchmarks import saudinewsnet

REQUIRE_SPARK = os.environ.get("TIKRAR_REQUIRE_SPARK") == "1"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _unavailable(reason: str):
    if REQUIRE_SPARK:
        pytest.fail(f"TIKRAR_REQUIRE_SPARK=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def spark():
    """One local[2] session for the whole test run."""
    try:
        importlib.import_module("pyarrow")   # the tests make their DataFrames from Arrow tables
        from pyspark.sql import SparkSession
    except ImportError as err:
        _unavailable(f"pyspark or pyarrow is not installed ({err}); pip install 'tikrar[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("Java is not installed (no java on PATH and no JAVA_HOME); Spark needs Java 17 or later")
    # The workers run this interpreter (it has tikrar and its kernels).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    try:
        session = (SparkSession.builder.master("local[2]").appName("tikrar-tests")
                   .config("spark.pyspark.python", sys.executable)
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.default.parallelism", "2")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .getOrCreate())
    except Exception as err:  # a JVM that does not start: no Java, a broken install
        _unavailable(f"a local Spark session does not start: {err}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def frame(spark, articles, order=True):
    """A DataFrame of ``articles`` (dicts with id, text and source), with an
    ``order`` column of their positions unless ``order`` is False."""
    import pyarrow as pa

    columns = {"id": [a["id"] for a in articles], "text": [a["text"] for a in articles],
               "source": [a.get("source") for a in articles]}
    if order:
        columns["order"] = list(range(len(articles)))
    return spark.createDataFrame(pa.table(columns))


def spark_dicts(records) -> list[dict]:
    """Spark records as the dicts ``Record.to_dict`` makes."""
    return [row.asDict(recursive=True) for row in records.collect()]


def assert_same(spark_records: list[dict], local_records: list[dict]) -> None:
    assert len(spark_records) == len(local_records)
    for mine, theirs in zip(spark_records, local_records):
        assert mine == theirs, {key: (mine[key], theirs[key]) for key in mine if mine[key] != theirs.get(key)}


# -- a small corpus written for the tests ------------------------------------------------------

WIRE = ("وقال المتحدث باسم الوزارة إن المحادثات بين الوفدين ستستأنف غدا في العاصمة القطرية الدوحة "
        "بحضور الوسطاء من الجانبين")
FOOTER = "جميع الحقوق محفوظة لصحيفة المساء اليومية التي تصدر عن مؤسسة الإعلام الحديث في الرياض"


def small_corpus() -> list[dict]:
    """Repeats of every kind: exact across and within articles, near (a
    word changed), contained (the start of the wire as a paragraph of its
    own), a paragraph that holds the wire plus new text (reused, not a
    duplicate), phrase-rule boilerplate with a list under a heading, an
    empty paragraph, and a footer that becomes its source's furniture from
    the 10th article of the source on."""
    articles = [
        {"id": 1, "text": f"{WIRE}\nاقرأ أيضاً:\nعنوان خبر قديم\n{WIRE}", "source": "sabq"},
        {"id": 2, "text": WIRE.replace("غدا", "اليوم") + "\n(( ))\nوأضاف أن الوفود ستلتقي في قاعة المؤتمرات الكبرى "
                          "بعد الظهر لمناقشة الملفات العالقة بين الطرفين", "source": "okaz"},
        {"id": 3, "text": "الرياض - واس: " + WIRE, "source": "okaz"},
        {"id": 4, "text": "أعلنت الحكومة اليوم عن خطة جديدة لدعم المزارعين في المناطق الريفية " + WIRE
                          + " وأضاف أن الجولة المقبلة ستركز على الملفات الاقتصادية العالقة بين الجانبين",
         "source": None},
        {"id": 5, "text": "عاجل\n" + " ".join(WIRE.split()[:9]), "source": "sabq"},
        {"id": 6, "text": "", "source": "sabq"},   # no paragraphs: no records, not in the cleaned articles
    ]
    for k in range(12):
        articles.append({"id": 10 + k, "text": f"نشرة الطقس رقم {k}\n{FOOTER}", "source": "madina"})
    return articles


@pytest.fixture(scope="module")
def small_run(spark):
    import tikrar.spark as tikrar_spark

    articles = small_corpus()
    # No order column: the input order is the DataFrame's own.
    records = tikrar_spark.dedup(frame(spark, articles, order=False))
    return articles, records


def test_small_corpus_gives_the_local_records(small_run):
    articles, records = small_run
    local = tikrar.dedup(articles)
    mine = spark_dicts(records)
    assert_same(mine, local.to_dicts())
    # Every kind of verdict is present, so the equality covers them all.
    labels = {(r["label"], r["match"], r["scope"]) for r in mine}
    assert {("duplicate", "exact", "within"), ("duplicate", "near", "across"), ("duplicate", "contained", "across"),
            ("boilerplate", None, None), ("unique", None, None)} <= labels
    assert any(r["reused"] for r in mine)
    assert any(r["reason"] == "empty after normalization" for r in mine)
    assert any((r["reason"] or "").startswith("after:") for r in mine)
    assert sum((r["reason"] or "").startswith("repeated in") for r in mine) == 3   # 10th, 11th, 12th copies
    assert records.schema.names == list(local.records[0].to_dict())


def test_cleaned_articles_are_the_local_ones(spark, small_run):
    import tikrar.spark as tikrar_spark

    articles, records = small_run
    local = tikrar.dedup(articles)
    for drop_reused in (False, True):
        mine = {row["id"]: row["text"] for row in tikrar_spark.cleaned(records, drop_reused=drop_reused).collect()}
        assert mine == local.cleaned(drop_reused=drop_reused)
    assert mine["4"] != local.cleaned()["4"]   # the reused wire is cut out of article 4


def test_the_fingerprint_cap_is_applied_as_locally(spark):
    """A passage shared by twelve kept paragraphs: with two postings per
    fingerprint a paragraph's lookups see only the two most recent earlier
    ones, locally and on Spark alike."""
    import tikrar.spark as tikrar_spark

    passage = ("واكد البيان ان اللجنة المشتركة ستعقد اجتماعها القادم في مقر الامانة العامة لمجلس التعاون "
               "لبحث سبل تعزيز التكامل الاقتصادي بين الدول الاعضاء")
    letters = "بتثجحخدذرزسشصضطظعغفقكلمن"

    def own_words(k: int) -> str:   # 20 words no other article has
        return " ".join(letters[k] + letters[(k + w) % 24] + letters[w % 24] + "ون" for w in range(20))

    articles = [{"id": f"w{k}", "text": f"{own_words(k)} {passage}"} for k in range(12)]
    config = DedupConfig(fingerprint_postings=2)
    local = tikrar.dedup(articles, config=config).to_dicts()
    # The cap binds: the last paragraph takes the passage from w9 (of w10
    # and w9) instead of w3 (the earliest of the eight most recent).
    assert [r["reused"][0]["doc_id"] for r in local[1:]] == ["w0", "w0"] + [f"w{k}" for k in range(1, 10)]
    assert tikrar.dedup(articles).to_dicts()[-1]["reused"][0]["doc_id"] == "w3"
    mine = spark_dicts(tikrar_spark.dedup(frame(spark, articles), config=config))
    assert_same(mine, local)


def test_the_spark_submit_example_reads_a_directory_as_the_cli_does(spark):
    import importlib.util

    import tikrar.spark as tikrar_spark
    from tikrar.io import read_paths

    spec = importlib.util.spec_from_file_location("spark_submit", EXAMPLES / "spark_submit.py")
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    records = tikrar_spark.dedup(example.read_articles(spark, str(EXAMPLES / "articles")))
    assert_same(spark_dicts(records), tikrar.dedup(list(read_paths([EXAMPLES / "articles"]))).to_dicts())


def test_bad_articles_are_refused_before_any_work(spark):
    import tikrar.spark as tikrar_spark

    with pytest.raises(InputError, match="'a'.*repeats"):
        tikrar_spark.dedup(spark.createDataFrame([("a", "نص"), ("a", "نص آخر")], "id string, text string"))
    with pytest.raises(InputError, match="'b'.*text must be a string"):
        tikrar_spark.dedup(spark.createDataFrame([("b", None)], "id string, text string"))
    with pytest.raises(ConfigError, match="no 'body' column"):
        tikrar_spark.dedup(spark.createDataFrame([("a", "نص")], "id string, text string"), text_col="body")
    with pytest.raises(ConfigError, match="ids .* must be strings or integers, got double"):
        tikrar_spark.dedup(spark.createDataFrame([(1.5, "نص")], "id double, text string"))
    with pytest.raises(ConfigError, match="unknown option"):
        tikrar_spark.dedup(spark.createDataFrame([("a", "نص")], "id string, text string"), thresold=0.7)


def test_without_pyspark_the_error_gives_the_pip_line():
    code = ("import sys; sys.modules['pyspark'] = None\n"
            "import tikrar.spark\n"
            "try:\n    tikrar.spark.dedup(None)\n"
            "except tikrar.MissingDependencyError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ("tikrar.spark needs the optional package 'pyspark'; "
                           "install it with: pip install 'tikrar[spark]'")
    assert issubclass(MissingDependencyError, ImportError)


# -- SaudiNewsNet ------------------------------------------------------------------------------

@requires_saudinewsnet
def test_3000_saudinewsnet_articles_give_the_local_records(spark, snn_articles):
    import tikrar.spark as tikrar_spark

    local = tikrar.dedup(snn_articles)
    records = tikrar_spark.dedup(frame(spark, snn_articles))
    mine = spark_dicts(records)
    assert_same(mine, local.to_dicts())
    counts = local.counts
    assert counts["duplicate"] > 1000 and counts["boilerplate"] > 100   # the equality covers every kind
    assert sum(bool(r["reused"]) for r in mine) > 100
    assert {row["id"]: row["text"] for row in tikrar_spark.cleaned(records, drop_reused=True).collect()} \
        == local.cleaned(drop_reused=True)


@requires_saudinewsnet
def test_tight_candidate_caps_are_reproduced_on_saudinewsnet(spark):
    """With one member per LSH bucket and one posting per fingerprint, the
    caps change labels and reused passages of 600 SaudiNewsNet articles
    (the LSH cap alone changes a label); Spark applies them as the local
    engine does."""
    import tikrar.spark as tikrar_spark

    articles = saudinewsnet.load_articles(600)
    tight = DedupConfig(lsh=LSHConfig(max_bucket_pairs=1), fingerprint_postings=1)
    local = tikrar.dedup(articles, config=tight).to_dicts()

    def verdicts(records):
        return [(r["label"], r["duplicate_of"]) for r in records]

    only_fingerprints = tikrar.dedup(articles, config=DedupConfig(fingerprint_postings=1)).to_dicts()
    assert verdicts(local) != verdicts(only_fingerprints)                 # the LSH cap binds
    assert [r["reused"] for r in only_fingerprints] != [r["reused"] for r in tikrar.dedup(articles).to_dicts()]
    mine = spark_dicts(tikrar_spark.dedup(frame(spark, articles), config=tight))
    assert_same(mine, local)
