"""A large add is labelled slice by slice while the next slice is prepared
on a second thread (stages.prepare_ahead): the records are those of one
batch, and the call stays all or nothing."""

from __future__ import annotations

import pytest
from conftest import requires_saudinewsnet
from test_store import articles, records

from benchmarks import saudinewsnet
from tikrar import Deduplicator, DedupConfig, _kernels, stages
from tikrar.types import Article

pipelined = pytest.mark.skipif(
    not _kernels.launches_from_threads_are_safe(),
    reason="numba's threading layer here is workqueue: slices are not prepared ahead",
)


def with_reuse(corpus):
    """Every fourth article also gets a line holding an earlier article's
    first line between new words (a reused passage)."""
    out = []
    for k, (doc_id, text) in enumerate(corpus):
        if k % 4 == 3:
            quoted = corpus[k - 3][1].split("\n")[0]
            text += f"\nوفي تطور اخر للموضوع رقم {k} قال المراسل {quoted} واضاف ان المسؤولين سيعقدون مؤتمرا"
        out.append((doc_id, text))
    return out


def one_batch(corpus, monkeypatch) -> list[dict]:
    with monkeypatch.context() as patch:
        patch.setattr(stages, "AHEAD_CHUNK_CHARS", 1 << 40)
        return records(Deduplicator(min_source_articles=3).add(corpus))


def counted_batches(monkeypatch) -> list[int]:
    """Patches stages.prepare to note the size of every batch it prepares."""
    sizes: list[int] = []
    real = stages.prepare

    def prepare(batch_articles, *args, **kwargs):
        sizes.append(len(batch_articles))
        return real(batch_articles, *args, **kwargs)

    monkeypatch.setattr(stages, "prepare", prepare)
    return sizes


def test_slices_hold_about_chunk_chars_and_cover_the_input_in_order():
    corpus = [Article(str(k), "خبر " * (k % 7 + 1)) for k in range(40)]
    batches = list(stages.prepare_ahead(corpus, DedupConfig(), chunk_chars=25))
    assert [a.doc_id for b in batches for a in b.articles] == [str(k) for k in range(40)]
    sizes = [sum(len(a.text) for a in b.articles) for b in batches]
    assert all(size >= 25 for size in sizes[:-1])
    assert all(size - len(b.articles[-1].text) < 25 for size, b in zip(sizes, batches))
    with pytest.raises(ValueError, match="chunk_chars"):
        list(stages.prepare_ahead(corpus, DedupConfig(), chunk_chars=0))


@pipelined
def test_small_slices_give_the_records_of_one_batch(monkeypatch):
    corpus = with_reuse(articles(400, seed=5))
    expected = one_batch(corpus, monkeypatch)
    sizes = counted_batches(monkeypatch)
    monkeypatch.setattr(stages, "AHEAD_CHUNK_CHARS", 4_000)
    assert records(Deduplicator(min_source_articles=3).add(corpus)) == expected
    assert len(sizes) >= 10 and sum(sizes) == 400
    assert any(r["label"] == "boilerplate" for r in expected)  # corpus furniture is crossed by the cuts
    assert any(r["reused"] for r in expected) and any(r["label"] == "duplicate" for r in expected)


@requires_saudinewsnet
@pipelined
def test_saudinewsnet_in_slices_gives_the_records_of_one_batch(monkeypatch):
    corpus = saudinewsnet.load_articles(2_500)
    expected = one_batch(corpus, monkeypatch)
    sizes = counted_batches(monkeypatch)
    monkeypatch.setattr(stages, "AHEAD_CHUNK_CHARS", 200_000)
    assert records(Deduplicator(min_source_articles=3).add(corpus)) == expected
    assert len(sizes) >= 8 and sum(sizes) == 2_500
    assert sum(r["label"] == "duplicate" for r in expected) > 500


@pipelined
def test_a_slice_that_fails_undoes_the_whole_add(monkeypatch):
    corpus = articles(300, seed=7)
    deduplicator = Deduplicator()
    before = records(deduplicator.add(corpus[:50]))
    real, calls = stages.prepare, []

    def prepare(batch_articles, *args, **kwargs):
        calls.append(len(batch_articles))
        if len(calls) == 3:
            raise RuntimeError("third slice")
        return real(batch_articles, *args, **kwargs)

    monkeypatch.setattr(stages, "prepare", prepare)
    monkeypatch.setattr(stages, "AHEAD_CHUNK_CHARS", 3_000)
    count, doc_ids = deduplicator.state.count, list(deduplicator.state.doc_ids)
    with pytest.raises(RuntimeError, match="third slice"):
        deduplicator.add(corpus[50:])
    assert len(calls) == 3
    assert deduplicator.state.count == count and deduplicator.state.doc_ids == doc_ids
    monkeypatch.setattr(stages, "prepare", real)
    fresh = Deduplicator()
    fresh.add(corpus[:50])
    assert records(deduplicator.add(corpus[50:])) == records(fresh.add(corpus[50:]))
    assert before == records(Deduplicator().add(corpus[:50]))


def test_an_unsafe_threading_layer_gives_one_batch(monkeypatch):
    monkeypatch.setattr(_kernels, "launches_from_threads_are_safe", lambda: False)
    corpus = [Article(str(k), f"خبر رقم {k} عن الطقس") for k in range(6)]
    batches = list(stages.prepare_ahead(corpus, DedupConfig(), chunk_chars=30))
    assert [len(b.articles) for b in batches] == [6]
