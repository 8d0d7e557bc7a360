"""Library manners: public names, docstrings with examples, no prints,
logging left to the application, typing information shipped."""

from __future__ import annotations

import ast
import importlib
import io
import logging
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

import tikrar

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "src" / "tikrar"

# Modules whose names start with "_" are private as a whole (the compiled
# kernels and their helpers): nothing in them is public API.
PUBLIC_MODULES = sorted(
    ["tikrar"] + [f"tikrar.{p.stem}" for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")]
)
LIBRARY_SOURCES = sorted(PACKAGE.rglob("*.py"))

# Modules still to be brought to these manners. A strict xfail turns into a
# failure once a module complies, so that its entry is then removed here.
PENDING_ALL: dict[str, str] = {}
PENDING_EXAMPLES: dict[str, str] = {}


def module_params(pending: dict[str, str]):
    return [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=pending[name])) if name in pending else name
        for name in PUBLIC_MODULES
    ]


def source_of(module_name: str) -> Path:
    return PACKAGE / "__init__.py" if module_name == "tikrar" else PACKAGE / f"{module_name.split('.')[1]}.py"


def public_definitions(module_name: str) -> dict[str, ast.AST]:
    """Functions and classes a module defines at its top level under a
    public name (read from the source, so compiled functions count too)."""
    tree = ast.parse(source_of(module_name).read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_")
    }


def test_the_module_lists_find_the_package():
    assert {"tikrar", "tikrar.dedup", "tikrar.progress", "tikrar.cli", "tikrar.report"} <= set(PUBLIC_MODULES)
    assert "tikrar._kernels" not in PUBLIC_MODULES
    assert PACKAGE / "cli.py" in LIBRARY_SOURCES and PACKAGE / "_kernels.py" in LIBRARY_SOURCES


@pytest.mark.parametrize("module_name", module_params(PENDING_ALL))
def test_all_lists_every_public_function_and_class_and_nothing_missing(module_name):
    module = importlib.import_module(module_name)
    if module_name == "tikrar.dedup":
        # The package's lazy import makes tikrar.dedup the function as well.
        module = sys.modules["tikrar.dedup"]
    names = getattr(module, "__all__", None)
    assert isinstance(names, (list, tuple)), f"{module_name} has no __all__"
    assert all(isinstance(n, str) for n in names)
    assert len(set(names)) == len(names), f"{module_name}.__all__ repeats a name"
    missing = [n for n in names if not hasattr(module, n)]
    assert missing == [], f"{module_name}.__all__ names what it does not define: {missing}"
    unlisted = sorted(set(public_definitions(module_name)) - set(names))
    assert unlisted == [], f"{module_name} defines public names not in __all__ (rename them with _ if private)"


@pytest.mark.parametrize("module_name", module_params(PENDING_EXAMPLES))
def test_every_public_function_and_class_has_a_docstring_with_an_example(module_name):
    lacking = [
        name for name, node in public_definitions(module_name).items()
        if ">>>" not in (ast.get_docstring(node) or "")
    ]
    assert lacking == [], f"{module_name}: no docstring example (>>>) in {lacking}"


def test_the_package_exports_resolve_and_include_the_progress_bar():
    for name in tikrar.__all__:
        assert getattr(tikrar, name) is not None, name
    assert set(tikrar.__all__) >= {"dedup", "Deduplicator", "ParagraphProgress"}
    assert set(dir(tikrar)) >= set(tikrar.__all__)


def calls_to_print(path: Path) -> list[int]:
    """Lines of ``path`` that call print (strings and comments, docstring
    examples among them, do not count)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline))
    return [
        token.start[0]
        for token, after in zip(tokens, tokens[1:])
        if token.type == tokenize.NAME and token.string == "print" and after.string == "("
    ]


def test_calls_to_print_are_found_but_not_in_strings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('x = "print(1)"  # print(2)\n"""\n>>> print(3)\n"""\nprint(4)\n', encoding="utf-8")
    assert calls_to_print(sample) == [5]


def test_no_print_in_the_library_but_the_command_line():
    found = {str(p.relative_to(PACKAGE)): calls_to_print(p) for p in LIBRARY_SOURCES if p.name != "cli.py"}
    assert {name: lines for name, lines in found.items() if lines} == {}
    assert calls_to_print(PACKAGE / "cli.py")  # what the command line says, it prints


def test_the_tikrar_logger_has_a_null_handler():
    handlers = logging.getLogger("tikrar").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_log_records_are_silent_until_the_application_adds_a_handler():
    # Without the NullHandler, Python's last-resort handler prints warnings
    # of an unconfigured logger on stderr.
    code = "import logging, tikrar; logging.getLogger('tikrar.dedup').warning('not for the user')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert (result.stdout, result.stderr) == ("", "")


def test_add_logs_what_it_did_at_debug_level(caplog):
    with caplog.at_level(logging.DEBUG, logger="tikrar"):
        tikrar.dedup([("a", "سطر مكرر\nسطر مكرر"), ("b", None)], on_error="skip")
    messages = [r.getMessage() for r in caplog.records if r.name == "tikrar.dedup"]
    assert len(messages) == 1
    assert messages[0].startswith("added 1 articles (2 paragraphs, 1 records skipped) in ")


def test_py_typed_is_package_data_and_ships_in_the_build(tmp_path):
    import tomllib

    with open(REPO / "pyproject.toml", "rb") as stream:
        project = tomllib.load(stream)
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["tikrar"]
    assert (PACKAGE / "py.typed").is_file()
    # Build the package's files the way a wheel gets them, from a copy of
    # the project so the tree is left as it is.
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, copy / name)
    shutil.copytree(REPO / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "-q", "build_py",
                    "--build-lib", str(tmp_path / "built")], cwd=copy, check=True, capture_output=True)
    built = tmp_path / "built" / "tikrar"
    assert (built / "py.typed").is_file()
    assert (built / "rules" / "default.json").is_file()
    assert (built / "progress.py").is_file()


def test_a_missing_optional_dependency_names_the_pip_line():
    # pandas blocked as if not installed (None in sys.modules makes the
    # import fail), in a process of its own.
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "import tikrar\n"
        "try:\n"
        "    tikrar.dedup([('a', 'نص')]).to_pandas()\n"
        "except tikrar.MissingDependencyError as err:\n"
        "    print(err)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "install it with: pip install 'tikrar[pandas]'" in result.stdout
