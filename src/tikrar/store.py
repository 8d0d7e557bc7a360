"""The on-disk index: an :class:`~tikrar.state.IndexState` in a directory.

Layout of ``DIR``::

    manifest.json        format, version, settings, and the list of segments
    seg-000001/*.npy     arrays of the paragraphs and articles one save added
    seg-000002/...       (and the articles removed since the save before)
    lock                 held (flock) by the one process that may write

Why a directory of ``.npy`` arrays: the state *is* a set of flat arrays, so
a save writes them as they are (no encoding, no server, no SQL per row) and
an open reads them at disk speed. Loading uses ``numpy.load`` with
``allow_pickle=False`` and JSON: nothing is ever unpickled.

Why segments: every array of the state only grows (paragraphs and articles
get increasing ids), so a save writes only what was added since the last
one, in a new segment: its cost follows the change, not the history. Once
there are :data:`MAX_SEGMENTS` segments, a save writes one segment holding
everything instead (compaction), so opening never reads many small files.

Crash safety: a save writes its segment under a temporary name, fsyncs it,
renames it, then replaces ``manifest.json`` atomically (write, fsync,
``os.replace``). The manifest names the segments that make the index; a
segment it does not name is debris of an interrupted save, removed by the
next writer. So a process killed at any moment leaves the index as of the
last completed save. Each file's size and CRC-32 are in the manifest: a
truncated or altered file is refused with an error naming it.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import zlib
from pathlib import Path
from typing import Any, Iterator, Optional

import numpy as np

from . import __version__
from .boilerplate import Rule
from .config import LSHConfig, MinHashConfig, ShingleConfig
from .errors import ConfigError, TikrarError
from .normalize import NORMALIZER_VERSION, NormalizeConfig
from .state import Column, IndexState, signals_deferred

__all__ = [
    "ARCHIVED", "FORMAT", "FORMAT_VERSION", "IndexFileError", "IndexLockedError", "LOCK", "MANIFEST", "MAX_SEGMENTS",
    "SCHEME", "Store", "Streamed", "config_from_dict", "config_to_dict", "signature",
]

FORMAT = "tikrar-index"
#: Version of the directory format; a change that older code cannot read
#: raises it.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
LOCK = "lock"
#: A save writes everything in one segment once there are this many.
MAX_SEGMENTS = 8
#: MinHash scheme of the signatures (see tikrar.minhash).
SCHEME = "affine32"


class IndexFileError(TikrarError):
    """An index directory that cannot be opened or written, and why.

    >>> import tempfile, pathlib
    >>> from tikrar import Deduplicator
    >>> where = pathlib.Path(tempfile.mkdtemp()) / "index"
    >>> where.mkdir(); _ = (where / "manifest.json").write_text("not json")
    >>> try:
    ...     Deduplicator.open(where)
    ... except IndexFileError as err:
    ...     print(type(err).__name__)
    IndexFileError
    """


class IndexLockedError(IndexFileError):
    """Another process holds the index open for writing.

    >>> import tempfile
    >>> from tikrar import Deduplicator
    >>> where = tempfile.mkdtemp()
    >>> with Deduplicator.open(where):
    ...     try:
    ...         Deduplicator.open(where)
    ...     except IndexLockedError:
    ...         print("locked")
    locked
    """


# -- settings ------------------------------------------------------------------

def config_to_dict(config) -> dict:
    """A :class:`~tikrar.DedupConfig` as JSON-ready data.

    >>> from tikrar import DedupConfig
    >>> config_to_dict(DedupConfig())["shingle"]
    {'kind': 'word', 'size': 3}
    """
    data: dict[str, Any] = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if f.name == "rules":
            value = None if value is None else [rule.to_dict() for rule in value]
        elif dataclasses.is_dataclass(value):
            value = dataclasses.asdict(value)
        data[f.name] = value
    return data


def config_from_dict(data: dict):
    """The :class:`~tikrar.DedupConfig` that :func:`config_to_dict` gave.

    >>> from tikrar import DedupConfig
    >>> config_from_dict(config_to_dict(DedupConfig(threshold=0.6))) == DedupConfig(threshold=0.6)
    True
    """
    from .dedup import DedupConfig

    try:
        values = dict(data)
        values["normalize"] = NormalizeConfig(**values["normalize"])
        values["shingle"] = ShingleConfig(**values["shingle"])
        values["minhash"] = MinHashConfig(**values["minhash"])
        values["lsh"] = LSHConfig(**values["lsh"])
        if values.get("rules") is not None:
            values["rules"] = tuple(Rule(**rule) for rule in values["rules"])
        return DedupConfig(**values)
    except (TypeError, KeyError, ValueError) as err:
        raise IndexFileError(f"the index's settings cannot be read: {err}") from None


def signature(config) -> dict:
    """What makes the stored sketches and indexes comparable with new ones:
    opening an index with any of these changed is an error.

    >>> from tikrar import DedupConfig
    >>> signature(DedupConfig(threshold=0.6)) == signature(DedupConfig())  # the threshold may change
    True
    >>> signature(DedupConfig.from_options(num_perm=64)) == signature(DedupConfig())
    False
    """
    data = config_to_dict(config)
    bands, rows = config.bands_rows
    return {
        "normalize": data["normalize"],
        "normalizer_version": NORMALIZER_VERSION,
        "shingle": data["shingle"],
        "num_perm": config.minhash.num_perm,
        "seed": config.minhash.seed,
        "scheme": SCHEME,
        "bands": bands,
        "rows": rows,
        "short_words": config.short_words,
        "fingerprint_window": config.fingerprint_window,
        "reused_passages": config.min_reuse_words is not None,
        "boilerplate": config.boilerplate,
        "rules": [rule.to_dict() for rule in config.active_rules],
        "source_separators": config.source_separators,
    }


def _mismatch(stored: dict, wanted: dict) -> Optional[str]:
    """Every setting that differs, in a fixed order, or None."""
    problems = []
    for name in list(stored) + [n for n in wanted if n not in stored]:
        if stored.get(name) == wanted.get(name):
            continue
        if name == "rules":
            have = {r["name"] for r in stored.get(name) or []}
            want = {r["name"] for r in wanted.get(name) or []}
            if have == want:
                problems.append("rules of the same names differ in their patterns or options")
            else:
                problems.append(f"rules differ (index only: {sorted(have - want)}, "
                                f"this run only: {sorted(want - have)})")
        else:
            problems.append(f"{name} is {stored.get(name)!r} in the index, {wanted.get(name)!r} in this run")
    return "; ".join(problems) or None


# -- files ---------------------------------------------------------------------

def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclasses.dataclass
class Streamed:
    """An array written piece by piece (too big to gather in memory).

    >>> s = Streamed(np.dtype(np.uint8), 4, iter([np.zeros(2, np.uint8), np.ones(2, np.uint8)]))
    >>> s.length, [piece.tolist() for piece in s.pieces]
    (4, [[0, 0], [1, 1]])
    """

    dtype: np.dtype
    length: int
    pieces: Iterator[np.ndarray]


def _write_header(out, dtype, shape: tuple) -> None:
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)


def _read_header(stream) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran_order, dtype) of the ``.npy`` file open at its start;
    leaves the stream at the data."""
    version = np.lib.format.read_magic(stream)
    read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}.get(version)
    if read_header is None:
        raise ValueError(f"unknown .npy version {version}")
    return read_header(stream)


def _write_array(directory: Path, name: str, array) -> dict:
    path = directory / f"{name}.npy"
    with open(path, "wb") as out:
        if isinstance(array, Streamed):
            _write_header(out, array.dtype, (array.length,))
            written = 0
            for piece in array.pieces:
                out.write(np.ascontiguousarray(piece, dtype=array.dtype).tobytes())
                written += len(piece)
            if written != array.length:
                raise IndexFileError(f"{path}: wrote {written} values, expected {array.length}")
        elif array.ndim == 2 and not array.flags.c_contiguous:
            # The LSH bands are a view of wider rows: written row by row, so
            # a save never makes a contiguous copy of them.
            _write_header(out, array.dtype, array.shape)
            for row in array:
                out.write(np.ascontiguousarray(row).data)
        else:
            np.save(out, np.ascontiguousarray(array), allow_pickle=False)
        out.flush()
        os.fsync(out.fileno())
    return {"bytes": path.stat().st_size, "crc32": _crc32(path)}


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as stream:
        while True:
            chunk = stream.read(1 << 22)
            if not chunk:
                return crc
            crc = zlib.crc32(chunk, crc)


@dataclasses.dataclass
class _ArrayFile:
    """A checked ``.npy`` file: its shape and where its data starts."""

    path: Path
    shape: tuple
    dtype: np.dtype
    offset: int

    def read_into(self, target: np.ndarray, start: int = 0) -> None:
        """Read values ``[start, start + len(target))`` (of the flat data)
        straight into the contiguous ``target``."""
        with open(self.path, "rb") as stream:
            stream.seek(self.offset + start * self.dtype.itemsize)
            view = memoryview(target.reshape(-1)).cast("B")
            while view:
                got = stream.readinto(view)
                if not got:
                    raise IndexFileError(f"index file {self.path} ended early")
                view = view[got:]

    def load(self) -> np.ndarray:
        out = np.empty(self.shape, dtype=self.dtype)
        if out.size:
            self.read_into(out)
        return out


def _checked_file(directory: Path, name: str, expected: dict, dtype, ndim: int = 1) -> _ArrayFile:
    """The array file ``name`` of a segment, after checking its size,
    checksum, header, dtype and shape (its data is not read)."""
    path = directory / f"{name}.npy"
    where = f"{path}"
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise IndexFileError(f"index file {where} is missing") from None
    if size != expected.get("bytes") or _crc32(path) != expected.get("crc32"):
        raise IndexFileError(f"index file {where} is damaged (its size or checksum is not the one saved)")
    try:
        with open(path, "rb") as stream:
            shape, fortran, held = _read_header(stream)
            offset = stream.tell()
    except ValueError as err:
        raise IndexFileError(f"index file {where} is not a plain array: {err}") from None
    except OSError as err:
        raise IndexFileError(f"index file {where} cannot be read: {err}") from None
    if held.hasobject:
        raise IndexFileError(f"index file {where} is not a plain array: it holds Python objects, "
                             "which an index never unpickles")
    if held != np.dtype(dtype) or len(shape) != ndim or fortran:
        raise IndexFileError(f"index file {where} holds {held} of {len(shape)} dims, expected {np.dtype(dtype)}")
    if offset + int(np.prod(shape, dtype=np.int64)) * held.itemsize != size:
        raise IndexFileError(f"index file {where} does not hold the values its header announces")
    return _ArrayFile(path, tuple(int(d) for d in shape), held, offset)


def _read_array(directory: Path, name: str, expected: dict, dtype, ndim: int = 1) -> np.ndarray:
    return _checked_file(directory, name, expected, dtype, ndim).load()


def _strings(values) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strings (or None) as one UTF-8 blob, offsets and a None mask."""
    encoded = [b"" if v is None else v.encode("utf-8", "surrogatepass") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return blob, offsets, np.array([v is None for v in values], dtype=bool)


def _unstrings(blob: np.ndarray, offsets: np.ndarray, none: Optional[np.ndarray], where: str) -> list:
    if len(offsets) == 0 or offsets[0] != 0 or offsets[-1] != len(blob) or (np.diff(offsets) < 0).any():
        raise IndexFileError(f"index strings {where} have bad offsets")
    raw = blob.tobytes()
    bounds = offsets.tolist()
    try:
        out = [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds, bounds[1:])]
    except UnicodeDecodeError:
        raise IndexFileError(f"index strings {where} are not UTF-8") from None
    if none is not None:
        if len(none) != len(out):
            raise IndexFileError(f"index strings {where} have a None mask of the wrong length")
        out = [None if n else v for v, n in zip(out, none.tolist())]
    return out


# -- the store -------------------------------------------------------------------

class Store:
    """One index directory, opened for writing (holding its lock) or for
    reading only.

    >>> import tempfile
    >>> from tikrar import Deduplicator
    >>> path = tempfile.mkdtemp() + "/index"
    >>> with Deduplicator.open(path) as d:
    ...     _ = d.add([("a", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")])
    ...     _ = d.save()
    >>> with Deduplicator.open(path) as d:
    ...     d.add([("b", "وقال المتحدث إن المحادثات ستستأنف غدا في الدوحة")])[0].duplicate_of.doc_id
    'a'
    """

    def __init__(self, path: str | os.PathLike, writable: bool = True):
        self.path = Path(path)
        self.writable = writable
        self._lock_fd: Optional[int] = None
        self.manifest: Optional[dict] = None
        if writable:
            self.path.mkdir(parents=True, exist_ok=True)
            self._take_lock()
        elif not self.path.is_dir():
            raise IndexFileError(f"no index at {self.path}")
        self.manifest = self._read_manifest()
        if writable:
            self._sweep()

    # -- lock --
    def _take_lock(self) -> None:
        import fcntl

        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise IndexLockedError(
                    f"index {self.path} is open for writing by another process; open it read-only "
                    "(readonly=True) or wait for that process to finish") from None
            raise
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- manifest --
    def _read_manifest(self) -> Optional[dict]:
        path = self.path / MANIFEST
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            if any(self.path.glob("seg-*")) and not self.writable:
                raise IndexFileError(f"index {self.path} has segments but no {MANIFEST}") from None
            return None
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise IndexFileError(f"{path} is not valid JSON: {err}") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise IndexFileError(f"{path} is not a tikrar index manifest")
        version = manifest.get("version")
        if version != FORMAT_VERSION:
            raise IndexFileError(
                f"{path} has index format version {version!r}; this tikrar ({__version__}) reads version "
                f"{FORMAT_VERSION}")
        for key, kind in (("settings", dict), ("signature", dict), ("segments", list), ("paragraphs", int),
                          ("articles", int)):
            if not isinstance(manifest.get(key), kind):
                raise IndexFileError(f"{path} has no valid {key!r}")
        for segment in manifest["segments"]:
            if (not isinstance(segment, dict) or not isinstance(segment.get("name"), str)
                    or not segment["name"].startswith("seg-") or "/" in segment["name"]
                    or not isinstance(segment.get("files"), dict)):
                raise IndexFileError(f"{path} lists a malformed segment: {segment!r}")
        return manifest

    def _sweep(self) -> None:
        """Remove what an interrupted save left: segments the manifest does
        not name, and temporary files."""
        named = {s["name"] for s in (self.manifest or {}).get("segments", [])}
        for entry in self.path.iterdir():
            stray = (entry.name.startswith("seg-") and entry.name not in named) or ".tmp" in entry.name
            if stray:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)

    # -- load --
    def check_settings(self, config) -> None:
        """Raise ConfigError naming the first setting of ``config`` that
        differs from the index's."""
        if self.manifest is None:
            return
        problem = _mismatch(self.manifest["signature"], signature(config))
        if problem is not None:
            raise ConfigError(f"index {self.path} was built with other settings: {problem}")

    def stored_config(self):
        return None if self.manifest is None else config_from_dict(self.manifest["settings"])

    def load(self, state: IndexState) -> None:
        """Fill an empty state from the segments, reading each big array
        straight into its place (memory stays the size of the state)."""
        if self.manifest is None:
            return
        parts = [self._load_segment(segment, state.lsh.bands) for segment in self.manifest["segments"]]
        count = articles = 0
        for part in parts:
            if part["first"] != (count, articles):
                raise IndexFileError(f"index {self.path}: segment {part['name']} does not continue the one before")
            count, articles = part["end"]
        if (count, articles) != (self.manifest["paragraphs"], self.manifest["articles"]):
            raise IndexFileError(f"index {self.path}: the segments hold {count} paragraphs and {articles} articles, "
                              f"the manifest says {self.manifest['paragraphs']} and {self.manifest['articles']}")
        _fill(state, parts)
        state.saved_count, state.saved_articles = state.count, state.articles

    def _load_segment(self, segment: dict, bands: int) -> dict:
        """A segment's small arrays, read, and its big ones, checked and
        left on disk (``_ArrayFile``) for :func:`_fill`."""
        directory = self.path / segment["name"]
        files = segment["files"]
        where = segment["name"]

        def check(name, dtype, ndim=1) -> _ArrayFile:
            if name not in files or not isinstance(files[name], dict):
                raise IndexFileError(f"index segment {directory} lists no {name}")
            return _checked_file(directory, name, files[name], dtype, ndim)

        def get(name, dtype, ndim=1) -> np.ndarray:
            return check(name, dtype, ndim).load()

        part = {"name": where}
        try:
            part["first"] = (int(segment["paragraphs"][0]), int(segment["articles"][0]))
            part["end"] = (int(segment["paragraphs"][1]), int(segment["articles"][1]))
        except (KeyError, TypeError, ValueError, IndexError):
            raise IndexFileError(f"index segment {where} has no valid paragraph and article range") from None
        n = part["end"][0] - part["first"][0]
        m = part["end"][1] - part["first"][1]
        if n < 0 or m < 0:
            raise IndexFileError(f"index segment {where} has a negative paragraph or article range")
        for name, dtype in (("article_of", np.int64), ("paragraph_index", np.int32), ("canonical", np.int64),
                            ("set_sizes", np.int64), ("ordered_sizes", np.int64), ("text_sizes", np.int64)):
            part[name] = check(name, dtype)
            if part[name].shape != (n,):
                raise IndexFileError(f"index file {directory}/{name}.npy holds {part[name].shape[0]} values, "
                                     f"expected {n}")
        for name in ("set_sizes", "ordered_sizes", "text_sizes"):
            part[name] = part[name].load()
            if n and part[name].min() < 0:
                raise IndexFileError(f"index file {directory}/{name}.npy holds negative sizes")
        part["hashes"] = check("hashes", np.uint32)
        part["ordered"] = check("ordered", np.uint32)
        part["texts"] = check("texts", np.uint8)
        for name, sizes in (("hashes", "set_sizes"), ("ordered", "ordered_sizes"), ("texts", "text_sizes")):
            if int(part[sizes].sum()) != part[name].shape[0]:
                raise IndexFileError(f"index segment {directory}: the sizes in {sizes}.npy do not add up to "
                                     f"{name}.npy")
        part["lsh"] = check("lsh", np.uint64, 2)
        if part["lsh"].shape[0] != bands:
            raise IndexFileError(f"index file {directory}/lsh.npy has {part['lsh'].shape[0]} bands, expected {bands}")
        part["fingerprints"] = check("fingerprints", np.uint64)
        part["text_keys"] = check("text_keys", np.uint64)
        part["text_gids"] = check("text_gids", np.uint32)
        if part["text_keys"].shape != part["text_gids"].shape:
            raise IndexFileError(f"index segment {directory}: text keys and ids differ in length")
        part["doc_ids"] = _unstrings(get("doc_ids", np.uint8), get("doc_id_offsets", np.int64), None,
                                     f"{where}/doc_ids")
        part["sources"] = _unstrings(get("sources", np.uint8), get("source_offsets", np.int64),
                                     get("source_none", np.bool_), f"{where}/sources")
        if len(part["doc_ids"]) != m or len(part["sources"]) != m:
            raise IndexFileError(f"index segment {directory}: {len(part['doc_ids'])} doc_ids, expected {m}")
        part["cluster_gids"] = get("cluster_gids", np.int64)
        part["cluster_offsets"] = get("cluster_offsets", np.int64)
        part["cluster_counts"] = get("cluster_counts", np.int64)
        part["cluster_sources"] = _unstrings(
            get("cluster_source_names", np.uint8), get("cluster_source_offsets", np.int64),
            get("cluster_source_none", np.bool_), f"{where}/cluster_sources")
        if (len(part["cluster_offsets"]) != len(part["cluster_gids"]) + 1
                or part["cluster_offsets"][-1] != len(part["cluster_counts"])
                or len(part["cluster_sources"]) != len(part["cluster_counts"])):
            raise IndexFileError(f"index segment {directory}: cluster counts do not add up")
        part["removed"] = get("removed", np.int64)
        return part

    # -- save --
    def save(self, state: IndexState, config) -> dict:
        """Write what changed since the last save (or everything, when
        compacting); returns what was written."""
        if not self.writable:
            raise IndexFileError(f"index {self.path} is open read-only")
        segments = list((self.manifest or {}).get("segments", []))
        nothing_new = (state.count == state.saved_count and state.articles == state.saved_articles
                       and not state.removed_since_save and not state.dirty_clusters)
        if nothing_new and self.manifest is not None:
            return {"segments": len(segments), "bytes": 0, "compacted": False}
        compact = len(segments) + 1 > MAX_SEGMENTS
        first = (0, 0) if compact else (state.saved_count, state.saved_articles)
        number = 1 + max([int(s["name"][4:]) for s in segments] or [0])
        name = f"seg-{number:06d}"
        temporary = self.path / f"{name}.tmp"
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
        files = {key: _write_array(temporary, key, array)
                 for key, array in _segment_arrays(state, first, compact).items()}
        _fsync_dir(temporary)
        os.rename(temporary, self.path / name)
        _fsync_dir(self.path)
        entry = {"name": name, "paragraphs": [first[0], state.count], "articles": [first[1], state.articles],
                 "files": files}
        old = segments
        segments = [entry] if compact else segments + [entry]
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "tikrar": __version__,
            "paragraphs": state.count,
            "articles": state.articles,
            "settings": config_to_dict(config),
            "signature": signature(config),
            "segments": segments,
        }
        self._write_manifest(manifest)
        with signals_deferred():
            self.manifest = manifest
            state.saved_count, state.saved_articles = state.count, state.articles
            state.removed_since_save.clear()
            state.dirty_clusters.clear()
            # The archived arrays are read from the segments from now on
            # (before a compaction deletes the old ones).
            self._attach_archives(state)
        if compact:
            for segment in old:
                shutil.rmtree(self.path / segment["name"], ignore_errors=True)
        return {"segments": len(segments), "bytes": sum(f["bytes"] for f in files.values()), "compacted": compact}

    def _attach_archives(self, state: IndexState) -> None:
        """Point the state's archives at the segments just written (their
        headers are read; the files were checked as they were written)."""

        def written(path: Path) -> _ArrayFile:
            with open(path, "rb") as stream:
                shape, _, dtype = _read_header(stream)
                return _ArrayFile(path, tuple(shape), dtype, stream.tell())

        _attach(state, [{name: written(self.path / segment["name"] / f"{name}.npy") for name in ARCHIVED}
                        for segment in self.manifest["segments"]])

    def _write_manifest(self, manifest: dict) -> None:
        temporary = self.path / f"{MANIFEST}.tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(manifest, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path / MANIFEST)
        _fsync_dir(self.path)


#: The segment files the state's archives read from (see tikrar.archive).
ARCHIVED = ("hashes", "ordered", "texts")


def _attach(state: IndexState, parts: list[dict]) -> None:
    """The state's archives read from the ``ARCHIVED`` files of ``parts``
    (one dict of ``_ArrayFile`` per segment, in order)."""
    for name in ARCHIVED:
        pieces, start = [], 0
        for part in parts:
            held = part[name]
            pieces.append((start, start + held.shape[0], str(held.path), held.offset))
            start += held.shape[0]
        getattr(state, name).attach(pieces)


def _segment_arrays(state: IndexState, first: tuple[int, int], everything: bool) -> dict:
    """The arrays of one segment: paragraphs from gid ``first[0]`` and
    articles from ordinal ``first[1]`` on."""
    a, m0 = first
    b = state.count
    low = np.uint64(0xFFFFFFFF)
    out: dict = {}
    for name in ("article_of", "paragraph_index", "canonical"):
        out[name] = getattr(state, name).values[a:b]
    for name, sizes, archive, offsets in (("hashes", "set_sizes", state.hashes, state.set_offsets.values),
                                          ("ordered", "ordered_sizes", state.ordered, state.ordered_offsets.values),
                                          ("texts", "text_sizes", state.texts, state.text_offsets.values)):
        out[sizes] = np.diff(offsets[a : b + 1])
        lo, hi = int(offsets[a]), int(offsets[b])
        out[name] = Streamed(archive.dtype, hi - lo, archive.chunks(lo, hi))
    members = state.lsh.members[:, : len(state.lsh)]
    # Each band is sorted by its own key: pick the new members band by band.
    out["lsh"] = np.stack([row[(row & low) >= np.uint64(a)] for row in members]) if a else members
    postings = state.fingerprints.postings
    out["fingerprints"] = postings[(postings & low) >= np.uint64(a)] if a else postings
    table = state.first_by_text
    keys, values = table._keys[: table._size], table._values[: table._size]
    chosen = values >= a
    out["text_keys"], out["text_gids"] = keys[chosen], values[chosen]
    out["doc_ids"], out["doc_id_offsets"], _ = _strings(state.doc_ids[m0:])
    out["sources"], out["source_offsets"], out["source_none"] = _strings(state.article_sources[m0:])
    clusters = sorted(state.cluster_sources if everything else
                      (state.dirty_clusters | {g for g in state.cluster_sources if g >= a}))
    names, counts, offsets_out = [], [], [0]
    for cluster in clusters:
        for source, count in (state.cluster_sources.get(cluster) or {}).items():
            names.append(source)
            counts.append(count)
        offsets_out.append(len(counts))
    out["cluster_gids"] = np.asarray(clusters, dtype=np.int64)
    out["cluster_offsets"] = np.asarray(offsets_out, dtype=np.int64)
    out["cluster_counts"] = np.asarray(counts, dtype=np.int64)
    out["cluster_source_names"], out["cluster_source_offsets"], out["cluster_source_none"] = _strings(names)
    removed = state.removed if everything else state.removed_since_save
    out["removed"] = np.asarray(sorted(removed), dtype=np.int64)
    return out


def _offsets(sizes: list[np.ndarray]) -> np.ndarray:
    total = sum(len(s) for s in sizes)
    out = np.zeros(total + 1, dtype=np.int64)
    at = 1
    for piece in sizes:
        np.cumsum(piece, out=out[at : at + len(piece)])
        out[at : at + len(piece)] += out[at - 1]
        at += len(piece)
    return out


def _concatenated(files: list[_ArrayFile], dtype) -> np.ndarray:
    """The 1-D arrays of ``files`` one after another, read in place."""
    out = np.empty(sum(f.shape[0] for f in files), dtype=dtype)
    at = 0
    for f in files:
        if f.shape[0]:
            f.read_into(out[at : at + f.shape[0]])
        at += f.shape[0]
    return out


def _fill(state: IndexState, parts: list[dict]) -> None:
    """Put the loaded segments into an empty state, then apply removals."""
    if not parts:
        return
    state.article_of = Column.adopt(_concatenated([p["article_of"] for p in parts], np.int64))
    state.paragraph_index = Column.adopt(_concatenated([p["paragraph_index"] for p in parts], np.int32))
    state.canonical = Column.adopt(_concatenated([p["canonical"] for p in parts], np.int64))
    n = state.article_of.size
    state.set_offsets = Column.adopt(_offsets([p["set_sizes"] for p in parts]))
    state.ordered_offsets = Column.adopt(_offsets([p["ordered_sizes"] for p in parts]))
    state.text_offsets = Column.adopt(_offsets([p["text_sizes"] for p in parts]))
    _attach(state, parts)
    for p in parts:
        state.doc_ids.extend(p["doc_ids"])
        state.article_sources.extend(p["sources"])
        counts, offsets, sources = p["cluster_counts"].tolist(), p["cluster_offsets"].tolist(), p["cluster_sources"]
        for k, cluster in enumerate(p["cluster_gids"].tolist()):
            entries = dict(zip(sources[offsets[k] : offsets[k + 1]], counts[offsets[k] : offsets[k + 1]]))
            if entries:
                state.cluster_sources[cluster] = entries
            else:
                state.cluster_sources.pop(cluster, None)
    m = len(state.doc_ids)
    if n and (state.article_of.values.min() < 0 or state.article_of.values.max() >= m):
        raise IndexFileError("index: a paragraph names an article that is not there")
    if n and (state.canonical.values.min() < 0 or state.canonical.values.max() >= n):
        raise IndexFileError("index: a paragraph names a kept paragraph that is not there")
    low = np.uint64(0xFFFFFFFF)
    # Band by band, each segment's row straight into its place, then sorted
    # in place: never a second copy of the bands.
    lsh = state.lsh
    total = sum(p["lsh"].shape[1] for p in parts)
    members = np.empty((lsh.bands, total), dtype=np.uint64)
    at = 0
    for p in parts:
        width = p["lsh"].shape[1]
        for band in range(lsh.bands):
            if width:
                p["lsh"].read_into(members[band, at : at + width], band * width)
        at += width
    for band in range(lsh.bands):
        members[band].sort()
    if total and int((members & low).max()) >= n:
        raise IndexFileError("index: an LSH entry names a paragraph that is not there")
    lsh._members, lsh._size = members, total
    lsh._last_id = int((members[0] & low).max()) if total else -1
    postings = _concatenated([p["fingerprints"] for p in parts], np.uint64)
    postings.sort()
    if len(postings) and int((postings & low).max()) >= n:
        raise IndexFileError("index: a fingerprint entry names a paragraph that is not there")
    state.fingerprints._postings, state.fingerprints._size = postings, len(postings)
    keys = _concatenated([p["text_keys"] for p in parts], np.uint64)
    values = _concatenated([p["text_gids"] for p in parts], np.uint32)
    order = np.argsort(keys, kind="stable")
    keys, values = keys[order], values[order]
    del order
    if len(keys) and ((np.diff(keys) == 0).any() or int(values.max()) >= n):
        raise IndexFileError("index: the text keys repeat or name a paragraph that is not there")
    table = state.first_by_text
    table._keys, table._values, table._size = keys, values, len(keys)
    removed = sorted(set(np.concatenate([p["removed"] for p in parts]).tolist()))
    if removed and (removed[0] < 0 or removed[-1] >= m):
        raise IndexFileError("index: a removed article is not there")
    if removed:
        state.remove_articles(removed)
        state.removed_since_save.clear()
        state.dirty_clusters.clear()
