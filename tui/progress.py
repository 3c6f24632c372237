"""Progress of long work (import, export, reindex): names for the store's phases, and a bar for the terminal.

The store reports progress as `progress(phase, done, total)` (see `store.library.Progress`);
`ProgressBar` is such a callable. It draws one line a phase on a terminal's standard error,
redrawn in place with a carriage return at most `MIN_INTERVAL_S` apart (the final state of a
phase is always drawn), and fitted to the terminal's width. It knows nothing of the store.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

# What the reader is told a phase is doing, and what it counts; a phase not named here
# (the store may gain more) is shown by its own name.
PHASE_NAMES = {"store": "storing", "index": "indexing", "export": "exporting"}
PHASE_UNITS = {"store": "papers", "index": "papers", "export": "entries"}
MIN_INTERVAL_S = 0.1  # no more than ten redraws a second
LABEL_WIDTH = 9  # "exporting"
BAR_MIN, BAR_MAX = 10, 40


def phase_name(phase: str) -> str:
    return PHASE_NAMES.get(phase, phase)


def phase_unit(phase: str) -> str:
    return PHASE_UNITS.get(phase, "")


def count_text(phase: str, done: int, total: int) -> str:
    """`4,000/10,000 papers`."""
    unit = phase_unit(phase)
    return f"{done:,}/{total:,}" + (f" {unit}" if unit else "")


def fraction(done: int, total: int) -> float:
    """How far along, 0 to 1; nothing to do (total 0) is done."""
    if total <= 0:
        return 1.0
    return min(max(done / total, 0.0), 1.0)


def bar_line(phase: str, done: int, total: int, columns: int) -> str:
    """`storing   [########------------]  40%  4,000/10,000 papers`, at most `columns - 1` wide."""
    room = max(columns - 1, 1)  # the last column is left free: some terminals wrap on it
    part = fraction(done, total)
    label = phase_name(phase).ljust(LABEL_WIDTH)
    tail = f" {int(part * 100):>3}%  {count_text(phase, done, total)}"
    width = min(BAR_MAX, room - len(label) - 1 - 2 - len(tail))
    if width < BAR_MIN:  # too narrow for a bar: the words alone
        return f"{label}{tail}"[:room]
    filled = int(part * width)
    return f"{label} [{'#' * filled}{'-' * (width - filled)}]{tail}"[:room]


class ProgressBar:
    """A `progress(phase, done, total)` callable that draws a bar on `stream` when `enabled`.

    One line a phase: a new phase finishes the line of the one before. `note(text)` shows a
    line of its own (`reading FILE…`) until the first phase replaces it. Use it as a context
    manager: leaving it normally ends the last line with a newline; leaving it on an error
    erases the unfinished line, so the error message starts on a clean line.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        columns: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = MIN_INTERVAL_S,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = is_terminal(self.stream) if enabled is None else enabled
        self._columns = columns
        self._clock = clock
        self._min_interval = min_interval
        self._lock = threading.Lock()  # the store calls from whichever thread does the work
        self._phase: str | None = None  # the phase on the current line
        self._line = ""  # what the current (unfinished) line holds, padding included
        self._last = (0, 0)  # the phase's last (done, total), drawn or not
        self._drawn_at: float | None = None
        self._pending = False  # the last state was not drawn (throttled)

    # --- the Progress callback -------------------------------------------------------------

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        with self._lock:
            if phase != self._phase:
                if self._phase is not None:
                    self._end_line()  # a note is drawn over instead
                self._phase, self._drawn_at = phase, None
            self._last = (done, total)
            now = self._clock()
            final = done >= total
            if final or self._drawn_at is None or now - self._drawn_at >= self._min_interval:
                self._draw(bar_line(phase, done, total, self.columns))
                self._drawn_at, self._pending = now, False
            else:
                self._pending = True

    def note(self, text: str) -> None:
        """A line of its own until the next phase or note: `reading papers.jsonl…`."""
        if not self.enabled:
            return
        with self._lock:
            self._end_line()
            self._phase = None
            self._draw(text[: max(self.columns - 1, 1)])

    # --- ending -------------------------------------------------------------------------

    def finish(self) -> None:
        """End the last phase's line with its final state and a newline; a note is erased."""
        if not self.enabled:
            return
        with self._lock:
            if self._phase is None:
                self._erase()
            else:
                self._end_line()
            self._phase = None

    def abandon(self) -> None:
        """Erase the unfinished line (the work failed; its error follows on a clean line)."""
        if not self.enabled:
            return
        with self._lock:
            self._erase()
            self._phase = None

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.abandon()

    # --- drawing ------------------------------------------------------------------------

    @property
    def columns(self) -> int:
        if self._columns is not None:
            return self._columns
        return terminal_columns(self.stream)

    def _draw(self, text: str) -> None:
        # Spaces over what a longer line before left behind.
        self._line = text.ljust(len(self._line))
        self.stream.write("\r" + self._line)
        self.stream.flush()

    def _end_line(self) -> None:
        if self._phase is not None and self._pending:
            self._draw(bar_line(self._phase, *self._last, self.columns))
            self._pending = False
        if self._line:
            self.stream.write("\n")
            self.stream.flush()
            self._line = ""

    def _erase(self) -> None:
        if self._line:
            self.stream.write("\r" + " " * len(self._line) + "\r")
            self.stream.flush()
            self._line = ""
        self._pending = False


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal `stream` writes to: $COLUMNS when set, else the stream's own
    terminal (standard output may be a pipe while standard error is not), else 80."""
    if not os.environ.get("COLUMNS"):
        try:
            return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, ValueError, OSError):
            pass
    return shutil.get_terminal_size((80, 24)).columns


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False
