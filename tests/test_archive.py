"""The on-disk archive of kept texts and text-order shingles."""

from __future__ import annotations

import numpy as np
import pytest

from tikrar import Deduplicator, archive
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
