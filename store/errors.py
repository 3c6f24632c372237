"""Every error the store raises to its callers, in one place.

The CLI and the app catch these by type; none of them needs `sqlite3` or
`whoosh` to know what went wrong. Importing this module loads nothing heavy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

BUSY_ATTEMPTS = 30  # each attempt already waited db.BUSY_TIMEOUT_MS inside SQLite


class LibraryError(Exception):
    """A request the library cannot carry out (unknown key, bad argument)."""


class LibraryBusy(LibraryError):
    """Another process held the database's write lock past the busy timeout
    (a long import in another window). The change was rolled back whole, so it
    is safe to try again: `retry_while_busy` does."""


class StorageError(LibraryError):
    """The database file cannot be read or written: damaged, not a database, a
    full disk (`db.storage_errors` raises it, naming the file)."""


class OutputRefused(LibraryError):
    """An output path papers-tui will not write to: empty, a directory, a socket,
    a block device. Raised before anything is written (store/files.py)."""


class LimitExceeded(LibraryError):
    """An input over one of the documented limits (store/limits.py); `limit` is its name."""

    def __init__(self, limit: str, message: str):
        self.limit = limit
        super().__init__(message)


class ReadOnlyLibrary(LibraryError):
    """A change asked of a library opened read-only (its directory or database
    file is not writable): reading works, writing does not (store/db.py)."""


class ImportFormatError(Exception):
    """Input that cannot be imported; names the file and line."""

    def __init__(self, source: str, line: int | None, message: str):
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


class QueryError(ValueError):
    """A query the user typed that does not parse; the message says why."""


class IndexUnavailable(QueryError):
    """The index cannot answer (it is damaged); it is rebuilt from the store."""


class SchemaError(RuntimeError):
    """A library this version cannot open (made by a newer papers-tui)."""


def retry_while_busy(
    change: Callable[[], T],
    on_wait: Callable[[], None] | None = None,
    attempts: int = BUSY_ATTEMPTS,
    pause_s: float = 0.0,
) -> T:
    """Run `change`, again while the library is busy: the one retry rule of the
    app and the CLI. `on_wait` is called once, before the first retry, so the
    user can be told that the change waits; the last `LibraryBusy` is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return change()
        except LibraryBusy:
            if attempt == attempts:
                raise
            if attempt == 1 and on_wait is not None:
                on_wait()
            if pause_s:
                time.sleep(pause_s)
    raise AssertionError("unreachable")
