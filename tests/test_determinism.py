"""Byte-identical output across processes, hash seeds, thread counts,
threading layers and batch sizes; concurrent calls from threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO
from test_store import articles

RUN = r"""
import sys, threading
from tikrar.cli import main
sys.exit(main(["dedup", sys.argv[1], "-o", sys.argv[2], "-q", "--batch-size", sys.argv[3]]))
"""

THREADS = r"""
import json, sys, threading
import tikrar
items = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
out = {}
def run(k):
    out[k] = [r.to_dict() for r in tikrar.dedup(items)]
workers = [threading.Thread(target=run, args=(k,)) for k in range(3)]
for w in workers: w.start()
for w in workers: w.join()
print(len(out), out[0] == out[1] == out[2])
"""


def test_cli_output_is_byte_identical_across_seeds_threads_layers_and_batches(tmp_path):
    source = tmp_path / "in.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for doc_id, text in articles(300, seed=9):
            out.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    outputs = []
    for k, (env, batch) in enumerate([
        ({"PYTHONHASHSEED": "1", "NUMBA_NUM_THREADS": "1"}, "1000"),
        ({"PYTHONHASHSEED": "2", "NUMBA_NUM_THREADS": "2"}, "37"),
        ({"PYTHONHASHSEED": "3", "NUMBA_THREADING_LAYER": "workqueue"}, "300"),
    ]):
        target = tmp_path / f"out{k}.jsonl"
        subprocess.run([sys.executable, "-c", RUN, str(source), str(target), batch], check=True, cwd=REPO,
                       env={**os.environ, **env})
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count(b'"label": "duplicate"') > 100


def test_threads_calling_dedup_at_once_do_not_crash_under_workqueue(tmp_path):
    source = tmp_path / "in.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for doc_id, text in articles(200, seed=4):
            out.write(json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n")
    result = subprocess.run([sys.executable, "-c", THREADS, str(source)], capture_output=True, text=True,
                            cwd=REPO, env={**os.environ, "NUMBA_THREADING_LAYER": "workqueue"})
    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.split() == ["3", "True"]
