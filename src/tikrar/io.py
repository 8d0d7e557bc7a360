"""Readers and writers: text files, directories of them, JSONL (plain or
gzip-compressed ``.jsonl.gz``) and Parquet.

Readers yield :class:`~tikrar.types.Article` objects lazily (a Parquet file
one row group at a time, never whole). A record that cannot be read raises
:class:`~tikrar.errors.InputError` naming the file and line (or row); with
``errors="skip"`` it is reported to ``on_skip`` and the rest of the input is
still read.

Writers never leave a half-written file behind: :func:`atomic_output` writes
to a temporary file next to the target and renames it into place only once
everything was written, :func:`install_termination_cleanup` turns SIGTERM
into an exception so that this cleanup also runs when a job is killed,
:class:`JsonlWriter` writes every record even when its strings cannot be
encoded as UTF-8, and :func:`write_clean` gives every article its own file
name (see :func:`clean_file_name`). :func:`record_output` and
:func:`cleaned_output` pick JSONL, gzip JSONL or Parquet from the output's
suffix (:func:`output_format`), with the same guarantees.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import itertools
import json
import os
import re
import secrets
import signal
import threading
import unicodedata
import zlib
from io import TextIOWrapper
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Optional

from .errors import InputError, require_module
from .types import Article, Record

__all__ = [
    "read_paths", "read_text_file", "read_jsonl", "read_parquet", "iter_batches", "atomic_output",
    "install_termination_cleanup", "JsonlWriter", "write_records", "ParquetBatchWriter", "output_format",
    "record_output", "cleaned_rows", "cleaned_output", "CleanWriter", "write_clean", "clean_file_name",
    "SkipHandler", "DEFAULT_PARQUET_BATCH_ROWS", "FORMAT_JSONL", "FORMAT_JSONL_GZ", "FORMAT_PARQUET",
    "PARQUET_ROW_GROUP_ROWS", "CLEAN_SUFFIX", "CLEAN_INDEX",
]

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
    A file whose name ends in ``.gz`` is read through gzip, with the same
    ids (the stem of ``x.jsonl.gz`` is ``x``) and line numbers; a corrupt or
    truncated one is an error at the line where it stops.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "x.jsonl")
    >>> _ = open(p, "w", encoding="utf-8").write('{"id": "a", "text": "نص"}\\n')
    >>> [a.doc_id for a in read_jsonl(p)]
    ['a']
    """
    handle = _handler(errors, on_skip)
    path = Path(path)
    compressed = path.suffix == ".gz"
    try:
        stream = gzip.open(path, "rb") if compressed else open(path, "rb")
    except FileNotFoundError as err:
        raise InputError(str(path), "no such file") from err
    stem = _input_stem(path)
    with stream:
        lines = _gzip_lines(stream, path, handle) if compressed else enumerate(stream, start=1)
        for number, raw in lines:
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
            except (ValueError, RecursionError) as err:
                # Valid JSON that Python cannot hold: an integer of thousands
                # of digits, nesting deeper than the interpreter's stack.
                handle(InputError(where, f"line cannot be read as JSON ({type(err).__name__}: {str(err)[:80]})"))
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
                f"{stem}:{number}" if doc_id is None else str(doc_id),
                text,
                None if source is None else str(source),
            )


def _input_stem(path: Path) -> str:
    """The file name without its extension, ``.gz`` included: ``x.jsonl.gz``
    and ``x.jsonl`` give the same default ids."""
    return Path(path.stem).stem if path.suffix == ".gz" else path.stem


def _gzip_lines(stream, path: Path, handle: SkipHandler) -> Iterator[tuple[int, bytes]]:
    """Numbered lines of a gzip stream; a stream that is not gzip or ends
    early is reported once, at the line where it stops (what follows cannot
    be read)."""
    number = 0
    try:
        for number, raw in enumerate(stream, start=1):
            yield number, raw
    except (OSError, EOFError, zlib.error) as err:
        # gzip.BadGzipFile is an OSError; a cut-off file is an EOFError.
        handle(InputError(f"{path}:{number + 1}", f"not a readable gzip file ({type(err).__name__}: {err})"))


#: Rows of a Parquet file read at a time by :func:`read_parquet`.
DEFAULT_PARQUET_BATCH_ROWS = 1024
_UNDECODABLE = object()


def _python_values(array) -> list:
    """An Arrow column as Python values; a string that is not valid UTF-8
    (Parquet does not check) becomes ``_UNDECODABLE`` instead of failing the
    whole batch."""
    try:
        return array.to_pylist()
    except UnicodeDecodeError:
        values = []
        for i in range(len(array)):
            try:
                values.append(array[i].as_py())
            except UnicodeDecodeError:
                values.append(_UNDECODABLE)
        return values


def _holds_strings(pa, kind) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or (
        hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind))


def read_parquet(
    path: str | Path,
    id_field: str = "id",
    text_field: str = "text",
    source_field: Optional[str] = "source",
    errors: str = "raise",
    on_skip: Optional[SkipHandler] = None,
    batch_rows: int = DEFAULT_PARQUET_BATCH_ROWS,
) -> Iterator[Article]:
    """Articles from a Parquet file, one per row (needs the ``arrow``
    extra). Only the id, text and source columns are read, one row group at
    a time, and turned into articles ``batch_rows`` rows at a time, so memory
    follows the row group and not the file.

    The conventions of :func:`read_jsonl`: the id is ``str()`` of the id
    column's value, and a row without one (no id column, or a null) gets
    ``<file stem>:<row>``; a text column must hold strings; a row whose text
    is null (or not valid UTF-8) is an error naming ``<file>:row <n>``.
    Rows are numbered from 0 over the whole file, as pandas and pyarrow
    number them. A file that is not Parquet, or lacks the text column, is
    one error naming the file.

    >>> import tempfile, os, pyarrow as pa, pyarrow.parquet as pq
    >>> p = os.path.join(tempfile.mkdtemp(), "x.parquet")
    >>> pq.write_table(pa.table({"id": [7, None], "text": ["نص", "خبر"]}), p)
    >>> [(a.doc_id, a.text) for a in read_parquet(p)]
    [('7', 'نص'), ('x:1', 'خبر')]
    """
    handle = _handler(errors, on_skip)
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise ValueError(f"batch_rows must be a whole number >= 1, got {batch_rows!r}")
    from .frames import _pyarrow

    path = Path(path)
    pa = _pyarrow(f"reading {path}")
    pq = require_module("pyarrow.parquet", "arrow", f"reading {path}")
    if not path.exists():
        raise InputError(str(path), "no such file")
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        handle(InputError(str(path), f"not a readable Parquet file ({err})"))
        return
    try:
        schema = parquet.schema_arrow
        names = schema.names
        if text_field not in names:
            handle(InputError(str(path), f"has no {text_field!r} column (columns: {', '.join(names)})"))
            return
        if not _holds_strings(pa, schema.field(text_field).type):
            handle(InputError(str(path), f"column {text_field!r} holds {schema.field(text_field).type}, not strings"))
            return
        has_id = id_field in names
        has_source = bool(source_field) and source_field in names
        columns = list(dict.fromkeys(c for c in (id_field if has_id else None, text_field,
                                                 source_field if has_source else None) if c))
        stem = _input_stem(path)
        row = 0
        for group in range(parquet.num_row_groups):
            try:
                # One row group, read whole and on this thread: ParquetFile.
                # iter_batches reads ahead, and its peak memory was measured
                # to grow with the file.
                table = parquet.read_row_group(group, columns=columns, use_threads=False)
            except (pa.ArrowException, OSError) as err:
                # A damaged row group: what follows it may not be readable.
                handle(InputError(f"{path}:row {row}", f"row group {group} cannot be read ({err})"))
                return
            for batch in table.to_batches(max_chunksize=batch_rows):
                yield from _parquet_articles(batch, path, stem, row, id_field if has_id else None, text_field,
                                             source_field if has_source else None, handle)
                row += batch.num_rows
            del table
    finally:
        parquet.close()


def _parquet_articles(batch, path: Path, stem: str, first_row: int, id_field: Optional[str], text_field: str,
                      source_field: Optional[str], handle: SkipHandler) -> Iterator[Article]:
    """The articles of one Arrow batch of a Parquet file, with the rules of
    :func:`read_parquet`; ``first_row`` is the batch's first row number."""
    texts = _python_values(batch.column(text_field))
    ids = _python_values(batch.column(id_field)) if id_field else [None] * len(texts)
    sources = _python_values(batch.column(source_field)) if source_field else [None] * len(texts)
    for offset, (doc_id, text, source) in enumerate(zip(ids, texts, sources)):
        row = first_row + offset
        where = f"{path}:row {row}"
        if text is None or text is _UNDECODABLE:
            handle(InputError(where, f"has no {text_field!r} value" if text is None
                              else f"{text_field!r} is not valid UTF-8"))
            continue
        if doc_id is _UNDECODABLE or source is _UNDECODABLE:
            handle(InputError(where, "id or source is not valid UTF-8"))
            continue
        yield Article(
            f"{stem}:{row}" if doc_id is None else str(doc_id),
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
    sorted by name; a ``.jsonl`` or ``.jsonl.gz`` file gives one article per
    line (:func:`read_jsonl`), a ``.parquet`` file one per row
    (:func:`read_parquet`).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> for name in ("b.txt", "a.txt"):
    ...     _ = open(os.path.join(d, name), "w", encoding="utf-8").write("نص " + name)
    >>> [(a.doc_id, a.text) for a in read_paths([d])]
    [('a', 'نص a.txt'), ('b', 'نص b.txt')]
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
        elif path.suffix == ".jsonl" or path.name.endswith(".jsonl.gz"):
            yield from read_jsonl(path, id_field, text_field, errors=errors, on_skip=on_skip)
        elif path.suffix == ".parquet":
            yield from read_parquet(path, id_field, text_field, errors=errors, on_skip=on_skip)
        elif not path.exists():
            handle(InputError(str(path), "no such file or directory"))
        else:
            try:
                yield read_text_file(path)
            except InputError as err:
                handle(err)


def iter_batches(articles: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """The articles in lists of at most ``size``, in input order, read lazily:
    a batch is taken from ``articles`` only when it is asked for, so a reader
    of a large corpus can be streamed through a deduplicator batch by batch.

    >>> [len(b) for b in iter_batches((Article(str(i), "نص") for i in range(5)), 2)]
    [2, 2, 1]
    """
    # Checked here, not inside the generator, so a bad size fails at the call
    # and not at the first batch, possibly far away from it.
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"batch size must be a whole number >= 1, got {size!r}")
    return _batches(iter(articles), size)


def _batches(items: Iterator, size: int) -> Iterator[list]:
    while True:
        batch = list(itertools.islice(items, size))
        if not batch:
            return
        yield batch


# ---------------------------------------------------------------------------
# Atomic output


_WRITE_MODES = {"w": False, "wt": False, "tw": False, "wb": True, "bw": True}
# A file name may hold at most 255 bytes on the usual file systems; the
# temporary name adds a dot, ".tmp-" and 16 hex digits to the target's name.
_TMP_NAME_BYTES = 200


def _temporary_name(name: str) -> str:
    raw = name.encode("utf-8", "surrogatepass")
    if len(raw) > _TMP_NAME_BYTES:
        name = raw[:_TMP_NAME_BYTES].decode("utf-8", "ignore")
    return f".{name}.tmp-{secrets.token_hex(8)}"


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself survive a power cut. Windows cannot open a
    # directory, and some file systems refuse to sync one: the rename is
    # still atomic there, only its durability is left to the system.
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(
    path: str | Path,
    mode: str = "w",
    encoding: Optional[str] = "utf-8",
    *,
    newline: Optional[str] = None,
    fsync: bool = True,
    sync_directory: bool = True,
) -> Iterator[IO]:
    """A file object that replaces ``path`` only if the ``with`` block ends
    normally.

    It writes to ``.<name>.tmp-<random>`` in the directory of ``path``; on
    normal exit the data is flushed and fsynced, the temporary file is
    renamed onto ``path`` with :func:`os.replace` (atomic: a reader sees the
    old file or the new one, never a mix) and the directory is fsynced. On
    any exception, KeyboardInterrupt and SystemExit included, the temporary
    file is closed and deleted and the exception goes on: the previous file
    at ``path``, if any, is untouched. Combine it with
    :func:`install_termination_cleanup` so that SIGTERM does the same.

    ``mode`` is ``"w"`` (text, with ``encoding`` and ``newline`` as for
    :func:`open`) or ``"wb"``. The new file gets the permission bits of the
    file it replaces, or else those :func:`open` would give it.
    ``fsync=False`` and ``sync_directory=False`` skip the syncs (still
    atomic against a crash of the program, not against a power cut), for a
    caller that syncs many files at once itself.

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "out.txt")
    >>> with atomic_output(p) as f:
    ...     _ = f.write("جديد")
    >>> open(p, encoding="utf-8").read()
    'جديد'
    >>> try:
    ...     with atomic_output(p) as f:
    ...         _ = f.write("نصف")
    ...         raise RuntimeError("stopped")
    ... except RuntimeError:
    ...     pass
    >>> open(p, encoding="utf-8").read(), sorted(os.listdir(os.path.dirname(p)))
    ('جديد', ['out.txt'])
    """
    if mode not in _WRITE_MODES:
        raise ValueError(f"atomic_output writes a new file: mode must be 'w' or 'wb', got {mode!r}")
    binary = _WRITE_MODES[mode]
    path = Path(path)
    directory = path.parent
    # Binary on Windows, so that the text layer alone decides on newlines.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    pending: Optional[Path] = None
    fd: Optional[int] = None
    file = None
    try:
        while True:
            # Set before the file exists, so that an exception raised by a
            # signal handler right after os.open still finds the name to
            # delete; a random 64-bit name makes a clash all but impossible.
            pending = directory / _temporary_name(path.name)
            try:
                # os.open with 0o666 lets the umask decide, as open() does;
                # tempfile.mkstemp would make every output private (0o600).
                fd = os.open(pending, flags, 0o666)
            except FileExistsError:
                pending = None
                continue
            break
        try:
            os.chmod(fd if os.chmod in os.supports_fd else pending, os.stat(path).st_mode & 0o7777)
        except OSError:
            pass  # no previous file (or not ours to copy from): keep the umask's bits
        if binary:
            file = os.fdopen(fd, "wb")
        else:
            file = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        fd = None  # owned by the file object from here on
        yield file
        if file.closed:
            # The block closed the file itself: its data is written, but not
            # yet synced.
            if fsync:
                sync_fd = os.open(pending, os.O_RDONLY | getattr(os, "O_BINARY", 0))
                try:
                    os.fsync(sync_fd)
                finally:
                    os.close(sync_fd)
        else:
            file.flush()
            if fsync:
                os.fsync(file.fileno())
            file.close()
        os.replace(pending, path)
        pending = None
        if sync_directory:
            _fsync_directory(directory)
    except BaseException:
        # Cleanup must not replace the exception that got us here.
        if file is not None:
            with contextlib.suppress(Exception):
                file.close()
        elif fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if pending is not None:
            with contextlib.suppress(OSError):
                os.unlink(pending)
        raise


def _exit_on_signal(signum, frame):
    # SystemExit, not KeyboardInterrupt: the process ends with the status a
    # shell gives a job killed by this signal (143 for SIGTERM) and without a
    # traceback, after every ``finally`` and ``except BaseException`` ran.
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def install_termination_cleanup(signals: Optional[Iterable[int]] = None) -> Iterator[bool]:
    """While the ``with`` block runs, SIGTERM (or each of ``signals``) raises
    ``SystemExit(128 + signum)`` (143 for SIGTERM) in the main thread, so that
    :func:`atomic_output` and every ``finally`` clean up before the process
    ends; the previous handlers are restored afterwards.

    A signal's handler is replaced only when it is the default one (which
    would end the process without any cleanup): an ignored signal stays
    ignored and a handler the application installed stays in charge. Python
    lets only the main thread install handlers, so elsewhere this does
    nothing. The block gets ``True`` if at least one handler was installed.

    >>> import signal
    >>> before = signal.getsignal(signal.SIGTERM)
    >>> with install_termination_cleanup():
    ...     pass
    >>> signal.getsignal(signal.SIGTERM) is before
    True
    """
    if signals is None:
        signals = (signal.SIGTERM,)
    previous: dict[int, object] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in signals:
            if signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _exit_on_signal)
    try:
        yield bool(previous)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# ---------------------------------------------------------------------------
# JSON Lines

# One encoder each, built once: json.dumps with a non-default option builds a
# new JSONEncoder at every call. The output is the same as json.dumps gives.
_encode_unicode = json.JSONEncoder(ensure_ascii=False).encode
_encode_ascii = json.JSONEncoder(ensure_ascii=True).encode


class JsonlWriter:
    """Writes :class:`~tikrar.types.Record` objects to an open text file,
    one JSON object (``record.to_dict()``) per line, in the format of the
    command line.

    Non-ASCII text is written as is (``ensure_ascii=False``). A record whose
    strings cannot be encoded by the file (a lone surrogate such as
    ``"\\ud800"``, which JSON input may hold but UTF-8 cannot) is written
    with ``ensure_ascii=True`` instead: still valid JSON in valid UTF-8,
    the same strings after :func:`json.loads`, the surrogate escaped as
    ``\\ud800``. So every record gets its line. Records can be written in
    several batches; ``count`` is the number of lines written so far.

    >>> import io
    >>> out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    >>> writer = JsonlWriter(out)
    >>> writer.write_all([Record("a", 0, 0, 2, "نص", "unique"), Record("b", 0, 0, 1, "\\ud800", "unique")])
    2
    >>> _ = out.seek(0); [json.loads(line)["text"] for line in out]
    ['نص', '\\ud800']
    """

    __slots__ = ("_out", "count")

    def __init__(self, out: IO[str]):
        self._out = out
        self.count = 0

    def write(self, record: Record) -> None:
        """Write one record as one line."""
        self.write_dict(record.to_dict())

    def write_dict(self, obj: dict) -> None:
        """Write one JSON-ready dict as one line, with the same fallback."""
        try:
            # One write of the line and its newline: the text layer encodes a
            # string before it buffers any of it, so a line that cannot be
            # encoded leaves nothing behind and the fallback starts clean.
            self._out.write(_encode_unicode(obj) + "\n")
        except UnicodeEncodeError:
            self._out.write(_encode_ascii(obj) + "\n")
        self.count += 1

    def write_all(self, records: Iterable[Record]) -> int:
        """Write every record; returns how many this call wrote."""
        # The loop is the hot path of a large report: names bound locally.
        write = self._out.write
        encode = _encode_unicode
        written = 0
        try:
            for record in records:
                obj = record.to_dict()
                try:
                    write(encode(obj) + "\n")
                except UnicodeEncodeError:
                    write(_encode_ascii(obj) + "\n")
                written += 1
        finally:
            # Counted even when the records' iterator fails half-way: those
            # lines are in the file.
            self.count += written
        return written


def write_records(records: Iterable[Record], out: IO[str]) -> int:
    """Write one JSON line per record to the open text file ``out`` (see
    :class:`JsonlWriter`); returns the number written.

    >>> import io
    >>> out = io.StringIO()
    >>> write_records([Record("a", 0, 0, 2, "نص", "unique")], out)
    1
    >>> json.loads(out.getvalue())["label"]
    'unique'
    """
    return JsonlWriter(out).write_all(records)


# ---------------------------------------------------------------------------
# Output formats: JSONL, gzip JSONL, Parquet

FORMAT_JSONL = "jsonl"
FORMAT_JSONL_GZ = "jsonl.gz"
FORMAT_PARQUET = "parquet"
#: Rows at most in one Parquet row group; a batch of records is one row
#: group up to this size.
PARQUET_ROW_GROUP_ROWS = 1 << 17


def output_format(path: str | Path) -> str:
    """The format an output file is written in, from its name: ``parquet``
    for ``.parquet``, ``jsonl.gz`` (gzip-compressed JSON Lines) for any name
    ending in ``.gz``, else ``jsonl``.

    >>> output_format("out.parquet"), output_format("day1.jsonl.gz"), output_format("out.jsonl")
    ('parquet', 'jsonl.gz', 'jsonl')
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet":
        return FORMAT_PARQUET
    if suffix == ".gz":
        return FORMAT_JSONL_GZ
    return FORMAT_JSONL


class ParquetBatchWriter:
    """Writes batches of rows to an open binary file as Parquet: each
    :meth:`write_all` turns its rows into one Arrow RecordBatch with
    ``to_batch`` and writes it as a row group (or several, above
    :data:`PARQUET_ROW_GROUP_ROWS`), so only the current batch is held in
    memory. :meth:`close` writes the footer (the file itself stays open).
    ``count`` is the number of rows written so far.

    >>> import io, pyarrow as pa, pyarrow.parquet as pq
    >>> schema = pa.schema([("n", pa.int64())])
    >>> out = io.BytesIO()
    >>> writer = ParquetBatchWriter(out, schema, lambda rows: pa.RecordBatch.from_pylist(rows, schema=schema))
    >>> writer.write_all([{"n": 1}, {"n": 2}]), writer.write_all([{"n": 3}]), writer.count
    (2, 1, 3)
    >>> writer.close()
    >>> pq.read_table(io.BytesIO(out.getvalue())).column("n").to_pylist()
    [1, 2, 3]
    """

    def __init__(self, out: IO[bytes], schema, to_batch: Callable):
        pq = require_module("pyarrow.parquet", "arrow", "writing Parquet")
        self._writer = pq.ParquetWriter(out, schema)
        self._to_batch = to_batch
        self.count = 0

    def write_all(self, rows: Iterable) -> int:
        """Write one batch; returns how many rows it held."""
        batch = self._to_batch(rows)
        if batch.num_rows:
            self._writer.write_batch(batch, row_group_size=PARQUET_ROW_GROUP_ROWS)
        self.count += batch.num_rows
        return batch.num_rows

    def close(self) -> None:
        self._writer.close()

    def abandon(self) -> None:
        """Stop without a usable file (the caller deletes it), quietly."""
        with contextlib.suppress(Exception):
            self._writer.close()


@contextlib.contextmanager
def _gzip_text(raw: IO[bytes]) -> Iterator[IO[str]]:
    # mtime=0 and no file name in the header: the same records give the
    # same bytes, whatever the temporary name or the time of the run.
    compressed = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)
    text = TextIOWrapper(compressed, encoding="utf-8", newline="\n")
    try:
        yield text
    except BaseException:
        with contextlib.suppress(Exception):
            text.close()
        raise
    text.close()  # flushes and writes the gzip trailer; ``raw`` stays open


@contextlib.contextmanager
def _output(path: str | Path, schema_of: Callable, batch_of: Callable, jsonl_writer: Callable) -> Iterator:
    kind = output_format(path)
    if kind == FORMAT_PARQUET:
        # Checked before the temporary file exists, so a missing pyarrow
        # fails at once and leaves nothing behind.
        schema = schema_of()
        with atomic_output(path, "wb") as raw:
            writer = ParquetBatchWriter(raw, schema, batch_of)
            try:
                yield writer
            except BaseException:
                writer.abandon()
                raise
            writer.close()
    elif kind == FORMAT_JSONL_GZ:
        with atomic_output(path, "wb") as raw, _gzip_text(raw) as text:
            yield jsonl_writer(text)
    else:
        with atomic_output(path) as out:
            yield jsonl_writer(out)


def _records_schema():
    from .frames import records_schema

    return records_schema()


def _records_batch(records):
    from .frames import records_batch

    return records_batch(records)


@contextlib.contextmanager
def record_output(path: str | Path) -> Iterator:
    """A writer of paragraph records to ``path`` in the format of
    :func:`output_format`: one JSON line per record (:class:`JsonlWriter`,
    gzip-compressed for ``.gz``) or Parquet with the schema of
    :func:`tikrar.frames.records_schema` (:class:`ParquetBatchWriter`, one
    row group per :meth:`write_all`). Either way ``writer.write_all(records)``
    may be called once per batch, and the file is written through
    :func:`atomic_output`: it replaces ``path`` only when the ``with`` block
    ends normally, and an error leaves the previous file intact. A gzip
    file holds exactly the bytes of the plain JSONL, compressed.

    >>> import tempfile, os, gzip
    >>> d = tempfile.mkdtemp()
    >>> with record_output(os.path.join(d, "out.jsonl.gz")) as writer:
    ...     writer.write_all([Record("a", 0, 0, 2, "نص", "unique")])
    1
    >>> json.loads(gzip.open(os.path.join(d, "out.jsonl.gz")).read())["label"]
    'unique'
    """
    with _output(path, _records_schema, _records_batch, JsonlWriter) as writer:
        yield writer


def cleaned_rows(report, drop_reused: bool = False) -> list[dict]:
    """The cleaned articles of a report as rows ``{"id", "text", "source"}``
    (in report order; the text of :meth:`~tikrar.report.Report.cleaned`),
    what :func:`cleaned_output` writes. They read back as input: ``id`` and
    ``text`` are the fields the readers look for.

    >>> from tikrar import dedup
    >>> cleaned_rows(dedup([("a", "فقرة\\nفقرة", "sabq")]))
    [{'id': 'a', 'text': 'فقرة', 'source': 'sabq'}]
    """
    texts = report.cleaned(drop_reused=drop_reused)
    sources: dict = {}
    for r in report.records:
        sources.setdefault(r.doc_id, r.source)
    return [{"id": doc_id, "text": text, "source": sources.get(doc_id)} for doc_id, text in texts.items()]


def _cleaned_schema():
    from .frames import _pyarrow

    pa = _pyarrow("writing Parquet")
    return pa.schema([pa.field("id", pa.string(), nullable=False), pa.field("text", pa.string(), nullable=False),
                      pa.field("source", pa.string())])


def _cleaned_batch(rows):
    from .frames import _pyarrow, _utf8_strings

    pa = _pyarrow("writing Parquet")
    rows = list(rows)
    return pa.RecordBatch.from_arrays(
        [_utf8_strings(pa, [row[name] for row in rows], name) for name in ("id", "text", "source")],
        schema=_cleaned_schema(),
    )


class _CleanedJsonlWriter:
    __slots__ = ("_lines",)

    def __init__(self, out: IO[str]):
        self._lines = JsonlWriter(out)

    @property
    def count(self) -> int:
        return self._lines.count

    def write_all(self, rows: Iterable[dict]) -> int:
        before = self._lines.count
        for row in rows:
            self._lines.write_dict(row)
        return self._lines.count - before


@contextlib.contextmanager
def cleaned_output(path: str | Path) -> Iterator:
    """A writer of cleaned articles (rows of :func:`cleaned_rows`) to one
    file, in the format of :func:`output_format`, atomic as
    :func:`record_output`: ``writer.write_all(rows)`` once per batch.

    >>> import tempfile, os
    >>> from tikrar import dedup
    >>> p = os.path.join(tempfile.mkdtemp(), "clean.jsonl")
    >>> with cleaned_output(p) as writer:
    ...     writer.write_all(cleaned_rows(dedup([("a", "فقرة\\nفقرة")])))
    1
    >>> open(p, encoding="utf-8").read()
    '{"id": "a", "text": "فقرة", "source": null}\\n'
    """
    with _output(path, _cleaned_schema, _cleaned_batch, _CleanedJsonlWriter) as writer:
        yield writer


# ---------------------------------------------------------------------------
# Cleaned articles, one file each

CLEAN_SUFFIX = ".txt"
CLEAN_INDEX = "index.jsonl"
_PLAIN_MAX_BYTES = 100
_HASH_HEX = 16
_HASH_SEPARATOR = "~"
# Device names Windows reserves whatever the extension ("con.txt" is the
# console), compared case-insensitively.
_WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_SURROGATES = re.compile("[\ud800-\udfff]")


def _name_char(char: str) -> bool:
    if char in "-_.":
        return True
    category = unicodedata.category(char)
    # Letters of every script, their combining marks (Arabic harakat) and
    # decimal digits (Arabic-Indic ones too); no spaces, punctuation,
    # controls, format characters (bidi marks), surrogates or symbols.
    return category[0] in "LM" or category == "Nd"


def _case_safe(text: str) -> bool:
    # The id is its own case fold and the fold of its upper case, so that no
    # other id of this form folds to the same name on a case-insensitive
    # file system (macOS, Windows): lower-case and caseless letters pass;
    # "A", "ß", "ς", "ı", "K" (Kelvin) and the like do not.
    return text.casefold() == text and text.upper().casefold() == text


def _plain(doc_id: str) -> bool:
    return (
        0 < len(doc_id.encode("utf-8", "surrogatepass")) <= _PLAIN_MAX_BYTES
        and doc_id[0] not in ".-"
        and unicodedata.category(doc_id[0])[0] != "M"
        and all(_name_char(c) for c in doc_id)
        and _case_safe(doc_id)
        # macOS file systems compare names after Unicode normalization.
        and unicodedata.is_normalized("NFC", doc_id)
        and doc_id.split(".", 1)[0].casefold() not in _WINDOWS_RESERVED
    )


def _readable_prefix(doc_id: str) -> str:
    prefix = "".join(c if _name_char(c) else "_" for c in doc_id)
    raw = prefix.encode("utf-8")
    if len(raw) > _PLAIN_MAX_BYTES:
        prefix = raw[:_PLAIN_MAX_BYTES].decode("utf-8", "ignore")
    if not prefix or prefix[0] in ".-" or unicodedata.category(prefix[0])[0] == "M":
        prefix = "_" + prefix
    if prefix.split(".", 1)[0].casefold() in _WINDOWS_RESERVED:
        prefix = "_" + prefix
    return prefix


def clean_file_name(doc_id: str) -> str:
    """The file name :func:`write_clean` gives an article: distinct ids get
    distinct names, also on case-insensitive and normalizing file systems.

    * An id that is safe as it is, is its own name plus ``.txt``: 1 to 100
      UTF-8 bytes of letters (Arabic included), combining marks, digits,
      ``-``, ``_`` and ``.``, not starting with ``.``, ``-`` or a mark,
      lower-case or caseless only, NFC-normalized, and not a device name
      Windows reserves (``con``, ``nul``, ``com1``, ...).
    * Any other id gets a readable prefix (its characters with everything
      outside that set replaced by ``_``, cut to 100 bytes) then ``~`` and
      the first 16 hex digits of the SHA-256 of the full id (UTF-8, lone
      surrogates included) plus ``.txt``.

    A plain name never holds ``~`` and a hashed one always does, so the two
    forms cannot meet: ``a_b.txt`` is the id ``a_b`` and nothing else, while
    ``a/b`` and ``a\\\\b`` get ``a_b~<hash>.txt`` with different hashes.
    Upper-case ids always get the hash, so ``A`` and ``a`` differ even
    where the file system ignores case. No name starts with ``.``, and none
    is ``index.jsonl``, the index :func:`write_clean` writes beside them.

    >>> clean_file_name("خبر-12"), clean_file_name("a_b")
    ('خبر-12.txt', 'a_b.txt')
    >>> clean_file_name("a/b")
    'a_b~c14cddc033f64b9d.txt'
    """
    if not isinstance(doc_id, str):
        raise TypeError(f"doc_id must be a string, got {type(doc_id).__name__}")
    if _plain(doc_id):
        return doc_id + CLEAN_SUFFIX
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH_HEX]
    return f"{_readable_prefix(doc_id)}{_HASH_SEPARATOR}{digest}{CLEAN_SUFFIX}"


def write_clean(cleaned: dict[str, str], directory: str | Path, *, durable: bool = True) -> int:
    """Write each cleaned article to ``directory/<name>`` (the name of
    :func:`clean_file_name`: the doc_id itself when it is a safe file name,
    else a readable form plus a hash of the id) and the list of files to
    ``directory/index.jsonl``, one ``{"file": name, "doc_id": id}`` per line
    in the order of ``cleaned``; returns the number of articles.

    A file holds the text plus a newline (none for an empty text). Lone
    surrogates, which UTF-8 cannot hold, are written as U+FFFD. Every file
    and the index are written with :func:`atomic_output`, so an interrupted
    run leaves each file either as it was or complete; the index comes last.
    ``durable=False`` skips the fsync of each file (faster for many articles,
    still atomic if the program dies, not if the machine does).

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> write_clean({"n1": "فقرة", "a/b": "نص"}, d)
    2
    >>> sorted(os.listdir(d))
    ['a_b~c14cddc033f64b9d.txt', 'index.jsonl', 'n1.txt']
    >>> open(os.path.join(d, "n1.txt"), encoding="utf-8").read()
    'فقرة\\n'
    """
    writer = CleanWriter(directory, durable=durable)
    writer.write(cleaned)
    writer.close()
    return len(cleaned)


class CleanWriter:
    """:func:`write_clean` over several batches of cleaned articles: each
    :meth:`write` writes its articles' files, :meth:`close` the
    ``index.jsonl`` of all of them.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp(); w = CleanWriter(d)
    >>> w.write({"a": "نص"}); w.write({"b": ""}); w.close()
    >>> open(os.path.join(d, "index.jsonl"), encoding="utf-8").read().count("doc_id")
    2
    """

    def __init__(self, directory: str | Path, *, durable: bool = True):
        self.directory = Path(directory)
        self.durable = durable
        self.names: dict[str, str] = {}
        self._folded: dict[str, str] = {}

    def write(self, cleaned: dict[str, str]) -> None:
        names = {}
        for doc_id in cleaned:
            name = clean_file_name(doc_id)
            key = unicodedata.normalize("NFC", name).casefold()
            other = self._folded.setdefault(key, doc_id)
            if other != doc_id:
                # Only two ids whose hashes share 64 bits get here; better to stop
                # than to let one article overwrite the other.
                raise ValueError(f"doc_ids {other!r} and {doc_id!r} map to the same file name {name!r}")
            names[doc_id] = name
        self.directory.mkdir(parents=True, exist_ok=True)
        for doc_id, text in cleaned.items():
            if _SURROGATES.search(text):
                text = _SURROGATES.sub("\ufffd", text)
            with atomic_output(self.directory / names[doc_id], fsync=self.durable, sync_directory=False) as out:
                out.write(text + ("\n" if text else ""))
        self.names.update(names)

    def close(self) -> None:
        with atomic_output(self.directory / CLEAN_INDEX, newline="\n", sync_directory=False) as out:
            index = JsonlWriter(out)
            for doc_id, name in self.names.items():
                index.write_dict({"file": name, "doc_id": doc_id})
        # One directory sync for all the renames above.
        _fsync_directory(self.directory)
