"""An append-only array kept mostly on disk.

The raw text of kept paragraphs and their shingles in text order are read
only to place a reused passage (a few pairs per batch), yet they are the
bulk of what a long run remembers: about 700 bytes per kept paragraph.
:class:`Archive` keeps the last :data:`SPILL_BYTES` of them in memory and
the rest in files: an anonymous scratch file for what was added since the
last save, the index segments for what was saved. Reads go through
``os.pread``: the kernel's page cache holds what is read often, and the
process's own memory stays the size of the recent tail.

>>> archive = Archive(np.uint32)
>>> archive.extend(np.array([3, 1, 4, 1, 5], dtype=np.uint32))
>>> archive.read(1, 4).tolist(), archive.size
([1, 4, 1], 5)
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import numpy as np

__all__ = ["Archive", "CHUNK_BYTES", "GATHER_BLOCK_BYTES", "GATHER_GAP_BYTES", "SPILL_BYTES"]

#: In-memory tail beyond which appended items move to the scratch file.
SPILL_BYTES = 32 << 20
#: Items per chunk when an archive is streamed into a file.
CHUNK_BYTES = 8 << 20
#: :meth:`Archive.gather` reads neighbouring ranges in one call when they
#: are at most this far apart and the read stays under GATHER_BLOCK_BYTES:
#: a few bytes read in vain cost less than a system call per range.
GATHER_GAP_BYTES = 16 << 10
GATHER_BLOCK_BYTES = 4 << 20


@dataclass
class _Extent:
    """Items ``[start, end)`` of the archive, at byte ``offset`` of ``fd``."""

    start: int
    end: int
    fd: int
    offset: int


class Archive:
    """A growing 1-D array of one dtype: the recent tail in memory, the
    rest in files, read by ranges (see the module docstring).

    >>> held = Archive(np.uint8, spill_bytes=4)   # beyond 4 bytes, to the scratch file
    >>> held.extend(np.arange(10, dtype=np.uint8))
    >>> held.nbytes, held.read(2, 6).tolist()
    (0, [2, 3, 4, 5])
    """

    def __init__(self, dtype, spill_bytes: Optional[int] = None):
        self.dtype = np.dtype(dtype)
        spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self.spill_items = max(1, spill_bytes // self.dtype.itemsize)
        self.size = 0
        self._extents: list[_Extent] = []
        # The tail is the front of a buffer with room to grow: appending
        # writes into the room instead of concatenating the whole tail anew.
        self._tail = self._room = np.zeros(0, dtype=self.dtype)
        self._tail_start = 0
        self._scratch: Optional[int] = None
        self._scratch_end = 0
        self._owned: list[int] = []

    @property
    def nbytes(self) -> int:
        """Memory held (the in-memory tail)."""
        return self._tail.nbytes

    # -- writing ----------------------------------------------------------------

    def extend(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values, dtype=self.dtype)
        if len(values) == 0:
            return
        used = self.size - self._tail_start
        total = used + len(values)
        if total >= self.spill_items:
            # Written from where they lie: a batch of many megabytes is not
            # copied into the tail only to be copied out again.
            self._spill(self._tail[:used], values)
            return
        if total > len(self._room):
            # The room doubles (up to the spill size), so each item is
            # copied a bounded number of times however small the batches.
            room = np.empty(min(self.spill_items, max(2 * total, 1024)), dtype=self.dtype)
            room[:used] = self._tail[:used]
            self._room = room
        self._room[used:total] = values
        self._tail = self._room[:total]
        self.size = self._tail_start + total

    def _spill(self, *parts: np.ndarray) -> None:
        """Move ``parts`` (the tail, then what follows it) to the scratch
        file, as items ``[_tail_start, _tail_start + their length)``."""
        if self._scratch is None:
            stream = tempfile.TemporaryFile(prefix="tikrar-archive-")
            self._scratch = os.dup(stream.fileno())
            stream.close()
            self._owned.append(self._scratch)
        start, written = self._tail_start, 0
        for part in parts:
            if len(part):
                _pwrite_all(self._scratch, memoryview(part).cast("B"), self._scratch_end + written)
                written += part.nbytes
        end = start + written // self.dtype.itemsize
        self._extents.append(_Extent(start, end, self._scratch, self._scratch_end))
        self._scratch_end += written
        self.size = end
        self._tail = self._room = np.zeros(0, dtype=self.dtype)
        self._tail_start = end

    def truncate(self, size: int) -> None:
        """Forget the items from ``size`` on."""
        if size >= self.size:
            return
        if size >= self._tail_start:
            self._tail = self._room[: size - self._tail_start]
        else:
            kept = [e for e in self._extents if e.start < size]
            if kept and kept[-1].end > size:
                kept[-1] = _Extent(kept[-1].start, size, kept[-1].fd, kept[-1].offset)
            self._extents = kept
            self._tail = self._room = np.zeros(0, dtype=self.dtype)
            self._tail_start = size
        self.size = size

    # -- reading ----------------------------------------------------------------

    def read(self, start: int, end: int) -> np.ndarray:
        """Items ``[start, end)`` as a new array."""
        if not 0 <= start <= end <= self.size:
            raise IndexError(f"archive range [{start}, {end}) outside [0, {self.size})")
        out = np.empty(end - start, dtype=self.dtype)
        item = self.dtype.itemsize
        for extent in self._extents:
            a, b = max(start, extent.start), min(end, extent.end)
            if a < b:
                raw = _pread_all(extent.fd, (b - a) * item, extent.offset + (a - extent.start) * item)
                out[a - start : b - start] = np.frombuffer(raw, dtype=self.dtype)
        a = max(start, self._tail_start)
        if a < end:
            out[a - start :] = self._tail[a - self._tail_start : end - self._tail_start]
        return out

    def gather(self, starts: Sequence[int], ends: Sequence[int], gap_bytes: int = GATHER_GAP_BYTES,
               block_bytes: int = GATHER_BLOCK_BYTES) -> tuple[np.ndarray, np.ndarray]:
        """The ranges ``[starts[i], ends[i])`` one after another, and their
        offsets in the result (CSR). Ranges close together are read in one
        block (see :data:`GATHER_GAP_BYTES`).

        >>> archive = Archive(np.uint8)
        >>> archive.extend(np.arange(10, dtype=np.uint8))
        >>> values, offsets = archive.gather([6, 1], [8, 3])
        >>> values.tolist(), offsets.tolist()
        ([6, 7, 1, 2], [0, 2, 4])
        """
        from . import _kernels  # numba: loaded on first use, not on import tikrar

        starts = np.asarray(starts, dtype=np.int64)
        ends = np.asarray(ends, dtype=np.int64)
        sizes = ends - starts
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        out = np.empty(int(offsets[-1]), dtype=self.dtype)
        chosen = np.flatnonzero(sizes > 0)
        if len(chosen) == 0:
            return out, offsets
        chosen = chosen[np.argsort(starts[chosen], kind="stable")]
        starts, ends, at = starts[chosen], ends[chosen], offsets[chosen]
        if starts[0] < 0 or ends.max() > self.size:
            raise IndexError(f"archive range outside [0, {self.size})")
        item = self.dtype.itemsize
        first, lo, hi = _kernels.read_blocks(starts, ends, max(0, gap_bytes // item), max(1, block_bytes // item))
        for block, (a, b) in enumerate(zip(lo.tolist(), hi.tolist())):
            x, y = first[block], first[block + 1]
            _kernels.copy_ranges(self.read(a, b), a, starts[x:y], ends[x:y], out, at[x:y])
        return out, offsets

    def chunks(self, start: int, end: int) -> Iterator[np.ndarray]:
        """Items ``[start, end)`` in pieces of about :data:`CHUNK_BYTES`."""
        step = max(1, CHUNK_BYTES // self.dtype.itemsize)
        for a in range(start, end, step):
            yield self.read(a, min(end, a + step))

    # -- files ------------------------------------------------------------------

    def attach(self, pieces: Sequence[tuple[int, int, str, int]]) -> None:
        """Hold the items ``[0, end)`` in files from now on: ``pieces`` are
        ``(start, end, path, byte_offset)`` covering them in order (the
        segments of a save). Items past the last piece stay where they are;
        an empty archive takes the pieces' size (an index being opened)."""
        covered = pieces[-1][1] if pieces else 0
        if self.size == 0:
            self.size = covered
        if covered > self.size or (pieces and pieces[0][0] != 0):
            raise ValueError("archive pieces do not start at 0 or pass the end")
        fds = []
        try:
            for _, _, path, _ in pieces:
                fds.append(os.open(path, os.O_RDONLY))
        except OSError:
            for fd in fds:
                os.close(fd)
            raise
        rest = self.read(covered, self.size) if covered < self.size else np.zeros(0, dtype=self.dtype)
        old = self._owned
        self._extents = [_Extent(a, b, fd, offset) for (a, b, _, offset), fd in zip(pieces, fds)]
        self._owned = fds
        self._scratch, self._scratch_end = None, 0
        self._tail = self._room = rest
        self._tail_start = covered
        for fd in old:
            os.close(fd)

    def close(self) -> None:
        for fd in self._owned:
            os.close(fd)
        self._owned, self._extents = [], []
        self._scratch = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def _pwrite_all(fd: int, data, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _pread_all(fd: int, size: int, offset: int) -> bytes:
    parts = []
    while size:
        chunk = os.pread(fd, size, offset)
        if not chunk:
            raise OSError(f"archive file ended early at byte {offset}")
        parts.append(chunk)
        size, offset = size - len(chunk), offset + len(chunk)
    return b"".join(parts)
