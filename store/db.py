"""SQLite: one connection per thread, WAL, and numbered append-only migrations.

The database is the source of truth; the Whoosh index is derived from it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from .errors import LibraryBusy, SchemaError, StorageError

BUSY_TIMEOUT_MS = 10_000

# Append only: a migration, once released, never changes. Each runs in its own
# transaction and bumps PRAGMA user_version to its number. `Library` passes a
# `before_upgrade` hook that backs the file up first (store/backup.py).
# Before adding migration N+1, keep a library of version N: run
# `python tests/data/old_libraries/build.py` (it writes vN.sqlite3 and its
# expected contents); tests/test_reliability_migrations.py opens every one.
MIGRATIONS: list[str] = [
    # 1: papers and everything that hangs off them
    """
    CREATE TABLE papers (
        id INTEGER PRIMARY KEY,
        key TEXT UNIQUE,
        title TEXT,
        title_norm TEXT,
        authors_truncated INTEGER NOT NULL DEFAULT 0,
        date TEXT,
        category TEXT,
        has_code INTEGER NOT NULL DEFAULT 0,
        arxiv_id TEXT UNIQUE,
        doi TEXT UNIQUE,
        url TEXT,
        venue TEXT,
        abstract TEXT,
        abstract_hash TEXT,
        entry_type TEXT,
        extra TEXT NOT NULL DEFAULT '{}',
        read INTEGER NOT NULL DEFAULT 0,
        read_at TEXT,
        starred INTEGER NOT NULL DEFAULT 0,
        starred_at TEXT,
        note TEXT NOT NULL DEFAULT '',
        added TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE INDEX papers_title_norm ON papers(title_norm);
    CREATE INDEX papers_abstract_hash ON papers(abstract_hash);
    CREATE INDEX papers_date ON papers(date);
    CREATE INDEX papers_added ON papers(added);
    CREATE TABLE authors (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (paper_id, position)
    );
    CREATE TABLE orgs (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (paper_id, position)
    );
    CREATE TABLE comments (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (paper_id, position)
    );
    CREATE TABLE tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
    );
    CREATE TABLE paper_tags (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        added TEXT NOT NULL,
        PRIMARY KEY (paper_id, tag_id)
    );
    CREATE INDEX paper_tags_tag ON paper_tags(tag_id);
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        line INTEGER,
        format TEXT NOT NULL,
        imported TEXT NOT NULL
    );
    CREATE INDEX sources_paper ON sources(paper_id);
    -- The smallest shingle hashes of each abstract: candidates for near-duplicate abstracts.
    CREATE TABLE abstract_sketch (
        hash INTEGER NOT NULL,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE
    );
    CREATE INDEX abstract_sketch_hash ON abstract_sketch(hash);
    CREATE INDEX abstract_sketch_paper ON abstract_sketch(paper_id);
    CREATE TABLE meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 2: the views (unread, read, starred) read an index, not every row with its abstract
    """
    CREATE INDEX papers_read_date ON papers(read, date);
    CREATE INDEX papers_starred_date ON papers(starred, date);
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class Database:
    """Hands each thread its own connection to one SQLite file."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise busy_or(error) from error
        try:
            yield conn
        except sqlite3.OperationalError as error:
            conn.rollback()
            raise busy_or(error) from error
        except BaseException:
            conn.rollback()
            raise
        else:
            try:
                conn.commit()
            except sqlite3.OperationalError as error:
                conn.rollback()
                raise busy_or(error) from error

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # made in another thread that is gone; SQLite frees it
            self._connections.clear()
        self._local = threading.local()


@contextmanager
def storage_errors(path: Path):
    """For a caller at the edge (the CLI): a SQLite error that escapes, a damaged file
    or a full disk, becomes a `StorageError` naming the file, so the caller needs no
    `sqlite3` to catch it. (Inside the store sqlite3's own errors pass through.)"""
    try:
        yield
    except sqlite3.Error as error:
        raise StorageError(f"{path}: {error}") from error


def busy_or(error: sqlite3.OperationalError) -> Exception:
    """`LibraryBusy` when another connection held the lock past the busy timeout,
    else the error itself: callers retry by type, never by matching text."""
    if "locked" in str(error) or "busy" in str(error):
        return LibraryBusy("another papers-tui is writing to this library")
    return error


def connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we open transactions ourselves, explicitly.
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def drop_unused_tags(conn: sqlite3.Connection) -> None:
    """Tags live only while a paper carries them."""
    conn.execute("DELETE FROM tags WHERE id NOT IN (SELECT tag_id FROM paper_tags)")


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, before_upgrade: Callable[[int], None] | None = None) -> int:
    """Bring the schema up to date; returns the version it started from."""
    start = schema_version(conn)
    if start > SCHEMA_VERSION:
        raise SchemaError(
            f"this library was made by a newer papers-tui (schema {start}, this one knows {SCHEMA_VERSION})"
        )
    if start and start < SCHEMA_VERSION and before_upgrade:
        before_upgrade(start)
    for number in range(start + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < number:  # another process may have just done it
                for statement in _statements(MIGRATIONS[number - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    return start


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
