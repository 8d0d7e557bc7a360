"""The index directory: day-by-day runs equal one run, crash safety under
SIGKILL, all-or-nothing adds, and crafted files refused with a clear error."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tikrar import ConfigError, DedupConfig, Deduplicator
from tikrar.cli import main
from tikrar.store import IndexFileError, IndexLockedError
from tikrar import stages
from tikrar.state import IndexState

from conftest import REPO, requires_saudinewsnet, saudinewsnet

WIRE = "وأكد المتحدث باسم وزارة الصحة أن الحملة الوطنية للتطعيم ستبدأ يوم الاثنين المقبل في جميع المراكز الصحية"


def articles(count: int, seed: int = 1) -> list[tuple[str, str]]:
    """Small articles with repeats across them (a shared wire line, reused sentences)."""
    rng = random.Random(seed)
    words = WIRE.split() + "السوق النفط الذهب الطقس الملعب المدرسة الجامعة المطار الفندق الشركة البنك".split()
    pool = [" ".join(rng.choice(words) for _ in range(14)) for _ in range(40)]
    out = []
    for k in range(count):
        lines = [rng.choice(pool) for _ in range(3)] + ([WIRE] if k % 3 == 0 else [])
        out.append((f"doc{k}", "\n".join(lines)))
    return out


def records(report) -> list[dict]:
    return [r.to_dict() for r in report]


def test_save_and_open_give_the_records_of_one_run(tmp_path):
    corpus = articles(120)
    expected = records(Deduplicator().add(corpus))
    got = []
    for start in range(0, 120, 25):
        with Deduplicator.open(tmp_path / "index") as deduplicator:
            got += records(deduplicator.add(corpus[start : start + 25]))
            deduplicator.save()
    assert got == expected
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["paragraphs"] == len(expected) and manifest["articles"] == 120
    assert len(manifest["segments"]) == 5


def test_save_writes_only_what_changed_and_compacts(tmp_path):
    corpus = articles(90)
    with Deduplicator.open(tmp_path / "index") as deduplicator:
        deduplicator.add(corpus[:80])
        first = deduplicator.save()
        deduplicator.add(corpus[80:81])
        second = deduplicator.save()
        assert deduplicator.save()["bytes"] == 0  # nothing new
        for k in range(82, 90):
            deduplicator.add(corpus[k - 1 : k])
            last = deduplicator.save()
    assert second["bytes"] * 5 < first["bytes"]
    assert last["compacted"] or last["segments"] <= 8
    segments = sorted(p.name for p in (tmp_path / "index").iterdir() if p.name.startswith("seg-"))
    manifest = json.loads((tmp_path / "index" / "manifest.json").read_text(encoding="utf-8"))
    assert segments == [s["name"] for s in manifest["segments"]]


def test_removal_persists_and_removed_articles_no_longer_match(tmp_path):
    with Deduplicator.open(tmp_path / "index") as deduplicator:
        deduplicator.add([("a", WIRE), ("b", "خبر آخر تماما عن الطقس في الرياض اليوم وغدا مع رياح")])
        deduplicator.save()
    assert main(["remove", "--index", str(tmp_path / "index"), "a", "zzz"]) == 0
    with Deduplicator.open(tmp_path / "index") as deduplicator:
        assert deduplicator.state.ordinal_of("a") is None
        assert [r.label for r in deduplicator.add([("c", WIRE)])] == ["unique"]


def test_a_second_writer_is_refused_and_a_reader_is_not(tmp_path):
    writer = Deduplicator.open(tmp_path / "index")
    writer.add([("a", WIRE)])
    writer.save()
    child = subprocess.run(
        [sys.executable, "-c", "import sys; from tikrar import Deduplicator; Deduplicator.open(sys.argv[1])",
         str(tmp_path / "index")], capture_output=True, text=True)
    assert child.returncode != 0 and "IndexLockedError" in child.stderr and "open for writing" in child.stderr
    with pytest.raises(IndexLockedError):
        Deduplicator.open(tmp_path / "index")
    reader = Deduplicator.open(tmp_path / "index", readonly=True)
    assert reader.add([("b", WIRE)])[0].duplicate_of.doc_id == "a"
    with pytest.raises(IndexFileError, match="read-only"):
        reader.save()
    writer.close()
    Deduplicator.open(tmp_path / "index").close()


# -- crafted and damaged files ------------------------------------------------

@pytest.fixture
def saved(tmp_path) -> Path:
    with Deduplicator.open(tmp_path / "index") as deduplicator:
        deduplicator.add(articles(10))
        deduplicator.save()
    return tmp_path / "index"


def manifest_of(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def rewrite_manifest(path: Path, manifest: dict) -> None:
    (path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def open_fails(path: Path, match: str, error=IndexFileError, **options):
    with pytest.raises(error, match=match):
        Deduplicator.open(path, **options)
    # And on the command line: exit status 2 and one line, no traceback.
    result = subprocess.run([sys.executable, "-m", "tikrar", "remove", "--index", str(path), "x"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "tikrar: error:" in result.stderr


def test_a_pickle_payload_is_refused_and_never_loaded(saved, tmp_path):
    segment = saved / manifest_of(saved)["segments"][0]["name"]
    marker = tmp_path / "pwned"
    payload = np.empty(1, dtype=object)
    payload[0] = Exploit(str(marker))
    with open(segment / "canonical.npy", "wb") as out:
        np.save(out, payload, allow_pickle=True)
    manifest = manifest_of(saved)
    from tikrar.store import _crc32

    entry = manifest["segments"][0]["files"]["canonical"]
    entry["bytes"], entry["crc32"] = (segment / "canonical.npy").stat().st_size, _crc32(segment / "canonical.npy")
    rewrite_manifest(saved, manifest)
    open_fails(saved, "not a plain array")
    assert not marker.exists()


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_truncated_file_is_refused(saved):
    segment = saved / manifest_of(saved)["segments"][0]["name"]
    data = (segment / "hashes.npy").read_bytes()
    (segment / "hashes.npy").write_bytes(data[: len(data) // 2])
    open_fails(saved, r"hashes.npy is damaged")


def test_a_missing_file_is_refused(saved):
    segment = saved / manifest_of(saved)["segments"][0]["name"]
    (segment / "lsh.npy").unlink()
    open_fails(saved, r"lsh.npy is missing")


@pytest.mark.parametrize("change, match", [
    (lambda m: m.update(version=99), "format version 99"),
    (lambda m: m.update(format="other"), "not a tikrar index manifest"),
    (lambda m: m.update(segments="x"), "no valid 'segments'"),
    (lambda m: m["segments"][0].update(name="../../etc"), "malformed segment"),
    (lambda m: m.update(paragraphs=m["paragraphs"] + 1), "the manifest says"),
])
def test_a_crafted_manifest_is_refused(saved, change, match):
    manifest = manifest_of(saved)
    change(manifest)
    rewrite_manifest(saved, manifest)
    open_fails(saved, match)


def test_a_manifest_that_is_not_json_is_refused(saved):
    (saved / "manifest.json").write_bytes(b"\x80garbage{")
    open_fails(saved, "not valid JSON")


@pytest.mark.parametrize("options, match", [
    (dict(num_perm=64), "num_perm is 128 in the index, 64 in this run"),
    (dict(shingle="char"), "shingle is"),
    (dict(normalize="light"), "normalize is"),
    (dict(disable_rules=["wire_end"]), r"rules differ \(index only: \['wire_end'\]"),
    (dict(bands=16, rows=8), "bands is 42 in the index, 16 in this run"),
])
def test_other_settings_are_a_clear_error_naming_the_mismatch(saved, options, match):
    with pytest.raises(ConfigError, match=match):
        Deduplicator.open(saved, **options)
    with pytest.raises(ConfigError, match="num_perm is 128"):
        Deduplicator.open(saved, config=DedupConfig.from_options(num_perm=64))
    Deduplicator.open(saved, config=DedupConfig(), readonly=True).close()
    # Options that do not change what is stored may differ.
    Deduplicator.open(saved, threshold=0.6, containment=None, readonly=True)


# -- faults -------------------------------------------------------------------

FAULT_WORKER = r"""
import sys
from tikrar import Deduplicator
sys.path.insert(0, sys.argv[2])
from test_store import articles
corpus = articles(400, seed=3)
d = Deduplicator.open(sys.argv[1])
done = d.state.articles
print("ready", flush=True)
while done < len(corpus):
    d.add(corpus[done : done + 8])
    d.save()
    done += 8
    print("saved", done, flush=True)
"""


def expected_state(corpus, done: int) -> dict:
    deduplicator = Deduplicator()
    for start in range(0, done, 8):
        deduplicator.add(corpus[start : start + 8])
    return snapshot(deduplicator)


def snapshot(deduplicator) -> dict:
    state = deduplicator.state
    return {
        "count": state.count,
        "doc_ids": list(state.doc_ids),
        "lsh": state.lsh.members[:, : len(state.lsh)].tobytes(),
        "fingerprints": state.fingerprints.postings.tobytes(),
        "texts": state.first_by_text._keys[: len(state.first_by_text)].tobytes(),
        "hashes": state.hashes.read(0, state.hashes.size).tobytes(),
        "clusters": {k: dict(v) for k, v in state.cluster_sources.items()},
        "kept": state.kept_texts(np.flatnonzero(np.diff(state.text_offsets.values))),
    }


def test_sigkill_at_random_points_of_adds_and_saves_loses_nothing_committed(tmp_path):
    rng = random.Random(2026)
    corpus = articles(400, seed=3)
    path = tmp_path / "index"
    expected: dict[int, dict] = {}
    last_saved = 0
    kills = 0
    while kills < 50:
        worker = subprocess.Popen([sys.executable, "-c", FAULT_WORKER, str(path), str(Path(__file__).parent)],
                                  stdout=subprocess.PIPE, text=True, cwd=REPO)
        assert worker.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.4))
        os.kill(worker.pid, signal.SIGKILL)
        lines = worker.communicate()[0].split()
        worker.wait()
        if lines[-2:-1] == ["saved"]:
            last_saved = int(lines[-1])
        kills += 1
        with Deduplicator.open(path, readonly=True) as reopened:
            done = reopened.state.articles
            # Every completed save is there; at most the one in flight too.
            assert done >= last_saved and done % 8 == 0 and done <= last_saved + 8
            if done not in expected:
                expected[done] = expected_state(corpus, done)
            assert snapshot(reopened) == expected[done]
        last_saved = done
        if done >= len(corpus):
            break
    assert kills == 50 or last_saved >= len(corpus)
    # No debris of an interrupted save stays once a writer has opened it.
    Deduplicator.open(path).close()
    names = {p.name for p in path.iterdir()}
    assert not any(".tmp" in n for n in names)


@pytest.mark.parametrize("owner, stage", [(stages, "prepare"), (stages, "commit"), (stages, "reused_passages"),
                                          (IndexState, "add_kept"), (stages, "_corpus_boilerplate")])
def test_an_exception_inside_add_leaves_the_deduplicator_as_it_was(monkeypatch, owner, stage):
    corpus = articles(60, seed=5)
    clean = Deduplicator()
    clean.add(corpus[:30])
    expected_after = records(clean.add(corpus[30:]))

    deduplicator = Deduplicator()
    deduplicator.add(corpus[:30])
    before = snapshot(deduplicator)
    original = getattr(owner, stage)

    def broken(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("injected")

    monkeypatch.setattr(owner, stage, broken)
    with pytest.raises(RuntimeError, match="injected"):
        deduplicator.add(corpus[30:])
    monkeypatch.setattr(owner, stage, original)
    assert snapshot(deduplicator) == before
    assert records(deduplicator.add(corpus[30:])) == expected_after


# -- the acceptance run: day by day through the command line ---------------------

@requires_saudinewsnet
def test_day_by_day_through_the_cli_gives_the_bytes_of_one_run(tmp_path):
    days = sorted({a["date"] for a in saudinewsnet.iter_articles()})
    assert len(days) == 18  # all of SaudiNewsNet, 2015-07-21 to 2015-08-11
    paths = []
    for day in days:
        path = tmp_path / f"{day}.jsonl"
        with open(path, "w", encoding="utf-8") as out:
            for a in saudinewsnet.iter_articles(days=[day]):
                out.write(json.dumps({"id": a["id"], "text": a["text"], "source": a["source"]},
                                     ensure_ascii=False) + "\n")
        paths.append(path)
    assert main(["dedup", *map(str, paths), "-o", str(tmp_path / "all.jsonl"), "-q"]) == 0
    parts = []
    for k, path in enumerate(paths):
        out = tmp_path / f"out{k}.jsonl"
        assert main(["dedup", str(path), "--index", str(tmp_path / "index"), "-o", str(out), "-q",
                     "--batch-size", "500"]) == 0
        parts.append(out.read_bytes())
    whole = (tmp_path / "all.jsonl").read_bytes()
    assert b"".join(parts) == whole
    assert whole.count(b'"label": "duplicate"') > 1000
