"""Bad input never crashes a batch or loses the rest.

Every input record is accounted for: it is added (``report.counts["articles"]``
counts it and its paragraphs, if any, have records under its doc_id) or it is
in ``report.skipped`` with a reason. Options of the wrong type are a
:class:`tikrar.ConfigError` naming the option and the value.
"""

from __future__ import annotations

import contextlib
import enum
import io
import json
import random
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tikrar
from tikrar import Article, ConfigError, DedupConfig, Deduplicator, InputError, LSHConfig, MinHashConfig, Rule
from tikrar import ShingleConfig
from tikrar.cli import main
from tikrar.dedup import coerce_article
from tikrar.segment import paragraph_spans
from tikrar.types import LABELS

SENTENCE = "وقال المتحدث الرسمي إن المحادثات ستستأنف غدا في العاصمة القطرية الدوحة بحضور الوفود كلها"
OTHER = "وأعلنت وزارة الصحة تسجيل حالات جديدة في المنطقة الشرقية خلال الأسبوع الماضي بحسب البيان"
RULE = Rule("promo", "^اعلان ممول$")

# -- 1. options of the wrong type --------------------------------------------

BAD_OPTIONS = [
    ("bands", True),
    ("bands", 4.0),
    ("rows", True),
    ("normalize", None),
    ("normalize", 1),
    ("normalize", tikrar.Rule),
    ("rules", ["x"]),
    ("rules", "x"),
    ("rules", 5),
    ("rules", [RULE, None]),
    ("disable_rules", "name"),
    ("disable_rules", b"name"),
    ("disable_rules", [1]),
    ("disable_rules", 3),
    ("boilerplate", "no"),
    ("boilerplate", 1),
    ("boilerplate", None),
    ("threshold", "0.5"),
    ("threshold", True),
    ("threshold", None),
    ("threshold", float("nan")),
    ("num_perm", 128.0),
    ("num_perm", True),
    ("seed", True),
    ("seed", 1.0),
    ("short_words", True),
    ("short_words", 8.0),
    ("short_words", "8"),
    ("short_words", 2**63),
    ("corpus_boilerplate", 1),
    ("corpus_boilerplate", "yes"),
    ("min_reuse_words", True),
    ("min_reuse_words", 12.0),
    ("containment", "high"),
    ("containment", True),
    ("source_separators", None),
    ("source_separators", [":"]),
    ("extra_rules", [1]),
    ("extra_rules", RULE),
    ("extra_rules", "promo"),
    ("config", "x"),
    ("config", {}),
    ("shingle", 1),
    ("shingle", ["word"]),
    ("shingle_size", True),
    ("shingle_size", 3.0),
    ("min_source_articles", True),
    ("min_source_articles", 10.0),
    ("min_source_share", True),
    ("min_source_share", "0.5"),
    ("fingerprint_window", True),
    ("fingerprint_window", 2**63),
    ("fingerprint_postings", 4.0),
    ("fingerprint_postings", 2**63),
    ("duplicate_ids", ["error"]),
    ("duplicate_ids", None),
]


@pytest.mark.parametrize("name, value", BAD_OPTIONS, ids=[f"{n}={v!r}" for n, v in BAD_OPTIONS])
def test_a_wrong_option_is_a_config_error_naming_it_and_its_value(name, value):
    for build in (lambda: Deduplicator(**{name: value}), lambda: DedupConfig.from_options(**{name: value}),
                  lambda: tikrar.dedup([("a", SENTENCE)], **{name: value})):
        with pytest.raises(ConfigError) as info:
            build()
        message = str(info.value)
        assert name in message
        assert repr(value) in message


@pytest.mark.parametrize("field, value", [
    ("normalize", "light"), ("shingle", "word"), ("minhash", 64), ("lsh", None), ("rules", ["x"]), ("rules", "x"),
    ("boilerplate", 0), ("corpus_boilerplate", None), ("threshold", "0.5"), ("short_words", False),
    ("min_source_share", False), ("duplicate_ids", ("error",)),
])
def test_dedup_config_checks_the_type_of_each_field(field, value):
    with pytest.raises(ConfigError) as info:
        DedupConfig(**{field: value})
    assert field in str(info.value) and repr(value) in str(info.value)


@pytest.mark.parametrize("build, message", [
    (lambda: ShingleConfig(size=True), "shingle size must be an integer from 1 to 32, got True"),
    (lambda: ShingleConfig(kind=["word"]), "shingle kind must be one of"),
    (lambda: MinHashConfig(num_perm=True), "num_perm must be an integer from 2 to 1024, got True"),
    (lambda: MinHashConfig(seed=False), r"seed must be an integer in \[0, 2\*\*32\), got False"),
    (lambda: LSHConfig(bands=True, rows=True), "LSH bands must be a positive integer, got True"),
    (lambda: LSHConfig(bands=None, rows=False), "LSH rows must be a positive integer, got False"),
    (lambda: LSHConfig(max_bucket_pairs=True), "max_bucket_pairs must be a positive integer"),
    (lambda: LSHConfig(max_bucket_pairs=2**63), "max_bucket_pairs must be a positive integer"),
])
def test_stage_configs_refuse_bools_as_integers(build, message):
    with pytest.raises(ConfigError, match=message):
        build()


def test_right_values_of_every_kind_are_still_accepted():
    config = DedupConfig.from_options(
        threshold=1, containment=1, min_source_share=1, short_words=0, num_perm=64, seed=0, bands=8, rows=8,
        shingle="char", shingle_size=5, normalize=tikrar.LIGHT, boilerplate=True, corpus_boilerplate=False,
        extra_rules=iter([RULE]), disable_rules=("wire_end",), min_reuse_words=None, fingerprint_window=2**31 - 1,
        config=DedupConfig(),
    )
    assert config.threshold == 1 and config.minhash.num_perm == 64 and config.lsh.bands == 8
    assert config.normalize == tikrar.LIGHT and config.shingle == ShingleConfig("char", 5)
    names = [rule.name for rule in config.rules]
    assert "promo" in names and "wire_end" not in names
    assert DedupConfig(rules=[RULE]).rules == (RULE,)  # any iterable of rules, kept as a tuple
    assert DedupConfig.from_options(disable_rules={"wire_end"}, normalize="light").normalize == tikrar.LIGHT
    assert DedupConfig.from_options(config=None) == DedupConfig.from_options()


# -- 2. coerce_article and add -----------------------------------------------


class Colour(enum.IntEnum):
    RED = 5


class Name(str):
    def __str__(self):
        return "not the id"


@pytest.mark.parametrize("doc_id", [None, 1.0, float("nan"), True, False, b"a", bytearray(b"a"), ["a"], {"a": 1},
                                    ("a",), object(), 1j, Article])
@pytest.mark.parametrize("form", ["tuple", "triple", "dict", "doc_id_dict", "article"])
def test_an_id_that_is_neither_a_string_nor_an_integer_is_an_input_error(doc_id, form):
    item = {"tuple": (doc_id, "نص"), "triple": (doc_id, "نص", None), "dict": {"id": doc_id, "text": "نص"},
            "doc_id_dict": {"doc_id": doc_id, "text": "نص"}, "article": Article(doc_id, "نص")}[form]
    with pytest.raises(InputError) as info:
        coerce_article(item, 5)
    assert info.value.location == "article #5"
    assert info.value.problem == f"doc_id must be a string or an integer, got {type(doc_id).__name__}"


def test_integer_ids_are_written_in_decimal_and_strings_are_kept():
    assert coerce_article((7, "نص"), 0).doc_id == "7"
    assert coerce_article({"doc_id": -12, "text": "نص"}, 0).doc_id == "-12"
    assert coerce_article((Colour.RED, "نص"), 0).doc_id == "5"
    assert coerce_article((2**100, "نص"), 0).doc_id == str(2**100)
    named = coerce_article((Name("abc"), Name("نص"), Name("src")), 0)
    assert (named.doc_id, named.text, named.source) == ("abc", "نص", "src")
    assert type(named.doc_id) is str and type(named.text) is str and type(named.source) is str
    article = Article("a", "نص", "src")
    assert coerce_article(article, 0) is article
    with pytest.raises(InputError, match=r"article #3: doc_id is an integer of \d+ bits, too long"):
        coerce_article((10**5000, "نص"), 3)


def test_text_must_be_a_string():
    for text, kind in [(None, "NoneType"), (b"x", "bytes"), (5, "int"), (["x"], "list")]:
        with pytest.raises(InputError) as info:
            coerce_article(("a", text), 0)
        assert str(info.value) == f"article 'a': text must be a string, got {kind}"
    with pytest.raises(InputError, match="article '7': text must be a string, got NoneType"):
        coerce_article({"id": 7}, 0)
    with pytest.raises(InputError, match=r"article #2: has no 'id' \(or 'doc_id'\) field"):
        coerce_article({"text": "x"}, 2)
    with pytest.raises(InputError, match="article #2: expected \\(doc_id, text\\), a dict or an Article, got str"):
        coerce_article("نص", 2)


def test_source_is_none_a_string_or_an_integer():
    assert coerce_article(("a", "نص", 12), 0).source == "12"
    assert coerce_article({"id": "a", "text": "نص"}, 0).source is None
    for source, kind in [(1.5, "float"), (True, "bool"), (b"s", "bytes"), (["s"], "list")]:
        with pytest.raises(InputError) as info:
            coerce_article(("a", "نص", source), 0)
        assert str(info.value) == f"article 'a': source must be a string or None, got {kind}"


def test_error_messages_print_safely_whatever_the_id_holds():
    with pytest.raises(InputError) as info:
        coerce_article(("\ud800\x00\n" + "x" * 1000, None), 0)
    message = str(info.value)
    message.encode("utf-8")  # no lone surrogate left
    assert "\n" not in message and "\x00" not in message and len(message) < 300
    assert message.startswith("article '\\ud800\\x00\\n")
    report = tikrar.dedup([("\udcff", SENTENCE), ("\udcff", OTHER)], on_error="skip")
    assert [s.location for s in report.skipped] == ["article #1"]
    f"{report.skipped[0].location}: {report.skipped[0].problem}".encode("utf-8")


def test_1_and_the_string_1_are_the_same_doc_id():
    with pytest.raises(InputError, match="doc_id '1' repeats an article already added"):
        tikrar.dedup([(1, SENTENCE), ("1", OTHER)])
    report = tikrar.dedup([(1, SENTENCE), ("1", OTHER)], on_error="skip")
    assert report.counts["articles"] == 1 and [r.text for r in report] == [SENTENCE]
    report = tikrar.dedup([(1, SENTENCE), ("1", OTHER)], duplicate_ids="replace")
    assert [(r.doc_id, r.text) for r in report] == [("1", OTHER)] and len(report.skipped) == 1


def _check_records(report, articles):
    """Each added article's records: text slices of it, in order, covering
    every paragraph; labels valid; duplicates name a kept record."""
    by_id = defaultdict(list)
    for record in report:
        by_id[record.doc_id].append(record)
    assert set(by_id) <= set(articles)
    kept = {(r.doc_id, r.index) for r in report if r.label == "unique"}
    for doc_id, (text, source) in articles.items():
        records = by_id.get(doc_id, [])
        spans = paragraph_spans(text)
        assert [r.index for r in records] == list(range(len(records)))
        end = 0
        for record in records:
            assert record.text == text[record.start:record.end] != ""
            assert record.start >= end
            end = record.end
            assert any(s <= record.start and record.end <= e for s, e in spans)
            assert record.source == source
        for s, e in spans:
            assert any(s <= r.start and r.end <= e for r in records)
    for record in report:
        assert record.label in LABELS
        if record.label == "duplicate":
            assert (record.duplicate_of.doc_id, record.duplicate_of.index) in kept
            assert record.scope == ("within" if record.duplicate_of.doc_id == record.doc_id else "across")
            assert record.match in ("exact", "near", "contained") and 0 < record.similarity <= 1
        elif record.label == "unique":
            assert record.duplicate_of is None and record.scope is None
        else:  # boilerplate: a rule, or a duplicate relabelled as its source's furniture
            assert record.reason
            assert record.duplicate_of is None or (record.duplicate_of.doc_id, record.duplicate_of.index) in kept


def _garbage(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def test_every_kind_of_bad_record_is_skipped_or_labelled_and_none_is_lost():
    garbage = _garbage(0, 20_000)
    items = [
        ("ok", SENTENCE),                                  # 0 added
        ("none", None),                                    # 1 skipped: text
        (None, SENTENCE),                                  # 2 skipped: id
        (1.5, SENTENCE),                                   # 3 skipped: id
        (True, SENTENCE),                                  # 4 skipped: id
        (b"id", SENTENCE),                                 # 5 skipped: id
        ("surrogates \ud800", "نص \ud800 فيه\udfff\n" + SENTENCE + "\udcff", "\udbff"),  # 6 added
        ("nul", "\x00\x01\x1b[31m نص \x7f\x00\n\x00"),       # 7 added
        ("latin-1", garbage.decode("latin-1")),            # 8 added
        ("escape", garbage.decode("utf-8", "surrogateescape")),  # 9 added
        ("empty", ""),                                     # 10 added, no paragraph
        ("blank", " \t\u200f\u200e\u202b\u2066\ufeff\u00ad \n\r\n\u2028\u2029 \u200b"),  # 11 added, none
        ("ok", OTHER),                                     # 12 skipped: repeated id
        42,                                                # 13 skipped: not a record
        {"id": 7, "text": SENTENCE},                       # 14 added as "7"
        ("7", OTHER),                                      # 15 skipped: repeats "7"
        ("src", SENTENCE, 3.5),                            # 16 skipped: source
        Article("article", "\u0000" + SENTENCE),           # 17 added
    ]
    report = tikrar.dedup(items, on_error="skip")
    skipped = {s.location: s.problem for s in report.skipped}
    assert report.counts["articles"] + len(report.skipped) == len(items)
    assert report.counts["articles"] == 9 and len(report.skipped) == 9
    assert skipped["article 'none'"] == "text must be a string, got NoneType"
    assert skipped["article #2"] == "doc_id must be a string or an integer, got NoneType"
    assert skipped["article #3"] == "doc_id must be a string or an integer, got float"
    assert skipped["article #4"] == "doc_id must be a string or an integer, got bool"
    assert skipped["article #5"] == "doc_id must be a string or an integer, got bytes"
    assert skipped["article #12"].startswith("doc_id 'ok' repeats")
    assert skipped["article #13"] == "expected (doc_id, text), a dict or an Article, got int"
    assert skipped["article #15"].startswith("doc_id '7' repeats")
    assert skipped["article 'src'"] == "source must be a string or None, got float"
    added = {"ok": (SENTENCE, None), items[6][0]: items[6][1:], "nul": (items[7][1], None),
             "latin-1": (items[8][1], None), "escape": (items[9][1], None), "empty": ("", None),
             "blank": (items[11][1], None), "7": (SENTENCE, None), "article": (items[17].text, None)}
    _check_records(report, added)
    ids = {r.doc_id for r in report}
    assert "empty" not in ids and "blank" not in ids
    assert {"ok", "nul", "latin-1", "escape", "7", "article", items[6][0]} <= ids
    # The same input raises on the first bad record, naming it, and adds nothing.
    deduplicator = Deduplicator()
    with pytest.raises(InputError, match="article 'none'"):
        deduplicator.add(items)
    assert deduplicator.paragraph_count == 0


def test_a_10_mb_paragraph_is_labelled_in_reasonable_time():
    rnd = random.Random(1)
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    vocabulary = ["".join(rnd.choice(letters) for _ in range(rnd.randint(2, 7))) for _ in range(5000)]
    words, size = [], 0
    while size < 10_000_000:
        word = rnd.choice(vocabulary)
        words.append(word)
        size += len(word.encode("utf-8")) + 1
    big = " ".join(words)
    changed = list(words)
    changed[len(changed) // 2] = "تغيير"
    started = time.perf_counter()
    report = tikrar.dedup([("big", big), ("copy", big), ("edited", " ".join(changed)), ("small", SENTENCE)])
    assert time.perf_counter() - started < 60
    assert [(r.doc_id, r.label, r.start, r.end, r.match) for r in report] == [
        ("big", "unique", 0, len(big), None), ("copy", "duplicate", 0, len(big), "exact"),
        ("edited", "duplicate", 0, len(big) + 3, "near"), ("small", "unique", 0, len(SENTENCE), None)]
    assert report[0].text == big


@pytest.mark.parametrize("encoding", ["latin-1", "surrogateescape"])
def test_binary_garbage_decoded_as_text_is_segmented_and_labelled(encoding):
    raw = _garbage(2, 50_000)
    text = raw.decode("latin-1") if encoding == "latin-1" else raw.decode("utf-8", "surrogateescape")
    report = tikrar.dedup([("g", text), ("h", text)], on_error="skip")
    assert report.counts["articles"] == 2 and not report.skipped
    _check_records(report, {"g": (text, None), "h": (text, None)})
    first = [r for r in report if r.doc_id == "g"]
    second = [r for r in report if r.doc_id == "h"]
    assert len(first) == len(second) == len(paragraph_spans(text)) > 10
    # The second copy repeats the first, paragraph by paragraph (or is furniture).
    assert all(r.label != "unique" for r in second)


def test_empty_and_invisible_texts_are_articles_without_paragraphs():
    texts = ["", " ", "\n\n\n", "\u200f\u200e\u061c", "\t\u202a\u202c\u2066\u2069\r\n\ufeff", "\u2028\u2029\u0085"]
    report = tikrar.dedup([(str(k), t) for k, t in enumerate(texts)])
    assert report.counts["articles"] == len(texts) and len(report) == 0 and not report.skipped


# -- 3. properties ------------------------------------------------------------

POOL = [
    SENTENCE,
    OTHER,
    "عين اليوم - متابعات " + SENTENCE,
    "// انتهى //",
    "(واس)",
    "Next Previous " + OTHER,
    "اعلان ممول",
    "نص قصير",
]
CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),  # anything: surrogates, controls, unassigned
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
    st.characters(min_codepoint=0x0750, max_codepoint=0x077F),
    st.sampled_from(list(" \n\r\t\x00\x1f\x7f\u0085\u2028\u2029\u200f\u202b\ufeff\u00a0\ud800\udfff")),
)
FREE = st.text(CHARACTERS, max_size=60)


def _edited(sentence: str, at: int, word: str) -> str:
    words = sentence.split(" ")
    words[at % len(words)] = word
    return " ".join(words)


PARAGRAPHS = st.one_of(st.sampled_from(POOL), FREE,
                       st.builds(_edited, st.sampled_from(POOL), st.integers(0, 20), FREE))
TEXTS = st.builds(lambda parts, sep: sep.join(parts), st.lists(PARAGRAPHS, max_size=5),
                  st.sampled_from(["\n", "\r\n", "\n\n", "\u2029", " \n\u200f"]))
IDS = st.one_of(st.text(), st.text(CHARACTERS, max_size=4), st.integers(), st.none(), st.binary(), st.floats(),
                st.booleans(), st.sampled_from(["a", "b", "1", 1, 2, "sabq:1", "sabq:2"]))
SOURCES = st.one_of(st.none(), st.sampled_from(["sabq", "okaz"]), st.text(CHARACTERS, max_size=4), st.integers(),
                    st.floats(), st.binary(max_size=2))
TEXT_VALUES = st.one_of(TEXTS, TEXTS, TEXTS, st.none(), st.integers(), st.binary(max_size=4))


@st.composite
def _items(draw):
    doc_id, text, source = draw(IDS), draw(TEXT_VALUES), draw(SOURCES)
    form = draw(st.sampled_from(["tuple", "triple", "dict", "article"]))
    if form == "tuple":
        return (doc_id, text), (doc_id, text, None)
    if form == "triple":
        return (doc_id, text, source), (doc_id, text, source)
    if form == "dict":
        return {draw(st.sampled_from(["id", "doc_id"])): doc_id, "text": text, "source": source}, (doc_id, text, source)
    return Article(doc_id, text, source), (doc_id, text, source)


def _expected_key(value):
    """A doc_id or source as the library keeps it, or None when it is refused."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    return None


def _expected(fields, policy):
    """The articles that are added, by doc_id, in input order: (text, source)."""
    added = {}
    for doc_id, text, source in fields:
        key = _expected_key(doc_id)
        if key is None or type(text) is not str or (source is not None and _expected_key(source) is None):
            continue
        if key in added and policy != "replace":
            continue
        added.pop(key, None)
        added[key] = (text, _expected_key(source) if source is not None else None)
    return added


OPTIONS = st.fixed_dictionaries({
    "threshold": st.floats(0, 1, exclude_min=True),
    "containment": st.one_of(st.none(), st.floats(0, 1, exclude_min=True)),
    "short_words": st.integers(0, 20),
    "shingle": st.sampled_from(["word", "char"]),
    "shingle_size": st.integers(1, 16),
    "min_reuse_words": st.one_of(st.none(), st.integers(1, 30)),
})


@pytest.mark.parametrize("policy", ["error", "skip", "replace"])
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(_items(), max_size=8), options=OPTIONS)
def test_any_input_is_accounted_for_and_labelled_consistently(policy, drawn, options):
    items = [item for item, _ in drawn]
    fields = [f for _, f in drawn]
    reuse = options["min_reuse_words"]
    if reuse is not None and reuse < options["shingle_size"]:  # the one invalid combination drawn
        with pytest.raises(ConfigError, match=f"min_reuse_words must be None or an integer >= the shingle size "
                                              f"\\({options['shingle_size']}\\), got {reuse}"):
            tikrar.dedup(items, on_error="skip", duplicate_ids=policy, **options)
        return
    report = tikrar.dedup(items, on_error="skip", duplicate_ids=policy, **options)
    added = _expected(fields, policy)
    assert report.counts["articles"] == len(added)
    assert report.counts["articles"] + len(report.skipped) == len(items)
    assert all(s.location and s.problem for s in report.skipped)
    _check_records(report, added)
    # Records follow the input order of the added articles.
    order = list(dict.fromkeys(r.doc_id for r in report))
    assert order == [doc_id for doc_id in added if doc_id in order]
    # Without on_error="skip", a bad record (or a repeated id under "error") raises.
    valid = [_expected_key(doc_id) for doc_id, text, source in fields
             if _expected_key(doc_id) is not None and type(text) is str
             and (source is None or _expected_key(source) is not None)]
    must_raise = len(valid) < len(fields) or (policy == "error" and len(set(valid)) < len(valid))
    if must_raise:
        with pytest.raises(InputError):
            tikrar.dedup(items, duplicate_ids=policy, **options)
    else:
        assert tikrar.dedup(items, duplicate_ids=policy, **options).records == report.records


# -- 4. the command line ------------------------------------------------------

JSON_IDS = st.one_of(st.text(CHARACTERS, max_size=4), st.integers(-10**20, 10**20), st.none(),
                     st.floats(allow_nan=False), st.sampled_from(["a", "1", 1, "inp:1"]), st.lists(st.integers(), max_size=2))
JUNK = st.sampled_from([b"{not json", b"[1, 2]", b"null", b'"text"', b"42", b"\xff\xfe{\"id\": 1}", b'{"id": "x"}',
                        b'{"id": "x", "text": 5}', b'{"id": "x", "text": null}', b"   "])


@st.composite
def _lines(draw):
    if draw(st.integers(0, 4)) == 0:
        return draw(JUNK)
    obj = {}
    if draw(st.booleans()):
        obj["id"] = draw(JSON_IDS)
    obj["text"] = draw(TEXTS)
    if draw(st.booleans()):
        obj["source"] = draw(st.one_of(st.none(), st.text(CHARACTERS, max_size=3), st.integers(0, 9)))
    return json.dumps(obj, ensure_ascii=True).encode("ascii")


def _cli_expected(lines, stem):
    """What the CLI adds, by doc_id, and how many lines it skips (blank ones
    are passed over: they are not records)."""
    added, skipped, records = {}, 0, 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        records += 1
        try:
            obj = json.loads(raw.decode("utf-8"))
        except ValueError:
            skipped += 1
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            skipped += 1
            continue
        doc_id = f"{stem}:{number}" if obj.get("id") is None else str(obj["id"])
        if doc_id in added:
            skipped += 1
            continue
        source = obj.get("source")
        added[doc_id] = (obj["text"], None if source is None else str(source))
    return added, skipped, records


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(_lines(), max_size=8))
def test_the_command_line_accounts_for_every_line(lines):
    with tempfile.TemporaryDirectory() as tmp:
        inp, out = Path(tmp) / "inp.jsonl", Path(tmp) / "out.jsonl"
        inp.write_bytes(b"".join(line + b"\n" for line in lines))
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            status = main(["dedup", str(inp), "-o", str(out), "--skip-bad", "-q"])
        assert status == 0, stderr.getvalue()
        output = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    notes = [line for line in stderr.getvalue().splitlines() if line.startswith("tikrar: skipped ")]
    added, skipped, records = _cli_expected(lines, "inp")
    assert len(notes) == skipped
    ids = {obj["doc_id"] for obj in output}
    assert len(ids) + sum(1 for doc_id in added if doc_id not in ids) + len(notes) == records
    assert ids == {doc_id for doc_id, (text, _) in added.items() if paragraph_spans(text)}
    for obj in output:
        text, source = added[obj["doc_id"]]
        assert obj["text"] == text[obj["start"]:obj["end"]] and obj["source"] == source
        assert obj["label"] in LABELS


@pytest.mark.parametrize("line", [b'{"id": ' + b"1" * 5000 + b', "text": "x"}',
                                  b'{"id": "a", "text": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"])
def test_a_line_json_cannot_represent_in_python_is_skipped(tmp_path, line):
    inp, out = tmp_path / "inp.jsonl", tmp_path / "out.jsonl"
    inp.write_bytes(line + b'\n{"id": "b", "text": "y"}\n')
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        status = main(["dedup", str(inp), "-o", str(out), "--skip-bad", "-q"])
    assert status == 0
    assert [json.loads(x)["doc_id"] for x in out.read_text(encoding="utf-8").splitlines()] == ["b"]
