"""Readers and writers: text files, directories of them, JSONL.

Readers yield :class:`~tikrar.types.Article` objects lazily. A record that
cannot be read raises :class:`~tikrar.errors.InputError` naming the file and
line; with ``errors="skip"`` it is reported to ``on_skip`` and the rest of
the input is still read.

Writers never leave a half-written file behind: :func:`atomic_output` writes
to a temporary file next to the target and renames it into place only once
everything was written, :func:`install_termination_cleanup` turns SIGTERM
into an exception so that this cleanup also runs when a job is killed,
:class:`JsonlWriter` writes every record even when its strings cannot be
encoded as UTF-8, and :func:`write_clean` gives every article its own file
name (see :func:`clean_file_name`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import secrets
import signal
import threading
import unicodedata
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Optional

from .errors import InputError
from .types import Article, Record

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
