"""The on-disk archive of kept texts and text-order shingles."""

from __future__ import annotations

import numpy as np
import pytest

from tikrar import DedupConfig, Deduplicator, archive
from tikrar.config import LSHConfig
from tikrar.archive import Archive

from test_store import records

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def reusing_articles(count: int, seed: int) -> list[tuple[str, str]]:
    """Articles of new 30-word paragraphs; every third also embeds 15 words
    of an earlier article's paragraph in a longer one of its own."""
    rng = np.random.default_rng(seed)
    vocabulary = ["".join(rng.choice(list(LETTERS), 5)) for _ in range(3000)]
    out, paragraphs = [], []
    for k in range(count):
        lines = [" ".join(rng.choice(vocabulary, 30)) for _ in range(2)]
        if k % 3 == 2 and paragraphs:
            source = paragraphs[int(rng.integers(0, len(paragraphs)))].split()
            lines.append(" ".join(list(rng.choice(vocabulary, 25)) + source[5:20] + list(rng.choice(vocabulary, 20))))
        paragraphs.extend(lines[:2])
        out.append((f"doc{k}", "\n".join(lines)))
    return out


def test_reads_cross_the_memory_tail_the_scratch_file_and_attached_files(tmp_path):
    values = np.arange(1000, dtype=np.uint32) * 7
    held = Archive(np.uint32, spill_bytes=64)  # 16 values: most go to the scratch file
    for start in range(0, 1000, 37):
        held.extend(values[start : start + 37])
    assert held.size == 1000 and held.nbytes < 64 + 37 * 4
    assert np.array_equal(held.read(0, 1000), values)
    assert np.array_equal(held.read(15, 17), values[15:17])
    out, offsets = held.gather([990, 3, 500], [1000, 3, 520])
    assert offsets.tolist() == [0, 10, 10, 30]
    assert np.array_equal(out, np.concatenate([values[990:], values[500:520]]))
    held.truncate(400)
    held.extend(values[400:410] + 1)
    assert np.array_equal(held.read(390, 410), np.concatenate([values[390:400], values[400:410] + 1]))
    # Attached to a file holding the first 410 values, then grown again.
    path = tmp_path / "piece.bin"
    path.write_bytes(b"xyz" + held.read(0, 410).tobytes())
    held.attach([(0, 410, str(path), 3)])
    held.extend(values[:5])
    assert np.array_equal(held.read(405, 415), np.concatenate([values[405:410] + 1, values[:5]]))
    assert np.array_equal(np.concatenate(list(held.chunks(0, 415))), held.read(0, 415))
    with pytest.raises(IndexError):
        held.read(0, 416)
    held.close()


@pytest.mark.parametrize("seed", range(6))
def test_the_tail_growing_in_its_room_reads_as_a_plain_array(seed):
    # Small appends fill the tail's room, truncations reuse it, and the
    # occasional large one spills: every read equals the same plain array.
    rng = np.random.default_rng(seed)
    held = Archive(np.uint16, spill_bytes=int(rng.integers(2_000, 20_000)))
    model = np.zeros(0, dtype=np.uint16)
    for step in range(300):
        action = rng.random()
        if action < 0.15 and len(model):
            size = int(rng.integers(0, len(model) + 1))
            held.truncate(size)
            model = model[:size]
        else:
            count = int(rng.integers(0, 5_000 if action > 0.95 else 200))
            values = rng.integers(0, 2**16, count).astype(np.uint16)
            held.extend(values)
            model = np.concatenate([model, values])
        assert held.size == len(model)
        assert held.nbytes <= held.spill_items * 2
        if len(model):
            a = int(rng.integers(0, len(model)))
            b = int(rng.integers(a, len(model) + 1))
            assert np.array_equal(held.read(a, b), model[a:b]), step
    assert np.array_equal(held.read(0, len(model)), model)
    held.close()


def test_labels_do_not_depend_on_where_the_archive_keeps_its_values(monkeypatch, tmp_path):
    corpus = reusing_articles(300, seed=11)
    expected = [records(Deduplicator().add(corpus))]
    in_memory = Deduplicator()
    expected.append(records(in_memory.add(corpus[:150])) + records(in_memory.add(corpus[150:])))
    assert expected[0] == expected[1]
    # Every third article's third paragraph reuses an earlier one.
    assert [(r["doc_id"], r["index"]) for r in expected[0] if r["reused"]] == [(f"doc{k}", 2) for k in range(2, 300, 3)]

    monkeypatch.setattr(archive, "SPILL_BYTES", 256)
    spilled = Deduplicator()
    assert records(spilled.add(corpus)) == expected[0]
    with Deduplicator.open(tmp_path / "index") as saved:
        first = records(saved.add(corpus[:100]))
        saved.save()
        first += records(saved.add(corpus[100:150]))
        saved.save()
    with Deduplicator.open(tmp_path / "index") as reopened:
        assert reopened.state.texts.nbytes == 0  # everything read from the segments
        assert first + records(reopened.add(corpus[150:])) == expected[0]


def test_growing_in_place_keeps_the_values_and_copies_when_a_view_is_alive():
    from tikrar.index import LSHIndex, grow_in_place

    class Holder:
        pass

    holder = Holder()
    holder.rows = np.arange(12, dtype=np.uint64).reshape(3, 4)
    grow_in_place(holder, "rows", 9)  # no other reference: realloc, rows moved
    assert holder.rows.shape == (3, 9) and holder.rows[:, :4].tolist() == np.arange(12).reshape(3, 4).tolist()
    view = holder.rows[1]
    grow_in_place(holder, "rows", 20)  # a view is alive: a copy, the view still valid
    assert view[:4].tolist() == [4, 5, 6, 7] and holder.rows[:, :4].tolist() == np.arange(12).reshape(3, 4).tolist()

    index = LSHIndex(bands=3, rows=2)
    rng = np.random.default_rng(4)
    for start in range(0, 5000, 250):
        keys = np.sort(rng.integers(0, 2**64 - 1, (3, 250), dtype=np.uint64), axis=1)
        index.insert_keys(keys, np.arange(start, start + 250))
    members = index.members[:, : len(index)]
    assert all(np.all(np.diff(row) >= 0) for row in members)
    assert sorted((members[2] & np.uint64(0xFFFFFFFF)).tolist()) == list(range(5000))


@pytest.mark.parametrize("gap_bytes, block_bytes", [(0, 4), (64, 256), (1 << 20, 1 << 30)])
def test_gather_in_blocks_equals_one_read_per_range(gap_bytes, block_bytes):
    rng = np.random.default_rng(3)
    values = rng.integers(0, 1 << 32, 5000, dtype=np.uint64).astype(np.uint32)
    held = Archive(np.uint32, spill_bytes=400)  # memory tail, scratch file, and pieces across both
    for start in range(0, 5000, 333):
        held.extend(values[start : start + 333])
    starts = rng.integers(0, 5000, 300)
    ends = np.minimum(5000, starts + rng.integers(0, 40, 300))
    starts[:5] = [0, 4999, 17, 17, 100]  # the edges, a repeated range, an empty one
    ends[:5] = [3, 5000, 30, 30, 100]
    out, offsets = held.gather(starts, ends, gap_bytes=gap_bytes, block_bytes=block_bytes)
    expected = [held.read(a, b) for a, b in zip(starts.tolist(), ends.tolist())]
    assert offsets.tolist() == np.concatenate([[0], np.cumsum([len(e) for e in expected])]).tolist()
    assert np.array_equal(out, np.concatenate(expected))
    assert np.array_equal(out[offsets[1] : offsets[2]], values[4999:5000])
    with pytest.raises(IndexError):
        held.gather([4990], [5001])


def templated(count: int, seed: int) -> list[tuple[str, str]]:
    """Paragraphs of one template with a word changed: buckets far fuller
    than the lookup window, and shared fingerprints everywhere."""
    rng = np.random.default_rng(seed)
    words = ["".join(rng.choice(list(LETTERS), 4)) for _ in range(60)]
    out = []
    for k in range(count):
        line = words[:25]
        line[int(rng.integers(0, 25))] = f"رقم{k % 97}"
        out.append((f"t{k}", " ".join(line) + "\n" + " ".join(rng.choice(words, 40))))
    return out


@pytest.mark.parametrize("make, feature", [(reusing_articles, "reused"), (templated, "duplicate_of")])
def test_reading_only_the_candidate_sets_labels_as_reading_them_all(monkeypatch, make, feature):
    from tikrar import _label

    articles = make(900, seed=8)
    batches = [articles[k : k + 150] for k in range(0, 900, 150)]

    def run():
        # Small windows, so that they bind.
        d = Deduplicator(config=DedupConfig(lsh=LSHConfig(max_bucket_pairs=4), fingerprint_postings=3))
        return [records(d.add(batch)) for batch in batches]

    chosen = run()
    monkeypatch.setattr(_label, "held_candidates", lambda *args: np.arange(args[-1], dtype=np.int64))
    everything = run()
    assert chosen == everything
    # What the sets decide is there to compare: passages, or duplicates.
    assert sum(bool(r[feature]) for batch in chosen for r in batch) > 100
