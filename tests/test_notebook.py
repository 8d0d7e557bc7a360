"""examples/walkthrough.ipynb runs from top to bottom in a Jupyter kernel
and shows what it says it shows."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOK = EXAMPLES / "walkthrough.ipynb"
WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # Run from the notebook's own folder, as Jupyter does; the kernel is
    # this interpreter's (jupyter_client starts "python" as sys.executable).
    # Starting a kernel and loading the compiled kernels can be slow on a
    # busy machine: 300 s for the start and for each cell.
    client = NotebookClient(notebook, timeout=300, startup_timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()  # raises CellExecutionError naming the cell if one fails
    return notebook


def cell(notebook, tag):
    found = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    assert len(found) == 1, f"one cell tagged {tag!r} expected, found {len(found)}"
    return found[0]


def result(notebook, tag) -> str:
    results = [o for o in cell(notebook, tag).outputs if o.output_type == "execute_result"]
    assert len(results) == 1
    return results[0].data["text/plain"]


def stdout(notebook, tag) -> str:
    return "".join(o.text for o in cell(notebook, tag).outputs if o.output_type == "stream" and o.name == "stdout")


def test_the_notebook_is_stored_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_every_cell_runs_without_an_error_or_a_warning(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert [o for c in code for o in c.outputs if o.output_type == "error"] == []
    # Cells where a progress bar may appear (as stderr text when ipywidgets
    # is missing) are the two that call dedup; nothing else writes to stderr.
    noisy = [c.source.splitlines()[0] for c in code
             if not {"records", "progress"} & set(c.metadata.get("tags", []))
             and any(o.output_type == "stream" and o.name == "stderr" for o in c.outputs)]
    assert noisy == []


def test_counts(executed):
    assert result(executed, "records") == "34"
    assert result(executed, "counts") == (
        "{'articles': 5,\n 'paragraphs': 34,\n 'unique': 21,\n 'duplicate': 5,\n 'boilerplate': 8,\n"
        " 'within': 2,\n 'across': 3,\n 'skipped': 0}"
    )
    assert result(executed, "value_counts") == "{'unique': 21, 'boilerplate': 8, 'duplicate': 5}"


def test_why_each_paragraph_is_not_unique(executed):
    assert stdout(executed, "why") == (
        "01_metro_opening:4 within exact duplicate of 01_metro_opening:2 (1.00)\n"
        "01_metro_opening:5 within exact duplicate of 01_metro_opening:3 (1.00)\n"
        "02_metro_wire:1 across exact duplicate of 01_metro_opening:3 (1.00)\n"
        "02_metro_wire:2 across exact duplicate of 01_metro_opening:2 (1.00)\n"
        "02_metro_wire:3 across near duplicate of 01_metro_opening:6 (0.75)\n"
        "03_heatwave:4 boilerplate: source_line\n"
        "03_heatwave:5 boilerplate: tags_line\n"
        "03_heatwave:6 boilerplate: read_also_heading\n"
        "03_heatwave:7 boilerplate: after:read_also_heading\n"
        "03_heatwave:8 boilerplate: related_heading\n"
        "03_heatwave:9 boilerplate: bullet_teaser\n"
        "03_heatwave:10 boilerplate: bullet_teaser\n"
        "03_heatwave:11 boilerplate: bullet_teaser\n"
    )


def test_cleaned_text_drops_the_repeated_pair(executed):
    lines = [line for line in (EXAMPLES / "articles" / "01_metro_opening.txt").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    # Lines 4 and 5 repeat lines 2 and 3 word for word.
    assert lines[4:6] == lines[2:4]
    assert stdout(executed, "cleaned") == "\n".join(lines[:4] + lines[6:]) + "\n"


def test_the_deduplicator_and_the_persistent_index(executed):
    assert result(executed, "deduplicator") == (
        "[('02_metro_wire', 1, 'across', 'exact', '01_metro_opening', 3),\n"
        " ('02_metro_wire', 2, 'across', 'exact', '01_metro_opening', 2),\n"
        " ('02_metro_wire', 3, 'across', 'near', '01_metro_opening', 6)]"
    )
    assert result(executed, "deduplicator_counts") == "(2, 3, 34)"
    assert result(executed, "index") == "(True, True)"


def test_reused_passage(executed):
    opening = (EXAMPLES / "articles" / "01_metro_opening.txt").read_text(encoding="utf-8").splitlines()[1]
    # The passage runs over the words it shares; the full stop is not one.
    assert stdout(executed, "reused") == f"unique\n01_metro_opening 1 1.0\n{opening.rstrip('.')}\n"


def test_the_stages_give_the_records_of_dedup(executed):
    assert result(executed, "stages") == "(34, True)"


def test_the_progress_bar_is_a_notebook_widget(executed):
    outputs = cell(executed, "progress").outputs
    if importlib.util.find_spec("ipywidgets") is not None:
        widgets = [o for o in outputs if o.output_type == "display_data" and WIDGET in o.data]
        assert len(widgets) == 1
        assert widgets[0].data["text/plain"].startswith("tikrar:")
    else:  # tqdm falls back to text on the kernel's stderr
        text = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
        assert "34/34" in text and "par/s" in text


def test_the_report_renders_as_the_html_view(executed):
    outputs = [o for o in cell(executed, "view").outputs if o.output_type == "execute_result"]
    page = outputs[0]["data"]["text/html"]
    assert 'dir="rtl"' in page
    # 02_metro_wire's paragraph 3 is a near duplicate of 01_metro_opening's paragraph 6, linked to it.
    assert 'href="#p-01_metro_opening-6"' in page and 'id="p-01_metro_opening-6"' in page


def test_explain_and_flows(executed):
    lines = stdout(executed, "explain").splitlines()
    assert lines[:2] == [
        "02_metro_wire #3 (duplicate, near, similarity 0.75) repeats 01_metro_opening #6",
        "shared word 3-grams: 18 (of 21 here, 21 there); Jaccard 0.75, containment 0.86",
    ]
    # One source (the articles have none): 5 duplicates, in 2 articles.
    assert result(executed, "flows").splitlines()[1].split()[-4:] == ["5", "2", "0", "NaN"]


def test_a_dataframe_gives_the_same_labels(executed):
    assert result(executed, "frame") == "True"
