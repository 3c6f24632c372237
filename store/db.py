"""SQLite: one connection per thread, WAL, and numbered append-only migrations.

The database is the source of truth; the Whoosh index is derived from it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from .errors import LibraryBusy, ReadOnlyLibrary, SchemaError, StorageError
from .recovery import restore_hint

BUSY_TIMEOUT_MS = 10_000
UPGRADE_WAIT_S = 300  # another process backing up an old library before upgrading it

# Append only: a migration, once released, never changes. Each bumps PRAGMA
# user_version to its number; the pending ones run in one transaction, so an
# upgrade is whole or not at all, and the `before_upgrade` hook `Library` passes
# (a backup of the old file, store/backup.py) runs holding its write lock.
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
    # 3: curating: every key a paper was known by, flagged guesses, dismissed
    # papers, fields the user edited, and each source record kept whole (unmerge)
    """
    CREATE TABLE aliases (
        key TEXT PRIMARY KEY,
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        added TEXT NOT NULL
    );
    CREATE INDEX aliases_paper ON aliases(paper_id);
    CREATE TABLE paper_flags (
        paper_id INTEGER NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
        reason TEXT NOT NULL,
        source TEXT,
        line INTEGER,
        added TEXT NOT NULL,
        PRIMARY KEY (paper_id, reason)
    );
    ALTER TABLE papers ADD COLUMN dismissed_at TEXT;
    ALTER TABLE papers ADD COLUMN user_fields TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE sources ADD COLUMN record TEXT;
    CREATE INDEX papers_dismissed ON papers(dismissed_at) WHERE dismissed_at IS NOT NULL;
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class Database:
    """Hands each thread its own connection to one SQLite file.

    `read_only`: True opens the file read-only (reads work, `transaction` raises
    ReadOnlyLibrary); None decides by whether this process may write the library
    (`writable`): a read-only mount, a directory or file without write permission."""

    def __init__(self, path: Path, read_only: bool | None = None):
        self.path = path
        self.read_only = not writable(path) if read_only is None else read_only
        self._decided = read_only is not None  # else a write refused on connecting makes it read-only
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = connect(self.path, read_only=self.read_only)
            except sqlite3.OperationalError as error:
                # The file system said yes to os.access but no to SQLite (a file owned by another user).
                if self._decided or self.read_only or not isinstance(busy_or(error), ReadOnlyLibrary):
                    raise
                self.read_only = True
                conn = connect(self.path, read_only=True)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def transaction(self):
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error."""
        if self.read_only:
            raise ReadOnlyLibrary(read_only_message(self.path))
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


def open_database(path: Path, read_only: bool | None = None) -> Database:
    """The database of a library: its directory made when it can be written; a library
    that does not exist and cannot be made is a ReadOnlyLibrary error."""
    database = Database(path, read_only=read_only)
    if not database.read_only:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    elif not Path(path).exists():
        raise ReadOnlyLibrary(f"there is no library in {Path(path).parent}, and it cannot be made: it is read-only")
    return database


@contextmanager
def storage_errors(path: Path):
    """For a caller at the edge (the CLI): a SQLite error that escapes, a damaged file
    or a full disk, becomes a `StorageError` naming the file, so the caller needs no
    `sqlite3` to catch it. (Inside the store sqlite3's own errors pass through.)"""
    try:
        yield
    except sqlite3.Error as error:
        raise StorageError(storage_message(path, error)) from error


# SQLite's primary result codes for a damaged file and for one that is not a database.
_DAMAGED_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
_DAMAGED_WORDS = ("malformed", "not a database")  # their messages, for an error that carries no code


def storage_message(path: Path, error: sqlite3.Error) -> str:
    """One line: the file, SQLite's reason (its first line, shortened: never a long SQL
    fragment), and for a damaged file what to do about it."""
    reason = (str(error).splitlines() or [type(error).__name__])[0][:200]
    code = getattr(error, "sqlite_errorcode", None)
    damaged = code & 0xFF in _DAMAGED_CODES if code else any(words in reason for words in _DAMAGED_WORDS)
    if damaged:
        return f"{path}: the database is damaged ({reason}); {restore_hint(Path(path).parent)}"
    return f"{path}: {reason}"


def busy_or(error: sqlite3.OperationalError) -> Exception:
    """`LibraryBusy` when another connection held the lock past the busy timeout,
    `ReadOnlyLibrary` when the file turned out not writable, else the error itself:
    callers tell them apart by type, never by matching text."""
    if "locked" in str(error) or "busy" in str(error):
        return LibraryBusy("another papers-tui is writing to this library")
    if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF == sqlite3.SQLITE_READONLY:
        return ReadOnlyLibrary(f"the library is read-only: {error}")
    return error


class Connection(sqlite3.Connection):
    """A connection that knows whether it was opened read-only (migrate asks)."""

    read_only = False


def writable(path: Path) -> bool:
    """May this process write the library at `path`? Its directory must take new
    files (SQLite's -wal and -shm, the index) and the file, if there, be writable.
    os.access asks the kernel: a read-only mount says no even to root."""
    directory = Path(path).parent
    if not directory.exists():  # a new library: can its directory be made?
        parent = directory.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        return os.access(parent, os.W_OK)
    if not os.access(directory, os.W_OK):
        return False
    return not Path(path).exists() or os.access(path, os.W_OK)


def read_only_message(path: Path) -> str:
    return f"the library is read-only (no write access to {Path(path).parent}): it can be read, searched and exported, not changed"


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return connect_read_only(path)
    # isolation_level=None: we open transactions ourselves, explicitly.
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000, factory=Connection
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _use_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL once per file. The switch needs the file to itself, and SQLite
    does not wait for it with the busy handler: two processes opening an old
    library at once saw "database is locked" here. So it waits itself."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise busy_or(error) from error
            time.sleep(0.02)  # another process holds the file for a moment (its own switch)


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes (SQLite's `mode=ro`), not even the journal mode.

    A WAL library needs its -shm file to be read: when the -shm cannot be made (the
    directory is not writable) and no -wal file holds changes, the file is opened
    `immutable=1`: read without locks or -shm, which is right as long as nobody
    writes it meanwhile (nobody can make a -wal beside it without write access
    either). With a -wal file present but no -shm, immutable would miss the changes
    in the -wal, so that case is refused with a message."""
    conn = _open_uri(path, "mode=ro")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reading opens the -shm, if WAL
        return conn
    except sqlite3.OperationalError as error:
        conn.close()
        if not _cannot_make_shm(error):
            raise
        if Path(f"{path}-wal").exists():
            raise ReadOnlyLibrary(
                f"the library cannot be read without write access: {Path(path).name}-wal holds changes not yet "
                "merged into it; open it once where it can be written (or copy the directory somewhere writable)"
            ) from error
    conn = _open_uri(path, "mode=ro&immutable=1")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


def _open_uri(path: Path, options: str) -> sqlite3.Connection:
    uri = f"file:{quote(str(Path(path).absolute()))}?{options}"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000, factory=Connection
    )
    conn.read_only = True
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _cannot_make_shm(error: sqlite3.OperationalError) -> bool:
    """SQLite's answer when a WAL file's -shm cannot be created beside it."""
    return getattr(error, "sqlite_errorname", "") in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN", "SQLITE_READONLY_CANTINIT")


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
    if start < SCHEMA_VERSION and getattr(conn, "read_only", False):
        if start == 0:
            raise ReadOnlyLibrary("there is no library here, and it cannot be made: the directory is read-only")
        raise ReadOnlyLibrary(
            f"this library was made by an older papers-tui (schema {start}) and must be upgraded to {SCHEMA_VERSION}, "
            "which needs write access; it is read-only here"
        )
    if start == SCHEMA_VERSION:
        return start
    _begin_waiting(conn)
    try:
        current = schema_version(conn)  # another process may have just upgraded it
        if current and current < SCHEMA_VERSION and before_upgrade:
            before_upgrade(current)  # under the lock: a second opener waits, then finds it upgraded
        for number in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return start


def _begin_waiting(conn: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE for an upgrade. Another process may hold the lock for as long
    as its backup of a big library takes, past the busy timeout: waiting goes on
    for UPGRADE_WAIT_S. (Backing up without the lock, two openers once copied an
    upgraded file over the first one's backup of the old one.)"""
    deadline = time.monotonic() + UPGRADE_WAIT_S
    while True:
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise busy_or(error) from error


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
