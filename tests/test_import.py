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


# Optional or heavy packages: ``import tikrar`` loads none of them. numba
# compiles the kernels; the others are extras (pandas, arrow, datasets,
# plot, spark) or the notebook side of the progress bar (tqdm.notebook,
# ipywidgets, IPython).
HEAVY = ("pandas", "pyarrow", "matplotlib", "datasets", "pyspark", "numba", "tqdm.notebook", "ipywidgets", "IPython")


def loaded_after(statement: str) -> list[str]:
    """Which of HEAVY (or their submodules) a fresh interpreter holds after
    running ``statement``."""
    code = (f"import sys; {statement}; heavy = {HEAVY!r}; "
            "print(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in heavy)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(result.stdout)


def test_import_tikrar_loads_no_heavy_or_optional_package():
    assert loaded_after("import tikrar; tikrar.Report; tikrar.normalize('نص')") == []


def test_the_probe_sees_a_heavy_package_when_one_is_loaded():
    assert loaded_after("import tikrar, numba") != []


def test_a_run_without_a_bar_loads_no_optional_package_but_numba():
    # tqdm itself is a dependency; its notebook widget is not needed for a
    # run with the bar off, nor pandas or arrow for records and JSONL.
    statement = ("import tikrar, tikrar.cli; r = tikrar.dedup([('a', 'نص')], progress=False); "
                 "r.counts; r.to_dicts(); r.cleaned()")
    assert {m.split(".")[0] for m in loaded_after(statement)} == {"numba"}


def test_every_public_name_resolves_and_dedup_stays_callable():
    for name in tikrar.__all__:
        assert getattr(tikrar, name) is not None, name
    importlib.import_module("tikrar.cli")  # imports the tikrar.dedup submodule

    assert [r.label for r in tikrar.dedup([("a", "نص قصير"), ("b", "نص قصير")])] == ["unique", "duplicate"]


def test_importing_the_spark_module_loads_no_optional_package():
    # pyspark, pyarrow and pandas are loaded when a Spark function runs, so
    # that `import tikrar.spark` works (and documents) without the extra.
    assert loaded_after("import tikrar.spark, tikrar.frames, tikrar.flows") == []
