"""What ``import tikrar`` costs, and that every public name resolves."""

from __future__ import annotations

import importlib
import subprocess
import sys

import tikrar


def test_import_tikrar_does_not_load_numba():
    code = "import sys, tikrar; tikrar.ConfigError; print(sorted(m for m in ('numba', 'tikrar.dedup') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_public_name_resolves_and_dedup_stays_callable():
    for name in tikrar.__all__:
        assert getattr(tikrar, name) is not None, name
    importlib.import_module("tikrar.cli")  # imports the tikrar.dedup submodule

    assert [r.label for r in tikrar.dedup([("a", "نص قصير"), ("b", "نص قصير")])] == ["unique", "duplicate"]
