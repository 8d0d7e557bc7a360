"""Progress bars for long runs: paragraphs labelled, and how fast.

:class:`ParagraphProgress` drives a ``tqdm.auto`` bar that counts paragraphs
(unit ``par``, rate in ``par/s``, articles read after it): a widget in a
Jupyter notebook, one line on stderr in a terminal. Every ``progress=``
option of tikrar (:func:`tikrar.dedup`, :meth:`tikrar.Deduplicator.add`,
``tikrar dedup --progress/--no-progress``) takes:

- ``None``, the default: a bar only where someone watches it, that is when
  stderr is a terminal or the code runs in a Jupyter kernel, and only once
  the run has lasted :data:`AUTO_DELAY` seconds; logs, pipes and batch jobs
  get none;
- ``True`` or ``False``: a bar from the start, or none at all;
- a :class:`ParagraphProgress`: its bar goes on counting across calls (the
  command line makes one for all its batches); whoever made it closes it;
- any other object with an ``update(n)`` method, such as a ``tqdm`` bar of
  your own: it is advanced by the paragraphs labelled, and never closed.

The bar writes to stderr (or to the notebook), never to stdout, and tqdm is
imported only when a bar is shown.

>>> with ParagraphProgress(False) as progress:
...     progress.batch(paragraphs=34, articles=5)
...     progress.update(34)
>>> progress.enabled, progress.paragraphs, progress.articles
(False, 34, 5)
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from typing import Any, Callable, ContextManager, Optional, TextIO, Union

from .errors import ConfigError

__all__ = [
    "AUTO_DELAY",
    "UNIT",
    "ParagraphProgress",
    "ProgressOption",
    "auto_enabled",
    "in_jupyter_kernel",
    "progress_for",
]

#: The unit of every bar: paragraphs, so the rate reads ``par/s``.
UNIT = "par"

#: Seconds a run lasts before an automatic bar (``progress=None``) appears:
#: a run shorter than that leaves no trace in a terminal or a notebook.
AUTO_DELAY = 0.5

#: What a ``progress=`` option accepts (see the module docstring).
ProgressOption = Union[None, bool, "ParagraphProgress", Any]

_log = logging.getLogger(__name__)

# The total of a bar made for one call: the paragraphs of the batch that
# call labels, known once the batch is split into paragraphs.
_FROM_BATCH = object()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # None (no console), a closed or foreign stream
        return False


def in_jupyter_kernel() -> bool:
    """Whether this code runs in a Jupyter (IPython) kernel, where a bar is
    a notebook widget. IPython is looked at only if something imported it
    already: finding out never imports it.

    >>> in_jupyter_kernel()
    False
    """
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    if get_ipython is None:
        return False
    try:
        shell = get_ipython()
    except Exception:  # a half-initialised IPython is not a kernel we can draw in
        return False
    # A kernel's shell holds its kernel; a terminal IPython's shell does not.
    return shell is not None and getattr(shell, "kernel", None) is not None


def auto_enabled(file: Optional[TextIO] = None) -> bool:
    """Whether ``progress=None`` shows a bar here: ``file`` (default
    ``sys.stderr``) is a terminal, or the code runs in a Jupyter kernel.

    >>> import io
    >>> auto_enabled(io.StringIO())
    False
    """
    return _is_terminal(sys.stderr if file is None else file) or in_jupyter_kernel()


def _check_option(progress: Any) -> None:
    if progress is None or isinstance(progress, bool) or callable(getattr(progress, "update", None)):
        return
    raise ConfigError(
        "progress must be None (automatic), True, False, a tikrar.progress.ParagraphProgress or an object "
        f"with an update(n) method such as a tqdm bar, got {progress!r}"
    )


class ParagraphProgress:
    """A progress bar counting paragraphs, or nothing when it is off.

    ``progress`` is the option described in :mod:`tikrar.progress`
    (``None``: automatic, ``True``/``False``, or a tqdm-like object to
    drive). ``total`` is the number of paragraphs to come, if known (None:
    the bar counts without a total). ``file`` is where a text bar is drawn
    (default: ``sys.stderr`` when the bar is made); ``delay`` the seconds
    before it appears (default :data:`AUTO_DELAY` when automatic, else 0).

    The counts are kept whether or not a bar is shown: ``paragraphs`` (the
    sum of :meth:`update`), ``articles`` (the articles announced with
    :meth:`batch`) and ``total``. Use it as a context manager, or call
    :meth:`close`. A stream that cannot be written (closed, a broken pipe)
    turns the bar off; the run it shows goes on.

    >>> import io
    >>> out = io.StringIO()
    >>> with ParagraphProgress(True, total=34, file=out) as progress:
    ...     progress.batch(paragraphs=34, articles=5)
    ...     progress.update(34)
    >>> text = out.getvalue()
    >>> "34/34" in text, "par/s" in text, "articles=5" in text
    (True, True, True)
    """

    def __init__(
        self,
        progress: ProgressOption = None,
        *,
        total: Optional[int] = None,
        desc: str = "tikrar",
        file: Optional[TextIO] = None,
        delay: Optional[float] = None,
    ) -> None:
        _check_option(progress)
        self.paragraphs = 0
        self.articles = 0
        self._stage: Optional[str] = None
        self._desc = desc
        self._file = file
        self._bar: Any = None
        self._own_bar = False
        self._pending = False  # a bar to make once the total is known
        self._started = time.perf_counter()
        self._from_batch = total is _FROM_BATCH
        self.total: Optional[int] = None if self._from_batch else total
        if progress is None:
            show = auto_enabled(file)
            self._delay = AUTO_DELAY if delay is None else delay
        elif isinstance(progress, bool):
            show = progress
            self._delay = 0.0 if delay is None else delay
        else:
            self._bar = progress
            return
        if show:
            if self._from_batch:
                self._pending = True
            else:
                self._open_bar()

    def _open_bar(self) -> None:
        from tqdm.auto import tqdm

        self._pending = False
        self._own_bar = True
        self._draw(lambda: self._make_bar(tqdm))

    def _make_bar(self, tqdm: Any) -> None:
        self._bar = tqdm(
            total=self.total,
            desc=self._desc,
            unit=UNIT,
            file=sys.stderr if self._file is None else self._file,
            delay=self._delay,
            # Updates come a few times per batch, so each one is drawn
            # (mininterval, miniters), and the rate is paragraphs over the
            # time since the start (smoothing=0): an average over the last
            # update alone would time only the stage that just ended.
            mininterval=0,
            miniters=0,
            smoothing=0,
            dynamic_ncols=True,
            leave=True,
            postfix=self._postfix() or None,
        )
        # A bar made once its total is known still times the run from when
        # this object was made (the time spent splitting the batch counts).
        self._bar.start_t -= time.perf_counter() - self._started

    @property
    def enabled(self) -> bool:
        """Whether a bar is shown (or a tqdm-like object is driven)."""
        return self._bar is not None or self._pending

    @property
    def bar(self) -> Any:
        """The tqdm object being driven, or None."""
        return self._bar

    def _postfix(self) -> str:
        parts = []
        if self.articles:
            parts.append(f"articles={self.articles}")
        if self._stage:
            parts.append(f"stage={self._stage}")
        return ", ".join(parts)

    def _draw(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except (OSError, ValueError) as err:
            # A stream that can no longer be written (closed, a broken pipe)
            # ends the bar, never the run it shows.
            _log.debug("progress bar turned off: %r", err)
            self._own_bar = False
            self._bar = None

    def _show(self, paragraphs: int) -> None:
        self._bar.set_postfix_str(self._postfix(), refresh=False)
        # update() draws the new postfix (update(0): the postfix alone), but
        # only once the delay has passed, and records that the bar was drawn
        # (so close() ends its line); refresh() would draw at once.
        self._bar.update(paragraphs)

    def _redraw(self) -> None:
        if self._own_bar:
            self._draw(lambda: self._show(0))

    def stage(self, name: Optional[str]) -> None:
        """Show which stage of the pipeline is running (None: none).

        >>> progress = ParagraphProgress(False)
        >>> progress.stage("sketch")
        """
        self._stage = name
        self._redraw()

    def batch(self, paragraphs: int, articles: int) -> None:
        """Announce a batch of ``articles`` articles holding ``paragraphs``
        paragraphs, about to be labelled: they count as read. A bar made by
        :func:`progress_for` takes its total from it.

        >>> progress = ParagraphProgress(False)
        >>> progress.batch(paragraphs=7, articles=1)
        >>> progress.articles
        1
        """
        self.articles += articles
        if self._from_batch:
            self.total = (self.total or 0) + paragraphs
            if self._pending:
                self._open_bar()
                return
            if self._own_bar:
                self._bar.total = self.total
        self._redraw()

    def update(self, paragraphs: int) -> None:
        """Count ``paragraphs`` more paragraphs as labelled.

        >>> progress = ParagraphProgress(False)
        >>> progress.update(5); progress.update(2)
        >>> progress.paragraphs
        7
        """
        self.paragraphs += paragraphs
        if self._own_bar:
            self._draw(lambda: self._show(paragraphs))
        elif self._bar is not None:
            self._bar.update(paragraphs)

    def write(self, message: str) -> None:
        """Write one line to the bar's stream (stderr) without breaking the
        bar: the bar is cleared, the line written, the bar drawn again.

        >>> import io
        >>> out = io.StringIO()
        >>> ParagraphProgress(False, file=out).write("tikrar: skipped a.jsonl:3")
        >>> out.getvalue()
        'tikrar: skipped a.jsonl:3\\n'
        """
        file = sys.stderr if self._file is None else self._file
        if file is None:
            return
        if self._own_bar:
            bar = self._bar
            self._draw(lambda: type(bar).write(message, file=file))
            if self._own_bar:
                return
        file.write(message + "\n")

    def close(self) -> None:
        """End the bar: its last state stays on screen (with the stage that
        was running, if one was: where a failed run stopped); a tqdm-like
        object passed in is left open. Closing twice does nothing.

        >>> progress = ParagraphProgress(False)
        >>> progress.close(); progress.close()
        """
        self._pending = False
        if self._own_bar:
            self._draw(self._bar.close)
            self._own_bar = False
        self._bar = None

    def __enter__(self) -> "ParagraphProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def progress_for(progress: ProgressOption) -> ContextManager[ParagraphProgress]:
    """What one call reports to, given its ``progress=`` option: a
    :class:`ParagraphProgress` passed in is used as it is and left open;
    anything else makes a ParagraphProgress for the call, whose total is the
    paragraphs of the call's batch, closed when the call ends. A wrong
    option is a :class:`~tikrar.errors.ConfigError` at once, before the
    call does any work.

    >>> with progress_for(False) as progress:
    ...     progress.batch(paragraphs=3, articles=1)
    >>> progress.total, progress.enabled
    (3, False)
    >>> progress_for("yes")
    Traceback (most recent call last):
    ...
    tikrar.errors.ConfigError: progress must be None (automatic), True, False, a tikrar.progress.ParagraphProgress or an object with an update(n) method such as a tqdm bar, got 'yes'
    """
    if isinstance(progress, ParagraphProgress):
        return contextlib.nullcontext(progress)
    _check_option(progress)
    return ParagraphProgress(progress, total=_FROM_BATCH)
