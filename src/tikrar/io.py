"""Readers and writers: text files, directories of them, JSONL.

Readers yield :class:`~tikrar.types.Article` objects lazily. A record that
cannot be read raises :class:`~tikrar.errors.InputError` naming the file and
line; with ``errors="skip"`` it is reported to ``on_skip`` and the rest of
the input is still read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .errors import InputError
from .types import Article

SkipHandler = Callable[[InputError], None]


def _raise(err: InputError) -> None:
    raise err


def _handler(errors: str, on_skip: Optional[SkipHandler]) -> SkipHandler:
    if errors == "raise":
        return _raise
    if errors == "skip":
        return on_skip or (lambda err: None)
    raise ValueError(f"errors must be 'raise' or 'skip', got {errors!r}")


def read_text_file(path: str | Path, source: Optional[str] = None) -> Article:
    """One article from a UTF-8 text file; its doc_id is the file name
    without extension.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "a1.txt")
    >>> _ = open(p, "w", encoding="utf-8").write("نص")
    >>> read_text_file(p).doc_id
    'a1'
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as err:
        raise InputError(str(path), "no such file") from err
    except OSError as err:
        raise InputError(str(path), f"cannot be read: {err.strerror}") from err
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}", f"not valid UTF-8 (byte {err.start})") from err
    return Article(path.stem, text, source)


def read_jsonl(
    path: str | Path,
    id_field: str = "id",
    text_field: str = "text",
    source_field: Optional[str] = "source",
    errors: str = "raise",
    on_skip: Optional[SkipHandler] = None,
) -> Iterator[Article]:
    """Articles from a JSON Lines file, one object per line; blank lines are
    passed over. A line without ``id_field`` gets ``<file stem>:<line>``.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write('{"id": "a", "text": "نص"}\\n')
    >>> [a.doc_id for a in read_jsonl(p)]
    ['a']
    """
    handle = _handler(errors, on_skip)
    path = Path(path)
    try:
        stream = open(path, "rb")
    except FileNotFoundError as err:
        raise InputError(str(path), "no such file") from err
    with stream:
        for number, raw in enumerate(stream, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                handle(InputError(where, "line is not valid UTF-8"))
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                handle(InputError(where, f"line is not valid JSON ({err.msg})"))
                continue
            if not isinstance(obj, dict):
                handle(InputError(where, "line is not a JSON object"))
                continue
            text = obj.get(text_field)
            if not isinstance(text, str):
                problem = "has no" if text is None else "has a non-string"
                handle(InputError(where, f"{problem} {text_field!r} field"))
                continue
            doc_id = obj.get(id_field)
            source = obj.get(source_field) if source_field else None
            yield Article(
                f"{path.stem}:{number}" if doc_id is None else str(doc_id),
                text,
                None if source is None else str(source),
            )


def read_paths(
    paths: Iterable[str | Path],
    id_field: str = "id",
    text_field: str = "text",
    errors: str = "raise",
    on_skip: Optional[SkipHandler] = None,
) -> Iterator[Article]:
    """Articles from files and directories, in the order given.

    A ``.txt`` file is one article; a directory gives its ``.txt`` files
    sorted by name; a ``.jsonl`` file gives one article per line.
    """
    handle = _handler(errors, on_skip)
    for raw_path in paths:
        path = Path(raw_path)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix == ".txt" and p.is_file())
            if not files:
                handle(InputError(str(path), "directory holds no .txt files"))
            for file in files:
                try:
                    yield read_text_file(file)
                except InputError as err:
                    handle(err)
        elif path.suffix == ".jsonl":
            yield from read_jsonl(path, id_field, text_field, errors=errors, on_skip=on_skip)
        elif not path.exists():
            handle(InputError(str(path), "no such file or directory"))
        else:
            try:
                yield read_text_file(path)
            except InputError as err:
                handle(err)


def write_clean(cleaned: dict[str, str], directory: str | Path) -> int:
    """Write each cleaned article to ``directory/<doc_id>.txt``; returns the count.

    A doc_id is made safe as a file name by replacing path separators.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for doc_id, text in cleaned.items():
        name = doc_id.replace("/", "_").replace("\\", "_") or "_"
        (directory / f"{name}.txt").write_text(text + ("\n" if text else ""), encoding="utf-8")
    return len(cleaned)

